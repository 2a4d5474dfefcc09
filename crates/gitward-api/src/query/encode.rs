//! awsQuery output: the operation's output Value into the XML botocore's `QueryParser` reads.

use serde_json::{Map, Value};

use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::{ApiError, Service, check_unknown_members, model, output_bug, timestamp};

/// `Content-Type` of query responses (success and error).
pub const CONTENT_TYPE: &str = "text/xml";

/// Encodes a successful response:
///
/// ```xml
/// <OpResponse xmlns="…"><OpResult>…members in model order…</OpResult>
///   <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>
/// ```
///
/// Operations without output get only `<ResponseMetadata>`. Lists are written as
/// `<member>` elements, maps as `<entry><key/><value/></entry>`, honouring `locationName` and
/// `flattened`. Timestamps (ISO 8601 strings) are written as they are; booleans as
/// `true`/`false`; blobs as base64. See the crate docs for the Value conventions.
pub fn encode_output(
    svc: Service,
    op: &str,
    output: &Value,
    request_id: &str,
) -> Result<String, ApiError> {
    let m = model(svc);
    let operation = m
        .operation(op)
        .ok_or_else(|| output_bug(svc, op, "no such operation".into()))?;
    let mut w = Writer {
        svc,
        op,
        m,
        out: String::with_capacity(512),
    };
    w.out.push('<');
    w.out.push_str(op);
    w.out.push_str("Response");
    if let Some(ns) = svc.xml_namespace() {
        w.out.push_str(" xmlns=\"");
        w.out.push_str(ns);
        w.out.push('"');
    }
    w.out.push('>');
    match &operation.output {
        Some(out_ref) => {
            let obj = match output {
                Value::Object(obj) => obj,
                Value::Null => &Map::new(),
                _ => return Err(output_bug(svc, op, "output is not an object".into())),
            };
            let wrapper = operation
                .result_wrapper
                .clone()
                .unwrap_or_else(|| format!("{op}Result"));
            w.open(&wrapper);
            w.structure(m.resolve(out_ref), obj, "")?;
            w.close(&wrapper);
        }
        None => {
            let empty = match output {
                Value::Null => true,
                Value::Object(o) => o.is_empty(),
                _ => false,
            };
            if !empty {
                return Err(output_bug(svc, op, "operation has no output".into()));
            }
        }
    }
    w.out.push_str("<ResponseMetadata>");
    w.text_element("RequestId", request_id);
    w.out.push_str("</ResponseMetadata>");
    w.close(&format!("{op}Response"));
    Ok(w.out)
}

/// Encodes an error response:
///
/// ```xml
/// <ErrorResponse xmlns="…"><Error><Type>Sender|Receiver</Type><Code>…</Code>
///   <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
/// ```
///
/// Protocol-neutral codes are spelled for `svc` (see [`ApiError`]).
pub fn encode_error(svc: Service, err: &ApiError, request_id: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<ErrorResponse");
    if let Some(ns) = svc.xml_namespace() {
        out.push_str(" xmlns=\"");
        out.push_str(ns);
        out.push('"');
    }
    out.push_str("><Error><Type>");
    out.push_str(if err.sender_fault {
        "Sender"
    } else {
        "Receiver"
    });
    out.push_str("</Type><Code>");
    escape_into(&mut out, crate::error::wire_code(svc, &err.code));
    out.push_str("</Code><Message>");
    escape_into(&mut out, &err.message);
    out.push_str("</Message></Error><RequestId>");
    escape_into(&mut out, request_id);
    out.push_str("</RequestId></ErrorResponse>");
    out
}

struct Writer<'a> {
    svc: Service,
    op: &'a str,
    m: &'static ServiceModel,
    out: String,
}

