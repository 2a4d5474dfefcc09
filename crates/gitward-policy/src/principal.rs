//! `Principal` / `NotPrincipal` in trust (resource-based) policies: parsing, validation and
//! matching against the caller (FACTS §6.2).

use serde_json::Value;

use crate::error::PolicyError;
use crate::pattern::eq_fold;

/// Who is making a request, as a trust policy's `Principal` element sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM identity: root, user, role session or federated user.
    Aws(AwsPrincipal),
    /// An AWS service (e.g. `ec2.amazonaws.com`).
    Service(String),
    /// A web-identity or SAML caller: the identity provider (an `oidc-provider/…` or
    /// `saml-provider/…` ARN, or a well-known name such as `accounts.google.com`).
    Federated(String),
    /// An unauthenticated caller.
    Anonymous,
}

/// An IAM identity making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPrincipal {
    /// The caller's ARN: `arn:aws:iam::ACCT:root`, `…:user/path/name`,
    /// `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, `arn:aws:sts::ACCT:federated-user/NAME`.
    pub arn: String,
    /// The caller's 12-digit account id.
    pub account: String,
    /// For a role session, the role's ARN (`…:role/path/name`); a policy naming the role
    /// matches its sessions.
    pub role_arn: Option<String>,
    /// The user's or role's unique id (`AIDA…`/`AROA…`); trust policies whose ARN could no
    /// longer be resolved hold the id instead.
    pub unique_id: Option<String>,
}

/// How a principal element matched the caller; ordered from least to most specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// Through `"*"` or `{"AWS": "*"}` (everyone).
    Wildcard,
    /// Through the caller's account (`"ACCT"` or `arn:aws:iam::ACCT:root`): the caller's
    /// own identity policies must also allow the action (FACTS §3.3).
    Account,
    /// Through the caller's own ARN, its role's ARN, its unique id, or its service /
    /// federated provider name.
    Exact,
}

