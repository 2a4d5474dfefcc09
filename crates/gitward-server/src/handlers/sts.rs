//! STS operations. AssumeRole's trust decision lives in [`crate::trust`].

use super::Input;
use crate::api::App;
use crate::authn::Caller;
use crate::ops::OperationRequest;
use crate::sessions::Minted;
use gitward_api::{ApiError, Service};
use gitward_core::iso8601;
use gitward_iam::{MfaRefusal, Principal};
use gitward_sts::{SessionKind, SessionSource, SessionTag};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

pub const OPERATIONS: &[&str] = &[
    "AssumeRole",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetFederationToken",
    "GetSessionToken",
];

fn validation(e: gitward_sts::ValidationError) -> ApiError {
    ApiError::validation_for(Service::Sts, e.message)
}

/// A session that could not be minted: logged, answered as STS's internal error.
pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "minting a session failed");
    ApiError::internal_for(Service::Sts)
}

/// The `Credentials` member of every token-issuing operation.
fn credentials_out(minted: &Minted) -> Value {
    let c = &minted.claims;
    json!({
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key.expose(),
        "SessionToken": minted.token,
        "Expiration": iso8601(c.expiration()),
    })
}

/// Session policies and tags as passed to AssumeRole / GetFederationToken, validated.
pub(crate) struct SessionRequest {
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<SessionTag>,
    pub transitive_tag_keys: Vec<String>,
}

