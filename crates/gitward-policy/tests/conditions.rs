//! Every condition operator (FACTS §6.3): match, mismatch, missing key, negation, IfExists,
//! set qualifiers and block semantics.

mod common;

use common::{holds, holds_multi};
use serde_json::json;

#[test]
fn string_equals_and_not_equals() {
    let eq = json!({"StringEquals": {"aws:username": ["alice", "bob"]}});
    assert!(holds(eq.clone(), &[("aws:username", "alice")]));
    assert!(holds(eq.clone(), &[("aws:username", "bob")]));
    assert!(!holds(eq.clone(), &[("aws:username", "Alice")]));
    assert!(!holds(eq.clone(), &[("aws:username", "al*")]));
    assert!(!holds(eq, &[]), "missing key: false");

    let ne = json!({"StringNotEquals": {"aws:username": ["alice", "bob"]}});
    assert!(!holds(ne.clone(), &[("aws:username", "alice")]));
    assert!(
        !holds(ne.clone(), &[("aws:username", "bob")]),
        "negated values are ANDed"
    );
    assert!(holds(ne.clone(), &[("aws:username", "carol")]));
    assert!(
        holds(ne, &[]),
        "negated operator: true when the key is absent"
    );
}

#[test]
fn string_equals_is_literal_about_wildcards() {
    let eq = json!({"StringEquals": {"s3:prefix": "home/*"}});
    assert!(holds(eq.clone(), &[("s3:prefix", "home/*")]));
    assert!(!holds(eq, &[("s3:prefix", "home/x")]));
}

#[test]
fn string_ignore_case() {
    let eq = json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "DevOps"}});
    assert!(holds(eq.clone(), &[("aws:PrincipalTag/team", "devops")]));
    assert!(holds(eq.clone(), &[("aws:principaltag/TEAM", "DEVOPS")]));
    assert!(!holds(eq.clone(), &[("aws:PrincipalTag/team", "dev")]));
    assert!(!holds(eq, &[]));

    let ne = json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "DevOps"}});
    assert!(!holds(ne.clone(), &[("aws:PrincipalTag/team", "DEVOPS")]));
    assert!(holds(ne.clone(), &[("aws:PrincipalTag/team", "qa")]));
    assert!(holds(ne, &[]));
}

#[test]
fn string_like_and_not_like() {
    let like =
        json!({"StringLike": {"codecommit:References": ["refs/heads/feature/*", "refs/tags/v?"]}});
    assert!(holds(
        like.clone(),
        &[("codecommit:References", "refs/heads/feature/x/y")]
    ));
    assert!(holds(
        like.clone(),
        &[("codecommit:References", "refs/tags/v1")]
    ));
    assert!(!holds(
        like.clone(),
        &[("codecommit:References", "refs/tags/v10")]
    ));
    assert!(!holds(
        like.clone(),
        &[("codecommit:References", "refs/heads/main")]
    ));
    assert!(!holds(
        like.clone(),
        &[("codecommit:References", "REFS/HEADS/FEATURE/x")]
    ));
    assert!(!holds(like, &[]));

    let not_like = json!({"StringNotLike": {"codecommit:References": "refs/heads/feature/*"}});
    assert!(!holds(
        not_like.clone(),
        &[("codecommit:References", "refs/heads/feature/a")]
    ));
    assert!(holds(
        not_like.clone(),
        &[("codecommit:References", "refs/heads/main")]
    ));
    assert!(holds(not_like, &[]));
}

#[test]
fn numeric_operators() {
    let key = "s3:max-keys";
    let cases = [
        ("NumericEquals", [false, true, false]),
        ("NumericNotEquals", [true, false, true]),
        ("NumericLessThan", [true, false, false]),
        ("NumericLessThanEquals", [true, true, false]),
        ("NumericGreaterThan", [false, false, true]),
        ("NumericGreaterThanEquals", [false, true, true]),
    ];
    for (op, expected) in cases {
        for (value, want) in ["9", "10", "11"].iter().zip(expected) {
            let c = json!({op: {key: "10"}});
            assert_eq!(holds(c, &[(key, value)]), want, "{op} {value}");
        }
        let missing = holds(json!({op: {key: "10"}}), &[]);
        assert_eq!(missing, op == "NumericNotEquals", "{op} with missing key");
    }
    assert!(
        holds(json!({"NumericEquals": {key: 10}}), &[(key, "10.0")]),
        "JSON number, decimal request"
    );
    assert!(
        holds(
            json!({"NumericLessThan": {key: ["5", "20"]}}),
            &[(key, "10")]
        ),
        "values OR"
    );
    assert!(
        !holds(json!({"NumericEquals": {key: "10"}}), &[(key, "ten")]),
        "not a number"
    );
}

