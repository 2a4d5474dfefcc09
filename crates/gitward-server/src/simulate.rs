//! The IAM policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy.
//!
//! It evaluates with the same evaluator and the same principal keys as real requests, so
//! "what would happen" and "what happens" cannot drift apart.

use crate::api::App;
use crate::handlers::Input;
use gitward_api::ApiError;
use gitward_core::AccountId;
use gitward_iam::{AppliedPolicy, Principal};
use gitward_policy::{
    Decision, Effect, PolicyDocument, PolicySource, RequestContext, evaluate, evaluate_statements,
};
use serde_json::{Value, json};

/// A policy taking part in a simulation, parsed.
struct Simulated {
    id: String,
    source_type: &'static str,
    document: PolicyDocument,
}

fn parse(id: String, source_type: &'static str, text: &str) -> Result<Simulated, ApiError> {
    let document = PolicyDocument::parse(text)
        .map_err(|e| ApiError::new("MalformedPolicyDocument", format!("{id}: {e}"), 400))?;
    Ok(Simulated {
        id,
        source_type,
        document,
    })
}

fn from_applied(p: AppliedPolicy) -> Result<Simulated, ApiError> {
    parse(p.name, p.origin.source_type(), &p.document)
}

fn inputs(input: &Input<'_>, key: &str) -> Result<Vec<Simulated>, ApiError> {
    input
        .strings(key)
        .iter()
        .enumerate()
        .map(|(i, doc)| parse(format!("{key}.{}", i + 1), "IAM Policy", doc))
        .collect()
}

/// The simulated principal (if a user), its identity policies and its boundary.
type SourcePolicies = (Option<Principal>, Vec<Simulated>, Vec<Simulated>);

/// The simulated principal named by `PolicySourceArn` (an IAM user, group or role of the
/// caller's account).
fn source_policies(app: &App, account: &AccountId, arn: &str) -> Result<SourcePolicies, ApiError> {
    let invalid = || {
        ApiError::new(
            "InvalidInput",
            format!("Invalid ARN {arn} for PolicySourceArn"),
            400,
        )
    };
    let prefix = format!("arn:aws:iam::{account}:");
    let rest = arn.strip_prefix(&prefix).ok_or_else(invalid)?;
    let name = rest.rsplit('/').next().ok_or_else(invalid)?;
    let (principal, policies) = if rest.starts_with("user/") {
        let user = app.iam.get_user(account, name)?;
        let policies = app.iam.user_policies(&user)?;
        (Principal::User(user), policies)
    } else if rest.starts_with("role/") {
        let role = app.iam.get_role(account, name)?;
        let policies = app.iam.role_policies(&role)?;
        (Principal::Role(role), policies)
    } else if rest.starts_with("group/") {
        let (group, _) = app.iam.get_group(account, name, None, Some(1))?;
        let identity = app
            .iam
            .group_policies(&group)?
            .into_iter()
            .map(from_applied)
            .collect::<Result<_, _>>()?;
        return Ok((None, identity, Vec::new()));
    } else {
        return Err(invalid());
    };
    {
        let identity = policies
            .identity
            .into_iter()
            .map(from_applied)
            .collect::<Result<_, _>>()?;
        let boundary = policies
            .boundary
            .into_iter()
            .map(from_applied)
            .collect::<Result<_, _>>()?;
        Ok((Some(principal), identity, boundary))
    }
}

fn context_entries(input: &Input<'_>, ctx: &mut RequestContext) {
    let Some(entries) = input.0.get("ContextEntries").and_then(Value::as_array) else {
        return;
    };
    for e in entries {
        let Some(name) = e.get("ContextKeyName").and_then(Value::as_str) else {
            continue;
        };
        let values: Vec<String> = e
            .get("ContextKeyValues")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let multi = e
            .get("ContextKeyType")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("List"));
        if multi || values.len() != 1 {
            ctx.set_multi(name, values);
        } else {
            ctx.set(name, values[0].clone());
        }
    }
}

fn decision_word(d: &Decision) -> &'static str {
    match d {
        Decision::Allow { .. } => "allowed",
        Decision::ExplicitDeny { .. } => "explicitDeny",
        Decision::ImplicitDeny { .. } => "implicitDeny",
    }
}

