//! Policy JSON from the network (CreatePolicy, PutUserPolicy, simulator input): parsing and
//! then evaluating whatever parses must never panic.
#![no_main]

use gitward_policy::{PolicyDocument, PolicySource, RequestContext, evaluate, evaluate_trust};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = gitward_policy::policy_size(text);
    let mut ctx = RequestContext::new("codecommit:GitPush", "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo");
    ctx.set("codecommit:References", "refs/heads/main");
    ctx.set("aws:username", "Mary");
    ctx.set("aws:SourceIp", "192.0.2.10");
    ctx.set("aws:CurrentTime", "2026-11-22T00:00:00Z");
    ctx.set_multi("aws:TagKeys", vec!["team".into(), "Department".into()]);
    if let Ok(doc) = PolicyDocument::parse(text) {
        let sources = [PolicySource { name: "fuzz", document: &doc }];
        let _ = evaluate(&sources, Some(&sources), Some(&sources), &ctx).explain();
    }
    if let Ok(doc) = PolicyDocument::parse_trust(text) {
        let _ = evaluate_trust(&doc, &ctx);
    }
});