/// The kind of a principal value (the key inside the `Principal` object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `"AWS"`.
    Aws,
    /// `"Service"`.
    Service,
    /// `"Federated"`.
    Federated,
    /// `"CanonicalUser"` (S3 only; accepted, never matches).
    CanonicalUser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AwsValue {
    Any,
    Account(Box<str>),
    Arn(Box<str>),
    UniqueId(Box<str>),
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalElement {
    negated: bool,
    /// Bare `"Principal": "*"`.
    everyone: bool,
    aws: Vec<AwsValue>,
    values: Vec<(PrincipalKind, Box<str>)>,
}

impl PrincipalElement {
    /// True for `NotPrincipal`.
    pub fn is_negated(&self) -> bool {
        self.negated
    }

    /// True for the bare `"*"` form.
    pub fn is_everyone(&self) -> bool {
        self.everyone
    }

    /// Every value as written, with its kind (for the IAM layer to check that named users
    /// and roles exist).
    pub fn values(&self) -> impl Iterator<Item = (PrincipalKind, &str)> {
        self.values.iter().map(|(kind, value)| (*kind, &**value))
    }

    /// How the element (ignoring `NotPrincipal` negation) names `principal`, if it does.
    pub fn names(&self, principal: &Principal) -> Option<PrincipalMatch> {
        if self.everyone {
            return Some(PrincipalMatch::Wildcard);
        }
        let mut best = None;
        match principal {
            Principal::Aws(caller) => {
                for value in &self.aws {
                    let found = match value {
                        AwsValue::Any => Some(PrincipalMatch::Wildcard),
                        AwsValue::Account(acct) => {
                            (**acct == caller.account).then_some(PrincipalMatch::Account)
                        }
                        AwsValue::Arn(arn) => (**arn == caller.arn
                            || caller.role_arn.as_deref() == Some(&**arn))
                        .then_some(PrincipalMatch::Exact),
                        AwsValue::UniqueId(id) => (caller.unique_id.as_deref() == Some(&**id))
                            .then_some(PrincipalMatch::Exact),
                    };
                    best = best.max(found);
                }
            }
            Principal::Anonymous => {
                if self.aws.contains(&AwsValue::Any) {
                    best = Some(PrincipalMatch::Wildcard);
                }
            }
            Principal::Service(name) => best = self.find(PrincipalKind::Service, name),
            Principal::Federated(name) => best = self.find(PrincipalKind::Federated, name),
        }
        best
    }

    fn find(&self, kind: PrincipalKind, name: &str) -> Option<PrincipalMatch> {
        self.values
            .iter()
            .any(|(k, v)| *k == kind && eq_fold(v, name))
            .then_some(PrincipalMatch::Exact)
    }

    /// Parses a `Principal` (`negated = false`) or `NotPrincipal` element.
    pub(crate) fn parse(value: &Value, negated: bool) -> Result<Self, PolicyError> {
        let element = if negated { "NotPrincipal" } else { "Principal" };
        let mut out = Self {
            negated,
            everyone: false,
            aws: Vec::new(),
            values: Vec::new(),
        };
        match value {
            Value::String(s) if s == "*" => out.everyone = true,
            Value::Object(map) if !map.is_empty() => {
                for (kind_name, values) in map {
                    let kind = match kind_name.as_str() {
                        "AWS" => PrincipalKind::Aws,
                        "Service" => PrincipalKind::Service,
                        "Federated" => PrincipalKind::Federated,
                        "CanonicalUser" => PrincipalKind::CanonicalUser,
                        other => {
                            return Err(PolicyError::syntax(format!(
                                "unknown principal type \"{other}\" in {element}"
                            )));
                        }
                    };
                    for v in crate::syntax::string_or_list(values, element)? {
                        out.add(kind, v)?;
                    }
                }
            }
            _ => {
                return Err(PolicyError::syntax(format!(
                    "{element} must be \"*\" or an object"
                )));
            }
        }
        Ok(out)
    }

    fn add(&mut self, kind: PrincipalKind, value: &str) -> Result<(), PolicyError> {
        let invalid = || PolicyError::InvalidPrincipal {
            shown: format!("\"{}\":\"{value}\"", shown_kind(kind)),
        };
        match kind {
            PrincipalKind::Aws => self.aws.push(parse_aws(value).ok_or_else(invalid)?),
            _ if value.is_empty() || value.contains('*') || value.contains('?') => {
                return Err(invalid());
            }
            _ => {}
        }
        self.values.push((kind, value.into()));
        Ok(())
    }

    /// Role trust policies reject the bare `"*"` form and `NotPrincipal` (FACTS §6.1).
    pub(crate) fn check_role_trust(&self) -> Result<(), PolicyError> {
        if self.negated {
            return Err(PolicyError::syntax(
                "NotPrincipal is not allowed in a role trust policy",
            ));
        }
        if self.everyone {
            return Err(PolicyError::InvalidPrincipal {
                shown: "\"*\"".into(),
            });
        }
        Ok(())
    }
}

/// How `element` (a statement's `Principal`/`NotPrincipal`) applies to `principal`:
/// `Some(match)` when the statement applies, `None` when it does not. For `NotPrincipal`
/// the statement applies to everyone the element does *not* name (reported as
/// [`PrincipalMatch::Wildcard`]).
pub fn principal_matches(
    element: &PrincipalElement,
    principal: &Principal,
) -> Option<PrincipalMatch> {
    let named = element.names(principal);
    if element.negated {
        named.is_none().then_some(PrincipalMatch::Wildcard)
    } else {
        named
    }
}

fn shown_kind(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::Aws => "AWS",
        PrincipalKind::Service => "SERVICE",
        PrincipalKind::Federated => "FEDERATED",
        PrincipalKind::CanonicalUser => "CANONICAL_USER",
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `*`, an account id, an IAM/STS principal ARN, or a unique id; no partial wildcards.
fn parse_aws(value: &str) -> Option<AwsValue> {
    if value == "*" {
        return Some(AwsValue::Any);
    }
    if value.contains('*') || value.contains('?') {
        return None;
    }
    if is_account(value) {
        return Some(AwsValue::Account(value.into()));
    }
    if let Some(rest) = value.strip_prefix("arn:aws:") {
        let (service, rest) = rest.split_once("::")?;
        let (account, resource) = rest.split_once(':')?;
        if !is_account(account) {
            return None;
        }
        let ok = match service {
            "iam" if resource == "root" => return Some(AwsValue::Account(account.into())),
            "iam" => ["user/", "role/"]
                .iter()
                .any(|p| resource.strip_prefix(p).is_some_and(|n| !n.is_empty())),
            "sts" => ["assumed-role/", "federated-user/"]
                .iter()
                .any(|p| resource.strip_prefix(p).is_some_and(|n| !n.is_empty())),
            _ => false,
        };
        return ok.then(|| AwsValue::Arn(value.into()));
    }
    let unique_id = value.len() >= 16
        && value.len() <= 128
        && value.starts_with('A')
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    unique_id.then(|| AwsValue::UniqueId(value.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(json: &str) -> PrincipalElement {
        PrincipalElement::parse(&serde_json::from_str(json).expect("test json"), false)
            .expect("valid principal")
    }

    fn user(arn: &str) -> Principal {
        Principal::Aws(AwsPrincipal {
            arn: arn.into(),
            account: "123456789012".into(),
            role_arn: None,
            unique_id: None,
        })
    }

    #[test]
    fn account_forms_are_equivalent() {
        let alice = user("arn:aws:iam::123456789012:user/alice");
        for json in [
            r#"{"AWS":"123456789012"}"#,
            r#"{"AWS":"arn:aws:iam::123456789012:root"}"#,
        ] {
            assert_eq!(element(json).names(&alice), Some(PrincipalMatch::Account));
        }
        assert_eq!(element(r#"{"AWS":"210987654321"}"#).names(&alice), None);
    }

    #[test]
    fn role_arn_matches_its_sessions() {
        let session = Principal::Aws(AwsPrincipal {
            arn: "arn:aws:sts::123456789012:assumed-role/dev/s1".into(),
            account: "123456789012".into(),
            role_arn: Some("arn:aws:iam::123456789012:role/dev".into()),
            unique_id: Some("AROAEXAMPLEEXAMPLE01".into()),
        });
        let by_role = element(r#"{"AWS":["arn:aws:iam::123456789012:role/dev"]}"#);
        assert_eq!(by_role.names(&session), Some(PrincipalMatch::Exact));
        let by_session = element(r#"{"AWS":"arn:aws:sts::123456789012:assumed-role/dev/s1"}"#);
        assert_eq!(by_session.names(&session), Some(PrincipalMatch::Exact));
        let by_id = element(r#"{"AWS":"AROAEXAMPLEEXAMPLE01"}"#);
        assert_eq!(by_id.names(&session), Some(PrincipalMatch::Exact));
    }

    #[test]
    fn wildcard_service_federated() {
        assert_eq!(
            element(r#"{"AWS":"*"}"#).names(&Principal::Anonymous),
            Some(PrincipalMatch::Wildcard)
        );
        let svc = element(r#"{"Service":["ec2.amazonaws.com"]}"#);
        assert_eq!(
            svc.names(&Principal::Service("ec2.amazonaws.com".into())),
            Some(PrincipalMatch::Exact)
        );
        assert_eq!(svc.names(&user("arn:aws:iam::123456789012:user/a")), None);
        let fed = element(r#"{"Federated":"arn:aws:iam::123456789012:oidc-provider/idp.example"}"#);
        assert!(
            fed.names(&Principal::Federated(
                "arn:aws:iam::123456789012:oidc-provider/idp.example".into()
            ))
            .is_some()
        );
    }

    #[test]
    fn not_principal_inverts() {
        let not = PrincipalElement::parse(
            &serde_json::json!({"AWS": "arn:aws:iam::123456789012:user/alice"}),
            true,
        )
        .expect("valid");
        assert_eq!(
            principal_matches(&not, &user("arn:aws:iam::123456789012:user/alice")),
            None
        );
        assert_eq!(
            principal_matches(&not, &user("arn:aws:iam::123456789012:user/bob")),
            Some(PrincipalMatch::Wildcard)
        );
    }

    #[test]
    fn invalid_values() {
        for bad in [
            r#"{"AWS":"arn:aws:iam::123456789012:role/*"}"#,
            r#"{"AWS":"bob"}"#,
            r#"{"AWS":"arn:aws:s3:::bucket"}"#,
            r#"{"Service":"*"}"#,
        ] {
            let err = PrincipalElement::parse(&serde_json::from_str(bad).expect("json"), false)
                .expect_err(bad);
            assert!(matches!(err, PolicyError::InvalidPrincipal { .. }), "{bad}");
        }
        let err =
            PrincipalElement::parse(&serde_json::json!({"AWS": "x"}), false).expect_err("invalid");
        assert_eq!(err.to_string(), r#"Invalid principal in policy: "AWS":"x""#);
    }
}
