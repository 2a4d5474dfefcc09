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

    /// Mints GetSessionToken credentials for a user or the root user.
    pub fn session_token(
        &self,
        principal: &Principal,
        now: OffsetDateTime,
        duration: i64,
    ) -> anyhow::Result<Minted> {
        let account: AccountId = principal.account().clone();
        let who = match principal {
            Principal::Root { .. } => SessionTokenPrincipal::Root,
            Principal::User(u) => SessionTokenPrincipal::User {
                arn: u.arn(),
                user_id: u.user_id.clone(),
            },
        };
        let credentials = gitward_sts::mint_session_credentials(&account, random()?);
        let issued = now.unix_timestamp();
        let claims = SessionClaims::new(
            account,
            SessionKind::SessionToken { principal: who },
            SessionSource::GetSessionToken,
            credentials,
            issued,
            issued + duration,
        );
        let token = gitward_sts::seal(&claims, &self.keyring, random()?)
            .map_err(|e| anyhow::anyhow!("sealing a session: {e}"))?;
        Ok(Minted { claims, token })
    }
}

/// The principal a session acts as, if it still exists: the root user, or the IAM user of a
/// GetSessionToken session (deleted users' sessions stop working). Role and federated
/// sessions arrive with roles.
pub fn principal_of(app: &crate::api::App, claims: &SessionClaims) -> Option<Principal> {
    match &claims.kind {
        SessionKind::SessionToken {
            principal: SessionTokenPrincipal::Root,
        } => Some(Principal::Root {
            account: claims.account.clone(),
        }),
        SessionKind::SessionToken {
            principal: SessionTokenPrincipal::User { arn, user_id },
        } => {
            let name = arn.rsplit('/').next()?;
            let user = app.iam.get_user(&claims.account, name).ok()?;
            (user.user_id == *user_id).then_some(Principal::User(user))
        }
        _ => None,
    }
}
