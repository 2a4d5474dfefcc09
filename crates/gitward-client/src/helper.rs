//! `gitward credential-helper get|store|erase`: the Git credential helper, a drop-in for
//! `aws codecommit credential-helper`. Git must send the path
//! (`credential.UseHttpPath=true`), because the password is signed for one repository.

use time::OffsetDateTime;

use crate::ClientError;
use crate::credential::{CredentialRequest, render};
use crate::login::{git_login, region_of_host};
use crate::resolve::resolve;

/// What Git asks the helper to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Produce credentials.
    Get,
    /// Git reports credentials that worked: nothing to keep, they are signed per request.
    Store,
    /// Git reports credentials that failed: nothing to forget.
    Erase,
}

/// Answers one request from Git: `Some(lines)` to print for `get`, `None` otherwise.
pub async fn answer(
    operation: Operation,
    profile: Option<&str>,
    input: &str,
    now: OffsetDateTime,
) -> Result<Option<String>, ClientError> {
    if operation != Operation::Get {
        return Ok(None);
    }
    let req = CredentialRequest::parse(input);
    let path = req.path.ok_or(ClientError::MissingPath)?;
    let host = req.host.unwrap_or_default();
    let resolved = resolve(profile).await?;
    let region = region_of_host(&host)
        .map(str::to_owned)
        .or(resolved.region)
        .ok_or_else(|| ClientError::NoRegion {
            profile: profile.unwrap_or("default").to_owned(),
        })?;
    let path = format!("/{}", path.trim_start_matches('/'));
    let login = git_login(&resolved.credentials, &region, &host, &path, now);
    Ok(render(&login.username, login.password.expose()))
}
