//! What a session token carries (DESIGN §4): everything needed to authenticate and authorize
//! a request made with temporary credentials, without a database row per session.
//!
//! The claims are serialized (serde, JSON) only inside the sealed payload; the session's
//! secret access key is never part of the serde form of [`SessionClaims`] (it is skipped and
//! carried separately by [`mod@crate::seal`]), so logging or caching serialized claims cannot leak it.

use gitward_core::{AccountId, PARTITION, Secret};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The version of the claims layout. A token whose claims carry another `v` does not open.
pub const CLAIMS_VERSION: u32 = 1;

/// Which STS operation created a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionSource {
    /// `AssumeRole`.
    AssumeRole,
    /// `AssumeRoleWithWebIdentity` (OIDC).
    AssumeRoleWithWebIdentity,
    /// `AssumeRoleWithSAML`.
    AssumeRoleWithSaml,
    /// `GetSessionToken`.
    GetSessionToken,
    /// `GetFederationToken`.
    GetFederationToken,
}

/// The long-term identity behind a `GetSessionToken` session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionTokenPrincipal {
    /// The account's root user.
    Root,
    /// An IAM user.
    User {
        /// The user's ARN, with its path (`arn:aws:iam::ACCT:user/path/name`).
        arn: String,
        /// The user's unique id (`AIDA…`).
        user_id: String,
    },
}

/// Whose session this is; decides the principal ARN and `aws:userid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionKind {
    /// A role session (`AssumeRole`, `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`).
    AssumedRole {
        /// The role's ARN, with its path (`arn:aws:iam::ACCT:role/path/name`).
        role_arn: String,
        /// The role's unique id (`AROA…`).
        role_id: String,
        /// The role's name, without its path.
        role_name: String,
        /// The `RoleSessionName`.
        session_name: String,
    },
    /// A federated user (`GetFederationToken`).
    FederatedUser {
        /// The `Name` parameter.
        name: String,
        /// The long-term identity that called `GetFederationToken`: its policies, intersected
        /// with the session policies, are the federated user's permissions.
        owner: SessionTokenPrincipal,
    },
    /// The caller's own identity with temporary credentials (`GetSessionToken`).
    SessionToken {
        /// The user (or root) who called `GetSessionToken`.
        principal: SessionTokenPrincipal,
    },
}

/// One session tag. Keys are case-preserving; comparisons between keys ignore case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTag {
    /// The tag key, as passed.
    pub key: String,
    /// The tag value.
    pub value: String,
}

