//! The `Condition` element: operators, compiled values and evaluation (FACTS §6.3).
//!
//! Block semantics: every operator and every key must hold (AND); the values listed for one
//! key are alternatives (OR), except for negated operators, which hold only when the request
//! value matches none of them. A missing key makes a condition false, except for negated
//! operators, `…IfExists` and `ForAllValues:` (true) and `Null` (which tests presence).

use ipnet::IpNet;
use serde_json::{Map, Value};

use crate::context::{ContextValue, RequestContext};
use crate::error::PolicyError;
use crate::pattern::{Pattern, Syntax, split_arn};
use crate::values::{decode_base64, parse_cidr, parse_date, parse_ip, parse_number};

/// How an ordered comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Self::Eq => request == policy,
            Self::Lt => request < policy,
            Self::Le => request <= policy,
            Self::Gt => request > policy,
            Self::Ge => request >= policy,
        }
    }
}

/// The comparison family of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String { like: bool, fold_case: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// `ForAllValues:` / `ForAnyValue:` set qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    None,
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator name such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    family: Family,
    negated: bool,
    if_exists: bool,
    qualifier: Qualifier,
}

impl Operator {
    /// Parses an operator name; `None` if IAM does not know it.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Qualifier::ForAllValues, rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Qualifier::ForAnyValue, rest)
        } else {
            (Qualifier::None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        use Family as F;
        let string = |like, fold_case| F::String { like, fold_case };
        let (family, negated) = match base {
            "StringEquals" => (string(false, false), false),
            "StringNotEquals" => (string(false, false), true),
            "StringEqualsIgnoreCase" => (string(false, true), false),
            "StringNotEqualsIgnoreCase" => (string(false, true), true),
            "StringLike" => (string(true, false), false),
            "StringNotLike" => (string(true, false), true),
            "NumericEquals" => (F::Numeric(Cmp::Eq), false),
            "NumericNotEquals" => (F::Numeric(Cmp::Eq), true),
            "NumericLessThan" => (F::Numeric(Cmp::Lt), false),
            "NumericLessThanEquals" => (F::Numeric(Cmp::Le), false),
            "NumericGreaterThan" => (F::Numeric(Cmp::Gt), false),
            "NumericGreaterThanEquals" => (F::Numeric(Cmp::Ge), false),
            "DateEquals" => (F::Date(Cmp::Eq), false),
            "DateNotEquals" => (F::Date(Cmp::Eq), true),
            "DateLessThan" => (F::Date(Cmp::Lt), false),
            "DateLessThanEquals" => (F::Date(Cmp::Le), false),
            "DateGreaterThan" => (F::Date(Cmp::Gt), false),
            "DateGreaterThanEquals" => (F::Date(Cmp::Ge), false),
            "Bool" => (F::Bool, false),
            "BinaryEquals" => (F::Binary, false),
            "IpAddress" => (F::Ip, false),
            "NotIpAddress" => (F::Ip, true),
            "ArnEquals" | "ArnLike" => (F::Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (F::Arn, true),
            "Null" if !if_exists => (F::Null, false),
            _ => return None,
        };
        Some(Self {
            family,
            negated,
            if_exists,
            qualifier,
        })
    }

    /// True for the `Date…` operators, whose values IAM checks when the policy is stored.
    pub(crate) fn is_date(&self) -> bool {
        matches!(self.family, Family::Date(_))
    }
}

/// Compiled policy values of one condition.
#[derive(Debug, Clone)]
enum Values {
    Patterns(Vec<Pattern>),
    Numbers(Vec<Option<f64>>),
    Dates(Vec<Option<i128>>),
    Binary(Vec<(String, Option<Vec<u8>>)>),
    Ips(Vec<Option<IpNet>>),
    Arns(Vec<Option<Vec<Pattern>>>),
    Null(Vec<Option<bool>>),
}

/// One `operator: { key: values }` entry.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    op: Operator,
    key: Box<str>,
    values: Values,
}

