//! The AWS wire protocols of gitward, driven by the vendored service models.
//!
//! - [`query`]: awsQuery, used by IAM (`2010-05-08`) and STS (`2011-06-15`): a form
//!   (`Action=…&Version=…&…`) in, XML out.
//! - [`json`]: awsJson1.1, used by CodeCommit (`X-Amz-Target: CodeCommit_20150413.<Op>`,
//!   `Content-Type: application/x-amz-json-1.1`).
//! - [`validate`]: the model's constraints with AWS's error text.
//!
//! Everything here is a pure function over bytes, strings and [`serde_json::Value`]: no HTTP,
//! no I/O, no clock. The models (botocore 1.43.11, see `models/README.md`) are parsed once on
//! first use, so every operation's shapes come from the same data the clients are generated
//! from.
//!
//! # Value conventions (what handlers read and write)
//!
//! Decoded inputs and handler outputs are JSON objects shaped like the operation's model
//! shape:
//! - **Member names exactly as in the model**: IAM/STS PascalCase (`UserName`, `Tags`),
//!   CodeCommit camelCase (`repositoryName`). Wire renames (`locationName`) are undone on
//!   decode and applied on encode.
//! - **Structures** are objects, **lists** arrays, **maps** objects; **booleans** and
//!   **numbers** are JSON booleans and numbers (integers for `integer`/`long`).
//! - **Timestamps** are ISO 8601 UTC strings (`2026-11-22T03:48:55Z`, as
//!   `gitward_core::iso8601` writes them; a fraction is kept when present). Query output
//!   emits them as they are; JSON output converts them to epoch seconds (fraction allowed).
//!   Encoders also accept epoch seconds as a JSON number.
//! - **Blobs** are base64 strings (standard alphabet) in decoded input and in output; an
//!   output may instead hold an array of byte values, which is base64-encoded. Use
//!   [`blob_bytes`] to read one.
//! - **Absent and `null` members are omitted** on the wire; decoders never produce `null`.
//! - **Unknown members** in a decoded request are ignored (as AWS does). Unknown members in an
//!   output Value are a handler bug: a `debug_assert` names them (so typos fail in tests);
//!   release builds drop them. A member of the wrong type is a handler bug too: it
//!   `debug_assert`s and, in release, the encoder logs it and returns [`ApiError::internal`].
//!
//! Errors are [`ApiError`] (code, message, status, sender fault); [`ApiError::modeled`]
//! takes code and status from the model so handlers never hard-code them.

#![warn(missing_docs)]

mod domain;
mod error;
pub mod json;
mod model;
mod pattern;
pub mod query;
mod timestamp;
mod validate;

pub use domain::{access_denied, auth_error, expired_token, unknown_access_key};
pub use error::{ApiError, INTERNAL_MESSAGE, error_code_status};
pub use model::{ErrorShape, MemberRef, Operation, ServiceModel, Shape, ShapeType, model};
pub use validate::validate;

use base64::Engine as _;

/// The services gitward speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// AWS Identity and Access Management (awsQuery, `2010-05-08`).
    Iam,
    /// AWS Security Token Service (awsQuery, `2011-06-15`).
    Sts,
    /// AWS CodeCommit (awsJson1.1, `2015-04-13`).
    CodeCommit,
}

/// The wire protocol of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// awsQuery: form-encoded input, XML output.
    Query,
    /// awsJson1.1: JSON input and output, operation in `X-Amz-Target`.
    Json,
}

impl Service {
    /// Every service, in a fixed order.
    pub const ALL: [Service; 3] = [Service::Iam, Service::Sts, Service::CodeCommit];

