//! Validation: each refusal with the `MalformedPolicyDocument` message AWS gives
//! (FACTS §6.1; moto `policy_validation.py`).

mod common;

use gitward_policy::{
    ParseOptions, PolicyDocument, PolicyError, PolicyKind, PolicyVersion, policy_size,
};
use serde_json::{Value, json};

fn statement(extra: Value) -> String {
    let mut s = json!({"Effect": "Allow", "Action": "codecommit:GetRepository", "Resource": "*"});
    for (k, v) in extra.as_object().expect("object") {
        if v.is_null() {
            s.as_object_mut().expect("object").remove(k);
        } else {
            s[k] = v.clone();
        }
    }
    json!({"Version": "2012-10-17", "Statement": [s]}).to_string()
}

fn message(json: &str) -> String {
    PolicyDocument::parse(json)
        .map(|_| "accepted".to_owned())
        .unwrap_or_else(|e| e.to_string())
}

const SYNTAX: &str = "Syntax errors in policy.";

#[test]
fn syntax_errors() {
    for bad in [
        "",
        "not json",
        "[]",
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        r#"{"Version":"2012-10-17","Statement":"x"}"#,
        r#"{"Version":"2012-10-17","Statement":["x"]}"#,
        r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        r#"{"Version":"2012-10-17","Id":5,"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        r#"{"Version":"2012-10-17","Extra":1,"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
    ] {
        assert_eq!(message(bad), SYNTAX, "{bad}");
    }
    for extra in [
        json!({"Resources": "*"}),
        json!({"Effect": null}),
        json!({"Effect": "Permit"}),
        json!({"Effect": true}),
        json!({"NotAction": "s3:*"}),
        json!({"NotResource": "*"}),
        json!({"Action": ["s3:GetObject", 5]}),
        json!({"Resource": {"arn": "x"}}),
        json!({"Sid": 1}),
        json!({"Condition": "x"}),
        json!({"Condition": {"StringEquals": "x"}}),
        json!({"Condition": {"StringEquals": {"aws:username": {"a": 1}}}}),
        json!({"Condition": {"StringEqualz": {"aws:username": "a"}}}),
        json!({"Condition": {"NullIfExists": {"aws:username": "true"}}}),
    ] {
        assert_eq!(message(&statement(extra.clone())), SYNTAX, "{extra}");
    }
}

#[test]
fn unknown_element_is_named_in_the_detail() {
    let err = PolicyDocument::parse(&statement(json!({"Resources": "*"}))).expect_err("refused");
    assert!(matches!(err, PolicyError::Syntax { .. }));
    assert!(err.detail().contains("\"Resources\""), "{}", err.detail());
    assert_eq!(PolicyError::AWS_CODE, "MalformedPolicyDocument");
}

#[test]
fn versions() {
    let missing = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    let doc = PolicyDocument::parse(missing).expect("missing Version is accepted");
    assert_eq!(doc.version(), PolicyVersion::V2008_10_17);
    assert!(!doc.has_version());
    let managed = ParseOptions {
        kind: PolicyKind::Identity,
        require_current_version: true,
    };
    for old in [
        missing.to_owned(),
        missing.replace("{\"Statement", "{\"Version\":\"2008-10-17\",\"Statement"),
    ] {
        let err = PolicyDocument::parse_with(&old, &managed).expect_err("too old");
        assert_eq!(
            err.to_string(),
            "Policy document must be version 2012-10-17 or greater."
        );
    }
    assert!(PolicyDocument::parse_with(&statement(json!({})), &managed).is_ok());
}

#[test]
fn legacy_parsing() {
    let legacy = "The policy failed legacy parsing";
    assert_eq!(message(&statement(json!({"Effect": "allow"}))), legacy);
    let bad_date = json!({"Condition": {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}}});
    assert_eq!(message(&statement(bad_date)), legacy);
    let good_date =
        json!({"Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}});
    assert_eq!(message(&statement(good_date)), "accepted");
    assert_eq!(
        message(&statement(json!({"Resource": "arn:aws:s3::bucket"}))),
        legacy
    );
}

#[test]
fn sids() {
    let two = |a: &str, b: &str| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": a, "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": b, "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
        ]})
        .to_string()
    };
    assert_eq!(
        message(&two("Same", "Same")),
        "Statement IDs (SID) in a single policy must be unique."
    );
    assert_eq!(message(&two("A1", "B2")), "accepted");
    assert_eq!(
        message(&two("", "")),
        "accepted",
        "empty Sids are not compared"
    );
    assert_eq!(
        message(&two("has space", "B")),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    );
}