#[test]
fn date_operators() {
    let key = "aws:CurrentTime";
    let cases = [
        ("DateEquals", [false, true, false]),
        ("DateNotEquals", [true, false, true]),
        ("DateLessThan", [true, false, false]),
        ("DateLessThanEquals", [true, true, false]),
        ("DateGreaterThan", [false, false, true]),
        ("DateGreaterThanEquals", [false, true, true]),
    ];
    let requests = [
        "2024-01-31T11:59:59Z",
        "2024-01-31T12:00:00Z",
        "2024-01-31T12:00:01Z",
    ];
    for (op, expected) in cases {
        for (value, want) in requests.iter().zip(expected) {
            let iso = json!({op: {key: "2024-01-31T12:00:00Z"}});
            assert_eq!(holds(iso, &[(key, value)]), want, "{op} {value}");
            let epoch = json!({op: {key: "1706702400"}});
            assert_eq!(holds(epoch, &[(key, value)]), want, "{op} epoch {value}");
        }
        let missing = holds(json!({op: {key: "2024-01-31T12:00:00Z"}}), &[]);
        assert_eq!(missing, op == "DateNotEquals", "{op} with missing key");
    }
    let lt = json!({"DateLessThan": {"aws:TokenIssueTime": "2024-01-31T14:00:00+02:00"}});
    assert!(!holds(
        lt.clone(),
        &[("aws:TokenIssueTime", "2024-01-31T12:00:00Z")]
    ));
    assert!(holds(lt, &[("aws:TokenIssueTime", "2024-01-31T11:00:00Z")]));
    let epoch_request = json!({"DateGreaterThan": {"aws:EpochTime": "2024-01-01T00:00:00Z"}});
    assert!(holds(epoch_request, &[("aws:EpochTime", "1706702400")]));
}

#[test]
fn bool_operator() {
    let c = json!({"Bool": {"aws:SecureTransport": "true"}});
    assert!(holds(c.clone(), &[("aws:SecureTransport", "true")]));
    assert!(holds(c.clone(), &[("aws:SecureTransport", "TRUE")]));
    assert!(!holds(c.clone(), &[("aws:SecureTransport", "false")]));
    assert!(!holds(c, &[]));
    let json_bool = json!({"Bool": {"aws:MultiFactorAuthPresent": false}});
    assert!(holds(json_bool, &[("aws:MultiFactorAuthPresent", "false")]));
    let if_exists = json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}});
    assert!(
        holds(if_exists.clone(), &[]),
        "IfExists: absent key is true"
    );
    assert!(!holds(if_exists, &[("aws:MultiFactorAuthPresent", "true")]));
}

#[test]
fn binary_equals() {
    let c = json!({"BinaryEquals": {"key:bin": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}});
    assert!(holds(
        c.clone(),
        &[("key:bin", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")]
    ));
    assert!(
        holds(c.clone(), &[("key:bin", "QmluYXJ5VmFsdWVJbkJhc2U2NA")]),
        "same bytes, no padding"
    );
    assert!(!holds(c.clone(), &[("key:bin", "b3RoZXI=")]));
    assert!(!holds(c, &[]));
}

#[test]
fn ip_address_operators() {
    let ip =
        json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]}});
    assert!(holds(ip.clone(), &[("aws:SourceIp", "203.0.113.9")]));
    assert!(holds(ip.clone(), &[("aws:SourceIp", "2001:db8:1::5")]));
    assert!(
        holds(ip.clone(), &[("aws:SourceIp", "198.51.100.7")]),
        "bare address is /32"
    );
    assert!(!holds(ip.clone(), &[("aws:SourceIp", "198.51.100.8")]));
    assert!(!holds(ip.clone(), &[("aws:SourceIp", "2001:db9::1")]));
    assert!(!holds(ip.clone(), &[("aws:SourceIp", "not-an-ip")]));
    assert!(!holds(ip, &[]));

    let not_ip = json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}});
    assert!(!holds(not_ip.clone(), &[("aws:SourceIp", "203.0.113.9")]));
    assert!(!holds(not_ip.clone(), &[("aws:SourceIp", "10.1.2.3")]));
    assert!(holds(not_ip.clone(), &[("aws:SourceIp", "192.0.2.1")]));
    assert!(holds(not_ip, &[]));
}

