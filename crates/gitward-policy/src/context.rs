//! The request being authorized: action, resource, principal and condition keys.

use crate::principal::Principal;

/// A value of a condition context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key (most keys, e.g. `aws:SourceIp`, `codecommit:References`).
    Single(String),
    /// A multi-valued key (e.g. `aws:TagKeys`); may be empty.
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice (one element for a single-valued key).
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::Single(value) => std::slice::from_ref(value),
            Self::Multi(values) => values,
        }
    }
}

/// Everything a policy may look at for one authorization check.
///
/// Key names are case-insensitive (`aws:SourceIP` ≡ `AWS:sourceip`, FACTS §6.3); they are
/// stored lowercased. Setting a key twice replaces the earlier value.
#[derive(Debug, Clone)]
pub struct RequestContext {
    action: String,
    action_lower: String,
    resource: String,
    /// Byte ranges of the resource's six ARN parts, if it is an ARN.
    resource_parts: Option<[(usize, usize); 6]>,
    principal: Option<Principal>,
    keys: Vec<(Box<str>, ContextValue)>,
}

impl RequestContext {
    /// A request for `action` (`service:Name`, e.g. `codecommit:GetRepository`) on
    /// `resource` (an ARN, or `*` for actions without a resource type).
    pub fn new(action: &str, resource: &str) -> Self {
        Self {
            action: action.to_owned(),
            action_lower: action.to_ascii_lowercase(),
            resource: resource.to_owned(),
            resource_parts: arn_ranges(resource),
            principal: None,
            keys: Vec::new(),
        }
    }

    /// Sets a single-valued condition key (e.g. `aws:username`, `codecommit:References`).
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.insert(key, ContextValue::Single(value.into()))
    }

    /// Sets a multi-valued condition key (e.g. `aws:TagKeys`).
    pub fn set_multi(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.insert(key, ContextValue::Multi(values))
    }

    /// Removes a key (so the request carries no value for it at all).
    pub fn unset(&mut self, key: &str) -> &mut Self {
        let key = key.to_lowercase();
        self.keys.retain(|(k, _)| **k != *key);
        self
    }

    /// Sets who is asking; needed only to evaluate `Principal`/`NotPrincipal` in trust
    /// (resource-based) policies. Statements naming a principal never apply to a request
    /// without one.
    pub fn set_principal(&mut self, principal: Principal) -> &mut Self {
        self.principal = Some(principal);
        self
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource as given.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The principal, if set.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The value of a condition key (case-insensitive name).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) || !key.is_ascii() {
            self.get_lower(&key.to_lowercase())
        } else {
            self.get_lower(key)
        }
    }

    /// Every key (lowercased) and its value, in the order first set.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.keys.iter().map(|(k, v)| (&**k, v))
    }

    pub(crate) fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// The request resource's six ARN parts (the last one holds any further colons), or
    /// `None` if the resource is not an ARN (e.g. `*`).
    pub(crate) fn resource_parts(&self) -> Option<[&str; 6]> {
        let ranges = self.resource_parts?;
        Some(ranges.map(|(start, end)| &self.resource[start..end]))
    }

    pub(crate) fn get_lower(&self, key: &str) -> Option<&ContextValue> {
        self.keys
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, value)| value)
    }

    /// The value of a single-valued key (lowercased name): what a policy variable sees.
    /// Multi-valued keys cannot be variables (FACTS §6.3).
    pub(crate) fn single_lower(&self, key: &str) -> Option<&str> {
        match self.get_lower(key)? {
            ContextValue::Single(value) => Some(value),
            ContextValue::Multi(_) => None,
        }
    }

    fn insert(&mut self, key: &str, value: ContextValue) -> &mut Self {
        let key = key.to_lowercase();
        match self.keys.iter_mut().find(|(k, _)| **k == *key) {
            Some(slot) => slot.1 = value,
            None => self.keys.push((key.into(), value)),
        }
        self
    }
}

/// Byte ranges of the six parts of an ARN (`arn:partition:service:region:account:resource`).
fn arn_ranges(text: &str) -> Option<[(usize, usize); 6]> {
    let mut ranges = [(0, 0); 6];
    let mut start = 0;
    for (index, range) in ranges.iter_mut().enumerate() {
        let end = if index == 5 {
            text.len()
        } else {
            start + text[start..].find(':')?
        };
        *range = (start, end);
        start = end + 1;
    }
    (&text[ranges[0].0..ranges[0].1] == "arn").then_some(ranges)
}
