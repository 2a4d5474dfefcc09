//! STS operations.

use super::Input;
use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::{ApiError, Service};
use gitward_core::iso8601;
use serde_json::{Value, json};

pub const OPERATIONS: &[&str] = &["GetCallerIdentity", "GetSessionToken"];

/// FACTS §3.6: an MFA serial gitward cannot match (virtual MFA devices arrive with issue 5).
const MFA_UNKNOWN_SERIAL: &str = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let p = &req.caller.principal;
    match req.operation {
        "GetCallerIdentity" => {
            let (user_id, arn) = match &req.caller.session {
                Some(s) => (s.user_id(), s.principal_arn()),
                None => (p.user_id(), p.arn()),
            };
            Ok(json!({ "UserId": user_id, "Account": p.account().as_str(), "Arn": arn }))
        }
        "GetSessionToken" => {
            if req.caller.session.is_some() {
                return Err(gitward_api::access_denied(
                    Service::Sts,
                    "Cannot call GetSessionToken with session credentials".to_owned(),
                ));
            }
            let input = Input(req.input);
            if input.opt("SerialNumber").is_some() || input.opt("TokenCode").is_some() {
                return Err(gitward_api::access_denied(
                    Service::Sts,
                    MFA_UNKNOWN_SERIAL.to_owned(),
                ));
            }
            let duration = gitward_sts::names::token_duration(
                input.int("DurationSeconds"),
                p.is_root(),
                app.sessions.min_duration_seconds,
            )
            .map_err(|e| ApiError::validation_for(Service::Sts, e.message))?;
            let minted = app
                .sessions
                .session_token(p, app.clock.now(), duration)
                .map_err(|e| {
                    tracing::error!(error = %e, "minting a session failed");
                    ApiError::internal_for(Service::Sts)
                })?;
            let c = &minted.claims;
            Ok(json!({"Credentials": {
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key.expose(),
                "SessionToken": minted.token,
                "Expiration": iso8601(c.expiration()),
            }}))
        }
        other => Err(ApiError::unknown_operation(Service::Sts, other)),
    }
}
