//! Evaluation logic (FACTS §6.2, §6.4): matching, variables, deny precedence, boundaries,
//! session policies, trust policies.

mod common;

use common::{REPO, decide, doc};
use gitward_policy::{
    AwsPrincipal, Decision, Effect, ImplicitDenyReason, PolicyDocument, PolicySet, PolicySource,
    Principal, PrincipalMatch, RequestContext, TrustDecision, evaluate, evaluate_statements,
    evaluate_trust,
};

fn allow(action: &str, resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Sid":"A","Effect":"Allow","Action":"{action}","Resource":"{resource}"}}}}"#
    ))
}

fn deny(action: &str, resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Sid":"D","Effect":"Deny","Action":"{action}","Resource":"{resource}"}}}}"#
    ))
}

fn src<'a>(name: &'a str, document: &'a PolicyDocument) -> PolicySource<'a> {
    PolicySource { name, document }
}

fn get_repo() -> RequestContext {
    RequestContext::new("codecommit:GetRepository", REPO)
}

#[test]
fn no_policy_is_implicit_deny() {
    let d = evaluate(&[], None, None, &get_repo());
    assert_eq!(
        d,
        Decision::ImplicitDeny {
            reason: ImplicitDenyReason::NoIdentityPolicyAllows,
            action: "codecommit:GetRepository".into()
        }
    );
    assert!(!d.is_allowed());
    assert_eq!(
        d.explain(),
        "because no identity-based policy allows the codecommit:GetRepository action"
    );
}

#[test]
fn explicit_deny_beats_allow_from_another_policy() {
    let a = allow("codecommit:*", "*");
    let d = deny("codecommit:GetRepository", REPO);
    for order in [
        [src("allow", &a), src("deny", &d)],
        [src("deny", &d), src("allow", &a)],
    ] {
        let decision = evaluate(&order, None, None, &get_repo());
        assert_eq!(
            decision,
            Decision::ExplicitDeny {
                policy: "deny".into(),
                sid: Some("D".into()),
                set: PolicySet::Identity
            }
        );
    }
    let other = RequestContext::new("codecommit:ListBranches", REPO);
    assert_eq!(
        evaluate(&[src("allow", &a), src("deny", &d)], None, None, &other),
        Decision::Allow {
            policy: "allow".into(),
            sid: Some("A".into())
        }
    );
}

#[test]
fn boundary_intersects() {
    let identity = allow("codecommit:*", "*");
    let boundary = allow("codecommit:Get*", "*");
    let ids = [src("id", &identity)];
    let bounds = [src("boundary", &boundary)];
    assert!(evaluate(&ids, Some(&bounds), None, &get_repo()).is_allowed());
    let push = RequestContext::new("codecommit:GitPush", REPO);
    let d = evaluate(&ids, Some(&bounds), None, &push);
    assert_eq!(
        d.explain(),
        "because no permissions boundary allows the codecommit:GitPush action"
    );
    // The boundary alone grants nothing.
    let none = evaluate(&[], Some(&bounds), None, &get_repo());
    assert!(matches!(
        none,
        Decision::ImplicitDeny {
            reason: ImplicitDenyReason::NoIdentityPolicyAllows,
            ..
        }
    ));
    // An explicit deny in the boundary wins even without an identity allow.
    let bdeny = deny("codecommit:*", "*");
    let d = evaluate(&[], Some(&[src("b", &bdeny)]), None, &get_repo());
    assert_eq!(
        d.explain(),
        "with an explicit deny in a permissions boundary: b"
    );
    // Present but empty boundary allows nothing.
    assert!(!evaluate(&ids, Some(&[]), None, &get_repo()).is_allowed());
}

#[test]
fn session_policy_intersects() {
    let identity = allow("codecommit:*", "*");
    let session = allow("codecommit:GetRepository", REPO);
    let ids = [src("role", &identity)];
    let sess = [src("session", &session)];
    assert!(evaluate(&ids, None, Some(&sess), &get_repo()).is_allowed());
    let push = RequestContext::new("codecommit:GitPush", REPO);
    let d = evaluate(&ids, None, Some(&sess), &push);
    assert!(matches!(
        d,
        Decision::ImplicitDeny {
            reason: ImplicitDenyReason::SessionPolicy,
            ..
        }
    ));
    assert_eq!(
        d.explain(),
        "because no session policy allows the codecommit:GitPush action"
    );
    // Session policies never add permissions.
    let narrow = allow("codecommit:ListBranches", "*");
    let d = evaluate(&[src("role", &narrow)], None, Some(&sess), &get_repo());
    assert!(!d.is_allowed());
    // All three: boundary checked before session.
    let boundary = allow("codecommit:List*", "*");
    let d = evaluate(&ids, Some(&[src("b", &boundary)]), Some(&sess), &get_repo());
    assert!(matches!(
        d,
        Decision::ImplicitDeny {
            reason: ImplicitDenyReason::PermissionsBoundary,
            ..
        }
    ));
    let sdeny = deny("*", "*");
    let d = evaluate(&ids, None, Some(&[src("s", &sdeny)]), &get_repo());
    assert_eq!(d.explain(), "with an explicit deny in a session policy: s");
}

