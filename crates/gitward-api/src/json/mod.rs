//! awsJson1.1 (CodeCommit): JSON in, JSON out, operation named by `X-Amz-Target`.

use serde_json::{Map, Value};

use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::{ApiError, Service, check_unknown_members, model, output_bug, timestamp};

/// `Content-Type` of awsJson1.1 requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Decodes a request body into the input Value of `op`. An empty body is `{}`. Bodies that
/// are not JSON, or whose values do not fit the model's types, are `SerializationException`
/// (400), as AWS answers. Unknown members and `null`s are dropped; timestamps (epoch seconds
/// or ISO 8601) become ISO 8601 strings; blobs must be base64.
pub fn decode_input(svc: Service, op: &str, body: &[u8]) -> Result<Value, ApiError> {
    let m = model(svc);
    let operation = m
        .operation(op)
        .ok_or_else(|| ApiError::unknown_operation(svc, op))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("Malformed JSON request body: {e}")))?;
    if !parsed.is_object() {
        return Err(ApiError::serialization(found_message(
            &parsed,
            "a structure",
        )));
    }
    match &operation.input {
        Some(input) => Decoder { m }.value(input, parsed),
        None => Ok(Value::Object(Map::new())),
    }
}

/// Encodes a successful response body. Members are written in model order under their wire
/// names; timestamps (ISO 8601 strings in the Value) become epoch seconds (a JSON number,
/// fractional when needed); blobs are base64. Operations without output get `{}`.
pub fn encode_output(svc: Service, op: &str, output: &Value) -> Result<Vec<u8>, ApiError> {
    let m = model(svc);
    let operation = m
        .operation(op)
        .ok_or_else(|| output_bug(svc, op, "no such operation".into()))?;
    let wire = match &operation.output {
        Some(out_ref) => {
            let empty = Value::Object(Map::new());
            let output = if output.is_null() { &empty } else { output };
            Encoder { svc, op, m }.value(out_ref, output, "")?
        }
        None => {
            if !matches!(output, Value::Null) && output.as_object().is_none_or(|o| !o.is_empty()) {
                return Err(output_bug(svc, op, "operation has no output".into()));
            }
            Value::Object(Map::new())
        }
    };
    serde_json::to_vec(&wire).map_err(|e| output_bug(svc, op, e.to_string()))
}

/// Encodes an error body: `{"__type":"<Code>","message":"…"}`. The generic
/// `ValidationError` is written as `ValidationException` (see [`ApiError`]).
pub fn encode_error(err: &ApiError) -> Vec<u8> {
    let code = crate::error::wire_code(Service::CodeCommit, &err.code);
    let body = serde_json::json!({"__type": code, "message": err.message});
    body.to_string().into_bytes()
}

/// Jackson-style wording of a type mismatch, as AWS JSON services report it.
fn found_message(v: &Value, wanted: &str) -> String {
    match v {
        Value::Object(_) => "Start of structure or map found where not expected.".to_owned(),
        Value::Array(_) => "Start of list found where not expected".to_owned(),
        Value::String(_) => format!("STRING_VALUE can not be converted to {wanted}"),
        Value::Number(_) => format!("NUMBER_VALUE can not be converted to {wanted}"),
        Value::Bool(_) => format!("BOOLEAN_VALUE can not be converted to {wanted}"),
        Value::Null => format!("null can not be converted to {wanted}"),
    }
}

struct Decoder {
    m: &'static ServiceModel,
}