impl SessionTag {
    /// A tag `key` = `value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Whether two tag keys are the same key: tag keys compare case-insensitively (FACTS §3.5).
pub fn tag_keys_equal(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn empty_secret() -> Secret {
    Secret::new(String::new())
}

mod account_serde {
    use gitward_core::AccountId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(a: &AccountId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(a.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AccountId, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The claims sealed into a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Layout version, [`CLAIMS_VERSION`] when minted by this code.
    pub v: u32,
    /// The account the session belongs to (the role's account for role sessions).
    #[serde(with = "account_serde")]
    pub account: AccountId,
    /// Whose session it is.
    pub kind: SessionKind,
    /// Which STS operation created it.
    pub source: SessionSource,
    /// The temporary access key id (`ASIA…`), bound to the token.
    pub access_key_id: String,
    /// The session's secret access key. Skipped by serde: it travels only inside the sealed
    /// payload; claims deserialized from anywhere else hold an empty secret.
    #[serde(skip, default = "empty_secret")]
    pub secret_access_key: Secret,
    /// When the session was issued, unix seconds (`aws:TokenIssueTime`).
    pub issued_at: i64,
    /// When the session expires, unix seconds; the credentials are refused from then on.
    pub expires_at: i64,
    /// The inline session policy (`Policy`), as passed.
    #[serde(default)]
    pub policy: Option<String>,
    /// The managed session policies (`PolicyArns`).
    #[serde(default)]
    pub policy_arns: Vec<String>,
    /// Session tags (passed and inherited transitive ones), case preserved.
    #[serde(default)]
    pub tags: Vec<SessionTag>,
    /// Keys of the tags that pass on to the next session in a chain.
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity`, set once and kept through the chain.
    #[serde(default)]
    pub source_identity: Option<String>,
    /// Whether the session was created with a valid MFA code (`aws:MultiFactorAuthPresent`).
    #[serde(default)]
    pub mfa_authenticated: bool,
    /// When that MFA code was checked, unix seconds (for `aws:MultiFactorAuthAge`).
    #[serde(default)]
    pub mfa_auth_time: Option<i64>,
    /// How many sessions lead to this one, this one included: 1 when the caller used
    /// long-term keys, 2 and more for role chaining.
    pub chain_depth: u32,
}

impl SessionClaims {
    /// Claims with no policies, tags, source identity or MFA, at chain depth 1.
    pub fn new(
        account: AccountId,
        kind: SessionKind,
        source: SessionSource,
        credentials: (String, Secret),
        issued_at: i64,
        expires_at: i64,
    ) -> Self {
        Self {
            v: CLAIMS_VERSION,
            account,
            kind,
            source,
            access_key_id: credentials.0,
            secret_access_key: credentials.1,
            issued_at,
            expires_at,
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            mfa_authenticated: false,
            mfa_auth_time: None,
            chain_depth: 1,
        }
    }

    /// Whether the session has expired at `now` (expired from `expires_at` on).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.expires_at
    }

    /// `expires_at` as a time (for `Expiration` and the "expired at …" messages).
    pub fn expiration(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.expires_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `issued_at` as a time (`aws:TokenIssueTime`).
    pub fn issue_time(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.issued_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Seconds since MFA authentication at `now` (`aws:MultiFactorAuthAge`), if any.
    pub fn mfa_age(&self, now: OffsetDateTime) -> Option<i64> {
        if !self.mfa_authenticated {
            return None;
        }
        self.mfa_auth_time
            .map(|t| (now.unix_timestamp() - t).max(0))
    }

    /// Whether this session was created by a caller holding temporary credentials.
    pub fn is_chained(&self) -> bool {
        self.chain_depth > 1
    }

    /// The principal ARN exactly as AWS formats it: `arn:aws:sts::ACCT:assumed-role/NAME/SESSION`
    /// (no role path), `arn:aws:sts::ACCT:federated-user/NAME`, or for `GetSessionToken` the
    /// caller's own ARN (`arn:aws:iam::ACCT:user/…` or `arn:aws:iam::ACCT:root`).
    pub fn principal_arn(&self) -> String {
        let acct = self.account.as_str();
        match &self.kind {
            SessionKind::AssumedRole {
                role_name,
                session_name,
                ..
            } => format!("arn:{PARTITION}:sts::{acct}:assumed-role/{role_name}/{session_name}"),
            SessionKind::FederatedUser { name, .. } => {
                format!("arn:{PARTITION}:sts::{acct}:federated-user/{name}")
            }
            SessionKind::SessionToken {
                principal: SessionTokenPrincipal::User { arn, .. },
            } => arn.clone(),
            SessionKind::SessionToken {
                principal: SessionTokenPrincipal::Root,
            } => format!("arn:{PARTITION}:iam::{acct}:root"),
        }
    }

    /// The `aws:userid` value (also GetCallerIdentity's `UserId`): `AROA…:session` for a
    /// role session, `ACCOUNT:name` for a federated user, the user id (or the account id
    /// for root) for `GetSessionToken`.
    pub fn user_id(&self) -> String {
        match &self.kind {
            SessionKind::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
            SessionKind::FederatedUser { name, .. } => format!("{}:{name}", self.account),
            SessionKind::SessionToken {
                principal: SessionTokenPrincipal::User { user_id, .. },
            } => user_id.clone(),
            SessionKind::SessionToken {
                principal: SessionTokenPrincipal::Root,
            } => self.account.to_string(),
        }
    }

    /// The tags marked transitive (inherited by the next session in a chain).
    pub fn transitive_tags(&self) -> Vec<SessionTag> {
        self.tags
            .iter()
            .filter(|t| {
                self.transitive_tag_keys
                    .iter()
                    .any(|k| tag_keys_equal(k, &t.key))
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn acct() -> AccountId {
        AccountId::parse("123456789012").expect("valid account")
    }

    pub(crate) fn role_claims() -> SessionClaims {
        let mut c = SessionClaims::new(
            acct(),
            SessionKind::AssumedRole {
                role_arn: "arn:aws:iam::123456789012:role/team/demo".into(),
                role_id: "AROA3XFRBF535PLBIFPI4".into(),
                role_name: "demo".into(),
                session_name: "Maria_Garcia".into(),
            },
            SessionSource::AssumeRole,
            (
                "ASIAAAAAAAAAAAAAAAAA".into(),
                Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            ),
            1_700_000_000,
            1_700_003_600,
        );
        c.policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"codecommit:GitPull","Resource":"*"}]}"#.into());
        c.policy_arns = vec!["arn:aws:iam::123456789012:policy/p".into()];
        c.tags = vec![
            SessionTag::new("Project", "Alpha"),
            SessionTag::new("Team", "x"),
        ];
        c.transitive_tag_keys = vec!["project".into()];
        c.source_identity = Some("maria".into());
        c.mfa_authenticated = true;
        c.mfa_auth_time = Some(1_699_999_990);
        c
    }

    #[test]
    fn assumed_role_arn_and_userid_match_aws() {
        let c = role_claims();
        assert_eq!(
            c.principal_arn(),
            "arn:aws:sts::123456789012:assumed-role/demo/Maria_Garcia"
        );
        assert_eq!(c.user_id(), "AROA3XFRBF535PLBIFPI4:Maria_Garcia");
    }

    #[test]
    fn federated_and_session_token_principals() {
        let mut c = role_claims();
        c.kind = SessionKind::FederatedUser {
            name: "bob".into(),
            owner: SessionTokenPrincipal::Root,
        };
        assert_eq!(
            c.principal_arn(),
            "arn:aws:sts::123456789012:federated-user/bob"
        );
        assert_eq!(c.user_id(), "123456789012:bob");
        c.kind = SessionKind::SessionToken {
            principal: SessionTokenPrincipal::User {
                arn: "arn:aws:iam::123456789012:user/dev/alice".into(),
                user_id: "AIDAEXAMPLEEXAMPLE123".into(),
            },
        };
        assert_eq!(
            c.principal_arn(),
            "arn:aws:iam::123456789012:user/dev/alice"
        );
        assert_eq!(c.user_id(), "AIDAEXAMPLEEXAMPLE123");
        c.kind = SessionKind::SessionToken {
            principal: SessionTokenPrincipal::Root,
        };
        assert_eq!(c.principal_arn(), "arn:aws:iam::123456789012:root");
        assert_eq!(c.user_id(), "123456789012");
    }

    #[test]
    fn expiry_uses_the_injected_now() {
        let c = role_claims();
        let at = |s| OffsetDateTime::from_unix_timestamp(s).expect("valid time");
        assert!(!c.is_expired(at(1_700_003_599)));
        assert!(c.is_expired(at(1_700_003_600)));
        assert_eq!(c.mfa_age(at(1_700_000_010)), Some(20));
        assert_eq!(
            gitward_core::iso8601(c.expiration()),
            "2023-11-14T23:13:20Z"
        );
    }

    #[test]
    fn serde_form_never_holds_the_secret() {
        let c = role_claims();
        let json = serde_json::to_string(&c).expect("serialize");
        assert!(!json.contains("wJalrXUt"));
        assert!(json.contains("\"v\":1"));
        let back: SessionClaims = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back.secret_access_key.expose(), "");
        assert_eq!(back.principal_arn(), c.principal_arn());
    }

    #[test]
    fn transitive_tags_match_keys_ignoring_case() {
        assert_eq!(
            role_claims().transitive_tags(),
            vec![SessionTag::new("Project", "Alpha")]
        );
    }
}