#[test]
fn actions() {
    assert_eq!(
        message(&statement(json!({"Action": []}))),
        "Policy statement must contain actions."
    );
    assert_eq!(
        message(&statement(json!({"Action": null}))),
        "Policy statement must contain actions."
    );
    assert_eq!(
        message(&statement(json!({"Action": "GetRepository"}))),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
    assert_eq!(
        message(&statement(json!({"Action": "codecommit:Get:Repository"}))),
        "Actions/Condition can contain only one colon."
    );
    assert_eq!(
        message(&statement(json!({"Action": "code commit:Get"}))),
        "Vendor code commit is not valid"
    );
    for ok in ["*", "codecommit:*", "*:Get*", "codecommit:Get?epository"] {
        assert_eq!(
            message(&statement(json!({"Action": ok}))),
            "accepted",
            "{ok}"
        );
    }
    assert_eq!(
        message(&statement(
            json!({"Condition": {"StringEquals": {"username": "a"}}})
        )),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
}

#[test]
fn resources() {
    let cases = [
        (
            json!({"Resource": null}),
            "Policy statement must contain resources.",
        ),
        (
            json!({"Resource": []}),
            "Policy statement must contain resources.",
        ),
        (
            json!({"Resource": "MyDemoRepo"}),
            "Resource MyDemoRepo must be in ARN format or \"*\".",
        ),
        (
            json!({"Resource": "urn:aws:codecommit:us-east-1:123456789012:r"}),
            "Resource urn:aws:codecommit:us-east-1:123456789012:r must be in ARN format or \"*\".",
        ),
        (
            json!({"Resource": "arn:foo:codecommit"}),
            "Partition \"foo\" is not valid for resource \"arn:foo:codecommit:*:*:*\".",
        ),
        (
            json!({"Resource": "arn:aws"}),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            json!({"Resource": "arn:aws:*:us-east-1:123456789012:x"}),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            json!({"Resource": "arn:aws:iam:us-east-1:123456789012:user/x"}),
            "IAM resource arn:aws:iam:us-east-1:123456789012:user/x cannot contain region information.",
        ),
        (
            json!({"Resource": "arn:aws:s3:us-east-1::bucket"}),
            "Resource arn:aws:s3:us-east-1::bucket can not contain region information.",
        ),
        (
            json!({"Resource": "arn:aws:iam::123456789012:thing/x"}),
            "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
        ),
    ];
    for (extra, want) in cases {
        assert_eq!(message(&statement(extra.clone())), want, "{extra}");
    }
    for ok in [
        "*",
        "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
        "arn:aws:codecommit:*:*:*",
        "arn:*:codecommit:us-*:123456789012:Repo?",
        "arn:aws:iam::*:user/${aws:username}",
        "arn:aws:sqs:*",
        "arn:aws:s3:::bucket/*",
    ] {
        assert_eq!(
            message(&statement(json!({"Resource": ok}))),
            "accepted",
            "{ok}"
        );
    }
}

#[test]
fn principals() {
    assert_eq!(
        message(&statement(json!({"Principal": {"AWS": "123456789012"}}))),
        "Policy document should not specify a principal."
    );
    assert_eq!(
        message(&statement(json!({"NotPrincipal": {"AWS": "123456789012"}}))),
        "Policy document should not specify a principal."
    );
    let trust = |principal: Value| {
        let mut s = json!({"Effect": "Allow", "Action": "sts:AssumeRole"});
        if !principal.is_null() {
            s["Principal"] = principal;
        }
        json!({"Version": "2012-10-17", "Statement": [s]}).to_string()
    };
    let trust_message = |p: Value| {
        PolicyDocument::parse_trust(&trust(p))
            .map(|_| "accepted".to_owned())
            .unwrap_or_else(|e| e.to_string())
    };
    assert_eq!(
        trust_message(Value::Null),
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
    );
    assert_eq!(
        trust_message(json!({"AWS": "arn:aws:iam::123456789012:role/*"})),
        "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:role/*\""
    );
    assert_eq!(
        trust_message(json!("*")),
        "Invalid principal in policy: \"*\""
    );
    for ok in [
        json!({"AWS": "*"}),
        json!({"AWS": "123456789012"}),
        json!({"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/a"]}),
        json!({"Service": "codebuild.amazonaws.com"}),
        json!({"Federated": "arn:aws:iam::123456789012:saml-provider/idp"}),
    ] {
        assert_eq!(trust_message(ok.clone()), "accepted", "{ok}");
    }
    let not_principal = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": "123456789012"}}
    ]});
    assert!(PolicyDocument::parse_trust(&not_principal.to_string()).is_err());
}

#[test]
fn string_or_array_forms_and_ids() {
    let doc = common::doc(
        r#"{"Version":"2012-10-17","Id":"P1","Statement":{"Sid":"S1","Effect":"Deny",
            "NotAction":["codecommit:Get*"],"NotResource":"arn:aws:codecommit:*:*:keep"}}"#,
    );
    assert_eq!(doc.id(), Some("P1"));
    assert_eq!(doc.statements().len(), 1);
    assert_eq!(doc.statements()[0].sid(), Some("S1"));
}

#[test]
fn size_counts_without_whitespace() {
    let pretty = statement(json!({}));
    let spaced =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&pretty).expect("json"))
            .expect("json");
    assert_eq!(policy_size(&pretty), policy_size(&spaced));
    assert!(policy_size(&spaced) < spaced.len());
}
