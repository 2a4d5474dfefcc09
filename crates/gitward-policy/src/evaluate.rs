//! Evaluation within one account (FACTS §6.4): explicit deny anywhere wins; otherwise an
//! identity-policy allow is required, then the permissions boundary (if any) must allow,
//! then the session policies (if any) must allow.

use crate::context::RequestContext;
use crate::document::{Applies, Effect, PolicyDocument};
use crate::principal::PrincipalMatch;

/// A policy taking part in an evaluation, with the name reported in decisions.
#[derive(Debug, Clone, Copy)]
pub struct PolicySource<'a> {
    /// How the policy is named in decisions and messages: a managed policy's ARN, or e.g.
    /// `"inline policy X of user Y"`.
    pub name: &'a str,
    /// The compiled document.
    pub document: &'a PolicyDocument,
}

/// Which set of policies a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySet {
    /// Identity-based policies (user, its groups, or role; managed and inline).
    Identity,
    /// The permissions boundary.
    PermissionsBoundary,
    /// Session policies of temporary credentials.
    Session,
    /// A resource-based policy, such as a role trust policy.
    Resource,
}

impl PolicySet {
    /// The words AWS uses in denial messages: "an identity-based policy", …
    pub fn article_phrase(self) -> &'static str {
        match self {
            Self::Identity => "an identity-based policy",
            Self::PermissionsBoundary => "a permissions boundary",
            Self::Session => "a session policy",
            Self::Resource => "a resource-based policy",
        }
    }
}

/// Why a request was implicitly denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImplicitDenyReason {
    /// No identity-based policy has an applicable `Allow`.
    NoIdentityPolicyAllows,
    /// The permissions boundary does not allow the request.
    PermissionsBoundary,
    /// The session policies do not allow the request.
    SessionPolicy,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; names the first identity policy statement that allowed it.
    Allow {
        /// The allowing policy's name.
        policy: String,
        /// The allowing statement's `Sid`.
        sid: Option<String>,
    },
    /// A `Deny` statement applied.
    ExplicitDeny {
        /// The denying policy's name.
        policy: String,
        /// The denying statement's `Sid`.
        sid: Option<String>,
        /// Which policy set the denying policy belongs to.
        set: PolicySet,
    },
    /// Nothing allowed the request (or a boundary or session policy did not).
    ImplicitDeny {
        /// Which check failed.
        reason: ImplicitDenyReason,
        /// The requested action, as given (for the message).
        action: String,
    },
}

impl Decision {
    /// True only for [`Decision::Allow`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }

    /// The suffix AWS appends to "User: … is not authorized to perform: … on resource: …"
    /// (empty for an allow): "because no identity-based policy allows the `<action>` action",
    /// "with an explicit deny in an identity-based policy: `<policy>`", …
    pub fn explain(&self) -> String {
        match self {
            Self::Allow { .. } => String::new(),
            Self::ExplicitDeny { policy, set, .. } => {
                format!(
                    "with an explicit deny in {}: {policy}",
                    set.article_phrase()
                )
            }
            Self::ImplicitDeny { reason, action } => {
                let who = match reason {
                    ImplicitDenyReason::NoIdentityPolicyAllows => "identity-based policy",
                    ImplicitDenyReason::PermissionsBoundary => "permissions boundary",
                    ImplicitDenyReason::SessionPolicy => "session policy",
                };
                format!("because no {who} allows the {action} action")
            }
        }
    }
}

/// Outcome of scanning one policy set.
enum Scan<'a> {
    Deny(&'a str, Option<&'a str>),
    Allow(&'a str, Option<&'a str>),
    Nothing,
}

/// Scans `sources`: the first applicable `Deny`, else the first applicable `Allow`.
fn scan<'a>(sources: &[PolicySource<'a>], req: &RequestContext) -> Scan<'a> {
    let mut allow: Option<(&'a str, Option<&'a str>)> = None;
    for source in sources {
        for statement in source.document.statements() {
            let wanted = match statement.effect() {
                Effect::Deny => true,
                Effect::Allow => allow.is_none(),
            };
            if !wanted || statement.applies(req).is_none() {
                continue;
            }
            match statement.effect() {
                Effect::Deny => return Scan::Deny(source.name, statement.sid()),
                Effect::Allow => allow = Some((source.name, statement.sid())),
            }
        }
    }
    match allow {
        Some((name, sid)) => Scan::Allow(name, sid),
        None => Scan::Nothing,
    }
}

