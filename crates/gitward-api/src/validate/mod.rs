//! Model constraints, reported with AWS's wording:
//!
//! `1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint:
//! Member must satisfy regular expression pattern: [\w+=,.@-]+`
//!
//! Several failures are joined with `; ` after `N validation errors detected: `. Paths use
//! lower-camel member names; list elements are `name.N.member` (1-based), map values
//! `name.<key>`. Sensitive values are left out (`Value at 'password' …`).

use serde_json::{Map, Value};

use crate::model::{ServiceModel, Shape, ShapeType};
use crate::{ApiError, Service, blob_bytes, lower_camel, model, pattern};

/// Checks a decoded input against the model of `op`: required members, string length
/// (UTF-16 units, as Java counts) and pattern, enum values, number ranges, list/map/blob
/// lengths, recursively. Returns the AWS-worded `ValidationError` (query) or
/// `ValidationException` (JSON) listing every failure.
pub fn validate(svc: Service, op: &str, input: &Value) -> Result<(), ApiError> {
    let m = model(svc);
    let operation = m
        .operation(op)
        .ok_or_else(|| ApiError::unknown_operation(svc, op))?;
    let Some(input_ref) = &operation.input else {
        return Ok(());
    };
    let empty = Map::new();
    let obj = input.as_object().unwrap_or(&empty);
    let mut v = Validator {
        m,
        failures: Vec::new(),
    };
    v.structure(m.resolve(input_ref), obj, "");
    match v.failures.len() {
        0 => Ok(()),
        1 => Err(ApiError::validation_for(
            svc,
            format!("1 validation error detected: {}", v.failures[0]),
        )),
        n => Err(ApiError::validation_for(
            svc,
            format!("{n} validation errors detected: {}", v.failures.join("; ")),
        )),
    }
}

struct Validator {
    m: &'static ServiceModel,
    failures: Vec<String>,
}

impl Validator {
    fn fail(&mut self, shape: &Shape, v: Option<&Value>, path: &str, constraint: &str) {
        let value = match v {
            None | Some(Value::Null) => "Value null".to_owned(),
            Some(_) if shape.sensitive => "Value".to_owned(),
            Some(v) => format!("Value '{}'", render(v)),
        };
        self.failures.push(format!(
            "{value} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    fn structure(&mut self, shape: &Shape, obj: &Map<String, Value>, path: &str) {
        for (name, mref) in &shape.members {
            let member_path = if path.is_empty() {
                lower_camel(name)
            } else {
                format!("{path}.{}", lower_camel(name))
            };
            let target = self.m.resolve(mref);
            match obj.get(name).filter(|v| !v.is_null()) {
                None if shape.required.iter().any(|r| r == name) => {
                    self.fail(target, None, &member_path, "Member must not be null");
                }
                None => {}
                Some(v) => self.value(target, v, &member_path),
            }
        }
    }

    fn value(&mut self, shape: &Shape, v: &Value, path: &str) {
        let mut constraints = Vec::new();
        self.constraints(shape, v, &mut constraints);
        for c in &constraints {
            self.fail(shape, Some(v), path, c);
        }
        match (shape.kind, v) {
            (ShapeType::Structure, Value::Object(obj)) => self.structure(shape, obj, path),
            (ShapeType::List, Value::Array(items)) => {
                if let Some(member) = &shape.member {
                    let target = self.m.resolve(member);
                    for (i, item) in items.iter().enumerate() {
                        self.value(target, item, &format!("{path}.{}.member", i + 1));
                    }
                }
            }
            (ShapeType::Map, Value::Object(obj)) => self.map(shape, obj, v, path),
            _ => {}
        }
    }

    /// Map keys and scalar values are reported as AWS does, once for the whole map:
    /// `Map keys must satisfy constraint: [c1, c2]`. Structured values are walked.
    fn map(&mut self, shape: &Shape, obj: &Map<String, Value>, whole: &Value, path: &str) {
        let (Some(kref), Some(vref)) = (&shape.key, &shape.value) else {
            return;
        };
        let (kshape, vshape) = (self.m.resolve(kref), self.m.resolve(vref));
        let mut key_failures = Vec::new();
        let mut value_failures = Vec::new();
        for (k, item) in obj {
            self.constraints(kshape, &Value::String(k.clone()), &mut key_failures);
            match vshape.kind {
                ShapeType::Structure | ShapeType::List | ShapeType::Map => {
                    self.value(vshape, item, &format!("{path}.{k}"));
                }
                _ => self.constraints(vshape, item, &mut value_failures),
            }
        }
        for (label, mut list) in [("Map keys", key_failures), ("Map value", value_failures)] {
            list.dedup();
            if !list.is_empty() {
                let c = format!("{label} must satisfy constraint: [{}]", list.join(", "));
                self.fail(shape, Some(whole), path, &c);
            }
        }
    }

    /// The constraint failures of one value against its own shape (not its children).
    fn constraints(&self, shape: &Shape, v: &Value, out: &mut Vec<String>) {
        let length = match (shape.kind, v) {
            (ShapeType::String, Value::String(s)) => {
                if !shape.enum_values.is_empty() && !shape.enum_values.iter().any(|e| e == s) {
                    out.push(format!(
                        "Member must satisfy enum value set: [{}]",
                        shape.enum_values.join(", ")
                    ));
                }
                Some(s.encode_utf16().count())
            }
            (ShapeType::List, Value::Array(a)) => Some(a.len()),
            (ShapeType::Map, Value::Object(o)) => Some(o.len()),
            (ShapeType::Blob, v) => blob_bytes(v).map(|b| b.len()),
            _ => None,
        };
        if let Some(len) = length {
            let len = len as f64;
            if let Some(min) = shape.min.filter(|min| len < *min) {
                out.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
            if let Some(max) = shape.max.filter(|max| len > *max) {
                out.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
        }
        if let (ShapeType::String, Value::String(s)) = (shape.kind, v)
            && let Some(re) = pattern::matcher(shape)
            && !re.is_match(s)
            && !lenient_pattern(shape, s, |t| re.is_match(t))
        {
            let p = shape.pattern.as_deref().unwrap_or_default();
            out.push(format!(
                "Member must satisfy regular expression pattern: {p}"
            ));
        }
        if let (
            ShapeType::Integer | ShapeType::Long | ShapeType::Float | ShapeType::Double,
            Value::Number(n),
        ) = (shape.kind, v)
            && let Some(x) = n.as_f64()
        {
            if let Some(min) = shape.min.filter(|min| x < *min) {
                out.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
            if let Some(max) = shape.max.filter(|max| x > *max) {
                out.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
        }
    }
}

/// Renders a value as AWS (Java `toString`) does in messages: strings bare, lists
/// `[a, b]`, maps `{k=v}`.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;

/// The one place gitward accepts a value its model's pattern refuses: an STS
/// `RoleSessionName` with inner spaces, such as the `Maria Garcia` of the CodeCommit guide
/// on rotating credentials, which gitward promises works verbatim ([design]; see
/// `gitward_sts::names::validate_role_session_name`). Leading or trailing spaces, and any
/// other character outside the pattern, are still refused.
fn lenient_pattern(shape: &Shape, s: &str, matches: impl Fn(&str) -> bool) -> bool {
    shape.name == "roleSessionNameType" && s.trim() == s && matches(&s.replace(' ', "_"))
}
