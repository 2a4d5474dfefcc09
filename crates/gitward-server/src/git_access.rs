//! The authorization half Git over HTTP and Git over SSH share (DESIGN §5): the question
//! for a repository (`codecommit:GitPull` / `codecommit:GitPush` on its ARN, and for a push
//! each ref with `codecommit:References`), locating the repository only after authorization
//! (so a "not found" is never an existence oracle), and the receive-pack report that refuses
//! a push as a whole. Blocking (the stores are synchronous): call from a blocking thread.

use crate::api::App;
use crate::authn::Caller;
use crate::listener::Peer;
use crate::ops::Check;
use gitward_git::pktline::{self, Commands};
use gitward_git::{GitService, Scope};
use std::path::PathBuf;

/// Most ref updates in one push (CodeCommit's quota, FACTS §7.1).
pub const MAX_REF_UPDATES: usize = 4000;

/// Why a Git request cannot go on; the text is what the client is shown.
#[derive(Debug)]
pub enum GitRefusal {
    /// Denied by IAM policy: AWS's sentence, then the encoded authorization message line.
    Denied(String),
    /// Allowed, but there is no such repository.
    NotFound(String),
    /// Something broke on the server (logged).
    Internal,
}

/// The authorization question for `name`, for one ref or for none.
pub fn check(
    app: &App,
    caller: &Caller,
    service: GitService,
    name: &str,
    reference: Option<&str>,
) -> Check {
    let mut check = Check {
        action: service.action().to_owned(),
        resource: format!(
            "arn:aws:codecommit:{}:{}:{}",
            app.region,
            caller.principal.account(),
            name
        ),
        context: reference
            .map(|r| vec![("codecommit:References".to_owned(), vec![r.to_owned()])])
            .unwrap_or_default(),
    };
    crate::ops::add_resource_tags(app, caller, &app.region, std::slice::from_mut(&mut check));
    check
}

/// Allows `check`, or says why not (with an encoded authorization failure message).
pub fn authorize(
    app: &App,
    caller: &Caller,
    check: &Check,
    parts: Option<&http::request::Parts>,
    peer: Option<Peer>,
) -> Result<(), GitRefusal> {
    app.authorizer
        .authorize_explained(app, caller, check, parts, peer)
        .map_err(|e| match e {
            crate::authz::AuthzError::Denied(m) => GitRefusal::Denied(m),
            crate::authz::AuthzError::Internal => GitRefusal::Internal,
        })
}

/// Authorizes the service on the repository (no `codecommit:References`), then locates it.
pub fn admit(
    app: &App,
    caller: &Caller,
    service: GitService,
    name: &str,
    parts: Option<&http::request::Parts>,
    peer: Option<Peer>,
) -> Result<(Scope, PathBuf), GitRefusal> {
    authorize(
        app,
        caller,
        &check(app, caller, service, name, None),
        parts,
        peer,
    )?;
    let scope =
        Scope::new(caller.principal.account().clone(), app.region.clone()).map_err(|e| {
            tracing::error!(error = %e, "server region is not a valid scope");
            GitRefusal::Internal
        })?;
    match app.repos.locate(&scope, name) {
        Ok(Some((_, dir))) => Ok((scope, dir)),
        Ok(None) => Err(GitRefusal::NotFound(format!(
            "repository not found: {name}"
        ))),
        Err(e) => {
            tracing::error!(error = %e, "repository lookup failed");
            Err(GitRefusal::Internal)
        }
    }
}

/// Authorizes every ref of a push with `codecommit:References`. `Ok(Some(report))`: the push
/// is refused as a whole with this receive-pack report (git never runs).
pub fn authorize_refs(
    app: &App,
    caller: &Caller,
    name: &str,
    commands: &Commands,
    parts: Option<&http::request::Parts>,
    peer: Option<Peer>,
) -> Result<Option<Vec<u8>>, GitRefusal> {
    let service = GitService::ReceivePack;
    let updates = &commands.updates;
    if updates.len() > MAX_REF_UPDATES {
        let reason = format!(
            "Too many reference update commands: a push may update at most {MAX_REF_UPDATES} references"
        );
        let rejected: Vec<(&str, &str)> = updates
            .iter()
            .map(|u| (u.name.as_str(), reason.as_str()))
            .collect();
        let report = pktline::rejection_report(
            commands,
            &rejected,
            &format!("gitward: {reason}; nothing was changed"),
        );
        return Ok(Some(report));
    }
    let denials = updates
        .iter()
        .map(|u| {
            let check = check(app, caller, service, name, Some(&u.name));
            match authorize(app, caller, &check, parts, peer) {
                Ok(()) => Ok(None),
                Err(GitRefusal::Denied(m)) => Ok(Some(m)),
                Err(other) => Err(other),
            }
        })
        .collect::<Result<Vec<Option<String>>, GitRefusal>>()?;
    if denials.iter().all(Option::is_none) {
        return Ok(None);
    }
    // The encoded authorization messages go to the side band, one line per denied ref; the
    // per-ref report keeps the readable reason only.
    let mut encoded = Vec::new();
    let reasons: Vec<String> = updates
        .iter()
        .zip(&denials)
        .map(|(u, d)| match d {
            Some(why) => {
                let (why, blob) = why.split_once('\n').unwrap_or((why.as_str(), ""));
                if !blob.is_empty() {
                    encoded.push(format!("gitward: {}: {blob}", u.name));
                }
                format!("{} denied by IAM policy: {why}", u.name)
            }
            None => "rejected because another ref was denied".to_owned(),
        })
        .collect();
    let rejected: Vec<(&str, &str)> = updates
        .iter()
        .zip(&reasons)
        .map(|(u, r)| (u.name.as_str(), r.as_str()))
        .collect();
    let denied: Vec<&str> = updates
        .iter()
        .zip(&denials)
        .filter(|(_, d)| d.is_some())
        .map(|(u, _)| u.name.as_str())
        .collect();
    tracing::info!(repository = %name, refs = ?denied, "push refused by IAM policy");
    let mut message = format!(
        "gitward: push refused: IAM policy denies {} on {}; nothing was changed",
        service.action(),
        denied.join(", ")
    );
    for line in encoded {
        message.push('\n');
        message.push_str(&line);
    }
    Ok(Some(pktline::rejection_report(
        commands, &rejected, &message,
    )))
}
