use serde_json::json;

use super::*;
use crate::{ApiError, Service};

const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

fn iam(op: &str, v: serde_json::Value) -> String {
    encode_output(Service::Iam, op, &v, "req-1").expect("encodes")
}

#[test]
fn get_user() {
    let xml = iam(
        "GetUser",
        json!({"User": {"UserName": "bob", "Path": "/", "UserId": "AIDAEXAMPLE",
                        "Arn": "arn:aws:iam::123456789012:user/bob",
                        "CreateDate": "2026-11-22T03:48:55Z",
                        "Tags": [{"Key": "team", "Value": "git"}]}}),
    );
    assert_eq!(
        xml,
        format!(
            "<GetUserResponse xmlns=\"{IAM_NS}\"><GetUserResult><User><Path>/</Path>\
             <UserName>bob</UserName><UserId>AIDAEXAMPLE</UserId>\
             <Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>2026-11-22T03:48:55Z</CreateDate>\
             <Tags><member><Key>team</Key><Value>git</Value></member></Tags></User></GetUserResult>\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetUserResponse>"
        )
    );
}

#[test]
fn list_users_truncated_with_marker() {
    let xml = iam(
        "ListUsers",
        json!({"Users": [
                  {"Path": "/", "UserName": "a", "UserId": "AIDA1", "Arn": "arn:aws:iam::1:user/a", "CreateDate": "2026-01-01T00:00:00Z"},
                  {"Path": "/", "UserName": "b", "UserId": "AIDA2", "Arn": "arn:aws:iam::1:user/b", "CreateDate": "2026-01-02T00:00:00Z"}],
               "IsTruncated": true, "Marker": "b"}),
    );
    assert!(xml.contains("<ListUsersResult><Users><member><Path>/</Path><UserName>a</UserName>"));
    assert!(xml.contains("</member><member><Path>/</Path><UserName>b</UserName>"));
    assert!(
        xml.contains("</Users><IsTruncated>true</IsTruncated><Marker>b</Marker></ListUsersResult>")
    );
}

#[test]
fn empty_list_is_an_empty_element() {
    let xml = iam("ListUsers", json!({"Users": [], "IsTruncated": false}));
    assert!(xml.contains(
        "<ListUsersResult><Users></Users><IsTruncated>false</IsTruncated></ListUsersResult>"
    ));
}

#[test]
fn create_access_key() {
    let xml = iam(
        "CreateAccessKey",
        json!({"AccessKey": {"UserName": "bob", "AccessKeyId": "AKIAEXAMPLE", "Status": "Active",
                             "SecretAccessKey": "wJalr/K7MDENG+bPxRfiCY", "CreateDate": "2026-11-22T03:48:55Z"}}),
    );
    assert!(xml.contains(
        "<CreateAccessKeyResult><AccessKey><UserName>bob</UserName><AccessKeyId>AKIAEXAMPLE</AccessKeyId>\
         <Status>Active</Status><SecretAccessKey>wJalr/K7MDENG+bPxRfiCY</SecretAccessKey>\
         <CreateDate>2026-11-22T03:48:55Z</CreateDate></AccessKey></CreateAccessKeyResult>"
    ));
}

