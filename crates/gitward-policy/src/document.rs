//! `PolicyDocument`: the validated, compiled form of an IAM policy (FACTS §6.1).
//!
//! Parsing runs in two steps: a syntax pass reads the JSON into borrowed raw statements
//! (`crate::syntax`), then [`crate::validate`] applies IAM's checks in IAM's order (so the
//! first error reported is the one AWS reports), and finally every statement is compiled:
//! actions lowercased, resources split into ARN parts, condition values typed.

use serde_json::Value;

use crate::condition::Condition;
use crate::context::RequestContext;
use crate::error::PolicyError;
use crate::pattern::{Pattern, Syntax, split_arn, wildcard_match};
use crate::principal::{PrincipalElement, PrincipalMatch, principal_matches};
use crate::syntax::{RawStatement, read_document};

/// The policy language version (`Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2008-10-17`, also assumed when `Version` is missing: `${…}` are literal text.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants the matched requests.
    Allow,
    /// Refuses the matched requests; wins over every allow.
    Deny,
}

/// Which rules a document is validated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Identity-based (managed, inline), permissions-boundary and session policies:
    /// `Resource`/`NotResource` required, `Principal`/`NotPrincipal` forbidden.
    Identity,
    /// A role's trust policy: `Principal` required, `NotPrincipal` and bare `"*"`
    /// forbidden, `Resource` optional.
    RoleTrust,
}

/// Options for [`PolicyDocument::parse_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// Which rules apply.
    pub kind: PolicyKind,
    /// Refuse a missing or `2008-10-17` `Version` ("Policy document must be version
    /// 2012-10-17 or greater."), as IAM does for managed policies.
    pub require_current_version: bool,
}

impl ParseOptions {
    /// Identity-policy rules, any valid `Version`.
    pub const IDENTITY: Self = Self {
        kind: PolicyKind::Identity,
        require_current_version: false,
    };
    /// Role-trust rules, any valid `Version`.
    pub const ROLE_TRUST: Self = Self {
        kind: PolicyKind::RoleTrust,
        require_current_version: false,
    };
}

/// A parsed, validated and compiled IAM policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    version: PolicyVersion,
    version_given: bool,
    id: Option<String>,
    statements: Vec<Statement>,
}

/// One compiled statement.
#[derive(Debug, Clone)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Negatable<ActionPattern>,
    resources: Option<Negatable<ResourcePattern>>,
    principal: Option<PrincipalElement>,
    conditions: Vec<Condition>,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Debug, Clone)]
struct Negatable<T> {
    negated: bool,
    items: Vec<T>,
}

/// A compiled `Action` entry, ASCII-lowercased (actions are case-insensitive and ASCII;
/// the request's action is lowercased the same way in `RequestContext::new`).
#[derive(Debug, Clone)]
enum ActionPattern {
    /// `*`.
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// One trailing `*` only (`codecommit:Get*`): a prefix test.
    Prefix(Box<str>),
    /// Any other use of `*`/`?`.
    Glob(Box<str>),
}

impl ActionPattern {
    fn compile(text: &str) -> Self {
        let text = text.to_ascii_lowercase();
        let wild = |s: &str| s.contains(['*', '?']);
        match text.strip_suffix('*') {
            _ if text == "*" => Self::Any,
            _ if !wild(&text) => Self::Exact(text.into()),
            Some(prefix) if !wild(prefix) => Self::Prefix(prefix.into()),
            _ => Self::Glob(text.into()),
        }
    }

    fn matches(&self, action: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(exact) => **exact == *action,
            Self::Prefix(prefix) => action.starts_with(&**prefix),
            Self::Glob(glob) => wildcard_match(glob, action),
        }
    }
}

/// A compiled `Resource` entry.
#[derive(Debug, Clone)]
enum ResourcePattern {
    /// `"*"`.
    Any,
    /// Six per-part patterns (short ARNs padded with `*`), plus the whole text for
    /// requests whose resource is not an ARN.
    Arn { parts: Vec<Pattern>, whole: Pattern },
}

/// How a statement applied to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applies {
    /// The statement has no principal element.
    Yes,
    /// The statement's principal element matched this way.
    Via(PrincipalMatch),
}

impl PolicyDocument {
    /// Parses and validates an identity-based policy (managed, inline, permissions boundary
    /// or session policy).
    ///
    /// # Errors
    /// A [`PolicyError`] whose `Display` is IAM's `MalformedPolicyDocument` message, as AWS
    /// words it, for the first problem IAM would report.
    pub fn parse(json: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_with(json, &ParseOptions::IDENTITY)
    }

