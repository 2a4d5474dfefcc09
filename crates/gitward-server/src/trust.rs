//! AssumeRole: the role's trust policy and the caller's own policies decide together
//! (FACTS §3.3), then a role session is sealed into a token.
//!
//! The decision, per action asked for (`sts:AssumeRole`, plus `sts:TagSession` when tags are
//! passed and `sts:SetSourceIdentity` when a source identity is set):
//! - the trust policy must allow the caller, and must not deny it;
//! - the caller's own policies must not explicitly deny;
//! - they must also allow unless the trust policy names the caller exactly (its user or role
//!   ARN) within the same account. Naming the account, `*`, or any cross-account caller
//!   needs both halves.
//!
//! Every refusal is AWS's `AccessDenied` "User: <caller> is not authorized to perform:
//! sts:AssumeRole on resource: <role ARN>", whatever the reason (a missing role included),
//! so the answer is never an oracle for which roles exist; the reason goes to the log.

use crate::api::App;
use crate::authn::Caller;
use crate::handlers::Input;
use crate::handlers::sts::{SessionRequest, assume_role_out, check_mfa, internal};
use crate::ops::{Check, OperationRequest};
use gitward_api::{ApiError, Service};
use gitward_iam::{Principal, Role};
use gitward_policy::{AwsPrincipal, Decision, PrincipalMatch, TrustDecision};
use gitward_sts::{SessionKind, SessionSource, SessionTag};
use serde_json::Value;

/// The caller as a trust policy's `Principal` element sees it.
fn trust_principal(caller: &Caller) -> gitward_policy::Principal {
    let p = &caller.principal;
    let (role_arn, unique_id) = match (p, &caller.session) {
        (Principal::Role(r), _) => (Some(r.arn()), Some(r.role_id.clone())),
        (Principal::User(u), None) => (None, Some(u.user_id.clone())),
        (Principal::User(u), Some(s)) if matches!(s.kind, SessionKind::SessionToken { .. }) => {
            (None, Some(u.user_id.clone()))
        }
        _ => (None, None),
    };
    gitward_policy::Principal::Aws(AwsPrincipal {
        arn: caller.arn(),
        account: p.account().to_string(),
        role_arn,
        unique_id,
    })
}

/// What AssumeRole was asked, read and validated.
struct Ask<'a> {
    role_arn: &'a str,
    session_name: &'a str,
    external_id: Option<&'a str>,
    source_identity: Option<String>,
    session: SessionRequest,
    /// Transitive tags inherited from the calling session.
    inherited_tags: Vec<SessionTag>,
    inherited_keys: Vec<String>,
}

fn validation(e: gitward_sts::ValidationError) -> ApiError {
    ApiError::validation_for(Service::Sts, e.message)
}

