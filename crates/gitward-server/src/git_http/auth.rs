//! Authentication of Git HTTP requests: HTTP Basic with the access key id as user and the
//! CodeCommit SigV4 Git password (FACTS §2.1–2.4) as password.

use super::{REPOS_PREFIX, Refusal};
use crate::api::App;
use crate::audit::AuditEvent;
use crate::authn::Caller;
use crate::listener::Peer;
use gitward_core::Secret;
use gitward_iam::KeyStatus;
use gitward_iam::Principal;
use gitward_sigv4::git_password::{self, GitPasswordError};
use http::{StatusCode, header};

/// Step 2: Basic credentials, either the CodeCommit SigV4 password (FACTS §2) with an access
/// key id as user, or Git credentials (`<user>-at-<account>` and its password). Repeated
/// failures for one user name or address are slowed down, then refused for a while.
pub(super) fn authenticate(
    app: &App,
    parts: &http::request::Parts,
    name: &str,
    peer: Option<Peer>,
) -> Result<Caller, Refusal> {
    let challenge = |m: &str| Refusal::new(StatusCode::UNAUTHORIZED, m);
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(challenge("authentication required"));
    };
    let (user, password) = gitward_git::parse_basic_auth(value.as_bytes())
        .ok_or_else(|| challenge("unsupported credentials: use HTTP Basic authentication"))?;
    let addr = peer.map(|p| p.addr.ip());
    // The name failures are counted under: never the session token of `AKID%TOKEN`.
    let who = user.split('%').next().unwrap_or_default().to_owned();
    let now = app.clock.now();
    if let Err(wait) = app.auth_throttle.check(&who, addr, now) {
        app.audit.record(&AuditEvent::sign_in_refused(
            now,
            &who,
            "git-http",
            format!("locked out for {wait} s after repeated failures"),
            addr,
        ));
        return Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Rate Exceeded: too many failed sign-ins for {}; try again in {wait} s",
                printable(&who)
            ),
        ));
    }
    let outcome = if git_password::parse(&password).is_some() {
        sigv4_password(app, parts, name, &user, &password)
    } else {
        git_credentials(app, &user, &password)
    };
    match outcome {
        Ok(caller) => {
            app.auth_throttle.success(&who);
            Ok(caller)
        }
        Err(mut refusal) if refusal.status == StatusCode::FORBIDDEN => {
            app.audit.record(&AuditEvent::sign_in_refused(
                now,
                &who,
                "git-http",
                refusal.message.clone(),
                addr,
            ));
            refusal.delay = app.auth_throttle.failure(&who, addr, now);
            Err(refusal)
        }
        Err(refusal) => Err(refusal),
    }
}

/// Git credentials: a service-specific credential of an IAM user (FACTS §2.5).
fn git_credentials(app: &App, user: &str, password: &str) -> Result<Caller, Refusal> {
    if !user.contains("-at-") {
        // An access key id with something other than a SigV4 password.
        return Err(Refusal::forbidden(GitPasswordError::Malformed.to_string()));
    }
    let found = app
        .iam
        .authenticate_git_credentials(user, &Secret::new(password))
        .map_err(|e| {
            tracing::error!(error = %e, "Git credentials lookup failed");
            Refusal::internal()
        })?;
    match found {
        Some(u) => Ok(Caller::long_term(Principal::User(u))),
        None => Err(Refusal::forbidden(format!(
            "invalid Git credentials for {}: the user name or password is wrong, or the credential is inactive \
             (the password is neither a Git credentials password nor a SigV4 password of the form YYYYMMDDTHHMMSSZ<signature>)",
            printable(user)
        ))),
    }
}

