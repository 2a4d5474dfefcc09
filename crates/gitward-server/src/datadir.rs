//! The data dir: where everything gitward keeps lives (DESIGN §1).
//!
//! ```text
//! DATA/gitward.db              SQLite metadata
//! DATA/keys/master.key         seals stored secrets (0600)
//! DATA/tls/                    generated CA and server certificate
//! DATA/repos/<account>/<region>/<repository-id>.git
//! DATA/run/endpoint            URL of the running server
//! DATA/run/ssh-endpoint        HOST:PORT of the running SSH listener
//! DATA/keys/ssh_host_ed25519_key  the SSH host key (0600)
//! DATA/audit/YYYY-MM-DD.jsonl  the audit log: authorization decisions, refused sign-ins (0600)
//! DATA/root-credentials.json   root key of the account `serve` created on an empty dir (0600)
//! ```

use anyhow::Context;
use gitward_core::{Secret, SystemClock};
use gitward_iam::IamService;
use gitward_store::{Db, MasterKey};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A data dir on disk.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// The root user's access key of a new account.
#[derive(Debug)]
pub struct RootCredentials {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl RootCredentials {
    /// `{"AccountId","AccessKeyId","SecretAccessKey"}`: the one place this secret is shown.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "AccountId": self.account_id,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key.expose(),
        })
    }
}

impl DataDir {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn tls_dir(&self) -> PathBuf {
        self.root.join("tls")
    }

    pub fn repos_dir(&self) -> PathBuf {
        self.root.join("repos")
    }

    pub fn endpoint_file(&self) -> PathBuf {
        self.root.join("run").join("endpoint")
    }

    /// `DATA/run/ssh-endpoint`: `HOST:PORT` of the running SSH listener.
    pub fn ssh_endpoint_file(&self) -> PathBuf {
        self.root.join("run").join("ssh-endpoint")
    }

    /// `DATA/audit/`: the audit log, a JSON-lines file per UTC day.
    pub fn audit_dir(&self) -> PathBuf {
        self.root.join("audit")
    }

    /// `DATA/keys/ssh_host_ed25519_key`: the SSH host key (OpenSSH format, 0600).
    pub fn ssh_host_key_file(&self) -> PathBuf {
        self.root.join("keys").join("ssh_host_ed25519_key")
    }

    pub fn root_credentials_file(&self) -> PathBuf {
        self.root.join("root-credentials.json")
    }

    /// Creates the layout if needed and opens the database with the master key.
    pub fn open(&self) -> anyhow::Result<Arc<Db>> {
        for sub in ["keys", "tls", "repos", "run"] {
            create_private_dir(&self.root.join(sub))?;
        }
        let key = MasterKey::load_or_create(&self.root.join("keys").join("master.key"))?;
        let db = Db::open(&self.root.join("gitward.db"), key)
            .with_context(|| format!("opening the database in {}", self.root.display()))?;
        Ok(Arc::new(db))
    }

    /// Whether at least one account exists.
    pub fn is_initialised(&self, db: &Arc<Db>) -> anyhow::Result<bool> {
        Ok(!self.iam(db).list_accounts()?.is_empty())
    }

    fn iam(&self, db: &Arc<Db>) -> IamService {
        IamService::new(db.clone(), Arc::new(SystemClock))
    }

    /// Creates an account and its root access key.
    pub fn create_account(&self, db: &Arc<Db>) -> anyhow::Result<RootCredentials> {
        let (account, key) = self.iam(db).create_account()?;
        Ok(RootCredentials {
            account_id: account.id.to_string(),
            access_key_id: key.key.id,
            secret_access_key: key.secret,
        })
    }
}

/// Creates `dir` (and parents) with mode 0700 when new.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}
