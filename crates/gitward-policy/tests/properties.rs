//! Algebraic properties of `evaluate` over random policy sets (issue 4, acceptance point 5):
//!
//! - evaluation never panics;
//! - inserting a `Deny` statement anywhere can only turn `allowed` into a deny, never a deny
//!   into `allowed`, and an explicit deny stays an explicit deny;
//! - inserting an `Allow` statement never turns an explicit deny into anything else;
//! - a permissions boundary can only remove allows (and never removes an explicit deny).
//!
//! Policies come from a small grammar whose pieces (actions, resources, condition keys and
//! values) overlap with the generated requests, so that a good share of the requests is
//! allowed and each property is exercised in both directions.

use gitward_policy::{Decision, PolicyDocument, PolicySource, RequestContext, evaluate};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

const REQUEST_ACTIONS: &[&str] = &[
    "codecommit:GitPush",
    "codecommit:GitPull",
    "codecommit:GetRepository",
    "codecommit:DeleteRepository",
    "codecommit:ListRepositories",
    "s3:GetObject",
    "iam:CreateAccessKey",
];
const POLICY_ACTIONS: &[&str] = &[
    "*",
    "codecommit:*",
    "codecommit:Git*",
    "codecommit:GitPush",
    "codecommit:Get*",
    "codecommit:?etRepository",
    "codecommit:DeleteRepository",
    "codecommit:List*",
    "s3:*",
    "s3:GetObject",
    "iam:*AccessKey*",
    "CODECOMMIT:gitpull",
];
const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
    "arn:aws:codecommit:us-east-1:123456789012:Other",
    "arn:aws:codecommit:eu-west-1:123456789012:MyDemo-2",
    "arn:aws:s3:::bucket/alice/x",
    "arn:aws:iam::123456789012:user/alice",
    "*",
];
const POLICY_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
    "arn:aws:codecommit:*:123456789012:MyDemo*",
    "arn:aws:codecommit:us-east-1:*:*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::123456789012:user/${aws:PrincipalTag/team, 'alice'}",
];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateGreaterThan",
    "DateLessThanIfExists",
    "Bool",
    "BoolIfExists",
    "IpAddress",
    "NotIpAddress",
    "ArnLike",
    "ArnNotEquals",
    "Null",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
    "ForAnyValue:StringNotEquals",
];

/// Condition keys with the values used both in policies and in requests.
const KEYS: &[(&str, &[&str])] = &[
    (
        "codecommit:References",
        &["refs/heads/main", "refs/heads/feature", "refs/heads/*"],
    ),
    (
        "aws:username",
        &["alice", "bob", "${aws:PrincipalTag/team}"],
    ),
    ("aws:PrincipalTag/team", &["alice", "blue", "red"]),
    (
        "aws:ResourceTag/team",
        &["blue", "${aws:PrincipalTag/team}"],
    ),
    (
        "aws:SourceIp",
        &["192.0.2.7", "192.0.2.0/24", "2001:db8::1"],
    ),
    ("aws:MultiFactorAuthPresent", &["true", "false"]),
    (
        "aws:CurrentTime",
        &["2024-01-01T00:00:00Z", "2025-06-01T12:00:00Z"],
    ),
    ("s3:max-keys", &["5", "10", "100"]),
    (
        "aws:SourceArn",
        &[
            "arn:aws:sns:us-east-1:123456789012:t",
            "arn:aws:sns:*:123456789012:*",
        ],
    ),
    ("aws:TagKeys", &["Team", "Owner", "T*"]),
];

fn one_or_many(pool: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => proptest::sample::select(pool).prop_map(Value::from),
        1 => proptest::collection::vec(proptest::sample::select(pool), 1..4)
            .prop_map(Value::from),
    ]
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    let entry = (
        proptest::sample::select(OPERATORS),
        proptest::sample::select(KEYS),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(op, (key, values), pick, null_true)| {
            // Date values are checked when the policy is parsed: keep dates with dates.
            let (key, values) = if op.starts_with("Date") {
                KEYS.iter()
                    .find(|(k, _)| *k == "aws:CurrentTime")
                    .copied()
                    .expect("aws:CurrentTime is in KEYS")
            } else {
                (key, values)
            };
            let value: Value = if op == "Null" {
                Value::from(if null_true { "true" } else { "false" })
            } else {
                Value::from(values[pick.index(values.len())])
            };
            (op, key, value)
        });
    proptest::option::weighted(0.35, proptest::collection::vec(entry, 1..3)).prop_map(|entries| {
        entries.map(|entries| {
            let mut block = Map::new();
            for (op, key, value) in entries {
                let keys = block
                    .entry(op.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                keys.as_object_mut()
                    .expect("operator block is an object")
                    .insert(key.to_owned(), value);
            }
            Value::Object(block)
        })
    })
}