/// Runs SimulatePrincipalPolicy (`custom == false`) or SimulateCustomPolicy.
pub fn simulate(
    app: &App,
    caller_account: &AccountId,
    input: &Input<'_>,
    custom: bool,
) -> Result<Value, ApiError> {
    let (principal, mut identity, mut boundary) = if custom {
        (None, Vec::new(), Vec::new())
    } else {
        source_policies(app, caller_account, input.req("PolicySourceArn")?)?
    };
    identity.extend(inputs(input, "PolicyInputList")?);
    boundary.extend(inputs(input, "PermissionsBoundaryPolicyInputList")?);
    let mut resources = input.strings("ResourceArns");
    if resources.is_empty() {
        resources.push("*".to_owned());
    }
    let identity_sources: Vec<PolicySource<'_>> = identity
        .iter()
        .map(|p| PolicySource {
            name: &p.id,
            document: &p.document,
        })
        .collect();
    let boundary_sources: Vec<PolicySource<'_>> = boundary
        .iter()
        .map(|p| PolicySource {
            name: &p.id,
            document: &p.document,
        })
        .collect();
    let now = app.clock.now();
    let mut results = Vec::new();
    for action in input.strings("ActionNames") {
        for resource in &resources {
            let mut ctx = RequestContext::new(&action, resource);
            ctx.set("aws:CurrentTime", gitward_core::iso8601(now));
            ctx.set("aws:EpochTime", now.unix_timestamp().to_string());
            if let Some(p) = &principal {
                ctx.set("aws:PrincipalArn", p.arn());
                ctx.set("aws:PrincipalAccount", p.account().to_string());
                ctx.set("aws:PrincipalType", p.principal_type());
                ctx.set("aws:userid", p.user_id());
                if let Some(name) = p.username() {
                    ctx.set("aws:username", name);
                    for tag in app.iam.user_tags(p.account(), name)? {
                        ctx.set(&format!("aws:PrincipalTag/{}", tag.key), tag.value);
                    }
                }
            }
            context_entries(input, &mut ctx);
            let boundary_arg =
                (!boundary_sources.is_empty()).then_some(boundary_sources.as_slice());
            let decision = evaluate(&identity_sources, boundary_arg, None, &ctx);
            let wanted = match decision {
                Decision::Allow { .. } => Some(Effect::Allow),
                Decision::ExplicitDeny { .. } => Some(Effect::Deny),
                Decision::ImplicitDeny { .. } => None,
            };
            let matched: Vec<Value> = identity
                .iter()
                .zip(&identity_sources)
                .flat_map(|(p, source)| {
                    evaluate_statements(source, &ctx)
                        .into_iter()
                        .filter(|m| Some(m.effect) == wanted)
                        .map(|_| json!({"SourcePolicyId": p.id, "SourcePolicyType": p.source_type}))
                        .collect::<Vec<_>>()
                })
                .collect();
            let mut result = json!({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision_word(&decision),
                "MatchedStatements": matched,
                "MissingContextValues": [],
            });
            if let (false, Value::Object(m)) = (boundary_sources.is_empty(), &mut result) {
                let allowed = !matches!(
                    decision,
                    Decision::ImplicitDeny {
                        reason: gitward_policy::ImplicitDenyReason::PermissionsBoundary,
                        ..
                    }
                );
                m.insert(
                    "PermissionsBoundaryDecisionDetail".into(),
                    json!({"AllowedByPermissionsBoundary": allowed}),
                );
            }
            results.push(result);
        }
    }
    let start = match input.opt("Marker") {
        None => 0,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= results.len())
            .ok_or_else(|| ApiError::new("InvalidInput", "Invalid Marker.", 400))?,
    };
    let max = usize::try_from(input.int("MaxItems").unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
    let end = start.saturating_add(max).min(results.len());
    let mut out = json!({"EvaluationResults": results[start..end].to_vec(), "IsTruncated": end < results.len()});
    if end < results.len()
        && let Value::Object(m) = &mut out
    {
        m.insert("Marker".into(), json!(end.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Issue 4, acceptance 3: for every documented case of gitward-policy's AWS-doc suite
    /// (except session-policy cases, which SimulateCustomPolicy cannot express),
    /// SimulateCustomPolicy returns the decision the request itself gets.
    #[test]
    fn simulator_agrees_with_every_documented_case() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = App::for_tests(dir.path());
        let account = AccountId::parse("123456789012").expect("account");
        let cases =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../gitward-policy/tests/cases");
        let (mut ran, mut failures) = (0, Vec::new());
        for entry in std::fs::read_dir(&cases).expect("the case directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let page: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
            for group in page["groups"].as_array().expect("groups") {
                if group.get("session").is_some() {
                    continue;
                }
                let docs = |key: &str| -> Vec<Value> {
                    group
                        .get(key)
                        .and_then(Value::as_array)
                        .map(|a| a.iter().map(|d| Value::String(d.to_string())).collect())
                        .unwrap_or_default()
                };
                for req in group["requests"].as_array().expect("requests") {
                    let context: Vec<Value> = req
                        .get("context")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| match v {
                                    Value::Array(vs) => serde_json::json!({"ContextKeyName": k, "ContextKeyValues": vs, "ContextKeyType": "stringList"}),
                                    other => serde_json::json!({"ContextKeyName": k, "ContextKeyValues": [other.as_str().unwrap_or_default()], "ContextKeyType": "string"}),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut input = serde_json::json!({
                        "PolicyInputList": docs("identity"),
                        "ActionNames": [req["action"]],
                        "ResourceArns": [req["resource"]],
                        "ContextEntries": context,
                    });
                    let boundary = docs("boundary");
                    if !boundary.is_empty() {
                        input["PermissionsBoundaryPolicyInputList"] = Value::Array(boundary);
                    }
                    let out =
                        simulate(&app, &account, &Input(&input), true).expect("simulation runs");
                    let got = out["EvaluationResults"][0]["EvalDecision"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    ran += 1;
                    if got != req["expect"].as_str().unwrap_or_default() {
                        failures.push(format!(
                            "{} / {} / {}: expected {}, simulator said {got}",
                            page["page"], group["name"], req["name"], req["expect"]
                        ));
                    }
                }
            }
        }
        assert!(ran >= 200, "only {ran} cases ran");
        assert!(
            failures.is_empty(),
            "{} of {ran} cases disagree:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