fn read<'a>(caller: &Caller, input: &Input<'a>) -> Result<Ask<'a>, ApiError> {
    let role_arn = input.req("RoleArn")?;
    gitward_sts::names::validate_role_arn(role_arn).map_err(validation)?;
    let session_name = input.req("RoleSessionName")?;
    gitward_sts::names::validate_role_session_name(session_name).map_err(validation)?;
    let external_id = input.opt("ExternalId");
    if let Some(id) = external_id {
        gitward_sts::names::validate_external_id(id).map_err(validation)?;
    }
    let (inherited_tags, inherited_keys, inherited_si) = match &caller.session {
        Some(s) => (
            s.transitive_tags(),
            s.transitive_tag_keys.clone(),
            s.source_identity.clone(),
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    let passed_si = input.opt("SourceIdentity");
    if let Some(si) = passed_si {
        gitward_sts::names::validate_source_identity(si).map_err(validation)?;
    }
    let source_identity = match (inherited_si, passed_si) {
        (Some(old), Some(new)) if old != new => {
            // [doc] IAM-UG id_credentials_temp_control-access_monitor: once set, a source
            // identity cannot be changed for the rest of the chain.
            return Err(ApiError::validation_for(
                Service::Sts,
                "The source identity cannot be changed: it was set earlier in the role chain.",
            ));
        }
        (Some(old), _) => Some(old),
        (None, new) => new.map(str::to_owned),
    };
    let session = SessionRequest::read(input, &inherited_keys)?;
    Ok(Ask {
        role_arn,
        session_name,
        external_id,
        source_identity,
        session,
        inherited_tags,
        inherited_keys,
    })
}

/// The condition keys a trust policy sees beyond the caller's own (FACTS §3.3).
fn trust_check(action: &str, role: &Role, role_tags: &[(String, String)], ask: &Ask<'_>) -> Check {
    let mut check = Check::new("sts", action, role.arn())
        .with("sts:RoleSessionName", vec![ask.session_name.to_owned()]);
    if let Some(id) = ask.external_id {
        check = check.with("sts:ExternalId", vec![id.to_owned()]);
    }
    if let Some(si) = &ask.source_identity {
        check = check.with("sts:SourceIdentity", vec![si.clone()]);
    }
    if !ask.session.tags.is_empty() {
        for t in &ask.session.tags {
            check = check.with(&format!("aws:RequestTag/{}", t.key), vec![t.value.clone()]);
        }
        check = check.with(
            "aws:TagKeys",
            ask.session.tags.iter().map(|t| t.key.clone()).collect(),
        );
    }
    if !ask.session.transitive_tag_keys.is_empty() {
        check = check.with(
            "sts:TransitiveTagKeys",
            ask.session.transitive_tag_keys.clone(),
        );
    }
    // The role's tags, with tags inherited through the chain taking their place.
    for (k, v) in role_tags {
        if !ask
            .inherited_tags
            .iter()
            .any(|t| gitward_sts::tag_keys_equal(&t.key, k))
        {
            check = check.with(&format!("aws:ResourceTag/{k}"), vec![v.clone()]);
        }
    }
    for t in &ask.inherited_tags {
        check = check.with(&format!("aws:ResourceTag/{}", t.key), vec![t.value.clone()]);
    }
    check
}

/// Why an AssumeRole was refused (for the log only).
enum Refusal {
    NoSuchRole,
    RootCaller,
    Trust(&'static str, String),
    Identity(&'static str, String),
}

/// Decides whether `caller` may assume `role` for every action the request needs.
fn decide(
    app: &App,
    req: &OperationRequest<'_>,
    role: &Role,
    ask: &Ask<'_>,
    mfa_present: bool,
) -> Result<Result<(), Refusal>, ApiError> {
    let caller = req.caller;
    let (parts, peer) = match req.transport {
        Some((parts, peer)) => (Some(parts), peer),
        None => (None, None),
    };
    let trust = app
        .authorizer
        .trust_policy(&role.trust_policy)
        .map_err(|e| {
            tracing::error!(role = %role.arn(), error = %e, "stored trust policy does not parse");
            ApiError::internal_for(Service::Sts)
        })?;
    let role_tags: Vec<(String, String)> = app
        .iam
        .role_tags(&role.account, &role.name)?
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let cross_account = caller.principal.account() != &role.account;
    let mut actions = vec!["AssumeRole"];
    if !ask.session.tags.is_empty() || !ask.session.transitive_tag_keys.is_empty() {
        actions.push("TagSession");
    }
    if ask.source_identity.is_some()
        && caller
            .session
            .as_ref()
            .is_none_or(|s| s.source_identity.is_none())
    {
        actions.push("SetSourceIdentity");
    }
    let fail = |e: crate::authz::AuthzError| e.into_api(Service::Sts);
    let (caller_arn, role_arn) = (caller.arn(), role.arn());
    let source_ip = peer.map(|p| p.addr.ip());
    // The audit log gets one line per action: the trust policy's verdict, or why it failed.
    let refuse = |refusal: Refusal| -> Result<Result<(), Refusal>, ApiError> {
        let (Refusal::Trust(action, why) | Refusal::Identity(action, why)) = &refusal else {
            return Ok(Err(refusal));
        };
        app.audit.record(&crate::audit::AuditEvent::refused(
            app.clock.now(),
            &caller_arn,
            action,
            &role_arn,
            why.clone(),
            source_ip,
        ));
        Ok(Err(refusal))
    };
    for action in actions {
        let mut check = trust_check(action, role, &role_tags, ask);
        if mfa_present {
            // An MFA code checked with this very request: the trust policy and the caller's
            // own policies both see it.
            check = check
                .with("aws:MultiFactorAuthPresent", vec!["true".to_owned()])
                .with("aws:MultiFactorAuthAge", vec!["0".to_owned()]);
        }
        let mut ctx = app
            .authorizer
            .caller_context(app, caller, &check, parts, peer)
            .map_err(fail)?;
        ctx.set_principal(trust_principal(caller));
        let (via, sid) = match gitward_policy::evaluate_trust(&trust, &ctx) {
            TrustDecision::Allow { via, sid } => (via, sid),
            TrustDecision::ExplicitDeny { sid } => {
                return refuse(Refusal::Trust(
                    action_name(action),
                    format!("explicit deny in the trust policy (Sid {sid:?})"),
                ));
            }
            TrustDecision::ImplicitDeny => {
                return refuse(Refusal::Trust(
                    action_name(action),
                    "the trust policy does not allow the caller".to_owned(),
                ));
            }
        };
        let identity = app
            .authorizer
            .identity_decision(app, caller, &check, parts, peer)
            .map_err(fail)?;
        let needs_identity_allow = cross_account || via != PrincipalMatch::Exact;
        match identity {
            Decision::ExplicitDeny { .. } => {
                return refuse(Refusal::Identity(action_name(action), identity.explain()));
            }
            Decision::ImplicitDeny { .. } if needs_identity_allow => {
                return refuse(Refusal::Identity(action_name(action), identity.explain()));
            }
            _ => {}
        }
        app.audit.record(&crate::audit::AuditEvent::authorization(
            app.clock.now(),
            &caller_arn,
            action_name(action),
            &role_arn,
            &Decision::Allow {
                policy: "the role's trust policy".to_owned(),
                sid,
            },
            source_ip,
        ));
    }
    Ok(Ok(()))
}

fn action_name(action: &str) -> &'static str {
    match action {
        "TagSession" => "sts:TagSession",
        "SetSourceIdentity" => "sts:SetSourceIdentity",
        _ => "sts:AssumeRole",
    }
}

/// AssumeRole.
pub fn assume_role(
    app: &App,
    req: &OperationRequest<'_>,
    input: &Input<'_>,
) -> Result<Value, ApiError> {
    let caller = req.caller;
    let ask = read(caller, input)?;
    let denied = |why: Refusal| {
        let (action, reason) = match why {
            Refusal::NoSuchRole => ("sts:AssumeRole", "no such role".to_owned()),
            Refusal::RootCaller => (
                "sts:AssumeRole",
                "roles may not be assumed by root".to_owned(),
            ),
            Refusal::Trust(a, r) | Refusal::Identity(a, r) => (a, r),
        };
        tracing::info!(caller = %caller.arn(), role = %ask.role_arn, action, reason = %reason, "AssumeRole refused");
        gitward_api::access_denied(
            Service::Sts,
            format!(
                "User: {} is not authorized to perform: {action} on resource: {}",
                caller.arn(),
                ask.role_arn
            ),
        )
    };
    if caller.principal.is_root() {
        return Err(denied(Refusal::RootCaller));
    }
    let Some(role) = app.iam.role_by_arn(ask.role_arn)? else {
        return Err(denied(Refusal::NoSuchRole));
    };
    let chaining = caller.session.is_some();
    let duration = gitward_sts::names::assume_role_duration(
        input.int("DurationSeconds"),
        role.max_session_duration,
        chaining,
        app.sessions.min_duration_seconds,
    )
    .map_err(validation)?;
    let packed = ask.session.packed_size()?;
    // A code passed now is checked against the caller's long-term user; without one, a
    // caller whose own session was MFA-authenticated carries that into the role session
    // (its context already says so to the trust policy).
    let mfa_at = check_mfa(app, caller, input)?;
    let (mfa_authenticated, mfa_auth_time) = match (mfa_at, &caller.session) {
        (Some(at), _) => (true, Some(at.unix_timestamp())),
        (None, Some(s)) if s.mfa_authenticated => (true, s.mfa_auth_time),
        _ => (false, None),
    };
    if let Err(why) = decide(app, req, &role, &ask, mfa_at.is_some())? {
        return Err(denied(why));
    }
    let passed_anything = !ask.session.tags.is_empty()
        || ask.session.policy.is_some()
        || !ask.session.policy_arns.is_empty();
    let chain_depth = caller.session.as_ref().map_or(1, |s| s.chain_depth + 1);
    let kind = SessionKind::AssumedRole {
        role_arn: role.arn(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        session_name: ask.session_name.to_owned(),
    };
    let Ask {
        session,
        inherited_tags,
        inherited_keys,
        source_identity,
        ..
    } = ask;
    let minted = app
        .sessions
        .mint(
            role.account.clone(),
            kind,
            SessionSource::AssumeRole,
            app.clock.now(),
            duration,
            |c| {
                c.policy = session.policy;
                c.policy_arns = session.policy_arns;
                c.tags = inherited_tags;
                c.tags.extend(session.tags);
                c.transitive_tag_keys = inherited_keys;
                c.transitive_tag_keys.extend(session.transitive_tag_keys);
                c.source_identity = source_identity;
                c.chain_depth = chain_depth;
                c.mfa_authenticated = mfa_authenticated;
                c.mfa_auth_time = mfa_auth_time;
            },
        )
        .map_err(internal)?;
    Ok(assume_role_out(&minted, passed_anything.then_some(packed)))
}
