//! Operation handlers: decoded input (model member names) → domain service → output Value.
//! Each handler receives only what authorization already allowed.

mod codecommit;
mod iam;
mod sts;

use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::{ApiError, Service};
use serde_json::Value;

/// Whether gitward implements `operation` of `service`.
pub fn is_supported(service: Service, operation: &str) -> bool {
    match service {
        Service::Iam => iam::OPERATIONS.contains(&operation),
        Service::Sts => sts::OPERATIONS.contains(&operation),
        Service::CodeCommit => codecommit::OPERATIONS.contains(&operation),
    }
}

/// Runs the handler of an authorized request.
pub fn dispatch(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    match req.service {
        Service::Iam => iam::handle(app, req),
        Service::Sts => sts::handle(app, req),
        Service::CodeCommit => codecommit::handle(app, req),
    }
}

/// Input accessors; the model validation has already checked required members and types,
/// so a missing required member here is a bug in the model check, reported as validation.
pub(crate) struct Input<'a>(pub &'a Value);

impl<'a> Input<'a> {
    pub fn opt(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn req(&self, key: &str) -> Result<&'a str, ApiError> {
        self.opt(key).ok_or_else(|| ApiError::validation(format!("1 validation error detected: Value null at '{key}' failed to satisfy constraint: Member must not be null")))
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key).and_then(Value::as_bool)
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.0
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}