impl Writer<'_> {
    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn text_element(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    fn bug(&self, path: &str, what: &str) -> ApiError {
        output_bug(self.svc, self.op, format!("at '{path}': {what}"))
    }

    fn structure(
        &mut self,
        shape: &Shape,
        obj: &Map<String, Value>,
        path: &str,
    ) -> Result<(), ApiError> {
        check_unknown_members(self.svc, self.op, shape, obj);
        for (name, mref) in &shape.members {
            let Some(v) = obj.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let wire = mref.location_name.as_deref().unwrap_or(name);
            let member_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            self.member(wire, mref, v, &member_path)?;
        }
        Ok(())
    }

    fn member(
        &mut self,
        name: &str,
        mref: &MemberRef,
        v: &Value,
        path: &str,
    ) -> Result<(), ApiError> {
        let shape = self.m.resolve(mref);
        let flattened = mref.flattened || shape.flattened;
        match shape.kind {
            ShapeType::Structure => {
                let obj = v
                    .as_object()
                    .ok_or_else(|| self.bug(path, "expected an object"))?;
                self.open(name);
                self.structure(shape, obj, path)?;
                self.close(name);
            }
            ShapeType::List => {
                let items = v
                    .as_array()
                    .ok_or_else(|| self.bug(path, "expected an array"))?;
                let Some(item_ref) = &shape.member else {
                    return Err(self.bug(path, "list shape without member"));
                };
                let item_name = match (&item_ref.location_name, flattened) {
                    (Some(n), _) => n.as_str(),
                    (None, true) => name,
                    (None, false) => "member",
                };
                if !flattened {
                    self.open(name);
                }
                for (i, item) in items.iter().enumerate().filter(|(_, i)| !i.is_null()) {
                    self.member(item_name, item_ref, item, &format!("{path}[{i}]"))?;
                }
                if !flattened {
                    self.close(name);
                }
            }
            ShapeType::Map => {
                let obj = v
                    .as_object()
                    .ok_or_else(|| self.bug(path, "expected an object"))?;
                let (Some(kref), Some(vref)) = (&shape.key, &shape.value) else {
                    return Err(self.bug(path, "map shape without key/value"));
                };
                let key_name = kref.location_name.as_deref().unwrap_or("key");
                let value_name = vref.location_name.as_deref().unwrap_or("value");
                let entry_name = if flattened { name } else { "entry" };
                if !flattened {
                    self.open(name);
                }
                for (k, item) in obj.iter().filter(|(_, v)| !v.is_null()) {
                    self.open(entry_name);
                    self.text_element(key_name, k);
                    self.member(value_name, vref, item, &format!("{path}.{k}"))?;
                    self.close(entry_name);
                }
                if !flattened {
                    self.close(name);
                }
            }
            _ => {
                let text = self.scalar(shape, v, path)?;
                self.text_element(name, &text);
            }
        }
        Ok(())
    }

    fn scalar(&self, shape: &Shape, v: &Value, path: &str) -> Result<String, ApiError> {
        let text = match (shape.kind, v) {
            (ShapeType::Boolean, Value::Bool(b)) => b.to_string(),
            (ShapeType::Integer | ShapeType::Long, Value::Number(n))
                if n.is_i64() || n.is_u64() =>
            {
                n.to_string()
            }
            (ShapeType::Float | ShapeType::Double, Value::Number(n)) => n.to_string(),
            (ShapeType::Timestamp, Value::String(s)) => {
                if timestamp::parse(s).is_none() {
                    return Err(self.bug(path, "timestamp is not ISO 8601"));
                }
                s.clone()
            }
            (ShapeType::Timestamp, Value::Number(n)) => n
                .as_f64()
                .and_then(timestamp::from_epoch)
                .map(timestamp::to_iso)
                .ok_or_else(|| self.bug(path, "timestamp out of range"))?,
            (ShapeType::Blob, _) => crate::blob_base64(v)
                .ok_or_else(|| self.bug(path, "blob is neither base64 nor bytes"))?,
            (ShapeType::String | ShapeType::Other, Value::String(s)) => s.clone(),
            (kind, _) => return Err(self.bug(path, &format!("expected a {kind:?}, got {v}"))),
        };
        Ok(text)
    }
}

/// Escapes text content. `\r` is written as a character reference so XML parsers keep it;
/// characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    // Most text (ids, ARNs, tokens) needs no escaping: copy it whole. Every character
    // handled below is ASCII below U+0020, `&`, `<`, `>`, or starts with byte 0xEF (U+FFFE,
    // U+FFFF), so text without those bytes is written unchanged.
    if !s
        .bytes()
        .any(|b| b < b' ' || matches!(b, b'&' | b'<' | b'>' | 0xEF))
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}