/// A statement with the given effect (`None` = random).
fn statement(effect: Option<&'static str>) -> impl Strategy<Value = Value> {
    let effect = match effect {
        Some(e) => Just(e).boxed(),
        None => prop_oneof![3 => Just("Allow"), 1 => Just("Deny")].boxed(),
    };
    (
        effect,
        prop_oneof![4 => Just("Action"), 1 => Just("NotAction")],
        one_or_many(POLICY_ACTIONS),
        prop_oneof![4 => Just("Resource"), 1 => Just("NotResource")],
        one_or_many(POLICY_RESOURCES),
        condition(),
    )
        .prop_map(|(effect, a_key, actions, r_key, resources, condition)| {
            let mut s = Map::new();
            s.insert("Effect".into(), effect.into());
            s.insert(a_key.into(), actions);
            s.insert(r_key.into(), resources);
            if let Some(condition) = condition {
                s.insert("Condition".into(), condition);
            }
            Value::Object(s)
        })
}

/// A policy as a list of statements (wrapped into a document by [`document`]).
fn policy() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(statement(None), 1..4)
}

fn document(statements: &[Value]) -> PolicyDocument {
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    PolicyDocument::parse(&text).unwrap_or_else(|e| panic!("{}: {text}", e.detail()))
}

/// Identity policies, an optional boundary, an optional session policy set.
#[derive(Debug, Clone)]
struct Sets {
    identity: Vec<Vec<Value>>,
    boundary: Option<Vec<Vec<Value>>>,
    session: Option<Vec<Vec<Value>>>,
}

fn sets() -> impl Strategy<Value = Sets> {
    (
        proptest::collection::vec(policy(), 1..4),
        proptest::option::weighted(0.4, proptest::collection::vec(policy(), 0..3)),
        proptest::option::weighted(0.3, proptest::collection::vec(policy(), 0..3)),
    )
        .prop_map(|(identity, boundary, session)| Sets {
            identity,
            boundary,
            session,
        })
}

fn request() -> impl Strategy<Value = RequestContext> {
    let key_value = (
        proptest::sample::select(KEYS),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    );
    (
        proptest::sample::select(REQUEST_ACTIONS),
        proptest::sample::select(REQUEST_RESOURCES),
        proptest::collection::vec(key_value, 0..7),
    )
        .prop_map(|(action, resource, keys)| {
            let mut req = RequestContext::new(action, resource);
            for ((key, values), a, b) in keys {
                if key == "aws:TagKeys" {
                    let n = b.index(values.len() + 1);
                    req.set_multi(
                        key,
                        values.iter().take(n).map(|v| (*v).to_owned()).collect(),
                    );
                } else {
                    req.set(key, values[a.index(values.len())]);
                }
            }
            req
        })
}

const NAMES: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];

fn sources(docs: &[PolicyDocument]) -> Vec<PolicySource<'_>> {
    docs.iter()
        .enumerate()
        .map(|(i, document)| PolicySource {
            name: NAMES[i % NAMES.len()],
            document,
        })
        .collect()
}

fn evaluate_sets(sets: &Sets, req: &RequestContext) -> Decision {
    let compile = |policies: &[Vec<Value>]| -> Vec<PolicyDocument> {
        policies.iter().map(|p| document(p)).collect()
    };
    let identity = compile(&sets.identity);
    let boundary = sets.boundary.as_deref().map(compile);
    let session = sets.session.as_deref().map(compile);
    let identity = sources(&identity);
    let boundary = boundary.as_deref().map(sources);
    let session = session.as_deref().map(sources);
    evaluate(&identity, boundary.as_deref(), session.as_deref(), req)
}

/// Where to put an extra statement: which set, which policy, which position (indices are
/// reduced modulo the sizes; a set with no policies gets a new one-statement policy).
#[derive(Debug, Clone, Copy)]
struct Insertion {
    set: usize,
    policy: prop::sample::Index,
    position: prop::sample::Index,
    new_policy: bool,
}

