//! Authorization: IAM policy evaluation for each (action, resource) an operation needs.
//!
//! A principal's policy documents are parsed once and cached; the cache entry is dropped as
//! soon as anything in IAM changes (the IAM service's generation counter moves).

use crate::api::App;
use crate::audit::AuditEvent;
use crate::authn::Caller;
use crate::listener::Peer;
use crate::ops::Check;
use gitward_api::ApiError;
use gitward_iam::{AppliedPolicy, Principal};
use gitward_policy::{Decision, PolicyDocument, PolicySource, RequestContext};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A principal's parsed policies.
#[derive(Debug, Default)]
struct Compiled {
    identity: Vec<(String, PolicyDocument)>,
    boundary: Option<Vec<(String, PolicyDocument)>>,
    /// The principal's tags (`aws:PrincipalTag/KEY`).
    tags: Vec<(String, String)>,
}

/// Why a request was not authorized.
#[derive(Debug)]
pub enum AuthzError {
    /// Denied; the text is AWS's message ("User: … is not authorized to perform: …").
    Denied(String),
    /// Policies could not be loaded.
    Internal,
}

impl AuthzError {
    /// The wire error for `service`.
    pub fn into_api(self, service: gitward_api::Service) -> ApiError {
        match self {
            Self::Denied(m) => gitward_api::access_denied(service, m),
            Self::Internal => ApiError::internal_for(service),
        }
    }
}

/// Parsed session policies (`Policy` + `PolicyArns`) of one session.
type SessionPolicies = Arc<Vec<(String, PolicyDocument)>>;

/// Sessions whose parsed policies are kept; past this the cache starts over.
const SESSION_CACHE_LIMIT: usize = 10_000;

/// A refused check: AWS's `AccessDenied` text and what was evaluated to reach it.
struct Denial {
    message: String,
    evaluated: Option<(Decision, Option<RequestContext>)>,
}

/// Evaluates requests against the caller's policies, caching parsed policies per principal
/// and per session.
#[derive(Debug, Default)]
pub struct Authorizer {
    cache: Mutex<HashMap<String, (u64, Arc<Compiled>)>>,
    sessions: Mutex<HashMap<String, (u64, SessionPolicies)>>,
    /// Parsed trust policies by their text (parsing is a function of the text alone).
    trust: Mutex<HashMap<String, Arc<PolicyDocument>>>,
}

fn parse_all(docs: Vec<AppliedPolicy>) -> Vec<(String, PolicyDocument)> {
    docs.into_iter()
        .filter_map(|p| match PolicyDocument::parse(&p.document) {
            Ok(d) => Some((p.label, d)),
            Err(e) => {
                tracing::error!(policy = %p.label, error = %e, "stored policy does not parse; ignoring it");
                None
            }
        })
        .collect()
}

