//! Helpers shared by the integration tests.
#![allow(dead_code)]

use gitward_policy::{Decision, PolicyDocument, PolicySource, RequestContext, evaluate};
use serde_json::{Value, json};

pub const REPO: &str = "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo";

/// Parses an identity policy, panicking with the AWS message if it is refused.
pub fn doc(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json).unwrap_or_else(|e| panic!("{}: {json}", e.detail()))
}

/// Evaluates `req` against a single identity policy.
pub fn decide(policy: &PolicyDocument, req: &RequestContext) -> Decision {
    evaluate(
        &[PolicySource {
            name: "test",
            document: policy,
        }],
        None,
        None,
        req,
    )
}

/// A one-statement Allow policy on every action and resource with this condition block.
pub fn with_condition(condition: Value) -> PolicyDocument {
    doc(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]
    })
    .to_string())
}

/// Does `condition` hold for a request with these single-valued keys?
pub fn holds(condition: Value, keys: &[(&str, &str)]) -> bool {
    let mut req = RequestContext::new("s3:GetObject", "*");
    for (k, v) in keys {
        req.set(k, *v);
    }
    decide(&with_condition(condition), &req).is_allowed()
}

/// Does `condition` hold for a request with this multi-valued key (None = absent)?
pub fn holds_multi(condition: Value, key: &str, values: Option<&[&str]>) -> bool {
    let mut req = RequestContext::new("s3:GetObject", "*");
    if let Some(values) = values {
        req.set_multi(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    decide(&with_condition(condition), &req).is_allowed()
}