fn insertion() -> impl Strategy<Value = Insertion> {
    (
        0..3usize,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(set, policy, position, new_policy)| Insertion {
            set,
            policy,
            position,
            new_policy,
        })
}

fn insert(sets: &Sets, at: Insertion, statement: Value) -> Sets {
    let mut out = sets.clone();
    // An absent boundary/session set stays absent (adding one is property (d)'s business).
    let target = match at.set {
        1 if out.boundary.is_some() => out.boundary.as_mut(),
        2 if out.session.is_some() => out.session.as_mut(),
        _ => Some(&mut out.identity),
    }
    .expect("target set is present");
    if at.new_policy || target.is_empty() {
        target.push(vec![statement]);
    } else {
        let i = at.policy.index(target.len());
        let policy = &mut target[i];
        let pos = at.position.index(policy.len() + 1);
        policy.insert(pos, statement);
    }
    out
}

fn kind(d: &Decision) -> &'static str {
    match d {
        Decision::Allow { .. } => "allowed",
        Decision::ExplicitDeny { .. } => "explicitDeny",
        Decision::ImplicitDeny { .. } => "implicitDeny",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// (a) Evaluation never panics (and every part of a decision can be rendered).
    #[test]
    fn evaluate_never_panics(sets in sets(), req in request()) {
        let decision = evaluate_sets(&sets, &req);
        let _ = decision.explain();
    }

    /// (b) Inserting a Deny statement can only turn `allowed` into a deny.
    #[test]
    fn deny_insertion_is_monotonic(
        sets in sets(),
        req in request(),
        deny in statement(Some("Deny")),
        at in insertion(),
    ) {
        let before = evaluate_sets(&sets, &req);
        let after = evaluate_sets(&insert(&sets, at, deny), &req);
        if !before.is_allowed() {
            prop_assert!(!after.is_allowed(), "deny insertion allowed: {before:?} -> {after:?}");
        }
        if matches!(before, Decision::ExplicitDeny { .. }) {
            prop_assert_eq!(kind(&after), "explicitDeny", "{:?} -> {:?}", before, after);
        }
        if after.is_allowed() {
            prop_assert_eq!(&before, &after);
        }
    }

    /// (c) Inserting an Allow statement never turns an explicit deny into anything else.
    #[test]
    fn allow_insertion_keeps_explicit_deny(
        sets in sets(),
        req in request(),
        allow in statement(Some("Allow")),
        at in insertion(),
    ) {
        let before = evaluate_sets(&sets, &req);
        let after = evaluate_sets(&insert(&sets, at, allow), &req);
        if matches!(before, Decision::ExplicitDeny { .. }) {
            prop_assert_eq!(&before, &after);
        }
        // And an Allow in an identity policy never turns an allow into a deny.
        if at.set == 0 && before.is_allowed() {
            prop_assert!(after.is_allowed(), "{before:?} -> {after:?}");
        }
    }

    /// (d) The permissions boundary can only remove allows.
    #[test]
    fn boundary_only_removes_allows(
        sets in sets(),
        boundary in proptest::collection::vec(policy(), 0..3),
        req in request(),
    ) {
        let without = Sets { boundary: None, ..sets.clone() };
        let with = Sets { boundary: Some(boundary), ..sets };
        let free = evaluate_sets(&without, &req);
        let bounded = evaluate_sets(&with, &req);
        if bounded.is_allowed() {
            prop_assert_eq!(&free, &bounded);
        }
        // (Which set the deny is attributed to may change: the boundary is checked first.)
        if matches!(free, Decision::ExplicitDeny { .. }) {
            prop_assert_eq!(kind(&bounded), "explicitDeny", "{:?} -> {:?}", free, bounded);
        }
    }
}

/// Guard against generators that make the properties vacuous: a fair share of random
/// (policy set, request) pairs must be allowed, and some explicitly denied.
#[test]
fn generators_reach_every_decision() {
    let mut runner = TestRunner::deterministic();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..1000 {
        let sets = sets().new_tree(&mut runner).expect("sets").current();
        let req = request().new_tree(&mut runner).expect("request").current();
        *counts.entry(kind(&evaluate_sets(&sets, &req))).or_insert(0) += 1;
    }
    for kind in ["allowed", "explicitDeny", "implicitDeny"] {
        let n = counts.get(kind).copied().unwrap_or(0);
        assert!(
            n >= 50,
            "only {n} of 1000 generated cases were {kind}: {counts:?}"
        );
    }
}
