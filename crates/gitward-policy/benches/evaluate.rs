//! Evaluation cost for 10 and 100 policies of 10 statements each.
//!
//! The request (`codecommit:GitPush` of a feature branch) is allowed only by the last
//! statement of the last policy and is tested against every deny on the way, so each run
//! walks every statement: actions, resources and conditions all get exercised.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gitward_policy::{PolicyDocument, PolicySource, RequestContext, evaluate};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

fn statement(policy: usize, index: usize) -> Value {
    let repo = format!("arn:aws:codecommit:us-east-1:{ACCOUNT}:repo-{policy}-{index}");
    match index % 5 {
        0 => json!({
            "Sid": format!("Read{index}"), "Effect": "Allow",
            "Action": ["codecommit:Get*", "codecommit:List*", "codecommit:BatchGet*", "codecommit:GitPull"],
            "Resource": format!("{repo}*")
        }),
        1 => json!({
            "Sid": format!("Protect{index}"), "Effect": "Deny",
            "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile"],
            "Resource": repo,
            "Condition": {
                "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main", "refs/heads/prod"]},
                "Null": {"codecommit:References": "false"}
            }
        }),
        2 => json!({
            "Sid": format!("Keys{index}"), "Effect": "Allow",
            "Action": ["iam:*AccessKey*", "iam:*SSHPublicKey*", "iam:*ServiceSpecificCredential*"],
            "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")
        }),
        3 => json!({
            "Sid": format!("Network{index}"), "Effect": "Deny",
            "Action": "codecommit:*", "Resource": "*",
            "Condition": {
                "NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]},
                "Bool": {"aws:ViaAWSService": "false"}
            }
        }),
        _ => json!({
            "Sid": format!("Team{index}"), "Effect": "Allow",
            "Action": "codecommit:*",
            "Resource": format!("arn:aws:codecommit:us-east-1:{ACCOUNT}:${{aws:PrincipalTag/team}}-{policy}-*"),
            "Condition": {"StringLike": {"aws:PrincipalTag/team": "team-*"}}
        }),
    }
}

fn policies(count: usize) -> Vec<PolicyDocument> {
    (0..count)
        .map(|p| {
            let mut statements: Vec<Value> = (0..10).map(|s| statement(p, s)).collect();
            if p == count - 1 {
                statements[9] = json!({
                    "Sid": "PushFeatures", "Effect": "Allow",
                    "Action": "codecommit:GitPush",
                    "Resource": format!("arn:aws:codecommit:*:{ACCOUNT}:MyDemoRepo"),
                    "Condition": {"StringLike": {"codecommit:References": "refs/heads/feature/*"}}
                });
            }
            let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
            PolicyDocument::parse(&text).expect("benchmark policy is valid")
        })
        .collect()
}

fn request() -> RequestContext {
    let mut req = RequestContext::new(
        "codecommit:GitPush",
        &format!("arn:aws:codecommit:us-east-1:{ACCOUNT}:MyDemoRepo"),
    );
    req.set("aws:username", "alice")
        .set("aws:userid", "AIDAEXAMPLEEXAMPLE01")
        .set("aws:PrincipalTag/team", "team-web")
        .set("aws:SourceIp", "10.1.2.3")
        .set("aws:ViaAWSService", "false")
        .set("aws:SecureTransport", "true")
        .set("aws:CurrentTime", "2024-01-31T12:00:00Z")
        .set("codecommit:References", "refs/heads/feature/login");
    req
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("evaluate");
    for count in [10, 100] {
        let docs = policies(count);
        let names: Vec<String> = (0..count)
            .map(|i| format!("arn:aws:iam::{ACCOUNT}:policy/p{i}"))
            .collect();
        let sources: Vec<PolicySource> = docs
            .iter()
            .zip(&names)
            .map(|(document, name)| PolicySource { name, document })
            .collect();
        let req = request();
        assert!(evaluate(&sources, None, None, &req).is_allowed());
        group.bench_with_input(
            BenchmarkId::new("policies_x10_statements", count),
            &sources,
            |b, sources| b.iter(|| evaluate(black_box(sources), None, None, black_box(&req))),
        );
    }
    group.finish();

    let text = json!({"Version": "2012-10-17", "Statement": (0..10).map(|s| statement(0, s)).collect::<Vec<_>>()})
        .to_string();
    c.bench_function("parse_10_statements", |b| {
        b.iter(|| PolicyDocument::parse(black_box(&text)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
