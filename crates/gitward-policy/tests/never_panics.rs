//! Property tests: parsing never panics on arbitrary (JSON-ish) input, and evaluating any
//! accepted policy against any request never panics.

use gitward_policy::{
    AwsPrincipal, PolicyDocument, PolicySource, Principal, RequestContext, evaluate,
    evaluate_statements, evaluate_trust, policy_size,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

const WORDS: &[&str] = &[
    "*",
    "?",
    "",
    "Allow",
    "Deny",
    "allow",
    "2012-10-17",
    "2008-10-17",
    "s3:GetObject",
    "codecommit:Get*",
    "codecommit:GitPush",
    "iam:*AccessKey*",
    "sts:AssumeRole",
    "arn:aws:s3:::b/*",
    "arn:aws:codecommit:us-east-1:123456789012:repo",
    "arn:aws:codecommit:*:*:*",
    "arn:aws",
    "arn:aws:iam::123456789012:user/${aws:username}",
    "arn:aws:iam::123456789012:root",
    "arn:aws:sts::123456789012:assumed-role/r/s",
    "123456789012",
    "${aws:username}",
    "${",
    "${*}",
    "${aws:PrincipalTag/team, 'x'}",
    "${a,",
    "}",
    "10.0.0.0/8",
    "::1",
    "2001:db8::/32",
    "1.2.3.4",
    "2024-01-31T12:00:00Z",
    "2024-13-45",
    "1706702400",
    "-1",
    "1e309",
    "true",
    "false",
    "QmluYXJ5",
    "refs/heads/main",
    "refs/heads/*",
    "é",
    "\u{0}",
    "a:b:c",
];

const KEYS: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "StringEquals",
    "StringNotLike",
    "StringLikeIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringNotEquals",
    "NumericLessThan",
    "DateGreaterThan",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnLike",
    "ArnNotEquals",
    "Null",
    "NullIfExists",
    "Bogus",
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:TagKeys",
    "codecommit:References",
    "s3:max-keys",
    "aws:SourceArn",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn json_ish() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        6 => word().prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(Value::Null),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const ACTIONS: &[&str] = &[
    "*",
    "s3:GetObject",
    "codecommit:Get*",
    "codecommit:GitPush",
    "iam:*AccessKey*",
    "sts:AssumeRole",
    "*:Get?",
    "codecommit:*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:codecommit:us-east-1:123456789012:repo",
    "arn:aws:codecommit:*:*:*",
    "arn:aws:iam::123456789012:user/${aws:username}",
    "arn:aws:sqs:*",
    "arn:*:codecommit:us-*:*:${aws:PrincipalTag/team, 'x'}-*",
];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "Null",
    "StringLikeIfExists",
    "NumericLessThanIfExists",
    "ForAllValues:StringLike",
    "ForAnyValue:StringNotEquals",
    "ForAnyValue:IpAddress",
];
const CONDITION_KEYS: &[&str] = &[
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:TagKeys",
    "codecommit:References",
    "s3:max-keys",
    "aws:SourceArn",
    "aws:PrincipalTag/team",
];

/// Mostly a value from `pool`, sometimes any word.
fn from(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(pool).prop_map(str::to_owned),
        1 => word(),
    ]
}

fn one_or_many(pool: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        from(pool).prop_map(Value::String),
        proptest::collection::vec(from(pool).prop_map(Value::String), 0..4).prop_map(Value::Array),
    ]
}