    /// Parses and validates a role trust policy: `Principal` required, `NotPrincipal` and a
    /// bare `"Principal": "*"` refused, `Resource` optional.
    ///
    /// # Errors
    /// As [`PolicyDocument::parse`], plus the principal errors
    /// ([`PolicyError::MissingPrincipal`], [`PolicyError::InvalidPrincipal`]).
    pub fn parse_trust(json: &str) -> Result<PolicyDocument, PolicyError> {
        Self::parse_with(json, &ParseOptions::ROLE_TRUST)
    }

    /// Parses and validates under explicit options.
    ///
    /// # Errors
    /// As [`PolicyDocument::parse`]; with `require_current_version`, also
    /// [`PolicyError::VersionTooOld`].
    pub fn parse_with(json: &str, options: &ParseOptions) -> Result<PolicyDocument, PolicyError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| PolicyError::syntax(format!("not JSON: {e}")))?;
        let raw = read_document(&value)?;
        let principals = crate::validate::check(&raw, options)?;
        let version = match raw.version {
            Some("2012-10-17") => PolicyVersion::V2012_10_17,
            _ => PolicyVersion::V2008_10_17,
        };
        let variables = version == PolicyVersion::V2012_10_17;
        let statements = raw
            .statements
            .into_iter()
            .zip(principals)
            .map(|(s, principal)| compile_statement(s, principal, variables))
            .collect();
        Ok(PolicyDocument {
            version,
            version_given: raw.version.is_some(),
            id: raw.id.map(str::to_owned),
            statements,
        })
    }

    /// The language version (`2008-10-17` when the document has no `Version`).
    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// True if the document states its `Version`.
    pub fn has_version(&self) -> bool {
        self.version_given
    }

    /// The `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

impl Statement {
    /// The `Sid` element.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The `Effect` element.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The `Principal`/`NotPrincipal` element (trust policies only).
    pub fn principal(&self) -> Option<&PrincipalElement> {
        self.principal.as_ref()
    }

    /// Whether this statement applies to the request: action, resource, principal (if the
    /// statement names one) and every condition.
    pub fn applies_to(&self, ctx: &RequestContext) -> bool {
        self.applies(ctx).is_some()
    }

    pub(crate) fn applies(&self, ctx: &RequestContext) -> Option<Applies> {
        let action = ctx.action_lower();
        let action_hit = self.actions.items.iter().any(|p| p.matches(action));
        if action_hit == self.actions.negated {
            return None;
        }
        if let Some(resources) = &self.resources {
            let hit = resources.items.iter().any(|r| r.matches(ctx));
            if hit == resources.negated {
                return None;
            }
        }
        let applies = match &self.principal {
            None => Applies::Yes,
            Some(element) => Applies::Via(principal_matches(element, ctx.principal()?)?),
        };
        self.conditions
            .iter()
            .all(|c| c.holds(ctx))
            .then_some(applies)
    }
}

impl ResourcePattern {
    fn compile(text: &str, variables: bool) -> Self {
        if text == "*" {
            return Self::Any;
        }
        let syntax = |variables| Syntax {
            wildcards: true,
            variables,
            fold_case: false,
        };
        let split = split_arn(text);
        let parts = split
            .iter()
            .enumerate()
            .map(|(i, part)| Pattern::compile(part.unwrap_or("*"), syntax(variables && i == 5)))
            .collect();
        Self::Arn {
            parts,
            whole: Pattern::compile(text, syntax(variables)),
        }
    }

    fn matches(&self, ctx: &RequestContext) -> bool {
        match self {
            Self::Any => true,
            Self::Arn { parts, whole } => match ctx.resource_parts() {
                Some(request) => parts
                    .iter()
                    .zip(request)
                    .all(|(pattern, part)| pattern.matches(part, ctx)),
                None => whole.matches(ctx.resource(), ctx),
            },
        }
    }
}

fn compile_statement(
    raw: RawStatement<'_>,
    principal: Option<PrincipalElement>,
    variables: bool,
) -> Statement {
    let (negated, actions) = raw.action.unwrap_or((false, Vec::new()));
    let actions = Negatable {
        negated,
        items: actions.iter().map(|a| ActionPattern::compile(a)).collect(),
    };
    let resources = raw.resource.map(|(negated, items)| Negatable {
        negated,
        items: items
            .iter()
            .map(|r| ResourcePattern::compile(r, variables))
            .collect(),
    });
    let conditions = raw
        .conditions
        .iter()
        .map(|(op, key, values)| Condition::compile(*op, key, values, variables))
        .collect();
    Statement {
        sid: raw.sid.filter(|s| !s.is_empty()).map(str::to_owned),
        effect: if raw.effect.eq_ignore_ascii_case("deny") {
            Effect::Deny
        } else {
            Effect::Allow
        },
        actions,
        resources,
        principal,
        conditions,
    }
}
