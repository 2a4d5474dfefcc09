//! Temporary credentials (DESIGN §4): sealed session tokens, minted by STS operations and
//! opened on every request that carries one. No row is stored per session.

use anyhow::Context;
use gitward_core::AccountId;
use gitward_iam::Principal;
use gitward_sts::{
    SealingKey, SealingKeyring, SessionClaims, SessionKind, SessionSource, SessionTokenPrincipal,
    TokenError,
};
use std::path::Path;
use time::OffsetDateTime;

/// The sealing keys and the session-length settings.
pub struct Sessions {
    keyring: SealingKeyring,
    /// The shortest session an STS call may ask for (900 s, as AWS; tests lower it).
    pub min_duration_seconds: i64,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("min_duration_seconds", &self.min_duration_seconds)
            .finish_non_exhaustive()
    }
}

/// A freshly minted session.
pub struct Minted {
    pub claims: SessionClaims,
    pub token: String,
}

fn random<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random source failed: {e}"))?;
    Ok(b)
}

impl Sessions {
    /// Loads the sealing key from `DATA/keys/sts-1.key`, creating it if needed.
    pub fn load_or_create(keys_dir: &Path, min_duration_seconds: i64) -> anyhow::Result<Self> {
        let key = gitward_store::load_or_create_key_file(&keys_dir.join("sts-1.key"))
            .context("loading the STS sealing key")?;
        Ok(Self {
            keyring: SealingKeyring::new(SealingKey::new(1, key)),
            min_duration_seconds,
        })
    }

    /// A keyring from raw bytes (tests).
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Self {
            keyring: SealingKeyring::new(SealingKey::new(1, [9; 32])),
            min_duration_seconds: 900,
        }
    }

    /// Opens a session token presented with `access_key_id`, checking expiry at `now`.
    pub fn open(
        &self,
        token: &str,
        access_key_id: &str,
        now: OffsetDateTime,
    ) -> Result<SessionClaims, TokenError> {
        gitward_sts::open_at(token, access_key_id, &self.keyring, now)
    }

    /// Seals an authorization failure message (its decoded JSON) for `account`.
    pub fn seal_message(&self, json: &str, account: &AccountId) -> anyhow::Result<String> {
        gitward_sts::message::seal_message(json, account, &self.keyring, random()?)
            .map_err(|e| anyhow::anyhow!("sealing an authorization message: {e}"))
    }

    /// Opens an encoded authorization failure message for a caller of `account`.
    pub fn open_message(
        &self,
        text: &str,
        account: &AccountId,
    ) -> Result<String, gitward_sts::message::MessageError> {
        gitward_sts::message::open_message(text, account, &self.keyring)
    }

    /// Mints GetSessionToken credentials for a user or the root user; `mfa_at` is when an
    /// MFA code was checked for this call, if one was.
    pub fn session_token(
        &self,
        principal: &Principal,
        now: OffsetDateTime,
        duration: i64,
        mfa_at: Option<OffsetDateTime>,
    ) -> anyhow::Result<Minted> {
        let kind = SessionKind::SessionToken {
            principal: long_term(principal)?,
        };
        self.mint(
            principal.account().clone(),
            kind,
            SessionSource::GetSessionToken,
            now,
            duration,
            |c| {
                c.mfa_authenticated = mfa_at.is_some();
                c.mfa_auth_time = mfa_at.map(OffsetDateTime::unix_timestamp);
            },
        )
    }

    /// Mints a session of `kind` for `account`, lasting `duration` seconds from `now`;
    /// `fill` sets the claims beyond the defaults (policies, tags, MFA, chain depth…).
    pub fn mint(
        &self,
        account: AccountId,
        kind: SessionKind,
        source: SessionSource,
        now: OffsetDateTime,
        duration: i64,
        fill: impl FnOnce(&mut SessionClaims),
    ) -> anyhow::Result<Minted> {
        let credentials = gitward_sts::mint_session_credentials(&account, random()?);
        let issued = now.unix_timestamp();
        let mut claims = SessionClaims::new(
            account,
            kind,
            source,
            credentials,
            issued,
            issued + duration,
        );
        fill(&mut claims);
        let token = gitward_sts::seal(&claims, &self.keyring, random()?)
            .map_err(|e| anyhow::anyhow!("sealing a session: {e}"))?;
        Ok(Minted { claims, token })
    }
}

/// The claims' form of a long-term identity (root or IAM user); roles have none.
pub fn long_term(principal: &Principal) -> anyhow::Result<SessionTokenPrincipal> {
    match principal {
        Principal::Root { .. } => Ok(SessionTokenPrincipal::Root),
        Principal::User(u) => Ok(SessionTokenPrincipal::User {
            arn: u.arn(),
            user_id: u.user_id.clone(),
        }),
        Principal::Role(_) => anyhow::bail!("a role is not a long-term identity"),
    }
}

fn long_term_principal(
    app: &crate::api::App,
    account: &AccountId,
    who: &SessionTokenPrincipal,
) -> Option<Principal> {
    match who {
        SessionTokenPrincipal::Root => Some(Principal::Root {
            account: account.clone(),
        }),
        SessionTokenPrincipal::User { arn, user_id } => {
            let name = arn.rsplit('/').next()?;
            let user = app.iam.get_user(account, name).ok()?;
            (user.user_id == *user_id).then_some(Principal::User(user))
        }
    }
}

/// The principal a session acts as. GetSessionToken and GetFederationToken sessions act as
/// the user (or root) who asked for them, and stop working when that user is deleted.
/// Role sessions act as the role; a role deleted (or re-created: a new role id) since gives
/// its sessions no permissions at their next request, as on AWS.
pub fn principal_of(app: &crate::api::App, claims: &SessionClaims) -> Option<Principal> {
    match &claims.kind {
        SessionKind::SessionToken { principal } => {
            long_term_principal(app, &claims.account, principal)
        }
        SessionKind::FederatedUser { owner, .. } => {
            long_term_principal(app, &claims.account, owner)
        }
        SessionKind::AssumedRole {
            role_arn,
            role_id,
            role_name,
            ..
        } => {
            let role = app
                .iam
                .role_by_arn(role_arn)
                .ok()
                .flatten()
                .filter(|r| r.role_id == *role_id)
                .unwrap_or_else(|| gitward_iam::Role {
                    account: claims.account.clone(),
                    name: role_name.clone(),
                    role_id: role_id.clone(),
                    path: role_arn
                        .strip_suffix(role_name.as_str())
                        .and_then(|p| p.split_once(":role").map(|(_, path)| path.to_owned()))
                        .unwrap_or_else(|| "/".to_owned()),
                    created: OffsetDateTime::UNIX_EPOCH,
                    trust_policy: String::new(),
                    description: None,
                    max_session_duration: 3600,
                    boundary_arn: None,
                    last_used: None,
                });
            Some(Principal::Role(role))
        }
    }
}

/// Records that a role session made a request (GetRole's `RoleLastUsed`), at most once a
/// minute per role.
pub fn note_role_use(app: &crate::api::App, principal: &Principal, region: &str) {
    let Principal::Role(role) = principal else {
        return;
    };
    let stale = role
        .last_used
        .as_ref()
        .is_none_or(|(at, _)| app.clock.now() - *at > time::Duration::minutes(1));
    if stale
        && role.created != OffsetDateTime::UNIX_EPOCH
        && let Err(e) = app.iam.record_role_use(role, region)
    {
        tracing::warn!(error = %e, "could not record role use");
    }
}