/// The SigV4 Git password of an access key.
fn sigv4_password(
    app: &App,
    parts: &http::request::Parts,
    name: &str,
    user: &str,
    password: &str,
) -> Result<Caller, Refusal> {
    // Temporary credentials travel as `AKID%TOKEN` (FACTS §2.1): split on the first `%`.
    let session = match user.split_once('%') {
        Some((akid, token)) => Some(open_session(app, akid, token)?),
        None => None,
    };
    let (principal, key, secret) = match &session {
        Some(claims) => {
            let principal = crate::sessions::principal_of(app, claims)
                .ok_or_else(|| Refusal::forbidden("the session's user no longer exists"))?;
            (principal, None, claims.secret_access_key.clone())
        }
        None => {
            let found = app.iam.lookup_access_key(user).map_err(|e| {
                tracing::error!(error = %e, "access key lookup failed");
                Refusal::internal()
            })?;
            let Some((principal, key, secret)) = found else {
                return Err(Refusal::forbidden(format!(
                    "the access key {} does not exist",
                    printable(user)
                )));
            };
            (principal, Some(key), secret)
        }
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let bare = strip_port(&host);
    let hosts: Vec<&str> = if bare == host {
        vec![bare]
    } else {
        vec![bare, host.as_str()]
    };
    let region = region_of_host(bare).unwrap_or(&app.region);
    let path = format!("{REPOS_PREFIX}{name}");
    let now = app.clock.now();
    git_password::verify(password, &secret, region, &hosts, &path, now).map_err(|e| match e {
        GitPasswordError::SignatureMismatch => Refusal::forbidden(format!(
            "signature does not match for host {} path {path} region {region}: wrong secret access key, or the password was made for another host, repository or region",
            hosts.join(" or ")
        )),
        other => Refusal::forbidden(other.to_string()),
    })?;
    let Some(key) = key else {
        return Ok(Caller {
            principal,
            session: session.map(std::sync::Arc::new),
        });
    };
    if key.status != KeyStatus::Active {
        // Said only to whoever holds the secret: the signature has been checked.
        return Err(Refusal::forbidden(format!(
            "the access key {} is inactive",
            key.id
        )));
    }
    let stale = key
        .last_used
        .as_ref()
        .is_none_or(|u| now - u.at > time::Duration::minutes(1));
    if stale && let Err(e) = app.iam.record_key_use(&key.id, "codecommit", region) {
        tracing::warn!(error = %e, "could not record access key use");
    }
    Ok(Caller::long_term(principal))
}

/// Opens the session token of `AKID%TOKEN`; refusals say why without revealing the token.
fn open_session(app: &App, akid: &str, token: &str) -> Result<gitward_sts::SessionClaims, Refusal> {
    app.sessions
        .open(token, akid, app.clock.now())
        .map_err(|e| match e {
            gitward_sts::TokenError::Expired { expired_at } => Refusal::forbidden(format!(
                "credentials expired at {}: get new temporary credentials",
                gitward_core::iso8601(
                    time::OffsetDateTime::from_unix_timestamp(expired_at)
                        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
                )
            )),
            _ => Refusal::forbidden(format!(
                "the session token presented with {} is invalid",
                printable(akid)
            )),
        })
}

/// A client-supplied string cut short and without control characters, for messages and the
/// log (Git over HTTPS and SSH).
pub(crate) fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(128)
        .collect::<String>()
}

/// `host` without its `:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The region of a `git-codecommit[-fips].REGION.…` host, as the awscli helper takes it.
fn region_of_host(host: &str) -> Option<&str> {
    let labels: Vec<&str> = host.split('.').collect();
    let at = labels
        .iter()
        .position(|l| *l == "git-codecommit" || *l == "git-codecommit-fips")?;
    let region = *labels.get(at + 1)?;
    // A region is followed by at least one more label (`amazonaws.com`, …).
    labels.get(at + 2)?;
    (!region.is_empty()).then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_regions() {
        assert_eq!(strip_port("localhost:8443"), "localhost");
        assert_eq!(strip_port("localhost"), "localhost");
        assert_eq!(strip_port("[::1]:8443"), "[::1]");
        assert_eq!(strip_port("[::1]"), "[::1]");
        assert_eq!(
            region_of_host("git-codecommit.eu-west-1.amazonaws.com"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_host("git-codecommit-fips.us-east-2.amazonaws.com"),
            Some("us-east-2")
        );
        assert_eq!(region_of_host("git-codecommit.local"), None);
        assert_eq!(region_of_host("127.0.0.1"), None);
    }
}
