//! The syntax pass: JSON types and element names ("Syntax errors in policy."), read into
//! borrowed raw statements for [`crate::validate`] and compilation.

use serde_json::{Map, Value};

use crate::condition::{Operator, parse_block};
use crate::error::PolicyError;

/// A statement as read by the syntax pass, before validation.
#[derive(Debug)]
pub(crate) struct RawStatement<'a> {
    pub sid: Option<&'a str>,
    pub effect: &'a str,
    pub action: Option<(bool, Vec<&'a str>)>,
    pub resource: Option<(bool, Vec<&'a str>)>,
    pub principal: Option<(bool, &'a Value)>,
    pub conditions: Vec<(Operator, String, Vec<String>)>,
}

/// A document as read by the syntax pass.
#[derive(Debug)]
pub(crate) struct RawDocument<'a> {
    pub version: Option<&'a str>,
    pub id: Option<&'a str>,
    pub statements: Vec<RawStatement<'a>>,
}

const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

/// The syntax pass: JSON types and element names ("Syntax errors in policy.").
pub(crate) fn read_document(value: &Value) -> Result<RawDocument<'_>, PolicyError> {
    let Value::Object(top) = value else {
        return Err(PolicyError::syntax("the policy must be a JSON object"));
    };
    if let Some(unknown) = top.keys().find(|k| !TOP_ELEMENTS.contains(&k.as_str())) {
        return Err(PolicyError::syntax(format!(
            "unknown element \"{unknown}\""
        )));
    }
    let version = match top.get("Version") {
        None => None,
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.as_str()),
        Some(other) => {
            return Err(PolicyError::syntax(format!("invalid Version {other}")));
        }
    };
    let id = match top.get("Id") {
        None => None,
        Some(Value::String(id)) => Some(id.as_str()),
        Some(_) => return Err(PolicyError::syntax("Id must be a string")),
    };
    let statements: Vec<&Map<String, Value>> = match top.get("Statement") {
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(many)) if !many.is_empty() => many
            .iter()
            .map(|s| match s {
                Value::Object(s) => Ok(s),
                _ => Err(PolicyError::syntax("each Statement must be an object")),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(PolicyError::syntax(
                "Statement must be an object or a non-empty array",
            ));
        }
    };
    let statements = statements
        .into_iter()
        .map(read_statement)
        .collect::<Result<_, _>>()?;
    Ok(RawDocument {
        version,
        id,
        statements,
    })
}

fn read_statement(s: &Map<String, Value>) -> Result<RawStatement<'_>, PolicyError> {
    if let Some(unknown) = s.keys().find(|k| !STATEMENT_ELEMENTS.contains(&k.as_str())) {
        return Err(PolicyError::syntax(format!(
            "unknown statement element \"{unknown}\""
        )));
    }
    let effect = match s.get("Effect") {
        Some(Value::String(e))
            if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") =>
        {
            e.as_str()
        }
        Some(other) => return Err(PolicyError::syntax(format!("invalid Effect {other}"))),
        None => return Err(PolicyError::syntax("statement without Effect")),
    };
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.as_str()),
        Some(_) => return Err(PolicyError::syntax("Sid must be a string")),
    };
    let action = pair(s, "Action", "NotAction")?;
    let resource = pair(s, "Resource", "NotResource")?;
    let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::syntax(
                "statement with both Principal and NotPrincipal",
            ));
        }
        (Some(p), None) => Some((false, p)),
        (None, Some(p)) => Some((true, p)),
        (None, None) => None,
    };
    let conditions = match s.get("Condition") {
        Some(block) => parse_block(block)?,
        None => Vec::new(),
    };
    Ok(RawStatement {
        sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

/// Reads a positive/negated element pair such as `Action`/`NotAction`.
fn pair<'a>(
    s: &'a Map<String, Value>,
    positive: &str,
    negative: &str,
) -> Result<Option<(bool, Vec<&'a str>)>, PolicyError> {
    match (s.get(positive), s.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::syntax(format!(
            "statement with both {positive} and {negative}"
        ))),
        (Some(v), None) => Ok(Some((false, string_or_list(v, positive)?))),
        (None, Some(v)) => Ok(Some((true, string_or_list(v, negative)?))),
        (None, None) => Ok(None),
    }
}

/// A string or an array of strings.
pub(crate) fn string_or_list<'a>(
    value: &'a Value,
    element: &str,
) -> Result<Vec<&'a str>, PolicyError> {
    let not_strings = || PolicyError::syntax(format!("{element} must be a string or strings"));
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(not_strings))
            .collect(),
        _ => Err(not_strings()),
    }
}
