//! Authorization: IAM policy evaluation for each (action, resource) an operation needs.
//!
//! A principal's policy documents are parsed once and cached; the cache entry is dropped as
//! soon as anything in IAM changes (the IAM service's generation counter moves).

use crate::api::App;
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

/// Evaluates requests against the caller's policies, caching parsed policies per principal.
#[derive(Debug, Default)]
pub struct Authorizer {
    cache: Mutex<HashMap<String, (u64, Arc<Compiled>)>>,
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
        let tags = match principal.username() {
            Some(name) => app
                .iam
                .user_tags(principal.account(), name)
                .map_err(|e| {
                    tracing::error!(error = %e, "loading principal tags failed");
                    AuthzError::Internal
                })?
                .into_iter()
                .map(|t| (t.key, t.value))
                .collect(),
            None => Vec::new(),
        };
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

    /// Allows or denies one check; a denial is AWS's `AccessDenied` with the reason.
    pub fn authorize(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: &http::request::Parts,
        peer: Option<Peer>,
    ) -> Result<(), AuthzError> {
        let principal = &caller.principal;
        let deny = |why: String| {
            AuthzError::Denied(format!(
                "User: {} is not authorized to perform: {} on resource: {}{why}",
                principal.arn(),
                check.action,
                check.resource
            ))
        };
        // Nothing crosses accounts: a resource must be "*" or in the caller's account.
        if let Some(account) = resource_account(&check.resource)
            && !account.is_empty()
            && account != principal.account().as_str()
            && account != "aws"
        {
            return Err(deny(
                " because no resource-based policy allows the action".to_owned(),
            ));
        }
        if principal.is_root() {
            return Ok(());
        }
        let compiled = self.compiled(app, principal)?;
        let ctx = self.context(app, caller, check, parts, peer, &compiled.tags);
        let identity: Vec<PolicySource<'_>> = compiled
            .identity
            .iter()
            .map(|(name, document)| PolicySource { name, document })
            .collect();
        let boundary: Option<Vec<PolicySource<'_>>> = compiled.boundary.as_ref().map(|b| {
            b.iter()
                .map(|(name, document)| PolicySource { name, document })
                .collect()
        });
        let decision = gitward_policy::evaluate(&identity, boundary.as_deref(), None, &ctx);
        match decision {
            Decision::Allow { .. } => Ok(()),
            denied => {
                tracing::info!(principal = %principal.arn(), action = %check.action, resource = %check.resource, "access denied");
                Err(deny(format!(" {}", denied.explain())))
            }
        }
    }

    fn context(
        &self,
        app: &App,
        caller: &Caller,
        check: &Check,
        parts: &http::request::Parts,
        peer: Option<Peer>,
        principal_tags: &[(String, String)],
    ) -> RequestContext {
        let p = &caller.principal;
        let now = app.clock.now();
        let mut ctx = RequestContext::new(&check.action, &check.resource);
        ctx.set("aws:CurrentTime", gitward_core::iso8601(now));
        ctx.set("aws:EpochTime", now.unix_timestamp().to_string());
        ctx.set("aws:PrincipalArn", p.arn());
        ctx.set("aws:PrincipalAccount", p.account().to_string());
        ctx.set("aws:PrincipalType", p.principal_type());
        ctx.set("aws:userid", p.user_id());
        ctx.set("aws:RequestedRegion", app.region.clone());
        if let Some(name) = p.username() {
            ctx.set("aws:username", name);
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
            .headers
            .get(http::header::USER_AGENT)
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