/// AWS evaluation within one account (FACTS §6.4): explicit deny anywhere wins; else an
/// identity allow is required; then the boundary (if `Some`) must allow; then session
/// policies (if `Some`) must allow. `Some(&[])` for a boundary or session means "present
/// but allows nothing".
pub fn evaluate(
    identity: &[PolicySource],
    boundary: Option<&[PolicySource]>,
    session: Option<&[PolicySource]>,
    req: &RequestContext,
) -> Decision {
    let sets = [
        (PolicySet::Identity, Some(identity)),
        (PolicySet::PermissionsBoundary, boundary),
        (PolicySet::Session, session),
    ];
    let mut allowed: [Option<(&str, Option<&str>)>; 3] = [None; 3];
    for (slot, (set, sources)) in allowed.iter_mut().zip(sets) {
        let Some(sources) = sources else { continue };
        match scan(sources, req) {
            Scan::Deny(policy, sid) => {
                return Decision::ExplicitDeny {
                    policy: policy.to_owned(),
                    sid: sid.map(str::to_owned),
                    set,
                };
            }
            Scan::Allow(policy, sid) => *slot = Some((policy, sid)),
            Scan::Nothing => {}
        }
    }
    let implicit = |reason| Decision::ImplicitDeny {
        reason,
        action: req.action().to_owned(),
    };
    let Some((policy, sid)) = allowed[0] else {
        return implicit(ImplicitDenyReason::NoIdentityPolicyAllows);
    };
    if boundary.is_some() && allowed[1].is_none() {
        return implicit(ImplicitDenyReason::PermissionsBoundary);
    }
    if session.is_some() && allowed[2].is_none() {
        return implicit(ImplicitDenyReason::SessionPolicy);
    }
    Decision::Allow {
        policy: policy.to_owned(),
        sid: sid.map(str::to_owned),
    }
}

/// One statement that applied to a request (see [`evaluate_statements`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementMatch<'a> {
    /// Position of the statement in its document (0-based).
    pub index: usize,
    /// Its `Sid`.
    pub sid: Option<&'a str>,
    /// Its `Effect`.
    pub effect: Effect,
    /// How its `Principal`/`NotPrincipal` matched, if it has one.
    pub principal: Option<PrincipalMatch>,
}

/// Evaluates one policy and reports every statement that applies (for a policy simulator).
pub fn evaluate_statements<'a>(
    source: &PolicySource<'a>,
    req: &RequestContext,
) -> Vec<StatementMatch<'a>> {
    source
        .document
        .statements()
        .iter()
        .enumerate()
        .filter_map(|(index, statement)| {
            let applies = statement.applies(req)?;
            Some(StatementMatch {
                index,
                sid: statement.sid(),
                effect: statement.effect(),
                principal: match applies {
                    Applies::Yes => None,
                    Applies::Via(m) => Some(m),
                },
            })
        })
        .collect()
}

/// The outcome of [`evaluate_trust`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustDecision {
    /// An `Allow` statement applied to the caller.
    Allow {
        /// The most specific way an allowing statement named the caller. With
        /// [`PrincipalMatch::Account`] (or `Wildcard`), the caller's own identity policies
        /// must also allow the action (FACTS §3.3); with `Exact` they need not.
        via: PrincipalMatch,
        /// The `Sid` of that statement.
        sid: Option<String>,
    },
    /// A `Deny` statement applied.
    ExplicitDeny {
        /// The denying statement's `Sid`.
        sid: Option<String>,
    },
    /// No statement allowed the caller.
    ImplicitDeny,
}

impl TrustDecision {
    /// True only for [`TrustDecision::Allow`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }
}

/// Evaluates a trust (resource-based) policy for the principal set on `req`
/// ([`RequestContext::set_principal`]). Statements without a principal element never apply.
pub fn evaluate_trust(trust: &PolicyDocument, req: &RequestContext) -> TrustDecision {
    let mut best: Option<(PrincipalMatch, Option<&str>)> = None;
    for statement in trust.statements() {
        let Some(Applies::Via(via)) = statement.applies(req) else {
            continue;
        };
        match statement.effect() {
            Effect::Deny => {
                return TrustDecision::ExplicitDeny {
                    sid: statement.sid().map(str::to_owned),
                };
            }
            Effect::Allow => {
                if best.is_none_or(|(b, _)| via > b) {
                    best = Some((via, statement.sid()));
                }
            }
        }
    }
    match best {
        Some((via, sid)) => TrustDecision::Allow {
            via,
            sid: sid.map(str::to_owned),
        },
        None => TrustDecision::ImplicitDeny,
    }
}