/// The raw values of a condition key: a string, number or boolean, or a list of those.
pub(crate) fn condition_values(value: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

impl Condition {
    /// Compiles one condition. `variables` is true for Version 2012-10-17.
    pub(crate) fn compile(op: Operator, key: &str, raw: &[String], variables: bool) -> Self {
        let text = |fold_case, wildcards| Syntax {
            wildcards,
            variables,
            fold_case,
        };
        let values = match op.family {
            Family::String { like, fold_case } => Values::Patterns(
                raw.iter()
                    .map(|v| Pattern::compile(v, text(fold_case, like)))
                    .collect(),
            ),
            Family::Bool => Values::Patterns(
                raw.iter()
                    .map(|v| Pattern::compile(v, text(true, false)))
                    .collect(),
            ),
            Family::Numeric(_) => Values::Numbers(raw.iter().map(|v| parse_number(v)).collect()),
            Family::Date(_) => Values::Dates(raw.iter().map(|v| parse_date(v)).collect()),
            Family::Binary => {
                Values::Binary(raw.iter().map(|v| (v.clone(), decode_base64(v))).collect())
            }
            Family::Ip => Values::Ips(raw.iter().map(|v| parse_cidr(v)).collect()),
            Family::Arn => Values::Arns(
                raw.iter()
                    .map(|v| compile_arn(v, text(false, true)))
                    .collect(),
            ),
            Family::Null => Values::Null(
                raw.iter()
                    .map(|v| match v.to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        Self {
            op,
            key: key.to_lowercase().into(),
            values,
        }
    }

    /// Evaluates the condition against the request.
    pub(crate) fn holds(&self, ctx: &RequestContext) -> bool {
        let found = ctx.get_lower(&self.key);
        if let Values::Null(wanted) = &self.values {
            let absent = found.is_none_or(|v| v.as_slice().is_empty());
            return wanted.contains(&Some(absent));
        }
        let op = self.op;
        let Some(found) = found else {
            return match op.qualifier {
                Qualifier::ForAllValues => true,
                Qualifier::ForAnyValue => op.if_exists,
                Qualifier::None => op.if_exists || op.negated,
            };
        };
        let per_value = |r: &String| self.any_value_matches(r, ctx) != op.negated;
        match (op.qualifier, found) {
            (Qualifier::ForAllValues, v) => v.as_slice().iter().all(per_value),
            (Qualifier::ForAnyValue, v) => v.as_slice().iter().any(per_value),
            (Qualifier::None, ContextValue::Single(r)) => per_value(r),
            // A single-valued operator on a multi-valued key: positive operators hold if any
            // request value matches; negated ones if no request value matches.
            (Qualifier::None, ContextValue::Multi(rs)) if op.negated => rs.iter().all(per_value),
            (Qualifier::None, ContextValue::Multi(rs)) => rs.iter().any(per_value),
        }
    }

    /// True if the request value `r` matches at least one policy value (before negation).
    /// A request value of the wrong type matches nothing.
    fn any_value_matches(&self, r: &str, ctx: &RequestContext) -> bool {
        match (&self.values, self.op.family) {
            (Values::Patterns(ps), _) => ps.iter().any(|p| p.matches(r, ctx)),
            (Values::Numbers(ns), Family::Numeric(cmp)) => {
                parse_number(r).is_some_and(|r| ns.iter().flatten().any(|&n| cmp.holds(r, n)))
            }
            (Values::Dates(ds), Family::Date(cmp)) => {
                parse_date(r).is_some_and(|r| ds.iter().flatten().any(|&d| cmp.holds(r, d)))
            }
            (Values::Binary(bs), _) => {
                let decoded = decode_base64(r);
                bs.iter().any(|(raw, bytes)| match (bytes, &decoded) {
                    (Some(b), Some(d)) => b == d,
                    _ => raw == r,
                })
            }
            (Values::Ips(nets), _) => {
                parse_ip(r).is_some_and(|ip| nets.iter().flatten().any(|n| n.contains(&ip)))
            }
            (Values::Arns(arns), _) => {
                let parts = split_arn(r);
                parts[5].is_some()
                    && arns.iter().flatten().any(|ps| {
                        ps.iter()
                            .zip(parts)
                            .all(|(p, part)| part.is_some_and(|part| p.matches(part, ctx)))
                    })
            }
            _ => false,
        }
    }
}

/// Compiles an `Arn…` condition value into six per-part glob patterns (`None` if the value
/// is not an ARN: it then matches nothing).
fn compile_arn(text: &str, syntax: Syntax) -> Option<Vec<Pattern>> {
    let parts = split_arn(text);
    parts[5]?;
    Some(
        parts
            .iter()
            .map(|p| Pattern::compile(p.unwrap_or_default(), syntax))
            .collect(),
    )
}

/// Checks a `Condition` element's shape; returns `(operator, key, values)` triples.
/// Unknown operators are a syntax error unless their block is empty (as IAM does).
pub(crate) fn parse_block(
    block: &Value,
) -> Result<Vec<(Operator, String, Vec<String>)>, PolicyError> {
    let Value::Object(ops) = block else {
        return Err(PolicyError::syntax("Condition must be an object"));
    };
    let mut out = Vec::new();
    for (op_name, entries) in ops {
        let Value::Object(entries) = entries else {
            return Err(PolicyError::syntax(format!(
                "condition operator {op_name} must map keys to values"
            )));
        };
        let raw = raw_entries(entries, op_name)?;
        let Some(op) = Operator::parse(op_name) else {
            if raw.is_empty() {
                continue;
            }
            return Err(PolicyError::syntax(format!(
                "unknown condition operator {op_name}"
            )));
        };
        out.extend(raw.into_iter().map(|(key, values)| (op, key, values)));
    }
    Ok(out)
}

fn raw_entries(
    entries: &Map<String, Value>,
    op_name: &str,
) -> Result<Vec<(String, Vec<String>)>, PolicyError> {
    entries
        .iter()
        .map(|(key, value)| {
            condition_values(value)
                .map(|values| (key.clone(), values))
                .ok_or_else(|| {
                    PolicyError::syntax(format!(
                        "values of {op_name} {key} must be strings, numbers or booleans"
                    ))
                })
        })
        .collect()
}
