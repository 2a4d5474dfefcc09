//! awsQuery input: a flat list of `key=value` pairs into the operation's input Value.
//!
//! The keys are first folded into a tree on `.` (`Tags.member.1.Key` → Tags → member → 1 →
//! Key), then the tree is read along the model shape, so the work is linear in the input and
//! the depth is bounded by the model.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{MemberRef, ServiceModel, Shape, ShapeType};
use crate::{ApiError, Service, lower_camel, model, timestamp};

/// One level of the key tree. The first occurrence of a key wins.
#[derive(Default, Debug)]
struct Node<'a> {
    value: Option<&'a str>,
    children: BTreeMap<&'a str, Node<'a>>,
}

/// Keys nested deeper than this are ignored: no model shape nests that far, and a bound keeps
/// hostile keys (`a.a.a.…`) from building a tree too deep to drop.
const MAX_KEY_DEPTH: usize = 32;

impl<'a> Node<'a> {
    fn build(pairs: &'a [(String, String)]) -> Self {
        let mut root = Node::default();
        for (k, v) in pairs {
            if k.split('.').nth(MAX_KEY_DEPTH).is_some() {
                continue;
            }
            let mut node = &mut root;
            for part in k.split('.') {
                node = node.children.entry(part).or_default();
            }
            node.value.get_or_insert(v.as_str());
        }
        root
    }

    /// Children whose key is a positive index, in index order.
    fn indexed(&self) -> Vec<&Node<'a>> {
        let mut items: Vec<(u32, &Node<'a>)> = self
            .children
            .iter()
            .filter_map(|(k, n)| k.parse::<u32>().ok().filter(|i| *i > 0).map(|i| (i, n)))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, n)| n).collect()
    }
}

/// Decodes a query form (already split into pairs; `Action`, `Version` and presigning
/// parameters are ignored along with any other unknown key) into the input Value of `op`.
///
/// Lists are read from `Name.member.N` (or `Name.N` when flattened, or an empty `Name=` for
/// an empty list), maps from `Name.entry.N.key` / `.value`, structures from `Name.Member`;
/// `locationName` renames are honoured. Booleans must be `true`/`false`, numbers must parse,
/// timestamps may be ISO 8601 or epoch seconds (normalized to ISO 8601), blobs must be
/// base64. A malformed scalar is a `ValidationError`; constraints are checked separately by
/// [`crate::validate`].
pub fn decode_input(svc: Service, op: &str, pairs: &[(String, String)]) -> Result<Value, ApiError> {
    let m = model(svc);
    let operation = m
        .operation(op)
        .ok_or_else(|| ApiError::unknown_operation(svc, op))?;
    let Some(input) = &operation.input else {
        return Ok(Value::Object(Map::new()));
    };
    let tree = Node::build(pairs);
    let reader = Reader { svc, m };
    reader.structure(m.resolve(input), &tree, "")
}

struct Reader {
    svc: Service,
    m: &'static ServiceModel,
}

impl Reader {
    fn structure(&self, shape: &Shape, node: &Node<'_>, path: &str) -> Result<Value, ApiError> {
        let mut out = Map::new();
        for (name, mref) in &shape.members {
            let wire = mref.location_name.as_deref().unwrap_or(name);
            let Some(child) = node.children.get(wire) else {
                continue;
            };
            let member_path = join(path, &lower_camel(name));
            if let Some(v) = self.value(mref, child, &member_path)? {
                out.insert(name.clone(), v);
            }
        }
        Ok(Value::Object(out))
    }

