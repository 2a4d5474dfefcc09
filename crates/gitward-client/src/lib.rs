//! gitward's client tools: `gitward credential-helper` (a Git credential helper, drop-in for
//! `aws codecommit credential-helper`) and `git-remote-codecommit` (so `git clone
//! codecommit://profile@repo` works), both resolving AWS credentials with `aws-config`:
//! environment variables, `~/.aws/credentials` with session tokens, profiles with
//! `role_arn`/`source_profile`/`role_session_name`, `web_identity_token_file` and
//! `credential_process`.
//!
//! Neither tool puts a secret in a process's argv or in a URL that Git writes to disk: the
//! password reaches Git through the credential-helper protocol on a pipe.

pub mod credential;
pub mod error;
pub mod helper;
pub mod login;
pub mod remote;
pub mod resolve;

pub use error::ClientError;
