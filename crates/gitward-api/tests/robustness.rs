//! Decoders face untrusted input: whatever arrives, they answer with a value or an `ApiError`,
//! never a panic, and `validate` accepts whatever they produce as input.

use gitward_api::{Service, json, query, validate};
use proptest::prelude::*;

/// Keys shaped like real query keys, so the walk goes deep into the model.
fn query_key() -> impl Strategy<Value = String> {
    let seg = prop_oneof![
        Just("Tags".to_owned()),
        Just("member".to_owned()),
        Just("entry".to_owned()),
        Just("key".to_owned()),
        Just("value".to_owned()),
        Just("Key".to_owned()),
        Just("Value".to_owned()),
        Just("PolicyArns".to_owned()),
        Just("arn".to_owned()),
        Just("DurationSeconds".to_owned()),
        Just("UserName".to_owned()),
        (0u32..4).prop_map(|i| i.to_string()),
        "[A-Za-z]{1,6}",
    ];
    prop::collection::vec(seg, 1..6).prop_map(|s| s.join("."))
}

proptest! {
    #[test]
    fn query_decode_never_panics(
        op in prop::sample::select(vec!["CreateUser", "AssumeRole", "TagUser", "ListUsers", "UpdateAccountPasswordPolicy"]),
        pairs in prop::collection::vec((query_key(), ".{0,12}"), 0..24),
    ) {
        let svc = if op == "AssumeRole" { Service::Sts } else { Service::Iam };
        if let Ok(v) = query::decode_input(svc, op, &pairs) {
            let _ = validate(svc, op, &v);
            prop_assert!(v.is_object());
        }
    }

    #[test]
    fn json_decode_never_panics(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = json::decode_input(Service::CodeCommit, "CreateRepository", &body);
    }

    #[test]
    fn json_decode_of_json_never_panics(
        name in ".{0,120}",
        tags in prop::collection::btree_map(".{0,130}", ".{0,260}", 0..4),
        extra in any::<i64>(),
    ) {
        let body = serde_json::json!({"repositoryName": name, "tags": tags, "kmsKeyId": extra});
        let bytes = serde_json::to_vec(&body).expect("serializes");
        let _ = json::decode_input(Service::CodeCommit, "CreateRepository", &bytes)
            .map(|v| validate(Service::CodeCommit, "CreateRepository", &v));
        let _ = json::decode_input(Service::CodeCommit, "TagResource", &bytes)
            .map(|v| validate(Service::CodeCommit, "TagResource", &v));
    }
}