#[test]
fn resource_matching() {
    let req = |resource: &str| RequestContext::new("s3:GetObject", resource);
    let p = allow("s3:GetObject", "arn:aws:s3:::B/*/test/*");
    assert!(decide(&p, &req("arn:aws:s3:::B/1/2/test/3/x")).is_allowed());
    assert!(
        !decide(&p, &req("arn:aws:s3:::b/1/2/test/3/x")).is_allowed(),
        "case-sensitive"
    );
    let regions = allow("codecommit:*", "arn:aws:codecommit:us-*:123456789012:*");
    let cc = |r: &str| RequestContext::new("codecommit:GetRepository", r);
    assert!(decide(&regions, &cc(REPO)).is_allowed());
    assert!(
        !decide(
            &regions,
            &cc("arn:aws:codecommit:eu-west-1:123456789012:MyDemoRepo")
        )
        .is_allowed()
    );
    assert!(
        !decide(
            &regions,
            &cc("arn:aws:codecommit:us-east-1:999999999999:MyDemoRepo")
        )
        .is_allowed()
    );
    let one = allow(
        "codecommit:*",
        "arn:aws:codecommit:us-east-1:123456789012:Repo?",
    );
    assert!(decide(&one, &cc("arn:aws:codecommit:us-east-1:123456789012:Repo1")).is_allowed());
    assert!(
        !decide(
            &one,
            &cc("arn:aws:codecommit:us-east-1:123456789012:Repo12")
        )
        .is_allowed()
    );
    let short = allow("sqs:*", "arn:aws:sqs:*");
    let q = RequestContext::new("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q");
    assert!(
        decide(&short, &q).is_allowed(),
        "short ARNs are padded with *"
    );
    let star_request = RequestContext::new("codecommit:ListRepositories", "*");
    assert!(decide(&allow("codecommit:*", "*"), &star_request).is_allowed());
    assert!(!decide(&regions, &star_request).is_allowed());
}

#[test]
fn not_action_and_not_resource() {
    let p = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","NotAction":"codecommit:Delete*","Resource":"*"},
            {"Effect":"Deny","Action":"*","NotResource":"arn:aws:codecommit:*:123456789012:*"}]}"#);
    assert!(decide(&p, &get_repo()).is_allowed());
    assert!(
        !decide(
            &p,
            &RequestContext::new("codecommit:DeleteRepository", REPO)
        )
        .is_allowed()
    );
    let foreign = RequestContext::new(
        "codecommit:GetRepository",
        "arn:aws:codecommit:us-east-1:999999999999:x",
    );
    assert!(matches!(
        decide(&p, &foreign),
        Decision::ExplicitDeny { .. }
    ));
}

#[test]
fn variables_in_resources() {
    let p = doc(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*",
            "Resource":"arn:aws:iam::123456789012:user/${aws:username}"}}"#,
    );
    let mut req = RequestContext::new(
        "iam:CreateAccessKey",
        "arn:aws:iam::123456789012:user/alice",
    );
    assert!(
        !decide(&p, &req).is_allowed(),
        "unresolved variable matches nothing"
    );
    req.set("aws:username", "alice");
    assert!(decide(&p, &req).is_allowed());
    req.set("aws:username", "bob");
    assert!(!decide(&p, &req).is_allowed());
    req.set("aws:username", "*");
    assert!(
        !decide(&p, &req).is_allowed(),
        "variable values are literal"
    );

    let old = doc(
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"iam:*",
            "Resource":"arn:aws:iam::123456789012:user/${aws:username}"}}"#,
    );
    let mut literal = RequestContext::new(
        "iam:GetUser",
        "arn:aws:iam::123456789012:user/${aws:username}",
    );
    literal.set("aws:username", "alice");
    assert!(
        decide(&old, &literal).is_allowed(),
        "2008-10-17: variables are literal text"
    );

    let tag = doc(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"codecommit:*",
            "Resource":"arn:aws:codecommit:us-east-1:123456789012:${aws:PrincipalTag/team, 'shared'}-*"}}"#,
    );
    let mut req = RequestContext::new(
        "codecommit:GitPull",
        "arn:aws:codecommit:us-east-1:123456789012:shared-tools",
    );
    assert!(decide(&tag, &req).is_allowed(), "default value");
    req.set("aws:principaltag/TEAM", "web");
    assert!(!decide(&tag, &req).is_allowed());
    let web = {
        let mut r = RequestContext::new(
            "codecommit:GitPull",
            "arn:aws:codecommit:us-east-1:123456789012:web-app",
        );
        r.set("aws:PrincipalTag/team", "web");
        r
    };
    assert!(decide(&tag, &web).is_allowed());

    let escapes = doc(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
            "Resource":"arn:aws:s3:::b/${*}${?}${$}"}}"#,
    );
    assert!(
        decide(
            &escapes,
            &RequestContext::new("s3:GetObject", "arn:aws:s3:::b/*?$")
        )
        .is_allowed()
    );
    assert!(
        !decide(
            &escapes,
            &RequestContext::new("s3:GetObject", "arn:aws:s3:::b/xy$")
        )
        .is_allowed()
    );

    let not_resource = doc(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*",
            "NotResource":"arn:aws:iam::123456789012:user/${aws:username}"}}"#,
    );
    let req = RequestContext::new("iam:GetUser", "arn:aws:iam::123456789012:user/alice");
    assert!(
        matches!(decide(&not_resource, &req), Decision::ExplicitDeny { .. }),
        "NotResource with an unresolved variable excludes nothing"
    );
}