#[test]
fn list_attached_user_policies() {
    let xml = iam(
        "ListAttachedUserPolicies",
        json!({"AttachedPolicies": [{"PolicyName": "ReadOnly", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
               "IsTruncated": false}),
    );
    assert!(xml.contains(
        "<AttachedPolicies><member><PolicyName>ReadOnly</PolicyName>\
         <PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn></member></AttachedPolicies>"
    ));
}

#[test]
fn maps_are_entries() {
    let xml = iam(
        "GetAccountSummary",
        json!({"SummaryMap": {"Users": 3, "Groups": 0}}),
    );
    assert!(xml.contains(
        "<SummaryMap><entry><key>Users</key><value>3</value></entry>\
         <entry><key>Groups</key><value>0</value></entry></SummaryMap>"
    ));
}

#[test]
fn sts_get_caller_identity() {
    let xml = encode_output(
        Service::Sts,
        "GetCallerIdentity",
        &json!({"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bob"}),
        "r",
    )
    .expect("encodes");
    assert_eq!(
        xml,
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>\
         <Arn>arn:aws:iam::123456789012:user/bob</Arn></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    );
}

#[test]
fn operation_without_output() {
    let xml = iam("DeleteUser", json!({}));
    assert_eq!(
        xml,
        format!(
            "<DeleteUserResponse xmlns=\"{IAM_NS}\"><ResponseMetadata><RequestId>req-1</RequestId>\
             </ResponseMetadata></DeleteUserResponse>"
        )
    );
    assert_eq!(iam("DeleteUser", serde_json::Value::Null), xml);
}

#[test]
fn members_are_written_in_model_order_and_nulls_dropped() {
    let xml = iam(
        "ListUsers",
        json!({"Marker": "m", "IsTruncated": true, "Users": [{"Arn": "arn", "UserId": "i", "UserName": "u",
               "Path": "/", "CreateDate": "2026-01-01T00:00:00Z", "PasswordLastUsed": null}]}),
    );
    assert!(xml.contains("<Users><member><Path>/</Path><UserName>u</UserName><UserId>i</UserId><Arn>arn</Arn>\
                          <CreateDate>2026-01-01T00:00:00Z</CreateDate></member></Users><IsTruncated>true"));
    assert!(!xml.contains("PasswordLastUsed"));
}

#[test]
fn text_is_escaped() {
    let xml = iam(
        "GetUserPolicy",
        json!({"UserName": "a&b", "PolicyName": "<p>", "PolicyDocument": "x\r\ny\u{1}"}),
    );
    assert!(xml.contains("<UserName>a&amp;b</UserName><PolicyName>&lt;p&gt;</PolicyName>"));
    assert!(xml.contains("<PolicyDocument>x&#xD;\ny\u{FFFD}</PolicyDocument>"));
}

#[test]
fn plain_text_is_copied_and_every_escape_still_applies() {
    let esc = |s: &str| {
        let mut out = String::new();
        super::encode::escape_into(&mut out, s);
        out
    };
    let token = "FwoGZXIvYXdzEJr//////////wEaDH+/=é€𝄞";
    assert_eq!(esc(token), token);
    assert_eq!(
        esc("a\u{FFFE}b\u{FFFF}c\u{FFFD}"),
        "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
    );
    assert_eq!(
        esc("\u{EFFF}"),
        "\u{EFFF}",
        "other characters starting with 0xEF are kept"
    );
    assert_eq!(esc("t\tn\nr\r"), "t\tn\nr&#xD;");
    assert_eq!(esc("<&>"), "&lt;&amp;&gt;");
    assert_eq!(esc("\u{0}\u{1f}"), "\u{FFFD}\u{FFFD}");
}

#[test]
fn epoch_numbers_become_iso_timestamps() {
    let xml = iam(
        "GetUser",
        json!({"User": {"Path": "/", "UserName": "u", "UserId": "i", "Arn": "a", "CreateDate": 1573306481}}),
    );
    assert!(xml.contains("<CreateDate>2019-11-09T13:34:41Z</CreateDate>"));
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "not in model shape")]
fn unknown_output_member_panics_in_debug() {
    iam(
        "GetUser",
        json!({"User": {"Path": "/", "UserName": "u", "UserId": "i", "Arn": "a",
                                   "CreateDate": "2026-01-01T00:00:00Z", "Username": "typo"}}),
    );
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "expected a Boolean")]
fn wrong_type_panics_in_debug() {
    iam("ListUsers", json!({"Users": [], "IsTruncated": "yes"}));
}

#[test]
fn error_bodies() {
    let e = ApiError::modeled(
        Service::Iam,
        "NoSuchEntityException",
        "The user with name x cannot be found.",
    );
    assert_eq!(
        encode_error(Service::Iam, &e, "rid"),
        format!(
            "<ErrorResponse xmlns=\"{IAM_NS}\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>\
             <Message>The user with name x cannot be found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>"
        )
    );
    let body = encode_error(Service::Iam, &ApiError::internal(), "rid");
    assert!(body.contains("<Type>Receiver</Type><Code>ServiceFailure</Code>"));
    let body = encode_error(Service::Sts, &ApiError::internal(), "rid");
    assert!(
        body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">")
    );
    assert!(body.contains("<Code>InternalFailure</Code>"));
    let body = encode_error(
        Service::Sts,
        &ApiError::validation_for(Service::CodeCommit, "a<b"),
        "rid",
    );
    assert!(body.contains("<Code>ValidationError</Code><Message>a&lt;b</Message>"));
}

#[test]
fn form_helpers() {
    let pairs = parse_form(b"Action=CreateUser&Version=2010-05-08&UserName=b%2Bob&Path=%2Fa+b%2F");
    assert_eq!(action(&pairs), (Some("CreateUser"), Some("2010-05-08")));
    assert_eq!(pairs[2], ("UserName".to_owned(), "b+ob".to_owned()));
    assert_eq!(pairs[3].1, "/a b/");
    assert_eq!(action(&[]), (None, None));
}