impl SessionRequest {
    /// Reads and checks `Policy`, `PolicyArns`, `Tags` and `TransitiveTagKeys` (FACTS §3.4,
    /// §3.5); `inherited` are the transitive tag keys of the calling session.
    pub(crate) fn read(input: &Input<'_>, inherited: &[String]) -> Result<Self, ApiError> {
        let policy = input.opt("Policy").map(str::to_owned);
        if let Some(p) = &policy {
            gitward_sts::packed::validate_session_policy_chars(p).map_err(validation)?;
            gitward_policy::PolicyDocument::parse(p)
                .map_err(|e| ApiError::new("MalformedPolicyDocument", e.to_string(), 400))?;
        }
        let policy_arns: Vec<String> = input
            .0
            .get("PolicyArns")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.get("arn").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        gitward_sts::packed::validate_policy_arns(&policy_arns).map_err(validation)?;
        let tags: Vec<SessionTag> = input
            .0
            .get("Tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|t| {
                        SessionTag::new(
                            t.get("Key").and_then(Value::as_str).unwrap_or_default(),
                            t.get("Value").and_then(Value::as_str).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let transitive_tag_keys = input.strings("TransitiveTagKeys");
        gitward_sts::names::validate_session_tags(&tags, &transitive_tag_keys, inherited)
            .map_err(validation)?;
        Ok(Self {
            policy,
            policy_arns,
            tags,
            transitive_tag_keys,
        })
    }

    /// `PackedPolicySize`, or `PackedPolicyTooLarge`.
    pub(crate) fn packed_size(&self) -> Result<u32, ApiError> {
        gitward_sts::check_packed_policy_size(
            self.policy.as_deref(),
            &self.policy_arns,
            &self.tags,
            &self.transitive_tag_keys,
        )
        .map_err(|e| ApiError::new("PackedPolicyTooLarge", e.message, 400))
    }

    fn is_empty(&self) -> bool {
        self.policy.is_none() && self.policy_arns.is_empty() && self.tags.is_empty()
    }
}

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let p = &req.caller.principal;
    let input = Input(req.input);
    match req.operation {
        "GetCallerIdentity" => {
            let user_id = match &req.caller.session {
                Some(s) => s.user_id(),
                None => p.user_id(),
            };
            Ok(
                json!({ "UserId": user_id, "Account": p.account().as_str(), "Arn": req.caller.arn() }),
            )
        }
        "GetSessionToken" => {
            if req.caller.session.is_some() {
                return Err(gitward_api::access_denied(
                    Service::Sts,
                    "Cannot call GetSessionToken with session credentials".to_owned(),
                ));
            }
            let duration = gitward_sts::names::token_duration(
                input.int("DurationSeconds"),
                p.is_root(),
                app.sessions.min_duration_seconds,
            )
            .map_err(validation)?;
            let mfa_at = check_mfa(app, req.caller, &input)?;
            let minted = app
                .sessions
                .session_token(p, app.clock.now(), duration, mfa_at)
                .map_err(internal)?;
            Ok(json!({"Credentials": credentials_out(&minted)}))
        }
        "GetFederationToken" => get_federation_token(app, req, &input),
        "AssumeRole" => crate::trust::assume_role(app, req, &input),
        "GetAccessKeyInfo" => {
            let id = input.req("AccessKeyId")?;
            let account = match app.iam.lookup_access_key(id) {
                Ok(Some((owner, _, _))) => owner.account().clone(),
                // Temporary keys (and keys gitward no longer holds) carry their account.
                _ => gitward_core::account_of_access_key_id(id).map_err(|_| {
                    ApiError::validation_for(
                        Service::Sts,
                        format!("The access key ID {id} is not valid."),
                    )
                })?,
            };
            Ok(json!({"Account": account.as_str()}))
        }
        "DecodeAuthorizationMessage" => {
            // Only messages about requests of the caller's own account open.
            let decoded = app
                .sessions
                .open_message(input.req("EncodedMessage")?, p.account())
                .map_err(|e| {
                    tracing::info!(error = %e, "an authorization message did not decode");
                    ApiError::new(
                        "InvalidAuthorizationMessageException",
                        "The encoded authorization message is invalid.",
                        400,
                    )
                })?;
            Ok(json!({"DecodedMessage": decoded}))
        }
        other => Err(ApiError::unknown_operation(Service::Sts, other)),
    }
}

/// GetFederationToken: a federated user whose permissions are the caller's intersected with
/// the policies passed (none passed: no permissions at all).
fn get_federation_token(
    app: &App,
    req: &OperationRequest<'_>,
    input: &Input<'_>,
) -> Result<Value, ApiError> {
    let p = &req.caller.principal;
    if req.caller.session.is_some() {
        return Err(gitward_api::access_denied(
            Service::Sts,
            "Cannot call GetFederationToken with session credentials".to_owned(),
        ));
    }
    let name = input.req("Name")?;
    gitward_sts::names::validate_federated_user_name(name).map_err(validation)?;
    let duration = gitward_sts::names::token_duration(
        input.int("DurationSeconds"),
        p.is_root(),
        app.sessions.min_duration_seconds,
    )
    .map_err(validation)?;
    let session = SessionRequest::read(input, &[])?;
    if !session.transitive_tag_keys.is_empty() {
        return Err(ApiError::validation_for(
            Service::Sts,
            "GetFederationToken does not support transitive tag keys.",
        ));
    }
    let packed = session.packed_size()?;
    let owner = crate::sessions::long_term(p).map_err(internal)?;
    let with_policies = !session.is_empty();
    let minted = app
        .sessions
        .mint(
            p.account().clone(),
            SessionKind::FederatedUser {
                name: name.to_owned(),
                owner,
            },
            SessionSource::GetFederationToken,
            app.clock.now(),
            duration,
            |c| {
                c.policy = session.policy;
                c.policy_arns = session.policy_arns;
                c.tags = session.tags;
            },
        )
        .map_err(internal)?;
    let mut out = Map::new();
    out.insert("Credentials".into(), credentials_out(&minted));
    out.insert(
        "FederatedUser".into(),
        json!({"FederatedUserId": minted.claims.user_id(), "Arn": minted.claims.principal_arn()}),
    );
    if with_policies {
        out.insert("PackedPolicySize".into(), json!(packed));
    }
    Ok(Value::Object(out))
}

/// AssumeRole's answer.
pub(crate) fn assume_role_out(minted: &Minted, packed: Option<u32>) -> Value {
    let mut out = Map::new();
    out.insert("Credentials".into(), credentials_out(minted));
    out.insert(
        "AssumedRoleUser".into(),
        json!({"AssumedRoleId": minted.claims.user_id(), "Arn": minted.claims.principal_arn()}),
    );
    if let Some(p) = packed {
        out.insert("PackedPolicySize".into(), json!(p));
    }
    if let Some(si) = &minted.claims.source_identity {
        out.insert("SourceIdentity".into(), json!(si));
    }
    Value::Object(out)
}

/// The MFA parameters of GetSessionToken / AssumeRole (FACTS §3.6): none passed → `None`;
/// else the device must be assigned to the caller's long-term IAM user (itself, or the user
/// behind its GetSessionToken session) and the code valid and unused → when it was checked.
/// Anything else is AWS's `AccessDenied` for an unknown serial or a wrong code.
pub(crate) fn check_mfa(
    app: &App,
    caller: &Caller,
    input: &Input<'_>,
) -> Result<Option<OffsetDateTime>, ApiError> {
    let (serial, code) = (input.opt("SerialNumber"), input.opt("TokenCode"));
    if serial.is_none() && code.is_none() {
        return Ok(None);
    }
    let long_term_user = match (&caller.principal, &caller.session) {
        (Principal::User(u), None) => Some(u),
        (Principal::User(u), Some(s)) if matches!(s.kind, SessionKind::SessionToken { .. }) => {
            Some(u)
        }
        // Roots, roles and federated users have no virtual MFA devices in gitward.
        _ => None,
    };
    let outcome = match (long_term_user, serial, code) {
        (Some(user), Some(serial), Some(code)) => {
            app.iam
                .check_mfa_code(caller.principal.account(), &user.name, serial, code)?
        }
        (Some(_), Some(_), None) => Err(MfaRefusal::InvalidCode),
        _ => Err(MfaRefusal::UnknownSerial),
    };
    match outcome {
        Ok(at) => Ok(Some(at)),
        Err(refusal) => {
            tracing::info!(caller = %caller.arn(), ?refusal, "MFA code refused");
            Err(gitward_api::access_denied(
                Service::Sts,
                refusal.message().to_owned(),
            ))
        }
    }
}
