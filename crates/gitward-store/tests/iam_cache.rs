//! The IAM service's cached lookups (access keys, roles, role tags) over the real store:
//! every change is seen by the next lookup.

use gitward_core::{Clock, FixedClock};
use gitward_iam::{IamService, KeyStatus, NewRole, Tag};
use gitward_store::{Db, MasterKey};
use std::sync::Arc;

fn service() -> IamService {
    let db = Arc::new(Db::open_in_memory(MasterKey::from_bytes([3; 32])).expect("db"));
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(
        time::macros::datetime!(2026-12-01 00:00 UTC),
    ));
    IamService::new(db, clock)
}

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

#[test]
fn key_changes_are_seen_at_once() {
    let iam = service();
    let (account, _) = iam.create_account().expect("account");
    let account = account.id;
    iam.create_user(&account, "alice", None, None, &[])
        .expect("user");
    let key = iam.create_access_key(&account, Some("alice")).expect("key");
    let id = key.key.id.clone();

    let (_, k, secret) = iam.lookup_access_key(&id).expect("lookup").expect("found");
    assert_eq!(k.status, KeyStatus::Active);
    assert_eq!(secret.expose(), key.secret.expose());
    assert!(k.last_used.is_none());
    // Served again (from the cache) unchanged.
    assert_eq!(
        iam.lookup_access_key(&id)
            .expect("lookup")
            .expect("found")
            .1,
        k
    );

    iam.record_key_use(&id, "sts", "us-east-1").expect("record");
    let (_, k, _) = iam.lookup_access_key(&id).expect("lookup").expect("found");
    assert!(k.last_used.is_some(), "the last use is read back");

    iam.update_access_key(&account, Some("alice"), &id, KeyStatus::Inactive)
        .expect("deactivate");
    let (_, k, _) = iam.lookup_access_key(&id).expect("lookup").expect("found");
    assert_eq!(k.status, KeyStatus::Inactive);

    iam.delete_access_key(&account, Some("alice"), &id)
        .expect("delete");
    assert!(iam.lookup_access_key(&id).expect("lookup").is_none());
    assert!(
        iam.lookup_access_key("AKIANOSUCHKEY0000000")
            .expect("lookup")
            .is_none()
    );
}

#[test]
fn role_changes_are_seen_at_once() {
    let iam = service();
    let (account, _) = iam.create_account().expect("account");
    let account = account.id;
    let new = NewRole {
        name: "Deploy",
        path: None,
        trust_policy: TRUST,
        description: None,
        max_session_duration: None,
        boundary: None,
        tags: &[],
    };
    let role = iam.create_role(&account, &new).expect("role");
    let arn = role.arn();
    assert_eq!(
        iam.role_by_arn(&arn).expect("by arn").map(|r| r.role_id),
        Some(role.role_id.clone())
    );
    assert!(iam.role_tags(&account, "deploy").expect("tags").is_empty());

    let tag = Tag {
        key: "team".into(),
        value: "a".into(),
    };
    iam.tag_role(&account, "Deploy", std::slice::from_ref(&tag))
        .expect("tag");
    assert_eq!(iam.role_tags(&account, "Deploy").expect("tags"), vec![tag]);

    iam.record_role_use(&role, "us-east-1").expect("record");
    let again = iam.role_by_arn(&arn).expect("by arn").expect("found");
    assert!(again.last_used.is_some(), "the last use is read back");

    iam.delete_role(&account, "Deploy").expect("delete");
    assert!(iam.role_by_arn(&arn).expect("by arn").is_none());
    assert!(iam.role_tags(&account, "Deploy").is_err());
}