    fn value(
        &self,
        mref: &MemberRef,
        node: &Node<'_>,
        path: &str,
    ) -> Result<Option<Value>, ApiError> {
        let shape = self.m.resolve(mref);
        let flattened = mref.flattened || shape.flattened;
        match shape.kind {
            ShapeType::Structure => self.structure(shape, node, path).map(Some),
            ShapeType::List => {
                let Some(member) = &shape.member else {
                    return Ok(None);
                };
                let container = if flattened {
                    Some(node)
                } else {
                    node.children
                        .get(member.location_name.as_deref().unwrap_or("member"))
                };
                let mut items = Vec::new();
                if let Some(container) = container {
                    for (i, item) in container.indexed().into_iter().enumerate() {
                        let item_path = format!("{path}.{}.member", i + 1);
                        if let Some(v) = self.value(member, item, &item_path)? {
                            items.push(v);
                        }
                    }
                }
                if items.is_empty() && node.value != Some("") {
                    // Neither elements nor the explicit empty-list marker `Name=`.
                    return Ok(None);
                }
                Ok(Some(Value::Array(items)))
            }
            ShapeType::Map => {
                let (Some(kref), Some(vref)) = (&shape.key, &shape.value) else {
                    return Ok(None);
                };
                let container = if flattened {
                    Some(node)
                } else {
                    node.children.get("entry")
                };
                let Some(container) = container else {
                    return Ok(None);
                };
                let key_name = kref.location_name.as_deref().unwrap_or("key");
                let value_name = vref.location_name.as_deref().unwrap_or("value");
                let mut out = Map::new();
                for entry in container.indexed() {
                    let Some(key) = entry.children.get(key_name).and_then(|k| k.value) else {
                        continue;
                    };
                    let value_path = format!("{path}.{key}");
                    let Some(value_node) = entry.children.get(value_name) else {
                        continue;
                    };
                    if let Some(value) = self.value(vref, value_node, &value_path)? {
                        out.insert(key.to_owned(), value);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            _ => match node.value {
                Some(text) => self.scalar(shape, text, path).map(Some),
                None => Ok(None),
            },
        }
    }

    fn scalar(&self, shape: &Shape, text: &str, path: &str) -> Result<Value, ApiError> {
        let bad = |what: &str| {
            ApiError::validation_for(
                self.svc,
                format!(
                    "1 validation error detected: Value '{text}' at '{path}' failed to satisfy constraint: Member must be {what}"
                ),
            )
        };
        match shape.kind {
            ShapeType::Boolean => match text {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(bad("a boolean (true or false)")),
            },
            ShapeType::Integer | ShapeType::Long => {
                let n: i64 = text.trim().parse().map_err(|_| bad("an integer"))?;
                if shape.kind == ShapeType::Integer && i32::try_from(n).is_err() {
                    return Err(bad("a 32-bit integer"));
                }
                Ok(Value::from(n))
            }
            ShapeType::Float | ShapeType::Double => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| bad("a number")),
            ShapeType::Timestamp => timestamp::parse(text)
                .map(|t| Value::String(timestamp::to_iso(t)))
                .ok_or_else(|| bad("a timestamp (ISO 8601 or epoch seconds)")),
            ShapeType::Blob => {
                let v = Value::String(text.to_owned());
                crate::blob_base64(&v)
                    .map(Value::String)
                    .ok_or_else(|| bad("base64-encoded"))
            }
            _ => Ok(Value::String(text.to_owned())),
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn create_user_with_tags() {
        let form = pairs(&[
            ("Action", "CreateUser"),
            ("Version", "2010-05-08"),
            ("UserName", "bob"),
            ("Path", "/eng/"),
            ("Tags.member.2.Key", "team"),
            ("Tags.member.2.Value", "git"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.1.Value", ""),
        ]);
        let v = decode_input(Service::Iam, "CreateUser", &form).expect("decodes");
        assert_eq!(
            v,
            json!({"Path": "/eng/", "UserName": "bob",
                   "Tags": [{"Key": "env", "Value": ""}, {"Key": "team", "Value": "git"}]})
        );
    }

    #[test]
    fn put_user_policy() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let form = pairs(&[
            ("UserName", "bob"),
            ("PolicyName", "all"),
            ("PolicyDocument", doc),
        ]);
        let v = decode_input(Service::Iam, "PutUserPolicy", &form).expect("decodes");
        assert_eq!(
            v,
            json!({"UserName": "bob", "PolicyName": "all", "PolicyDocument": doc})
        );
    }

    #[test]
    fn assume_role_nested_lists_integers_and_empty_list() {
        let form = pairs(&[
            ("RoleArn", "arn:aws:iam::123456789012:role/demo"),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "3600"),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
            ("TransitiveTagKeys", ""),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ]);
        let v = decode_input(Service::Sts, "AssumeRole", &form).expect("decodes");
        assert_eq!(
            v,
            json!({"RoleArn": "arn:aws:iam::123456789012:role/demo", "RoleSessionName": "s1",
                   "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                   "DurationSeconds": 3600,
                   "Tags": [{"Key": "k", "Value": "v"}], "TransitiveTagKeys": []})
        );
    }

    #[test]
    fn booleans_and_list_of_strings() {
        let form = pairs(&[
            (
                "OpenIDConnectProviderArn",
                "arn:aws:iam::123456789012:oidc-provider/x",
            ),
            ("ThumbprintList.member.1", "a".repeat(40).as_str()),
        ]);
        let v = decode_input(Service::Iam, "UpdateOpenIDConnectProviderThumbprint", &form)
            .expect("decodes");
        assert_eq!(v["ThumbprintList"], json!(["a".repeat(40)]));
        let form = pairs(&[
            ("PolicyArn", "arn:x"),
            ("SetAsDefault", "true"),
            ("PolicyDocument", "{}"),
        ]);
        let v = decode_input(Service::Iam, "CreatePolicyVersion", &form).expect("decodes");
        assert_eq!(v["SetAsDefault"], json!(true));
    }

    #[test]
    fn malformed_scalars_are_validation_errors() {
        let form = pairs(&[("MaxItems", "ten")]);
        let e = decode_input(Service::Iam, "ListUsers", &form).expect_err("bad integer");
        assert_eq!((e.code.as_str(), e.status), ("ValidationError", 400));
        assert!(e.message.contains("at 'maxItems'"), "{}", e.message);
        let form = pairs(&[
            ("PolicyArn", "a"),
            ("PolicyDocument", "{}"),
            ("SetAsDefault", "yes"),
        ]);
        assert!(decode_input(Service::Iam, "CreatePolicyVersion", &form).is_err());
    }

    #[test]
    fn unknown_action_and_no_input() {
        let e = decode_input(Service::Iam, "MakeCoffee", &[]).expect_err("unknown");
        assert_eq!(e.code, "InvalidAction");
        assert_eq!(
            decode_input(
                Service::Sts,
                "GetCallerIdentity",
                &pairs(&[("Action", "GetCallerIdentity")])
            )
            .expect("decodes"),
            json!({})
        );
    }

    #[test]
    fn very_deep_keys_are_ignored() {
        let deep = vec!["Tags"; 100_000].join(".");
        let form = vec![
            (deep, "x".to_owned()),
            ("UserName".to_owned(), "u".to_owned()),
        ];
        let v = decode_input(Service::Iam, "CreateUser", &form).expect("decodes");
        assert_eq!(v, json!({"UserName": "u"}));
    }

    #[test]
    fn first_occurrence_wins_and_gaps_are_compacted() {
        let form = pairs(&[
            ("UserName", "first"),
            ("UserName", "second"),
            ("Tags.member.7.Key", "b"),
            ("Tags.member.3.Key", "a"),
            ("Tags.member.x.Key", "ignored"),
        ]);
        let v = decode_input(Service::Iam, "CreateUser", &form).expect("decodes");
        assert_eq!(
            v,
            json!({"UserName": "first", "Tags": [{"Key": "a"}, {"Key": "b"}]})
        );
    }
}