impl Decoder {
    fn value(&self, mref: &MemberRef, v: Value) -> Result<Value, ApiError> {
        let shape = self.m.resolve(mref);
        let mismatch = |v: &Value, wanted: &str| ApiError::serialization(found_message(v, wanted));
        match (shape.kind, v) {
            (ShapeType::Structure, Value::Object(mut obj)) => {
                let mut out = Map::new();
                for (name, member) in &shape.members {
                    let wire = member.location_name.as_deref().unwrap_or(name);
                    match obj.remove(wire) {
                        None | Some(Value::Null) => {}
                        Some(v) => {
                            out.insert(name.clone(), self.value(member, v)?);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
            (ShapeType::List, Value::Array(items)) => {
                let member = list_member(shape)?;
                items
                    .into_iter()
                    .filter(|i| !i.is_null())
                    .map(|i| self.value(member, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            (ShapeType::Map, Value::Object(obj)) => {
                let vref = shape.value.as_ref().ok_or_else(ApiError::internal)?;
                let mut out = Map::new();
                for (k, v) in obj.into_iter().filter(|(_, v)| !v.is_null()) {
                    out.insert(k, self.value(vref, v)?);
                }
                Ok(Value::Object(out))
            }
            (ShapeType::String | ShapeType::Other, v @ Value::String(_)) => Ok(v),
            (ShapeType::Boolean, v @ Value::Bool(_)) => Ok(v),
            (ShapeType::Integer, Value::Number(n)) => n
                .as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .map(Value::from)
                .ok_or_else(|| {
                    ApiError::serialization(format!(
                        "NUMBER_VALUE {n} can not be converted to an Integer"
                    ))
                }),
            (ShapeType::Long, Value::Number(n)) => n.as_i64().map(Value::from).ok_or_else(|| {
                ApiError::serialization(format!("NUMBER_VALUE {n} can not be converted to a Long"))
            }),
            (ShapeType::Float | ShapeType::Double, v @ Value::Number(_)) => Ok(v),
            (ShapeType::Timestamp, v @ (Value::Number(_) | Value::String(_))) => {
                let t = match &v {
                    Value::Number(n) => n.as_f64().and_then(timestamp::from_epoch),
                    Value::String(s) => timestamp::parse(s),
                    _ => None,
                };
                t.map(|t| Value::String(timestamp::to_iso(t)))
                    .ok_or_else(|| ApiError::serialization(format!("Invalid timestamp value {v}")))
            }
            (ShapeType::Blob, v @ Value::String(_)) => crate::blob_base64(&v)
                .map(Value::String)
                .ok_or_else(|| ApiError::serialization("Invalid base64 in a blob member")),
            (kind, v) => Err(mismatch(&v, &type_phrase(kind))),
        }
    }
}

fn list_member(shape: &Shape) -> Result<&MemberRef, ApiError> {
    shape.member.as_ref().ok_or_else(ApiError::internal)
}

fn type_phrase(kind: ShapeType) -> String {
    match kind {
        ShapeType::Structure | ShapeType::Map => "a structure".to_owned(),
        ShapeType::List => "a list".to_owned(),
        ShapeType::Integer => "an Integer".to_owned(),
        ShapeType::Boolean => "a Boolean".to_owned(),
        ShapeType::Timestamp => "a Date".to_owned(),
        ShapeType::Blob => "a ByteBuffer".to_owned(),
        other => format!("a {other:?}"),
    }
}

struct Encoder<'a> {
    svc: Service,
    op: &'a str,
    m: &'static ServiceModel,
}

impl Encoder<'_> {
    fn bug(&self, path: &str, what: &str) -> ApiError {
        output_bug(self.svc, self.op, format!("at '{path}': {what}"))
    }

    fn value(&self, mref: &MemberRef, v: &Value, path: &str) -> Result<Value, ApiError> {
        let shape = self.m.resolve(mref);
        let bad = || self.bug(path, &format!("expected a {:?}, got {v}", shape.kind));
        Ok(match (shape.kind, v) {
            (ShapeType::Structure, Value::Object(obj)) => {
                check_unknown_members(self.svc, self.op, shape, obj);
                let mut out = Map::new();
                for (name, member) in &shape.members {
                    let Some(v) = obj.get(name).filter(|v| !v.is_null()) else {
                        continue;
                    };
                    let wire = member.location_name.as_deref().unwrap_or(name);
                    let member_path = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    out.insert(wire.to_owned(), self.value(member, v, &member_path)?);
                }
                Value::Object(out)
            }
            (ShapeType::List, Value::Array(items)) => {
                let member = shape.member.as_ref().ok_or_else(bad)?;
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate().filter(|(_, i)| !i.is_null()) {
                    out.push(self.value(member, item, &format!("{path}[{i}]"))?);
                }
                Value::Array(out)
            }
            (ShapeType::Map, Value::Object(obj)) => {
                let vref = shape.value.as_ref().ok_or_else(bad)?;
                let mut out = Map::new();
                for (k, item) in obj.iter().filter(|(_, v)| !v.is_null()) {
                    out.insert(k.clone(), self.value(vref, item, &format!("{path}.{k}"))?);
                }
                Value::Object(out)
            }
            (ShapeType::String | ShapeType::Other, Value::String(_))
            | (ShapeType::Boolean, Value::Bool(_))
            | (ShapeType::Float | ShapeType::Double, Value::Number(_)) => v.clone(),
            (ShapeType::Integer | ShapeType::Long, Value::Number(n))
                if n.is_i64() || n.is_u64() =>
            {
                v.clone()
            }
            (ShapeType::Timestamp, Value::String(s)) => {
                let t = timestamp::parse(s)
                    .ok_or_else(|| self.bug(path, "timestamp is not ISO 8601"))?;
                match mref
                    .timestamp_format
                    .as_deref()
                    .or(shape.timestamp_format.as_deref())
                {
                    Some("iso8601") => Value::String(timestamp::to_iso(t)),
                    _ => timestamp::to_epoch_json(t),
                }
            }
            (ShapeType::Timestamp, Value::Number(_)) => v.clone(),
            (ShapeType::Blob, _) => Value::String(
                crate::blob_base64(v)
                    .ok_or_else(|| self.bug(path, "blob is neither base64 nor bytes"))?,
            ),
            _ => return Err(bad()),
        })
    }
}

#[cfg(test)]
mod tests;
