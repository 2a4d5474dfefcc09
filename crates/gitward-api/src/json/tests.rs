use serde_json::{Value, json};

use super::*;
use crate::{ApiError, Service};

fn out(op: &str, v: Value) -> Value {
    let bytes = encode_output(Service::CodeCommit, op, &v).expect("encodes");
    serde_json::from_slice(&bytes).expect("valid JSON")
}

#[test]
fn create_repository_with_tags() {
    let body = br#"{"repositoryName":"demo","repositoryDescription":"d","tags":{"team":"git","env":""},"bogus":1,"kmsKeyId":null}"#;
    let v = decode_input(Service::CodeCommit, "CreateRepository", body).expect("decodes");
    assert_eq!(
        v,
        json!({"repositoryName": "demo", "repositoryDescription": "d", "tags": {"team": "git", "env": ""}})
    );
}

#[test]
fn empty_body_is_empty_object() {
    assert_eq!(
        decode_input(Service::CodeCommit, "ListRepositories", b"").expect("ok"),
        json!({})
    );
    assert_eq!(
        decode_input(Service::CodeCommit, "ListRepositories", b" \n").expect("ok"),
        json!({})
    );
}

#[test]
fn bad_json_and_types_are_serialization_exceptions() {
    let e = decode_input(Service::CodeCommit, "GetRepository", b"{nope").expect_err("bad JSON");
    assert_eq!((e.code.as_str(), e.status), ("SerializationException", 400));
    let e = decode_input(Service::CodeCommit, "GetRepository", b"[1]").expect_err("not an object");
    assert_eq!(e.code, "SerializationException");
    let e = decode_input(
        Service::CodeCommit,
        "GetRepository",
        br#"{"repositoryName":5}"#,
    )
    .expect_err("number");
    assert_eq!(e.message, "NUMBER_VALUE can not be converted to a String");
    let e = decode_input(
        Service::CodeCommit,
        "CreateRepository",
        br#"{"repositoryName":"x","tags":["a"]}"#,
    )
    .expect_err("list for map");
    assert_eq!(e.message, "Start of list found where not expected");
}

#[test]
fn blobs_and_longs_in_input() {
    let body = br#"{"repositoryName":"r","branchName":"main","fileContent":"aGVsbG8=","filePath":"a.txt"}"#;
    let v = decode_input(Service::CodeCommit, "PutFile", body).expect("decodes");
    assert_eq!(v["fileContent"], json!("aGVsbG8="));
    let body =
        br#"{"repositoryName":"r","branchName":"main","fileContent":"%%%","filePath":"a.txt"}"#;
    assert_eq!(
        decode_input(Service::CodeCommit, "PutFile", body)
            .expect_err("bad base64")
            .code,
        "SerializationException"
    );
}

#[test]
fn unknown_operation() {
    let e = decode_input(Service::CodeCommit, "MakeCoffee", b"{}").expect_err("unknown");
    assert_eq!(e.code, "UnknownOperationException");
}

#[test]
fn get_repository_timestamps_are_epoch_seconds() {
    let v = out(
        "GetRepository",
        json!({"repositoryMetadata": {
            "accountId": "123456789012", "repositoryId": "f7579e13-b83e-4027-aaef-650c0EXAMPLE",
            "repositoryName": "demo", "defaultBranch": "main",
            "lastModifiedDate": "2019-11-09T13:34:41.25Z", "creationDate": "2019-11-09T13:34:41Z",
            "cloneUrlHttp": "https://git.example/v1/repos/demo", "Arn": "arn:aws:codecommit:us-east-1:123456789012:demo"}}),
    );
    let md = &v["repositoryMetadata"];
    assert_eq!(md["creationDate"], json!(1573306481));
    assert_eq!(md["lastModifiedDate"], json!(1573306481.25));
    assert_eq!(
        md["Arn"],
        json!("arn:aws:codecommit:us-east-1:123456789012:demo")
    );
    let keys: Vec<&str> = md
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "accountId",
            "repositoryId",
            "repositoryName",
            "defaultBranch",
            "lastModifiedDate",
            "creationDate",
            "cloneUrlHttp",
            "Arn"
        ]
    );
}

#[test]
fn lists_blobs_and_no_output() {
    let v = out(
        "ListRepositories",
        json!({"repositories": [{"repositoryName": "a", "repositoryId": "1"}], "nextToken": null}),
    );
    assert_eq!(
        v,
        json!({"repositories": [{"repositoryName": "a", "repositoryId": "1"}]})
    );
    assert_eq!(
        out("GetBlob", json!({"content": [104, 105]})),
        json!({"content": "aGk="})
    );
    assert_eq!(
        out("GetBlob", json!({"content": "aGk="})),
        json!({"content": "aGk="})
    );
    assert_eq!(out("TagResource", json!({})), json!({}));
    assert_eq!(out("TagResource", Value::Null), json!({}));
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "not in model shape")]
fn unknown_output_member_panics_in_debug() {
    out(
        "GetRepository",
        json!({"repositoryMetadata": {"repoName": "typo"}}),
    );
}

#[test]
fn error_bodies() {
    let e = ApiError::modeled(
        Service::CodeCommit,
        "RepositoryDoesNotExistException",
        "demo does not exist",
    );
    let body: Value = serde_json::from_slice(&encode_error(&e)).expect("JSON");
    assert_eq!(
        body,
        json!({"__type": "RepositoryDoesNotExistException", "message": "demo does not exist"})
    );
    assert_eq!(e.status, 400);
    let body: Value =
        serde_json::from_slice(&encode_error(&ApiError::validation("m"))).expect("JSON");
    assert_eq!(body["__type"], "ValidationException");
    let body: Value = serde_json::from_slice(&encode_error(&ApiError::internal())).expect("JSON");
    assert_eq!(body["__type"], "InternalFailure");
}