#[test]
fn arn_operators() {
    let key = "aws:SourceArn";
    for op in ["ArnEquals", "ArnLike"] {
        let c = json!({op: {key: "arn:aws:codecommit:*:123456789012:repo-*"}});
        assert!(holds(
            c.clone(),
            &[(key, "arn:aws:codecommit:us-east-1:123456789012:repo-a")]
        ));
        assert!(!holds(
            c.clone(),
            &[(key, "arn:aws:codecommit:us-east-1:999999999999:repo-a")]
        ));
        assert!(!holds(c.clone(), &[(key, "not-an-arn")]));
        assert!(!holds(c, &[]), "{op} missing key");
    }
    let region = json!({"ArnLike": {key: "arn:aws:codecommit:*:123456789012:r"}});
    assert!(
        !holds(
            region,
            &[(key, "arn:aws:codecommit:us-east-1:x:123456789012:r")]
        ),
        "a wildcard stays within its ARN part"
    );
    for op in ["ArnNotEquals", "ArnNotLike"] {
        let c = json!({op: {key: "arn:aws:iam::123456789012:role/admin*"}});
        assert!(!holds(
            c.clone(),
            &[(key, "arn:aws:iam::123456789012:role/admin-1")]
        ));
        assert!(holds(
            c.clone(),
            &[(key, "arn:aws:iam::123456789012:role/dev")]
        ));
        assert!(holds(c, &[]), "{op} missing key");
    }
}

#[test]
fn null_operator() {
    let absent = json!({"Null": {"codecommit:References": "true"}});
    assert!(holds(absent.clone(), &[]));
    assert!(!holds(
        absent,
        &[("codecommit:References", "refs/heads/main")]
    ));
    let present = json!({"Null": {"codecommit:References": false}});
    assert!(!holds(present.clone(), &[]));
    assert!(holds(
        present,
        &[("codecommit:References", "refs/heads/main")]
    ));
    assert!(holds_multi(
        json!({"Null": {"aws:TagKeys": "true"}}),
        "aws:TagKeys",
        Some(&[])
    ));
}

#[test]
fn if_exists_variants() {
    let c = json!({"StringEqualsIfExists": {"codecommit:References": "refs/heads/main"}});
    assert!(holds(c.clone(), &[]));
    assert!(holds(
        c.clone(),
        &[("codecommit:References", "refs/heads/main")]
    ));
    assert!(!holds(c, &[("codecommit:References", "refs/heads/dev")]));
    for op in [
        "StringLikeIfExists",
        "NumericLessThanIfExists",
        "DateGreaterThanIfExists",
        "IpAddressIfExists",
        "ArnLikeIfExists",
        "BinaryEqualsIfExists",
        "StringNotEqualsIfExists",
    ] {
        assert!(holds(json!({op: {"x:k": "1"}}), &[]), "{op}");
    }
    let num = json!({"NumericLessThanIfExists": {"x:k": "5"}});
    assert!(!holds(num.clone(), &[("x:k", "6")]));
    assert!(holds(num, &[("x:k", "4")]));
}

#[test]
fn for_all_values() {
    let c = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}});
    assert!(holds_multi(c.clone(), "aws:TagKeys", Some(&["team"])));
    assert!(holds_multi(
        c.clone(),
        "aws:TagKeys",
        Some(&["team", "env"])
    ));
    assert!(!holds_multi(
        c.clone(),
        "aws:TagKeys",
        Some(&["team", "owner"])
    ));
    assert!(
        holds_multi(c.clone(), "aws:TagKeys", Some(&[])),
        "empty set: true"
    );
    assert!(holds_multi(c, "aws:TagKeys", None), "absent key: true");
    let like = json!({"ForAllValues:StringLike": {"aws:TagKeys": "project-*"}});
    assert!(holds_multi(
        like.clone(),
        "aws:TagKeys",
        Some(&["project-a", "project-b"])
    ));
    assert!(!holds_multi(
        like,
        "aws:TagKeys",
        Some(&["project-a", "cost"])
    ));
    let not = json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": "secret"}});
    assert!(holds_multi(not.clone(), "aws:TagKeys", Some(&["a", "b"])));
    assert!(!holds_multi(not, "aws:TagKeys", Some(&["a", "secret"])));
}

