//! The real client as the judge: botocore (what the AWS CLI and boto3 run) serializes requests
//! that our decoders must read, and parses responses our encoders wrote. Skipped, with the
//! reason printed, when `python3` or botocore is missing.

use std::path::Path;
use std::process::Command;

use gitward_api::{ApiError, Service, json, query, validate};
use serde_json::{Value, json};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/botocore_check.py");

fn botocore_available() -> bool {
    match Command::new("python3")
        .args(["-c", "import botocore; print(botocore.__version__)"])
        .output()
    {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            println!(
                "skipping: botocore is not importable: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            false
        }
        Err(e) => {
            println!("skipping: python3 cannot be run: {e}");
            false
        }
    }
}

fn run_script(mode: &str, manifest: &Path, dir: &Path) {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .arg(mode)
        .arg(manifest)
        .arg(dir)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "botocore check failed:\n{stdout}\n{stderr}"
    );
}

fn protocol(svc: Service) -> &'static str {
    match svc {
        Service::CodeCommit => "json",
        Service::Iam | Service::Sts => "query",
    }
}

fn service_name(svc: Service) -> &'static str {
    svc.signing_name()
}

/// Turns `$bytes` markers into the base64 strings the Value convention uses.
fn unmark(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("$bytes") => o["$bytes"].clone(),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), unmark(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(unmark).collect()),
        other => other.clone(),
    }
}

#[test]
fn botocore_serialized_requests_decode_to_the_params() {
    if !botocore_available() {
        return;
    }
    let cases: Vec<(&str, Service, &str, Value)> = vec![
        (
            "create_user",
            Service::Iam,
            "CreateUser",
            json!({
            "Path": "/eng/", "UserName": "bob+1@example.com",
            "Tags": [{"Key": "team", "Value": "git ops"}, {"Key": "cost:centre", "Value": ""}]}),
        ),
        (
            "put_user_policy",
            Service::Iam,
            "PutUserPolicy",
            json!({
            "UserName": "bob", "PolicyName": "p+q=1",
            "PolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"codecommit:*\",\"Resource\":\"arn:aws:codecommit:*:*:a+b é&c=d%20\"}]}"}),
        ),
        (
            "assume_role",
            Service::Sts,
            "AssumeRole",
            json!({
            "RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s1",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, {"arn": "arn:aws:iam::123456789012:policy/x"}],
            "DurationSeconds": 3600,
            "Tags": [{"Key": "k", "Value": "v"}], "TransitiveTagKeys": [], "ExternalId": "ext"}),
        ),
        (
            "password_policy",
            Service::Iam,
            "UpdateAccountPasswordPolicy",
            json!({
            "MinimumPasswordLength": 12, "RequireSymbols": true, "RequireNumbers": false,
            "MaxPasswordAge": 90, "HardExpiry": false}),
        ),
        (
            "oidc_provider",
            Service::Iam,
            "CreateOpenIDConnectProvider",
            json!({
            "Url": "https://token.actions.example", "ClientIDList": ["sts.amazonaws.com", "other"],
            "ThumbprintList": ["a".repeat(40)], "Tags": [{"Key": "a", "Value": "b"}]}),
        ),
        (
            "create_repository",
            Service::CodeCommit,
            "CreateRepository",
            json!({
            "repositoryName": "demo", "repositoryDescription": "Demo repo",
            "tags": {"team": "git", "empty": ""}}),
        ),
        (
            "put_file",
            Service::CodeCommit,
            "PutFile",
            json!({
            "repositoryName": "demo", "branchName": "main",
            "fileContent": {"$bytes": "AAEC/f7/aGVsbG8="}, "filePath": "dir/a.bin",
            "fileMode": "NORMAL", "commitMessage": "add"}),
        ),
        (
            "list_repositories",
            Service::CodeCommit,
            "ListRepositories",
            json!({}),
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest: Vec<Value> = cases
        .iter()
        .map(|(name, svc, op, params)| {
            json!({"name": name, "service": service_name(*svc), "protocol": protocol(*svc),
                   "op": op, "params": params})
        })
        .collect();
    let manifest_path = dir.path().join("requests.json");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    run_script("serialize", &manifest_path, dir.path());

    for (name, svc, op, params) in &cases {
        let body = std::fs::read(dir.path().join(format!("{name}.body"))).expect("body");
        let decoded = match svc {
            Service::CodeCommit => {
                let target = std::fs::read_to_string(dir.path().join(format!("{name}.target")))
                    .expect("target");
                assert_eq!(Service::from_target(&target), Some((*svc, *op)), "{name}");
                json::decode_input(*svc, op, &body)
            }
            _ => {
                let pairs = query::parse_form(&body);
                let (action, version) = query::action(&pairs);
                assert_eq!(action, Some(*op), "{name}");
                assert_eq!(
                    version.and_then(Service::from_query_version),
                    Some(*svc),
                    "{name}"
                );
                query::decode_input(*svc, op, &pairs)
            }
        }
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, unmark(params), "{name}");
        assert_eq!(validate(*svc, op, &decoded), Ok(()), "{name}");
    }
}

