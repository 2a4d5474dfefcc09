//! Operation handlers: decoded input (model member names) → domain service → output Value.
//! Each handler receives only what authorization already allowed.

mod codecommit;
mod iam;
mod mfa;
mod roles;
pub(crate) mod sts;

use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::{ApiError, Service};
use serde_json::Value;

/// Whether gitward implements `operation` of `service`.
pub fn is_supported(service: Service, operation: &str) -> bool {
    match service {
        Service::Iam => {
            iam::OPERATIONS.contains(&operation)
                || roles::OPERATIONS.contains(&operation)
                || mfa::OPERATIONS.contains(&operation)
        }
        Service::Sts => sts::OPERATIONS.contains(&operation),
        Service::CodeCommit => codecommit::OPERATIONS.contains(&operation),
    }
}

/// Whether `operation` is an IAM operation on one role (its resource is the role's ARN).
pub fn is_role_operation(operation: &str) -> bool {
    operation != "ListRoles" && roles::OPERATIONS.contains(&operation)
}

/// The IAM role operations gitward implements.
#[cfg(test)]
pub fn role_operations() -> &'static [&'static str] {
    roles::OPERATIONS
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

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/compatibility.md must list every supported operation as supported or partial, and
    /// nothing else as such.
    #[test]
    fn compatibility_table_is_honest() {
        let doc = include_str!("../../../../docs/compatibility.md");
        let mut section = None;
        for line in doc.lines() {
            if line.starts_with("## IAM") {
                section = Some(Service::Iam);
            } else if line.starts_with("## STS") {
                section = Some(Service::Sts);
            } else if line.starts_with("## CodeCommit") {
                section = Some(Service::CodeCommit);
            } else if line.starts_with("## ") {
                section = None;
            }
            let (Some(service), Some(row)) = (section, line.strip_prefix("| ")) else {
                continue;
            };
            let cells: Vec<&str> = row.split(" | ").collect();
            if cells.len() < 2 || gitward_api::model(service).operation(cells[0]).is_none() {
                continue;
            }
            let claimed = cells[1] == "supported" || cells[1] == "partial";
            assert_eq!(
                claimed,
                is_supported(service, cells[0]),
                "{service:?} {} in docs/compatibility.md",
                cells[0]
            );
        }
        for service in [Service::Iam, Service::Sts, Service::CodeCommit] {
            for op in gitward_api::model(service).operation_names() {
                assert!(
                    doc.contains(&format!("| {op} |")),
                    "{op} missing from docs/compatibility.md"
                );
            }
        }
    }
}
