//! The per-request auth hot path of Git smart HTTP (issue 3, point 5c): verify the SigV4 Git
//! password, then evaluate the caller's policies (AWSCodeCommitPowerUser plus an inline
//! branch-protection deny, FACTS §7.1) for `codecommit:GitPull` / `codecommit:GitPush`.
//!
//! `gitward-policy` is a dev-dependency of this crate for this bench only. What the server
//! adds around these (access-key lookup, the per-principal policy cache) is not measured here.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gitward_core::Secret;
use gitward_policy::{PolicyDocument, PolicySource, RequestContext, evaluate};
use gitward_sigv4::git_password;
use time::OffsetDateTime;
use time::macros::datetime;

const ACCOUNT: &str = "123456789012";
const REPO: &str = "MyDemoRepo";
const POWER_USER: &str =
    include_str!("../../gitward-iam/src/aws_managed/AWSCodeCommitPowerUser.json");
const PROTECT_MAIN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Deny",
    "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile",
               "codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash",
               "codecommit:MergeBranchesByThreeWay", "codecommit:MergePullRequestByFastForward",
               "codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay"],
    "Resource": "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
    "Condition": {
      "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
      "Null": {"codecommit:References": "false"}
    }
  }]
}"#;

fn now() -> OffsetDateTime {
    datetime!(2026-11-22 05:00:00 UTC)
}

/// A password as the awscli credential helper makes it (host without port).
fn password(secret: &Secret, host: &str, path: &str) -> String {
    git_password::compute(secret, "20261122T045900", "us-east-1", host, path)
}

fn request(action: &str, reference: Option<&str>) -> RequestContext {
    let mut req = RequestContext::new(
        action,
        &format!("arn:aws:codecommit:us-east-1:{ACCOUNT}:{REPO}"),
    );
    req.set("aws:username", "alice")
        .set("aws:userid", "AIDAEXAMPLEEXAMPLE01")
        .set("aws:SourceIp", "127.0.0.1")
        .set("aws:SecureTransport", "true")
        .set("aws:CurrentTime", "2026-11-22T05:00:00Z");
    if let Some(r) = reference {
        req.set("codecommit:References", r);
    }
    req
}

fn bench(c: &mut Criterion) {
    let secret = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let path = format!("/v1/repos/{REPO}");
    // The server tries the host without and with the port (two signatures, always both).
    let hosts = ["localhost", "localhost:8443"];
    let good = password(&secret, "localhost", &path);
    assert!(git_password::verify(&good, &secret, "us-east-1", &hosts, &path, now()).is_ok());

    let power = PolicyDocument::parse(POWER_USER).expect("AWSCodeCommitPowerUser parses");
    let protect = PolicyDocument::parse(PROTECT_MAIN).expect("inline deny parses");
    let power_name = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser";
    let inline_name = "inline policy protect-main of user alice";
    let sources = [
        PolicySource {
            name: power_name,
            document: &power,
        },
        PolicySource {
            name: inline_name,
            document: &protect,
        },
    ];
    let pull = request("codecommit:GitPull", None);
    let push_feature = request("codecommit:GitPush", Some("refs/heads/feature"));
    let push_main = request("codecommit:GitPush", Some("refs/heads/main"));
    assert!(evaluate(&sources, None, None, &pull).is_allowed());
    assert!(evaluate(&sources, None, None, &push_feature).is_allowed());
    assert!(!evaluate(&sources, None, None, &push_main).is_allowed());

    let mut g = c.benchmark_group("git_auth");
    g.bench_function("password_verify_2_hosts", |b| {
        b.iter(|| {
            git_password::verify(
                black_box(&good),
                &secret,
                "us-east-1",
                black_box(&hosts),
                &path,
                now(),
            )
        })
    });
    g.bench_function("policy_evaluate_gitpull", |b| {
        b.iter(|| evaluate(black_box(&sources), None, None, black_box(&pull)))
    });
    g.bench_function("policy_evaluate_gitpush_denied_ref", |b| {
        b.iter(|| evaluate(black_box(&sources), None, None, black_box(&push_main)))
    });
    // One request as the server sees it: verify, then authorize the service.
    g.bench_function("request_verify_and_evaluate", |b| {
        b.iter(|| {
            let ok = git_password::verify(
                black_box(&good),
                &secret,
                "us-east-1",
                black_box(&hosts),
                &path,
                now(),
            )
            .is_ok();
            ok && evaluate(black_box(&sources), None, None, black_box(&pull)).is_allowed()
        })
    });
    // A push of one branch: verify, the advertisement check, then the ref check.
    g.bench_function("push_verify_and_two_evaluations", |b| {
        b.iter(|| {
            let ok = git_password::verify(
                black_box(&good),
                &secret,
                "us-east-1",
                black_box(&hosts),
                &path,
                now(),
            )
            .is_ok();
            let push = request("codecommit:GitPush", None);
            ok && evaluate(black_box(&sources), None, None, &push).is_allowed()
                && evaluate(black_box(&sources), None, None, black_box(&push_feature)).is_allowed()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
