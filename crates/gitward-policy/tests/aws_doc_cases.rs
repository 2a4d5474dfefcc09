//! Table-driven cases built from the examples in AWS's IAM and CodeCommit user guides
//! (issue 4, acceptance point 1). The data lives in `tests/cases/*.json`, one file per AWS
//! page:
//!
//! ```json
//! {"page": "reference_policies_evaluation-logic.html",
//!  "groups": [{
//!     "name": "example name",
//!     "identity": [ {policy JSON}, … ],
//!     "boundary": [ … ],            // optional: absent = no permissions boundary
//!     "session": [ … ],             // optional: absent = no session policy
//!     "requests": [{
//!         "name": "what the request is",
//!         "action": "codecommit:GitPush",
//!         "resource": "arn:aws:codecommit:…",
//!         "context": {"aws:SourceIp": "192.0.2.1", "aws:TagKeys": ["a", "b"]},
//!         "expect": "allowed" | "explicitDeny" | "implicitDeny",
//!         "reason": "identity" | "boundary" | "session"   // implicitDeny only; default identity
//!     }]
//!  }]}
//! ```
//!
//! A string context value is a single-valued key, an array a multi-valued key. Every case is
//! run; all failures are reported together, with per-page counts.

use gitward_policy::{
    Decision, ImplicitDenyReason, PolicyDocument, PolicySource, RequestContext, evaluate,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Default)]
struct PageCount {
    run: usize,
    failed: usize,
}

fn parse_all(value: Option<&Value>, what: &str) -> Result<Option<Vec<PolicyDocument>>, String> {
    let Some(value) = value else { return Ok(None) };
    let list = value
        .as_array()
        .ok_or_else(|| format!("{what} must be an array of policies"))?;
    list.iter()
        .enumerate()
        .map(|(i, policy)| {
            let text = policy.to_string();
            PolicyDocument::parse(&text)
                .map_err(|e| format!("{what}[{i}] refused: {}: {text}", e.detail()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn sources<'a>(docs: &'a [PolicyDocument], names: &'a [String]) -> Vec<PolicySource<'a>> {
    docs.iter()
        .zip(names)
        .map(|(document, name)| PolicySource { name, document })
        .collect()
}

fn request(case: &Value) -> Result<RequestContext, String> {
    let field = |name: &str| {
        case[name]
            .as_str()
            .ok_or_else(|| format!("request has no string `{name}`"))
    };
    let mut req = RequestContext::new(field("action")?, field("resource")?);
    if let Some(context) = case.get("context") {
        let context = context.as_object().ok_or("context must be an object")?;
        for (key, value) in context {
            match value {
                Value::String(s) => {
                    req.set(key, s.as_str());
                }
                Value::Array(values) => {
                    let values = values
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| format!("context key {key}: values must be strings"))?;
                    req.set_multi(key, values);
                }
                other => return Err(format!("context key {key}: bad value {other}")),
            }
        }
    }
    Ok(req)
}

fn expected_matches(case: &Value, decision: &Decision) -> Result<bool, String> {
    let expect = case["expect"].as_str().ok_or("request has no `expect`")?;
    Ok(match expect {
        "allowed" => decision.is_allowed(),
        "explicitDeny" => matches!(decision, Decision::ExplicitDeny { .. }),
        "implicitDeny" => {
            let reason = match case.get("reason").and_then(Value::as_str) {
                None | Some("identity") => ImplicitDenyReason::NoIdentityPolicyAllows,
                Some("boundary") => ImplicitDenyReason::PermissionsBoundary,
                Some("session") => ImplicitDenyReason::SessionPolicy,
                Some(other) => return Err(format!("unknown reason {other}")),
            };
            matches!(decision, Decision::ImplicitDeny { reason: r, .. } if *r == reason)
        }
        other => return Err(format!("unknown expectation {other}")),
    })
}

/// Runs every group of one case file; returns (page, cases run, failure messages).
fn run_file(path: &Path, counts: &mut BTreeMap<String, PageCount>, failures: &mut Vec<String>) {
    let text = std::fs::read_to_string(path).expect("read case file");
    let file: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let page = file["page"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no `page`", path.display()))
        .to_owned();
    let count = counts.entry(page.clone()).or_default();
    let groups = file["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no `groups` array", path.display()));
    for group in groups {
        let group_name = group["name"].as_str().unwrap_or("<unnamed>");
        let requests = group["requests"].as_array().map_or(&[][..], Vec::as_slice);
        let parsed = (|| {
            let identity = parse_all(group.get("identity"), "identity")?.unwrap_or_default();
            let boundary = parse_all(group.get("boundary"), "boundary")?;
            let session = parse_all(group.get("session"), "session")?;
            Ok::<_, String>((identity, boundary, session))
        })();
        let (identity, boundary, session) = match parsed {
            Ok(p) => p,
            Err(e) => {
                for case in requests {
                    count.run += 1;
                    count.failed += 1;
                    let name = case["name"].as_str().unwrap_or("<unnamed>");
                    failures.push(format!("[{page}] {group_name} / {name}: {e}"));
                }
                continue;
            }
        };
        let names = |prefix: &str, n: usize| -> Vec<String> {
            (0..n).map(|i| format!("{prefix}-policy-{i}")).collect()
        };
        let (id_names, b_names, s_names) = (
            names("identity", identity.len()),
            names("boundary", boundary.as_ref().map_or(0, Vec::len)),
            names("session", session.as_ref().map_or(0, Vec::len)),
        );
        let id_src = sources(&identity, &id_names);
        let b_src = boundary.as_ref().map(|b| sources(b, &b_names));
        let s_src = session.as_ref().map(|s| sources(s, &s_names));
        for case in requests {
            count.run += 1;
            let name = case["name"].as_str().unwrap_or("<unnamed>");
            let outcome = request(case).and_then(|req| {
                let decision = evaluate(&id_src, b_src.as_deref(), s_src.as_deref(), &req);
                expected_matches(case, &decision).map(|ok| (ok, decision))
            });
            match outcome {
                Ok((true, _)) => {}
                Ok((false, decision)) => {
                    count.failed += 1;
                    failures.push(format!(
                        "[{page}] {group_name} / {name}: expected {} {}, got {decision:?}",
                        case["expect"],
                        case.get("reason").map(Value::to_string).unwrap_or_default(),
                    ));
                }
                Err(e) => {
                    count.failed += 1;
                    failures.push(format!("[{page}] {group_name} / {name}: bad case: {e}"));
                }
            }
        }
    }
}

#[test]
fn aws_documented_decisions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut counts = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &paths {
        run_file(path, &mut counts, &mut failures);
    }
    let total: usize = counts.values().map(|c: &PageCount| c.run).sum();
    let summary: String = counts
        .iter()
        .map(|(page, c)| format!("  {page}: {} cases, {} failed\n", c.run, c.failed))
        .collect();
    println!("{total} AWS documentation cases\n{summary}");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}\nper page:\n{summary}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 200,
        "only {total} cases ran (need ≥ 200)\n{summary}"
    );
}
