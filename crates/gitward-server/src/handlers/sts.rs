//! STS operations.

use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::ApiError;
use serde_json::{Value, json};

pub const OPERATIONS: &[&str] = &["GetCallerIdentity"];

pub fn handle(_app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    match req.operation {
        "GetCallerIdentity" => {
            let p = &req.caller.principal;
            Ok(json!({ "UserId": p.user_id(), "Account": p.account().as_str(), "Arn": p.arn() }))
        }
        other => Err(ApiError::new(
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
            400,
        )),
    }
}
