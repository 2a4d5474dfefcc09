//! The vendored AWS service models (botocore `service-2.json`), parsed once.
//!
//! Only what the wire layer needs is kept: operations, shapes with their constraints and
//! serialization traits, and error metadata. Documentation strings are skipped.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, OnceLock};

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::Service;
use crate::pattern::Matcher;

/// Parses one vendored model. A model that does not parse is a build defect, caught by the
/// unit tests, so the `expect` states a true invariant.
fn load(service: Service, text: &str) -> ServiceModel {
    let raw: RawModel = serde_json::from_str(text).expect("vendored model is valid JSON");
    ServiceModel::build(service, raw)
}

static IAM: LazyLock<ServiceModel> =
    LazyLock::new(|| load(Service::Iam, include_str!("../models/iam.service-2.json")));
static STS: LazyLock<ServiceModel> =
    LazyLock::new(|| load(Service::Sts, include_str!("../models/sts.service-2.json")));
static CODECOMMIT: LazyLock<ServiceModel> = LazyLock::new(|| {
    load(
        Service::CodeCommit,
        include_str!("../models/codecommit.service-2.json"),
    )
});

/// The parsed model of `service` (parsed on first use, then shared).
pub fn model(service: Service) -> &'static ServiceModel {
    match service {
        Service::Iam => &IAM,
        Service::Sts => &STS,
        Service::CodeCommit => &CODECOMMIT,
    }
}

/// One service's model: operations, shapes and errors.
#[derive(Debug)]
pub struct ServiceModel {
    /// Which service this is.
    pub service: Service,
    /// `metadata.apiVersion`, e.g. `2010-05-08`.
    pub api_version: String,
    /// `metadata.protocol`: `query` or `json`.
    pub protocol: String,
    operations: BTreeMap<String, Operation>,
    shapes: HashMap<String, Shape>,
    errors_by_code: HashMap<String, ErrorShape>,
    errors_by_shape: HashMap<String, ErrorShape>,
}

impl ServiceModel {
    fn build(service: Service, raw: RawModel) -> Self {
        let mut errors_by_code = HashMap::new();
        let mut errors_by_shape = HashMap::new();
        let mut shapes = HashMap::with_capacity(raw.shapes.len());
        for (name, mut shape) in raw.shapes {
            shape.name.clone_from(&name);
            if shape.exception {
                let info = shape.error.clone().unwrap_or_default();
                let status = info
                    .http_status_code
                    .unwrap_or(if shape.fault { 500 } else { 400 });
                let err = ErrorShape {
                    shape: name.clone(),
                    code: info.code.unwrap_or_else(|| name.clone()),
                    status,
                    sender_fault: info.sender_fault.unwrap_or(status < 500),
                };
                errors_by_code.insert(err.code.clone(), err.clone());
                errors_by_shape.insert(name.clone(), err);
            }
            shapes.insert(name, shape);
        }
        let operations = raw
            .operations
            .into_iter()
            .map(|(name, raw_op)| {
                let op = Operation {
                    name: name.clone(),
                    input: raw_op.input,
                    output: raw_op.output.as_ref().map(|o| o.member.clone()),
                    result_wrapper: raw_op.output.and_then(|o| o.result_wrapper),
                    errors: raw_op.errors.into_iter().map(|e| e.shape).collect(),
                };
                (name, op)
            })
            .collect();
        Self {
            service,
            api_version: raw.metadata.api_version,
            protocol: raw.metadata.protocol,
            operations,
            shapes,
            errors_by_code,
            errors_by_shape,
        }
    }

    /// The operation called `name` (exact, case-sensitive), e.g. `CreateUser`.
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// Every operation name, sorted.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// The shape called `name`.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// The error shape whose wire code is `code` (IAM `NoSuchEntity`), or, failing that,
    /// whose shape name is `code` (IAM `NoSuchEntityException`, CodeCommit
    /// `RepositoryDoesNotExistException`).
    pub fn error_shape(&self, code: &str) -> Option<&ErrorShape> {
        self.errors_by_code
            .get(code)
            .or_else(|| self.errors_by_shape.get(code))
    }

    /// The shape a reference points at. Models are closed (every reference resolves; a
    /// unit test checks it), so a miss is a defect in the vendored file.
    pub(crate) fn resolve(&self, r: &MemberRef) -> &Shape {
        self.shapes
            .get(&r.shape)
            .expect("vendored models are closed: every shape reference resolves")
    }

    /// Every shape of the model, in no particular order.
    pub fn shapes(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.values()
    }
}

/// An operation: its input and output shapes and declared errors.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operation name, e.g. `CreateUser`.
    pub name: String,
    /// The input shape reference, if the operation takes input.
    pub input: Option<MemberRef>,
    /// The output shape reference, if the operation returns output.
    pub output: Option<MemberRef>,
    /// Query protocol: the element wrapping the output (`CreateUserResult`).
    pub result_wrapper: Option<String>,
    /// Names of the error shapes the operation declares.
    pub errors: Vec<String>,
}

/// A modeled error, as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorShape {
    /// The shape name, e.g. `NoSuchEntityException`.
    pub shape: String,
    /// The wire code: `error.code` if the model gives one, else the shape name.
    pub code: String,
    /// `error.httpStatusCode`, else 500 for `fault` shapes and 400 otherwise.
    pub status: u16,
    /// `error.senderFault`, else whether the status is below 500.
    pub sender_fault: bool,
}

