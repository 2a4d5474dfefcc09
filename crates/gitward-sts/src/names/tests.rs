//! Tests of `names`.

use super::*;

fn msg<T: std::fmt::Debug>(r: Result<T, ValidationError>) -> String {
    r.expect_err("should be refused").message
}

#[test]
fn role_session_name_messages() {
    assert!(validate_role_session_name("Maria_Garcia").is_ok());
    assert!(validate_role_session_name("a+=,.@-b").is_ok());
    // The seed 001 example (a documented leniency: inner spaces only).
    assert!(validate_role_session_name("Maria Garcia").is_ok());
    assert_eq!(
        msg(validate_role_session_name(" Maria")),
        r"1 validation error detected: Value ' Maria' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
    );
    assert!(validate_role_session_name("Maria/Garcia").is_err());
    assert_eq!(
        msg(validate_role_session_name("!")),
        r"2 validation errors detected: Value '!' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; Value '!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
    );
    assert_eq!(
        msg(validate_role_session_name(&"a".repeat(65))),
        format!(
            "1 validation error detected: Value '{}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "a".repeat(65)
        )
    );
    assert!(validate_role_session_name(&"a".repeat(64)).is_ok());
    assert!(validate_role_session_name("é1").is_err(), "\\w is ASCII");
}

#[test]
fn source_identity_external_id_name_serial_code() {
    assert!(validate_role_arn("arn:aws:iam::123456789012:role/demo").is_ok());
    assert_eq!(
        msg(validate_role_arn("arn:aws:iam::1:r")),
        "1 validation error detected: Value 'arn:aws:iam::1:r' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
    );
    assert!(validate_role_arn("arn:aws:iam::123456789012:role/\u{1}").is_err());
    assert!(validate_source_identity("maria").is_ok());
    assert!(validate_source_identity("aws:x").is_err());
    assert!(validate_external_id("a:b/c-d").is_ok());
    assert!(
        msg(validate_external_id("x")).contains("at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2")
    );
    assert!(validate_external_id(&"e".repeat(1224)).is_ok());
    assert!(validate_external_id(&"e".repeat(1225)).is_err());
    assert!(validate_federated_user_name("bob").is_ok());
    assert!(validate_federated_user_name(&"b".repeat(33)).is_err());
    assert!(validate_serial_number("arn:aws:iam::123456789012:mfa/maria").is_ok());
    assert!(validate_serial_number("short").is_err());
    assert!(validate_token_code("123456").is_ok());
    assert_eq!(
        msg(validate_token_code("12345a")),
        r"1 validation error detected: Value '12345a' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]*"
    );
}

#[test]
fn assume_role_durations() {
    assert_eq!(assume_role_duration(None, 3600, false, 900), Ok(3600));
    assert_eq!(assume_role_duration(None, 43200, true, 900), Ok(3600));
    assert_eq!(assume_role_duration(Some(900), 3600, false, 900), Ok(900));
    assert_eq!(assume_role_duration(Some(2), 3600, false, 1), Ok(2));
    assert_eq!(
        msg(assume_role_duration(Some(899), 3600, false, 900)),
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    );
    assert_eq!(
        msg(assume_role_duration(Some(43201), 43200, false, 900)),
        "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"
    );
    assert_eq!(
        msg(assume_role_duration(Some(7200), 3600, false, 900)),
        ROLE_MAX_MESSAGE
    );
    assert_eq!(
        msg(assume_role_duration(Some(3601), 43200, true, 900)),
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );
    assert_eq!(assume_role_duration(Some(3600), 43200, true, 900), Ok(3600));
}

#[test]
fn token_durations() {
    assert_eq!(token_duration(None, false, 900), Ok(43200));
    assert_eq!(token_duration(None, true, 900), Ok(3600));
    assert_eq!(token_duration(Some(129_600), false, 900), Ok(129_600));
    assert_eq!(token_duration(Some(7200), true, 900), Ok(3600));
    assert!(
        msg(token_duration(Some(129_601), false, 900)).contains("less than or equal to 129600")
    );
    assert!(msg(token_duration(Some(899), true, 900)).contains("greater than or equal to 900"));
}

#[test]
fn session_tag_rules() {
    let tags = vec![
        SessionTag::new("Project", "Alpha"),
        SessionTag::new("Team", ""),
    ];
    assert!(validate_session_tags(&tags, &["project".into()], &[]).is_ok());
    assert!(validate_session_tags(&[SessionTag::new("Ünïcode Key", "värde 1")], &[], &[]).is_ok());
    let dup = vec![
        SessionTag::new("Department", "a"),
        SessionTag::new("department", "b"),
    ];
    assert_eq!(
        msg(validate_session_tags(&dup, &[], &[])),
        "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    );
    assert!(msg(validate_session_tags(&tags, &["Other".into()], &[])).contains("'Other'"));
    assert!(validate_session_tags(&tags, &[], &["PROJECT".into()]).is_err());
    assert_eq!(
        msg(validate_session_tags(
            &[SessionTag::new("a#b", "v")],
            &[],
            &[]
        )),
        r"1 validation error detected: Value 'a#b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+"
    );
    assert!(
        msg(validate_session_tags(&[SessionTag::new("", "v")], &[], &[]))
            .contains("at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    assert!(validate_session_tags(&[SessionTag::new("k", "v".repeat(257))], &[], &[]).is_err());
    let many: Vec<_> = (0..51)
        .map(|i| SessionTag::new(format!("k{i}"), "v"))
        .collect();
    assert!(msg(validate_session_tags(&many, &[], &[])).contains(
        "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    ));
    assert!(validate_session_tags(&many[..50], &[], &[]).is_ok());
}
