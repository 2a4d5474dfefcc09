//! SQLite implementations of the store traits that the domain crates define
//! (`gitward_iam::IamStore`, `gitward_git::RepoStore`).
//!
//! One [`Db`] per data dir: WAL journal, `synchronous=FULL`, numbered migrations applied at
//! open, and a [`MasterKey`] that seals every stored secret (AES-256-GCM) so a copy of
//! `gitward.db` alone reveals no secret access key.

mod crypto;
mod db;
mod iam;
mod mfa;
mod repos;

pub use crypto::{MasterKey, MasterKeyError, load_or_create_key_file, write_private};
pub use db::{Db, DbError};