impl Authorizer {
    /// A role's trust policy, parsed once per distinct text.
    pub fn trust_policy(
        &self,
        text: &str,
    ) -> Result<Arc<PolicyDocument>, gitward_policy::PolicyError> {
        if let Some(doc) = self
            .trust
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return Ok(doc.clone());
        }
        let doc = Arc::new(PolicyDocument::parse_trust(text)?);
        let mut cache = self.trust.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= SESSION_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(text.to_owned(), doc.clone());
        Ok(doc)
    }

    fn compiled(&self, app: &App, principal: &Principal) -> Result<Arc<Compiled>, AuthzError> {
        let key = principal.arn();
        let generation = app.iam.generation();
        if let Some((g, c)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && *g == generation
        {
            return Ok(c.clone());
        }
        let policies = app.iam.identity_policies(principal).map_err(|e| {
            tracing::error!(error = %e, "loading policies failed");
            AuthzError::Internal
        })?;
        let tags = match principal {
            Principal::User(u) => app.iam.user_tags(&u.account, &u.name),
            Principal::Role(r) => match app.iam.role_tags(&r.account, &r.name) {
                Err(gitward_iam::IamError::NoSuchEntity(_)) => Ok(Vec::new()),
                other => other,
            },
            Principal::Root { .. } => Ok(Vec::new()),
        }
        .map_err(|e| {
            tracing::error!(error = %e, "loading principal tags failed");
            AuthzError::Internal
        })?
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
        let compiled = Arc::new(Compiled {
            identity: parse_all(policies.identity),
            boundary: policies.boundary.map(|b| parse_all(vec![b])),
            tags,
        });
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (generation, compiled.clone()));
        Ok(compiled)
    }

    /// The session policies of `session`, parsed; `None` when the session has none (it is
    /// then limited by its principal's policies only). A federated user's session without
    /// policies has `Some(empty)`: no permissions, as on AWS.
    fn session_policies(
        &self,
        app: &App,
        session: &gitward_sts::SessionClaims,
    ) -> Result<Option<SessionPolicies>, AuthzError> {
        let federated = matches!(session.kind, gitward_sts::SessionKind::FederatedUser { .. });
        if session.policy.is_none() && session.policy_arns.is_empty() && !federated {
            return Ok(None);
        }
        let generation = app.iam.generation();
        let key = &session.access_key_id;
        if let Some((g, p)) = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            && *g == generation
        {
            return Ok(Some(p.clone()));
        }
        let mut docs = app
            .iam
            .session_policy_documents(&session.policy_arns)
            .map_err(|e| {
                tracing::error!(error = %e, "loading session policies failed");
                AuthzError::Internal
            })?;
        if let Some(policy) = &session.policy {
            docs.push(AppliedPolicy {
                label: "the session policy".to_owned(),
                name: "session policy".to_owned(),
                origin: gitward_iam::PolicyOrigin::CustomerManaged,
                document: policy.clone(),
            });
        }
        let parsed = Arc::new(parse_all(docs));
        let mut cache = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= SESSION_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key.clone(), (generation, parsed.clone()));
        Ok(Some(parsed))
    }

    /// Allows or denies one check; a denial is AWS's `AccessDenied` with the reason.
    pub fn authorize(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<(), AuthzError> {
        match self.judge(app, caller, check, parts, peer)? {
            None => Ok(()),
            Some(denial) => Err(AuthzError::Denied(denial.message)),
        }
    }

    /// [`Authorizer::authorize`] for Git, whose answers are gitward's own text: a denial
    /// also carries an encoded authorization failure message (the decision, the matched
    /// statement and the whole request context) that `aws sts decode-authorization-message`
    /// reveals to a caller of the same account allowed `sts:DecodeAuthorizationMessage`.
    pub fn authorize_explained(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<(), AuthzError> {
        let Some(Denial { message, evaluated }) = self.judge(app, caller, check, parts, peer)?
        else {
            return Ok(());
        };
        let encoded = evaluated.and_then(|(decision, ctx)| {
            let json = decoded_message(caller, check, &decision, ctx.as_ref());
            app.sessions
                .seal_message(&json, caller.principal.account())
                .map_err(|e| tracing::warn!(error = %e, "encoding a denial failed"))
                .ok()
        });
        Err(AuthzError::Denied(match encoded {
            Some(e) => format!("{message}\nEncoded authorization failure message: {e}"),
            None => message,
        }))
    }

    /// Evaluates one check once: `None` when allowed, else AWS's denial text and, when
    /// policies were evaluated, the decision and its request context.
    fn judge(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<Option<Denial>, AuthzError> {
        let deny = |why: String| {
            format!(
                "User: {} is not authorized to perform: {} on resource: {}{why}",
                caller.arn(),
                check.action,
                check.resource
            )
        };
        // Nothing crosses accounts: a resource must be "*" or in the caller's account.
        if let Some(account) = resource_account(&check.resource)
            && !account.is_empty()
            && account != caller.principal.account().as_str()
            && account != "aws"
        {
            let why = " because no resource-based policy allows the action";
            app.audit.record(&AuditEvent::refused(
                app.clock.now(),
                &caller.arn(),
                &check.action,
                &check.resource,
                why.trim_start().to_owned(),
                peer.map(|p| p.addr.ip()),
            ));
            return Ok(Some(Denial {
                message: deny(why.to_owned()),
                evaluated: None,
            }));
        }
        let (decision, ctx) = self.decide(app, caller, check, parts, peer)?;
        app.audit.record(&AuditEvent::authorization(
            app.clock.now(),
            &caller.arn(),
            &check.action,
            &check.resource,
            &decision,
            peer.map(|p| p.addr.ip()),
        ));
        if let Decision::Allow { .. } = decision {
            return Ok(None);
        }
        tracing::info!(principal = %caller.arn(), action = %check.action, resource = %check.resource, "access denied");
        Ok(Some(Denial {
            message: deny(format!(" {}", decision.explain())),
            evaluated: Some((decision, ctx)),
        }))
    }

    /// Evaluates `check` against the caller's identity-based policies, boundary and session
    /// policies only, wherever the resource is: the caller's half of a cross-account request
    /// (AssumeRole), whose other half is the resource's own policy.
    pub fn identity_decision(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<Decision, AuthzError> {
        Ok(self.decide(app, caller, check, parts, peer)?.0)
    }

    /// The request context the caller's own policies see for `check`; trust policies
    /// (AssumeRole) are evaluated against it too.
    pub fn caller_context(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<RequestContext, AuthzError> {
        let tags = match &caller.principal {
            Principal::Root { .. } => Vec::new(),
            p => effective_tags(&self.compiled(app, p)?.tags, caller.session.as_deref()),
        };
        Ok(self.context(app, caller, check, parts, peer, &tags))
    }

    /// The decision of the caller's own policies on `check`, with the request context it
    /// was made in (none for the root user's own requests, which need no evaluation).
    fn decide(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
    ) -> Result<(Decision, Option<RequestContext>), AuthzError> {
        let principal = &caller.principal;
        let session = match &caller.session {
            Some(s) => self.session_policies(app, s)?,
            None => None,
        };
        let session_sources = session.as_deref().map(|s| sources(s));
        if principal.is_root() {
            // The root user may do anything in its account; a session of it is still limited
            // by its session policies.
            let Some(session_sources) = &session_sources else {
                let root = Decision::Allow {
                    policy: "root".to_owned(),
                    sid: None,
                };
                return Ok((root, None));
            };
            let ctx = self.context(app, caller, check, parts, peer, &[]);
            let decision = match gitward_policy::evaluate(session_sources, None, None, &ctx) {
                Decision::ImplicitDeny { action, .. } => Decision::ImplicitDeny {
                    reason: gitward_policy::ImplicitDenyReason::SessionPolicy,
                    action,
                },
                other => other,
            };
            return Ok((decision, Some(ctx)));
        }
        let compiled = self.compiled(app, principal)?;
        let tags = effective_tags(&compiled.tags, caller.session.as_deref());
        let ctx = self.context(app, caller, check, parts, peer, &tags);
        let identity = sources(&compiled.identity);
        let boundary = compiled.boundary.as_deref().map(sources);
        let decision = gitward_policy::evaluate(
            &identity,
            boundary.as_deref(),
            session_sources.as_deref(),
            &ctx,
        );
        Ok((decision, Some(ctx)))
    }

    fn context(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: Option<&http::request::Parts>,
        peer: Option<Peer>,
        principal_tags: &[(String, String)],
    ) -> RequestContext {
        let p = &caller.principal;
        let now = app.clock.now();
        let mut ctx = RequestContext::new(&check.action, &check.resource);
        ctx.set("aws:CurrentTime", gitward_core::iso8601(now));
        ctx.set("aws:EpochTime", now.unix_timestamp().to_string());
        ctx.set("aws:PrincipalAccount", p.account().to_string());
        ctx.set("aws:RequestedRegion", app.region.clone());
        let federated = caller
            .session
            .as_ref()
            .is_some_and(|s| matches!(s.kind, gitward_sts::SessionKind::FederatedUser { .. }));
        if federated {
            // A federated user is its own principal: its ARN, no IAM user name.
            ctx.set("aws:PrincipalArn", caller.arn());
            ctx.set("aws:PrincipalType", "FederatedUser");
        } else {
            // For role sessions AWS gives the role's ARN here, not the session's.
            ctx.set("aws:PrincipalArn", p.arn());
            ctx.set("aws:PrincipalType", p.principal_type());
            if let Some(name) = p.username() {
                ctx.set("aws:username", name);
            }
        }
        match &caller.session {
            Some(s) => ctx.set("aws:userid", s.user_id()),
            None => ctx.set("aws:userid", p.user_id()),
        };
        if let Some(si) = caller
            .session
            .as_ref()
            .and_then(|s| s.source_identity.as_ref())
        {
            ctx.set("aws:SourceIdentity", si.clone());
        }
        if let Some(session) = &caller.session {
            ctx.set(
                "aws:TokenIssueTime",
                gitward_core::iso8601(session.issue_time()),
            );
            ctx.set(
                "aws:MultiFactorAuthPresent",
                session.mfa_authenticated.to_string(),
            );
            if let Some(age) = session.mfa_age(now) {
                ctx.set("aws:MultiFactorAuthAge", age.to_string());
            }
        }
        for (key, value) in principal_tags {
            ctx.set(&format!("aws:PrincipalTag/{key}"), value.clone());
        }
        if let Some(peer) = peer {
            ctx.set("aws:SourceIp", peer.addr.ip().to_string());
            ctx.set("aws:SecureTransport", peer.secure.to_string());
        }
        if let Some(ua) = parts
            .and_then(|p| p.headers.get(http::header::USER_AGENT))
            .and_then(|v| v.to_str().ok())
        {
            ctx.set("aws:UserAgent", ua);
        }
        for (key, values) in &check.context {
            if values.len() == 1 {
                ctx.set(key, values[0].clone());
            } else {
                ctx.set_multi(key, values.clone());
            }
        }
        ctx
    }
}

/// The decoded form of an encoded authorization failure message, in the layout AWS's
/// DecodeAuthorizationMessage returns, plus gitward's one-line `reason`.
fn decoded_message(
    caller: &Caller,
    check: &Check,
    decision: &Decision,
    ctx: Option<&RequestContext>,
) -> String {
    let matched = match decision {
        Decision::ExplicitDeny { policy, sid, .. } => {
            vec![serde_json::json!({"statementId": sid, "effect": "DENY", "policy": policy})]
        }
        _ => Vec::new(),
    };
    let conditions: Vec<serde_json::Value> = ctx
        .map(|c| {
            c.keys()
                .map(|(k, v)| {
                    let values: Vec<serde_json::Value> = v
                        .as_slice()
                        .iter()
                        .map(|x| serde_json::json!({"value": x}))
                        .collect();
                    serde_json::json!({"key": k, "values": {"items": values}})
                })
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({
        "allowed": false,
        "explicitDeny": matches!(decision, Decision::ExplicitDeny { .. }),
        "matchedStatements": {"items": matched},
        "failures": {"items": []},
        "reason": decision.explain(),
        "context": {
            "principal": {
                "id": caller.session.as_ref().map_or_else(|| caller.principal.user_id(), |s| s.user_id()),
                "name": caller.principal.username().unwrap_or_default(),
                "arn": caller.arn(),
            },
            "action": check.action,
            "resource": check.resource,
            "conditions": {"items": conditions},
        },
    })
    .to_string()
}

/// Borrowed views of parsed policies, for the evaluator.
fn sources(set: &[(String, PolicyDocument)]) -> Vec<PolicySource<'_>> {
    set.iter()
        .map(|(name, document)| PolicySource { name, document })
        .collect()
}

/// The principal's tags with the session's tags laid over them: a session tag replaces a
/// principal tag of the same key, whatever its case (FACTS §3.5).
fn effective_tags(
    principal: &[(String, String)],
    session: Option<&gitward_sts::SessionClaims>,
) -> Vec<(String, String)> {
    let Some(session) = session.filter(|s| !s.tags.is_empty()) else {
        return principal.to_vec();
    };
    let mut out: Vec<(String, String)> = principal
        .iter()
        .filter(|(k, _)| {
            !session
                .tags
                .iter()
                .any(|t| gitward_sts::tag_keys_equal(&t.key, k))
        })
        .cloned()
        .collect();
    out.extend(
        session
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone())),
    );
    out
}

/// The account field of an ARN (`arn:aws:svc:region:ACCOUNT:…`), if it is one.
fn resource_account(resource: &str) -> Option<&str> {
    let mut parts = resource.splitn(6, ':');
    (parts.next()? == "arn").then_some(())?;
    parts.nth(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_accounts() {
        assert_eq!(
            resource_account("arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo"),
            Some("123456789012")
        );
        assert_eq!(
            resource_account("arn:aws:iam::123456789012:user/Mary"),
            Some("123456789012")
        );
        assert_eq!(
            resource_account("arn:aws:iam::aws:policy/AWSCodeCommitReadOnly"),
            Some("aws")
        );
        assert_eq!(resource_account("*"), None);
    }
}