#[test]
fn for_any_value() {
    let c = json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}});
    assert!(holds_multi(
        c.clone(),
        "aws:TagKeys",
        Some(&["owner", "env"])
    ));
    assert!(!holds_multi(c.clone(), "aws:TagKeys", Some(&["owner"])));
    assert!(
        !holds_multi(c.clone(), "aws:TagKeys", Some(&[])),
        "empty set: false"
    );
    assert!(!holds_multi(c, "aws:TagKeys", None), "absent key: false");
    let not = json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "team"}});
    assert!(holds_multi(
        not.clone(),
        "aws:TagKeys",
        Some(&["team", "env"])
    ));
    assert!(!holds_multi(not, "aws:TagKeys", Some(&["team"])));
    let if_exists = json!({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}});
    assert!(holds_multi(if_exists, "aws:TagKeys", None));
}

#[test]
fn plain_operator_on_multivalued_key() {
    let eq = json!({"StringEquals": {"aws:TagKeys": "team"}});
    assert!(holds_multi(
        eq.clone(),
        "aws:TagKeys",
        Some(&["env", "team"])
    ));
    assert!(!holds_multi(eq, "aws:TagKeys", Some(&["env"])));
    let ne = json!({"StringNotEquals": {"aws:TagKeys": "team"}});
    assert!(!holds_multi(
        ne.clone(),
        "aws:TagKeys",
        Some(&["env", "team"])
    ));
    assert!(holds_multi(ne, "aws:TagKeys", Some(&["env"])));
}

#[test]
fn block_semantics_and_key_case() {
    let two_keys =
        json!({"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "dev"}});
    assert!(holds(
        two_keys.clone(),
        &[("aws:username", "alice"), ("aws:PrincipalTag/team", "dev")]
    ));
    assert!(
        !holds(two_keys, &[("aws:username", "alice")]),
        "keys are ANDed"
    );
    let two_ops = json!({
        "StringEquals": {"aws:username": "alice"},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}
    });
    assert!(holds(
        two_ops.clone(),
        &[("aws:username", "alice"), ("aws:SourceIp", "10.1.1.1")]
    ));
    assert!(
        !holds(
            two_ops,
            &[("aws:username", "alice"), ("aws:SourceIp", "192.0.2.1")]
        ),
        "operators are ANDed"
    );
    let key_case = json!({"IpAddress": {"AWS:sourceip": "10.0.0.0/8"}});
    assert!(
        holds(key_case, &[("aws:SourceIP", "10.0.0.1")]),
        "key names are case-insensitive"
    );
}

#[test]
fn variables_in_condition_values() {
    let c = json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}});
    assert!(holds(
        c.clone(),
        &[("aws:username", "alice"), ("s3:prefix", "home/alice/docs")]
    ));
    assert!(!holds(
        c.clone(),
        &[("aws:username", "alice"), ("s3:prefix", "home/bob/docs")]
    ));
    assert!(
        !holds(c, &[("s3:prefix", "home//docs")]),
        "unresolved variable: no match"
    );
    let negated = json!({"StringNotEquals": {"aws:ResourceTag/owner": "${aws:username}"}});
    assert!(
        holds(negated.clone(), &[("aws:ResourceTag/owner", "x")]),
        "unresolved, negated: true"
    );
    assert!(!holds(
        negated,
        &[("aws:ResourceTag/owner", "bob"), ("aws:username", "bob")]
    ));
    let default =
        json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'shared'}"}});
    assert!(holds(
        default.clone(),
        &[("aws:ResourceTag/team", "shared")]
    ));
    assert!(holds(
        default,
        &[
            ("aws:ResourceTag/team", "qa"),
            ("aws:PrincipalTag/team", "qa")
        ]
    ));
    let bool_var = json!({"Bool": {"aws:SecureTransport": "${x:secure}"}});
    assert!(holds(
        bool_var,
        &[("aws:SecureTransport", "true"), ("x:secure", "true")]
    ));
}

#[test]
fn unknown_operator_with_empty_block_is_ignored() {
    assert!(holds(json!({"SomeFutureOperator": {}}), &[]));
}
