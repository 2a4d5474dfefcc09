//! Sealing and opening session tokens (issue 5, acceptance 7): the per-token cost that
//! AssumeRole pays once per call and every session-signed request pays once per request.
//! Two claim sets: a plain AssumeRole session (what `bench/sts` mints), and one carrying an
//! inline session policy, a managed policy ARN and tags.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gitward_core::{AccountId, Secret};
use gitward_sts::{
    SealingKey, SealingKeyring, SessionClaims, SessionKind, SessionSource, SessionTag, open, seal,
};

const AKID: &str = "ASIAZ2X5NFMJ4K3Q7WTB";

fn plain() -> SessionClaims {
    SessionClaims::new(
        AccountId::parse("123456789012").expect("account"),
        SessionKind::AssumedRole {
            role_arn: "arn:aws:iam::123456789012:role/bench-role".into(),
            role_id: "AROA3XFRBF535PLBIFPI4".into(),
            role_name: "bench-role".into(),
            session_name: "bench-session".into(),
        },
        SessionSource::AssumeRole,
        (
            AKID.into(),
            Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        ),
        1_795_000_000,
        1_795_003_600,
    )
}

fn with_policies() -> SessionClaims {
    let mut c = plain();
    c.policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["codecommit:GitPull","codecommit:GetRepository"],"Resource":"arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo"}]}"#
            .into(),
    );
    c.policy_arns = vec!["arn:aws:iam::123456789012:policy/ReadOnlyRepos".into()];
    c.tags = vec![
        SessionTag::new("Project", "Alpha"),
        SessionTag::new("CostCenter", "12345"),
    ];
    c.transitive_tag_keys = vec!["Project".into()];
    c
}

fn bench(c: &mut Criterion) {
    let ring = SealingKeyring::new(SealingKey::new(1, [7; 32]));
    for (name, claims) in [("plain", plain()), ("policies+tags", with_policies())] {
        let token = seal(&claims, &ring, [3; 12]).expect("seal");
        c.bench_function(&format!("seal/{name}"), |b| {
            b.iter(|| seal(black_box(&claims), &ring, [3; 12]).expect("seal"))
        });
        c.bench_function(&format!("open/{name}"), |b| {
            b.iter(|| open(black_box(&token), AKID, &ring).expect("open"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