/// A reference to a shape from a structure member, a list member, a map key/value, or an
/// operation's input/output, with the serialization traits carried on the reference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    /// The target shape's name.
    pub shape: String,
    /// The wire name (XML element / query key / JSON key), if it differs from the member name.
    #[serde(alias = "xmlName")]
    pub location_name: Option<String>,
    /// Query/XML: the list or map is flattened (no `member`/`entry` wrapper).
    #[serde(default)]
    pub flattened: bool,
    /// An explicit timestamp format (`iso8601`, `unixTimestamp`, `rfc822`).
    pub timestamp_format: Option<String>,
    /// The member is an idempotency token (clients fill it in when absent).
    #[serde(default)]
    pub idempotency_token: bool,
}

/// The kind of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeType {
    /// A structure with named members.
    Structure,
    /// A list of one member shape.
    List,
    /// A map from key shape to value shape.
    Map,
    /// A string (possibly an enum).
    String,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    Long,
    /// A 32-bit float.
    Float,
    /// A 64-bit float.
    Double,
    /// A boolean.
    Boolean,
    /// A point in time.
    Timestamp,
    /// Bytes (base64 on the wire).
    Blob,
    /// Anything this crate does not know.
    #[serde(other)]
    Other,
}

/// A shape with its constraints and serialization traits.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    /// The shape's name (filled in after parsing).
    #[serde(skip)]
    pub name: String,
    /// The kind of shape.
    #[serde(rename = "type")]
    pub kind: ShapeType,
    /// Structure members in model order.
    #[serde(default, deserialize_with = "ordered_members")]
    pub members: Vec<(String, MemberRef)>,
    /// Names of required structure members.
    #[serde(default)]
    pub required: Vec<String>,
    /// A list's member.
    pub member: Option<MemberRef>,
    /// A map's key.
    pub key: Option<MemberRef>,
    /// A map's value.
    pub value: Option<MemberRef>,
    /// Minimum length (strings, lists, maps, blobs) or value (numbers).
    pub min: Option<f64>,
    /// Maximum length (strings, lists, maps, blobs) or value (numbers).
    pub max: Option<f64>,
    /// A Java-style regular expression the whole string must match.
    pub pattern: Option<String>,
    /// Allowed values of an enum string, in model order.
    #[serde(default, rename = "enum")]
    pub enum_values: Vec<String>,
    /// Query/XML: the list or map is flattened.
    #[serde(default)]
    pub flattened: bool,
    /// The value is secret: validation messages leave it out.
    #[serde(default)]
    pub sensitive: bool,
    /// An explicit timestamp format for this shape.
    pub timestamp_format: Option<String>,
    /// The shape is an error.
    #[serde(default)]
    pub exception: bool,
    /// The error is the server's fault.
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    error: Option<RawErrorInfo>,
    #[serde(skip)]
    pub(crate) compiled: OnceLock<Option<Matcher>>,
}

impl Shape {
    /// The member called `name`, if this is a structure that has one.
    pub fn member_ref(&self, name: &str) -> Option<&MemberRef> {
        self.members.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawErrorInfo {
    code: Option<String>,
    http_status_code: Option<u16>,
    sender_fault: Option<bool>,
}

#[derive(Deserialize)]
struct RawModel {
    metadata: RawMetadata,
    operations: HashMap<String, RawOperation>,
    shapes: HashMap<String, Shape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetadata {
    api_version: String,
    protocol: String,
}

#[derive(Deserialize)]
struct RawOperation {
    input: Option<MemberRef>,
    output: Option<RawOutput>,
    #[serde(default)]
    errors: Vec<MemberRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOutput {
    #[serde(flatten)]
    member: MemberRef,
    result_wrapper: Option<String>,
}

/// Deserializes a JSON object into a `Vec` keeping the document order, which is the order
/// members are serialized in.
fn ordered_members<'de, D>(d: D) -> Result<Vec<(String, MemberRef)>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<(String, MemberRef)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of members")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, MemberRef>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_load_and_are_closed() {
        for svc in Service::ALL {
            let m = model(svc);
            assert!(m.operation_names().count() > 10, "{svc:?}");
            for shape in m.shapes() {
                let refs = shape
                    .members
                    .iter()
                    .map(|(_, r)| r)
                    .chain(shape.member.iter())
                    .chain(shape.key.iter())
                    .chain(shape.value.iter());
                for r in refs {
                    assert!(m.shape(&r.shape).is_some(), "{svc:?} {}", r.shape);
                }
            }
            for name in m.operation_names() {
                let op = m.operation(name).expect("listed");
                for r in op.input.iter().chain(op.output.iter()) {
                    assert!(m.shape(&r.shape).is_some());
                }
                if m.protocol == "query" && op.output.is_some() {
                    assert_eq!(
                        op.result_wrapper.as_deref(),
                        Some(&*format!("{name}Result"))
                    );
                }
            }
        }
    }

    #[test]
    fn metadata_matches_service() {
        for svc in Service::ALL {
            assert_eq!(model(svc).api_version, svc.version());
        }
        assert_eq!(model(Service::CodeCommit).protocol, "json");
        assert_eq!(model(Service::Iam).protocol, "query");
    }

    #[test]
    fn members_keep_model_order() {
        let m = model(Service::Iam);
        let user = m.shape("User").expect("IAM User shape");
        let names: Vec<_> = user.members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&names[..4], ["Path", "UserName", "UserId", "Arn"]);
    }

    #[test]
    fn error_shapes_by_code_and_name() {
        let m = model(Service::Iam);
        let e = m.error_shape("NoSuchEntity").expect("by code");
        assert_eq!((e.shape.as_str(), e.status), ("NoSuchEntityException", 404));
        assert_eq!(m.error_shape("NoSuchEntityException"), Some(e));
        let cc = model(Service::CodeCommit);
        let e = cc
            .error_shape("RepositoryDoesNotExistException")
            .expect("codecommit error");
        assert_eq!(
            (e.code.as_str(), e.status),
            ("RepositoryDoesNotExistException", 400)
        );
    }
}