    /// The SigV4 signing name (credential-scope service): `iam`, `sts`, `codecommit`.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::CodeCommit => "codecommit",
        }
    }

    /// The API version: the query `Version` parameter / model `apiVersion`.
    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => "2010-05-08",
            Service::Sts => "2011-06-15",
            Service::CodeCommit => "2015-04-13",
        }
    }

    /// The XML namespace of query responses; `None` for JSON services.
    pub fn xml_namespace(self) -> Option<&'static str> {
        match self {
            Service::Iam => Some("https://iam.amazonaws.com/doc/2010-05-08/"),
            Service::Sts => Some("https://sts.amazonaws.com/doc/2011-06-15/"),
            Service::CodeCommit => None,
        }
    }

    /// The `X-Amz-Target` prefix of JSON services (`CodeCommit_20150413`); `None` for query.
    pub fn target_prefix(self) -> Option<&'static str> {
        match self {
            Service::CodeCommit => Some("CodeCommit_20150413"),
            Service::Iam | Service::Sts => None,
        }
    }

    /// The wire protocol.
    pub fn protocol(self) -> Protocol {
        match self {
            Service::Iam | Service::Sts => Protocol::Query,
            Service::CodeCommit => Protocol::Json,
        }
    }

    /// The service with this signing name.
    pub fn from_signing_name(name: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.signing_name() == name)
    }

    /// The query service with this `Version` parameter.
    pub fn from_query_version(version: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|s| s.protocol() == Protocol::Query && s.version() == version)
    }

    /// Splits an `X-Amz-Target` header into service and operation
    /// (`CodeCommit_20150413.GetRepository` → `(CodeCommit, "GetRepository")`).
    pub fn from_target(target: &str) -> Option<(Service, &str)> {
        let (prefix, op) = target.split_once('.')?;
        let svc = Service::ALL
            .into_iter()
            .find(|s| s.target_prefix() == Some(prefix))?;
        Some((svc, op))
    }
}

/// The bytes of a blob member in a Value: a base64 string (standard alphabet) or an array of
/// byte values. `None` for anything else.
pub fn blob_bytes(v: &serde_json::Value) -> Option<Vec<u8>> {
    match v {
        serde_json::Value::String(s) => base64::engine::general_purpose::STANDARD.decode(s).ok(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect(),
        _ => None,
    }
}

/// The base64 text of a blob Value (see [`blob_bytes`]); `None` if it is not a blob.
pub(crate) fn blob_base64(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => {
            base64::engine::general_purpose::STANDARD.decode(s).ok()?;
            Some(s.clone())
        }
        serde_json::Value::Array(_) => {
            blob_bytes(v).map(|b| base64::engine::general_purpose::STANDARD.encode(b))
        }
        _ => None,
    }
}

/// AWS writes member paths in validation messages with a lower-case first letter
/// (`UserName` → `userName`).
pub(crate) fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reports a handler's output bug: panics in debug builds (so tests name it), logs and
/// becomes an internal error otherwise.
pub(crate) fn output_bug(svc: Service, op: &str, detail: String) -> ApiError {
    tracing::error!(service = ?svc, operation = op, "output does not fit the model: {detail}");
    debug_assert!(
        false,
        "{svc:?} {op}: output does not fit the model: {detail}"
    );
    ApiError::internal_for(svc)
}

/// Reports output members the model does not have (debug builds panic; release drops them).
pub(crate) fn check_unknown_members(
    svc: Service,
    op: &str,
    shape: &Shape,
    obj: &serde_json::Map<String, serde_json::Value>,
) {
    if cfg!(debug_assertions) {
        let unknown: Vec<&str> = obj
            .keys()
            .filter(|k| shape.member_ref(k).is_none())
            .map(String::as_str)
            .collect();
        debug_assert!(
            unknown.is_empty(),
            "{svc:?} {op}: output members {unknown:?} are not in model shape {}",
            shape.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_metadata() {
        assert_eq!(Service::Iam.signing_name(), "iam");
        assert_eq!(
            Service::Sts.xml_namespace(),
            Some("https://sts.amazonaws.com/doc/2011-06-15/")
        );
        assert_eq!(
            Service::from_query_version("2010-05-08"),
            Some(Service::Iam)
        );
        assert_eq!(Service::from_query_version("2015-04-13"), None);
        assert_eq!(
            Service::from_target("CodeCommit_20150413.GetRepository"),
            Some((Service::CodeCommit, "GetRepository"))
        );
        assert_eq!(Service::from_target("DynamoDB_20120810.GetItem"), None);
        assert_eq!(
            Service::from_signing_name("codecommit"),
            Some(Service::CodeCommit)
        );
    }

    #[test]
    fn blobs_from_base64_or_bytes() {
        assert_eq!(blob_bytes(&serde_json::json!("aGk=")), Some(b"hi".to_vec()));
        assert_eq!(
            blob_bytes(&serde_json::json!([104, 105])),
            Some(b"hi".to_vec())
        );
        assert_eq!(blob_bytes(&serde_json::json!([300])), None);
        assert_eq!(
            blob_base64(&serde_json::json!([104, 105])).as_deref(),
            Some("aGk=")
        );
        assert_eq!(blob_base64(&serde_json::json!("not base64!")), None);
    }

    #[test]
    fn lower_camel_paths() {
        assert_eq!(lower_camel("UserName"), "userName");
        assert_eq!(lower_camel("repositoryName"), "repositoryName");
        assert_eq!(lower_camel(""), "");
    }
}
