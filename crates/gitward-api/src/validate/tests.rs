use serde_json::json;

use super::*;

fn msg(svc: Service, op: &str, input: Value) -> String {
    let e = validate(svc, op, &input).expect_err("invalid");
    assert_eq!(e.status, 400);
    e.message
}

#[test]
fn valid_input_passes() {
    let input = json!({"UserName": "bob@example.com", "Path": "/eng/",
                       "Tags": [{"Key": "team", "Value": ""}]});
    assert_eq!(validate(Service::Iam, "CreateUser", &input), Ok(()));
    assert_eq!(
        validate(Service::Sts, "GetCallerIdentity", &json!({})),
        Ok(())
    );
}

#[test]
fn pattern_failure_is_worded_like_aws() {
    let e = validate(Service::Iam, "CreateUser", &json!({"UserName": "x y"})).expect_err("bad");
    assert_eq!(e.code, "ValidationError");
    assert_eq!(
        e.message,
        r"1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    );
}

#[test]
fn length_and_null() {
    assert_eq!(
        msg(
            Service::Iam,
            "CreateUser",
            json!({"UserName": "a".repeat(65)})
        ),
        format!(
            "1 validation error detected: Value '{}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "a".repeat(65)
        )
    );
    assert_eq!(
        msg(Service::Iam, "CreateUser", json!({})),
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn several_failures_are_counted_and_joined() {
    assert_eq!(
        msg(
            Service::Iam,
            "CreateUser",
            json!({"UserName": "", "Path": "noslash"})
        ),
        r"3 validation errors detected: Value 'noslash' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    );
}

#[test]
fn integer_range_and_enum() {
    let input = json!({"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s1",
                       "DurationSeconds": 100});
    assert_eq!(
        msg(Service::Sts, "AssumeRole", input),
        "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    );
    assert_eq!(
        msg(
            Service::Iam,
            "UpdateAccessKey",
            json!({"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Enabled"})
        ),
        "1 validation error detected: Value 'Enabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"
    );
}

#[test]
fn nested_list_paths() {
    let mut tags: Vec<Value> = (0..51)
        .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
        .collect();
    tags[1] = json!({"Key": "k".repeat(129), "Value": "v"});
    tags[2] = json!({"Value": "v"});
    let m = msg(
        Service::Iam,
        "CreateUser",
        json!({"UserName": "bob", "Tags": tags}),
    );
    assert!(
        m.starts_with("3 validation errors detected: Value '["),
        "{m}"
    );
    assert!(m.contains("' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50; "));
    assert!(m.contains(&format!(
        "Value '{}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
        "k".repeat(129)
    )));
    assert!(m.ends_with(
        "Value null at 'tags.3.member.key' failed to satisfy constraint: Member must not be null"
    ));
}

#[test]
fn sensitive_values_are_not_echoed() {
    assert_eq!(
        msg(
            Service::Iam,
            "ChangePassword",
            json!({"OldPassword": "old", "NewPassword": ""})
        ),
        "2 validation errors detected: Value at 'newPassword' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'newPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    );
}

#[test]
fn codecommit_uses_validation_exception_and_map_wording() {
    let e = validate(
        Service::CodeCommit,
        "CreateRepository",
        &json!({"repositoryName": "bad name!"}),
    )
    .expect_err("bad");
    assert_eq!(e.code, "ValidationException");
    assert_eq!(
        e.message,
        r"1 validation error detected: Value 'bad name!' at 'repositoryName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\.-]+"
    );
    let m = msg(
        Service::CodeCommit,
        "CreateRepository",
        json!({"repositoryName": "ok", "tags": {"": "v"}}),
    );
    assert_eq!(
        m,
        "1 validation error detected: Value '{=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1]"
    );
    let m = msg(
        Service::CodeCommit,
        "TagResource",
        json!({"resourceArn": "arn", "tags": {"k": "v".repeat(257)}}),
    );
    assert!(
        m.ends_with(
            "Map value must satisfy constraint: [Member must have length less than or equal to 256]"
        ),
        "{m}"
    );
}

#[test]
fn blob_length_and_lookaround_pattern() {
    assert_eq!(
        validate(
            Service::Iam,
            "CreateAccountAlias",
            &json!({"AccountAlias": "my-alias"})
        ),
        Ok(())
    );
    let m = msg(
        Service::Iam,
        "CreateAccountAlias",
        json!({"AccountAlias": "my--alias"}),
    );
    assert!(m.contains(
        "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
    ));
    let input = json!({"repositoryName": "r", "branchName": "main", "filePath": "a", "fileContent": "aGk="});
    assert_eq!(validate(Service::CodeCommit, "PutFile", &input), Ok(()));
}

#[test]
fn length_counts_utf16_units() {
    // U+1D400 is a letter outside the BMP: 64 of them are 128 UTF-16 units (the max).
    let key = "\u{1D400}".repeat(64);
    let ok = json!({"UserName": "bob", "Tags": [{"Key": key, "Value": ""}]});
    assert_eq!(validate(Service::Iam, "TagUser", &ok), Ok(()));
    let bad = json!({"UserName": "bob", "Tags": [{"Key": "\u{1D400}".repeat(65), "Value": ""}]});
    assert!(validate(Service::Iam, "TagUser", &bad).is_err());
}