struct Case {
    name: &'static str,
    svc: Service,
    op: &'static str,
    status: u16,
    body: Vec<u8>,
    expect: Value,
}

fn ok(name: &'static str, svc: Service, op: &'static str, output: Value, expected: Value) -> Case {
    let body = match svc.protocol() {
        gitward_api::Protocol::Query => query::encode_output(svc, op, &output, name)
            .expect("encodes")
            .into_bytes(),
        gitward_api::Protocol::Json => json::encode_output(svc, op, &output).expect("encodes"),
    };
    Case {
        name,
        svc,
        op,
        status: 200,
        body,
        expect: json!({"expected": expected}),
    }
}

fn err(name: &'static str, svc: Service, op: &'static str, e: &ApiError, want: Value) -> Case {
    let body = match svc.protocol() {
        gitward_api::Protocol::Query => query::encode_error(svc, e, name).into_bytes(),
        gitward_api::Protocol::Json => json::encode_error(e),
    };
    Case {
        name,
        svc,
        op,
        status: e.status,
        body,
        expect: json!({"expected_error": want}),
    }
}

fn dt(s: &str) -> Value {
    json!({"$datetime": s})
}

#[test]
fn botocore_parses_encoded_responses() {
    if !botocore_available() {
        return;
    }
    let user = json!({"Path": "/", "UserName": "bob", "UserId": "AIDAEXAMPLE",
                      "Arn": "arn:aws:iam::123456789012:user/bob", "CreateDate": "2026-11-22T03:48:55Z"});
    let user_parsed = json!({"Path": "/", "UserName": "bob", "UserId": "AIDAEXAMPLE",
                             "Arn": "arn:aws:iam::123456789012:user/bob", "CreateDate": dt("2026-11-22T03:48:55Z")});
    let mut tagged = user.clone();
    tagged["Tags"] = json!([{"Key": "team", "Value": "git"}, {"Key": "empty", "Value": ""}]);
    let mut tagged_parsed = user_parsed.clone();
    tagged_parsed["Tags"] = tagged["Tags"].clone();
    let repo = json!({"accountId": "123456789012", "repositoryId": "f7579e13-b83e-4027-aaef-650c0EXAMPLE",
                      "repositoryName": "demo", "repositoryDescription": "d & <e>",
                      "lastModifiedDate": "2019-11-09T13:34:41.25Z", "creationDate": "2019-11-09T13:34:41Z",
                      "cloneUrlHttp": "https://git.example/v1/repos/demo",
                      "Arn": "arn:aws:codecommit:us-east-1:123456789012:demo"});
    let mut repo_parsed = repo.clone();
    repo_parsed["lastModifiedDate"] = dt("2019-11-09T13:34:41.25Z");
    repo_parsed["creationDate"] = dt("2019-11-09T13:34:41Z");

    let validation = validate(
        Service::Sts,
        "AssumeRole",
        &json!({"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "a/b"}),
    )
    .expect_err("invalid session name");
    let cases = vec![
        ok(
            "iam_get_user",
            Service::Iam,
            "GetUser",
            json!({"User": tagged}),
            json!({"User": tagged_parsed}),
        ),
        ok(
            "iam_list_users",
            Service::Iam,
            "ListUsers",
            json!({"Users": [user, user], "IsTruncated": true, "Marker": "next&page"}),
            json!({"Users": [user_parsed, user_parsed], "IsTruncated": true, "Marker": "next&page"}),
        ),
        ok(
            "iam_list_users_empty",
            Service::Iam,
            "ListUsers",
            json!({"Users": [], "IsTruncated": false}),
            json!({"Users": [], "IsTruncated": false}),
        ),
        ok(
            "iam_create_access_key",
            Service::Iam,
            "CreateAccessKey",
            json!({"AccessKey": {"UserName": "bob", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active",
                                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "CreateDate": "2026-11-22T03:48:55Z"}}),
            json!({"AccessKey": {"UserName": "bob", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active",
                                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "CreateDate": dt("2026-11-22T03:48:55Z")}}),
        ),
        ok(
            "iam_list_attached_user_policies",
            Service::Iam,
            "ListAttachedUserPolicies",
            json!({"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], "IsTruncated": false}),
            json!({"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], "IsTruncated": false}),
        ),
        ok(
            "iam_account_summary",
            Service::Iam,
            "GetAccountSummary",
            json!({"SummaryMap": {"Users": 3, "UsersQuota": 5000}}),
            json!({"SummaryMap": {"Users": 3, "UsersQuota": 5000}}),
        ),
        ok(
            "iam_credential_report",
            Service::Iam,
            "GetCredentialReport",
            json!({"Content": [0, 1, 2, 255], "ReportFormat": "text/csv", "GeneratedTime": "2026-01-02T03:04:05Z"}),
            json!({"Content": {"$bytes": "AAEC/w=="}, "ReportFormat": "text/csv", "GeneratedTime": dt("2026-01-02T03:04:05Z")}),
        ),
        ok(
            "iam_get_user_policy_escaping",
            Service::Iam,
            "GetUserPolicy",
            json!({"UserName": "bob", "PolicyName": "p", "PolicyDocument": "a&b <c> \"d\" 'e'\r\nf\tg é 😀"}),
            json!({"UserName": "bob", "PolicyName": "p", "PolicyDocument": "a&b <c> \"d\" 'e'\r\nf\tg é 😀"}),
        ),
        ok(
            "iam_delete_user",
            Service::Iam,
            "DeleteUser",
            json!({}),
            json!({}),
        ),
        ok(
            "sts_get_caller_identity",
            Service::Sts,
            "GetCallerIdentity",
            json!({"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bob"}),
            json!({"UserId": "AIDAEXAMPLE", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bob"}),
        ),
        ok(
            "sts_assume_role",
            Service::Sts,
            "AssumeRole",
            json!({"Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s", "SessionToken": "t",
                                  "Expiration": "2019-11-09T13:34:41Z"},
                  "AssumedRoleUser": {"AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s1", "Arn": "arn:aws:sts::123456789012:assumed-role/demo/s1"},
                  "PackedPolicySize": 6, "SourceIdentity": "me"}),
            json!({"Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s", "SessionToken": "t",
                                  "Expiration": dt("2019-11-09T13:34:41Z")},
                  "AssumedRoleUser": {"AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s1", "Arn": "arn:aws:sts::123456789012:assumed-role/demo/s1"},
                  "PackedPolicySize": 6, "SourceIdentity": "me"}),
        ),
        ok(
            "cc_get_repository",
            Service::CodeCommit,
            "GetRepository",
            json!({"repositoryMetadata": repo}),
            json!({"repositoryMetadata": repo_parsed}),
        ),
        ok(
            "cc_batch_get_repositories",
            Service::CodeCommit,
            "BatchGetRepositories",
            json!({"repositories": [repo], "repositoriesNotFound": ["gone"], "errors": []}),
            json!({"repositories": [repo_parsed], "repositoriesNotFound": ["gone"], "errors": []}),
        ),
        ok(
            "cc_list_repositories",
            Service::CodeCommit,
            "ListRepositories",
            json!({"repositories": [{"repositoryName": "a", "repositoryId": "1"}], "nextToken": "n"}),
            json!({"repositories": [{"repositoryName": "a", "repositoryId": "1"}], "nextToken": "n"}),
        ),
        ok(
            "cc_get_file",
            Service::CodeCommit,
            "GetFile",
            json!({"commitId": "c", "blobId": "b", "filePath": "a.txt", "fileMode": "NORMAL",
                  "fileSize": 5_000_000_000_i64, "fileContent": "aGVsbG8="}),
            json!({"commitId": "c", "blobId": "b", "filePath": "a.txt", "fileMode": "NORMAL",
                  "fileSize": 5_000_000_000_i64, "fileContent": {"$bytes": "aGVsbG8="}}),
        ),
        ok(
            "cc_tag_resource",
            Service::CodeCommit,
            "TagResource",
            json!({}),
            json!({}),
        ),
        err(
            "iam_no_such_entity",
            Service::Iam,
            "GetUser",
            &ApiError::modeled(
                Service::Iam,
                "NoSuchEntityException",
                "The user with name bob cannot be found.",
            ),
            json!({"Code": "NoSuchEntity", "Type": "Sender", "Message": "The user with name bob cannot be found.",
                   "exception": "NoSuchEntityException"}),
        ),
        err(
            "iam_service_failure",
            Service::Iam,
            "GetUser",
            &ApiError::internal(),
            json!({"Code": "ServiceFailure", "Type": "Receiver", "exception": "ServiceFailureException"}),
        ),
        err(
            "sts_validation",
            Service::Sts,
            "AssumeRole",
            &validation,
            json!({"Code": "ValidationError", "Type": "Sender", "Message": validation.message}),
        ),
        err(
            "sts_expired_token",
            Service::Sts,
            "AssumeRoleWithWebIdentity",
            &ApiError::modeled(
                Service::Sts,
                "ExpiredTokenException",
                "Token expired: current date/time 1 must be before the expiration date/time 0",
            ),
            json!({"Code": "ExpiredTokenException", "exception": "ExpiredTokenException"}),
        ),
        err(
            "cc_does_not_exist",
            Service::CodeCommit,
            "GetRepository",
            &ApiError::modeled(
                Service::CodeCommit,
                "RepositoryDoesNotExistException",
                "demo does not exist",
            ),
            json!({"Code": "RepositoryDoesNotExistException", "Message": "demo does not exist",
                   "exception": "RepositoryDoesNotExistException"}),
        ),
        err(
            "cc_validation",
            Service::CodeCommit,
            "CreateRepository",
            &ApiError::validation("bad"),
            json!({"Code": "ValidationException", "Message": "bad"}),
        ),
    ];

    let dir = tempfile::tempdir().expect("temp dir");
    let mut manifest = Vec::new();
    for case in &cases {
        std::fs::write(dir.path().join(format!("{}.body", case.name)), &case.body)
            .expect("write body");
        let mut entry = json!({"name": case.name, "service": service_name(case.svc),
                               "protocol": protocol(case.svc), "op": case.op,
                               "status": case.status, "request_id": case.name});
        for (k, v) in case.expect.as_object().expect("object") {
            entry[k] = v.clone();
        }
        manifest.push(entry);
    }
    let manifest_path = dir.path().join("responses.json");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    run_script("parse", &manifest_path, dir.path());
}