/// A statement built from policy-shaped parts (mostly accepted by the parser).
fn statement() -> impl Strategy<Value = Value> {
    let condition = proptest::collection::vec(
        (
            from(OPERATORS),
            proptest::collection::vec((from(CONDITION_KEYS), one_or_many(WORDS)), 1..3),
        ),
        0..3,
    );
    (
        prop_oneof![Just("Allow"), Just("Deny")],
        prop_oneof![Just("Action"), Just("NotAction")],
        one_or_many(ACTIONS),
        prop_oneof![Just("Resource"), Just("NotResource")],
        one_or_many(RESOURCES),
        condition,
        proptest::option::weighted(0.2, json_ish()),
    )
        .prop_map(
            |(effect, a_key, actions, r_key, resources, condition, principal)| {
                let mut s = Map::new();
                s.insert("Effect".into(), effect.into());
                s.insert(a_key.into(), actions);
                s.insert(r_key.into(), resources);
                if !condition.is_empty() {
                    let block: Map<String, Value> = condition
                        .into_iter()
                        .map(|(op, entries)| (op, Value::Object(entries.into_iter().collect())))
                        .collect();
                    s.insert("Condition".into(), Value::Object(block));
                }
                if let Some(principal) = principal {
                    s.insert("Principal".into(), principal);
                }
                Value::Object(s)
            },
        )
}

fn policy() -> impl Strategy<Value = String> {
    proptest::collection::vec(statement(), 1..4).prop_map(|statements| {
        serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    })
}

fn request() -> impl Strategy<Value = RequestContext> {
    (
        from(ACTIONS),
        from(RESOURCES),
        proptest::collection::vec((from(CONDITION_KEYS), word()), 0..6),
        proptest::collection::vec(word(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(action, resource, keys, tags, with_principal)| {
            let mut req = RequestContext::new(&action, &resource);
            for (k, v) in keys {
                req.set(&k, v);
            }
            req.set_multi("aws:TagKeys", tags);
            if with_principal {
                req.set_principal(Principal::Aws(AwsPrincipal {
                    arn: resource.clone(),
                    account: "123456789012".into(),
                    role_arn: Some(action),
                    unique_id: None,
                }));
            }
            req
        })
}

fn check_everything(doc: &PolicyDocument, req: &RequestContext) {
    let sources = [PolicySource {
        name: "p",
        document: doc,
    }];
    let _ = evaluate(&sources, Some(&sources), Some(&sources), req).explain();
    let _ = evaluate_statements(&sources[0], req);
    let _ = evaluate_trust(doc, req);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_text(text in "\\PC{0,200}") {
        let _ = PolicyDocument::parse(&text);
        let _ = PolicyDocument::parse_trust(&text);
        let _ = policy_size(&text);
    }

    #[test]
    fn parse_never_panics_on_json_ish(value in json_ish()) {
        let text = value.to_string();
        let _ = PolicyDocument::parse(&text);
        let _ = PolicyDocument::parse_trust(&text);
        let wrapped = serde_json::json!({"Version": "2012-10-17", "Statement": value}).to_string();
        let _ = PolicyDocument::parse(&wrapped);
    }

    #[test]
    fn evaluate_never_panics(text in policy(), req in request()) {
        for doc in [PolicyDocument::parse(&text), PolicyDocument::parse_trust(&text)]
            .into_iter()
            .flatten()
        {
            check_everything(&doc, &req);
        }
    }

    #[test]
    fn typed_condition_values_never_panic(
        op in proptest::sample::select(OPERATORS),
        value in "[0-9TZtz:.+/-]{0,14}\\PC{0,3}",
        request in "[0-9TZtz:.+/-]{0,14}\\PC{0,3}",
    ) {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {op: {"x:k": value}}}}).to_string();
        if let Ok(doc) = PolicyDocument::parse(&text) {
            let mut req = RequestContext::new("s:a", "*");
            req.set("x:k", request);
            check_everything(&doc, &req);
        }
    }

    #[test]
    fn truncated_policies_never_panic(text in policy(), cut in any::<prop::sample::Index>()) {
        let chars: Vec<char> = text.chars().collect();
        let prefix: String = chars[..cut.index(chars.len() + 1)].iter().collect();
        let _ = PolicyDocument::parse(&prefix);
    }
}

#[test]
fn some_generated_policies_are_accepted() {
    // Guard against a generator that only ever produces refused documents.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let accepted = (0..300)
        .filter(|_| {
            let text = policy().new_tree(&mut runner).expect("generate").current();
            PolicyDocument::parse(&text).is_ok()
        })
        .count();
    assert!(
        accepted > 10,
        "only {accepted} of 300 generated policies parsed"
    );
}