#[test]
fn statement_report() {
    let p = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"One","Effect":"Allow","Action":"codecommit:Get*","Resource":"*"},
            {"Sid":"Two","Effect":"Allow","Action":"iam:*","Resource":"*"},
            {"Sid":"Three","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#);
    let source = src("p", &p);
    let mut req = get_repo();
    let hits = evaluate_statements(&source, &req);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].index, hits[0].sid, hits[0].effect),
        (0, Some("One"), Effect::Allow)
    );
    req.set("aws:SecureTransport", "false");
    let hits: Vec<_> = evaluate_statements(&source, &req)
        .iter()
        .map(|h| h.index)
        .collect();
    assert_eq!(hits, [0, 2]);
}

fn caller(arn: &str, role: Option<&str>) -> Principal {
    Principal::Aws(AwsPrincipal {
        arn: arn.into(),
        account: arn.split(':').nth(4).unwrap_or_default().into(),
        role_arn: role.map(Into::into),
        unique_id: None,
    })
}

fn assume(principal: Principal) -> RequestContext {
    let mut req = RequestContext::new("sts:AssumeRole", "arn:aws:iam::123456789012:role/deploy");
    req.set_principal(principal);
    req
}

#[test]
fn trust_policies() {
    let trust = PolicyDocument::parse_trust(
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},
            {"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:role/ci"},"Action":["sts:AssumeRole","sts:TagSession"]},
            {"Sid":"Ext","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:user/partner"},"Action":"sts:AssumeRole",
             "Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}},
            {"Sid":"NoMallory","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/mallory"},"Action":"sts:*"}]}"#,
    )
    .expect("valid trust policy");
    let alice = assume(caller("arn:aws:iam::123456789012:user/alice", None));
    assert_eq!(
        evaluate_trust(&trust, &alice),
        TrustDecision::Allow {
            via: PrincipalMatch::Account,
            sid: Some("Acct".into())
        }
    );
    let ci_session = assume(caller(
        "arn:aws:sts::210987654321:assumed-role/ci/build-7",
        Some("arn:aws:iam::210987654321:role/ci"),
    ));
    assert_eq!(
        evaluate_trust(&trust, &ci_session),
        TrustDecision::Allow {
            via: PrincipalMatch::Exact,
            sid: Some("Ci".into())
        }
    );
    let mut partner = assume(caller("arn:aws:iam::333333333333:user/partner", None));
    assert_eq!(
        evaluate_trust(&trust, &partner),
        TrustDecision::ImplicitDeny
    );
    partner.set("sts:ExternalId", "s3cret");
    assert!(evaluate_trust(&trust, &partner).is_allowed());
    let mallory = assume(caller("arn:aws:iam::123456789012:user/mallory", None));
    assert_eq!(
        evaluate_trust(&trust, &mallory),
        TrustDecision::ExplicitDeny {
            sid: Some("NoMallory".into())
        }
    );
    let stranger = assume(caller("arn:aws:iam::444444444444:user/x", None));
    assert!(!evaluate_trust(&trust, &stranger).is_allowed());
    let no_principal =
        RequestContext::new("sts:AssumeRole", "arn:aws:iam::123456789012:role/deploy");
    assert!(!evaluate_trust(&trust, &no_principal).is_allowed());

    let web = PolicyDocument::parse_trust(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",
            "Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.example.com"},
            "Condition":{"StringEquals":{"token.example.com:aud":"sts.amazonaws.com"}}}}"#,
    )
    .expect("valid");
    let mut req = RequestContext::new(
        "sts:AssumeRoleWithWebIdentity",
        "arn:aws:iam::123456789012:role/web",
    );
    req.set_principal(Principal::Federated(
        "arn:aws:iam::123456789012:oidc-provider/token.example.com".into(),
    ));
    req.set("token.example.com:aud", "sts.amazonaws.com");
    assert!(evaluate_trust(&web, &req).is_allowed());
    req.set("token.example.com:aud", "other");
    assert!(!evaluate_trust(&web, &req).is_allowed());
}
