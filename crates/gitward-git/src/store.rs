//! What the repositories service needs from a metadata store.
//!
//! Implemented for SQLite by `gitward-store` (`impl RepoStore for Db`). Every method is one
//! transaction; "not found" is `Ok(None)`/`Ok(false)`, never an error.

use gitward_core::{AccountId, StoreError};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Tags of a repository, key → value.
pub type Tags = BTreeMap<String, String>;

/// One repository's metadata row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRecord {
    /// Repository id (UUID v4 text), the primary key and the directory name on disk.
    pub id: String,
    /// Owning account.
    pub account: AccountId,
    /// Region.
    pub region: String,
    /// Name, unique (case-sensitively) per account and region.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Default branch.
    pub default_branch: Option<String>,
    /// KMS key id label.
    pub kms_key_id: String,
    /// Creation time (stored to the second).
    pub created: OffsetDateTime,
    /// Last modification time (stored to the second).
    pub last_modified: OffsetDateTime,
}

/// Outcome of [`RepoStore::insert_repository`] when the store did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The row (and its tags) exist now.
    Done,
    /// The account already has `max_per_scope` repositories in the region; nothing written.
    LimitReached,
}

/// Outcome of [`RepoStore::put_tags`] when the store did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsPut {
    /// The tags are set (added or overwritten).
    Done,
    /// The result would exceed `max_tags`; nothing written.
    TooMany,
}

/// A change to one repository row; every change also sets `last_modified`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoUpdate {
    /// New name (a clash in the account and region is [`StoreError::Conflict`]).
    Rename(String),
    /// New description (`None` clears it).
    Description(Option<String>),
    /// New default branch.
    DefaultBranch(String),
    /// Only `last_modified` (after a push).
    Touch,
}

/// Storage of repository metadata and tags.
pub trait RepoStore: Send + Sync {
    /// Inserts `rec` with `tags`, unless the account already holds `max_per_scope`
    /// repositories in the region. A name clash is [`StoreError::Conflict`].
    fn insert_repository(
        &self,
        rec: &RepoRecord,
        tags: &Tags,
        max_per_scope: usize,
    ) -> Result<Inserted, StoreError>;

    /// The repository named `name` (case-sensitive) in the account and region.
    fn repository(
        &self,
        account: &AccountId,
        region: &str,
        name: &str,
    ) -> Result<Option<RepoRecord>, StoreError>;

    /// Every repository of the account in the region, in no particular order.
    fn repositories(
        &self,
        account: &AccountId,
        region: &str,
    ) -> Result<Vec<RepoRecord>, StoreError>;

    /// Deletes the repository with this id and its tags; false if there was none.
    fn delete_repository(&self, id: &str) -> Result<bool, StoreError>;

    /// Applies `update` and sets `last_modified = now`; false if there is no such id.
    fn update_repository(
        &self,
        id: &str,
        update: &RepoUpdate,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Sets the default branch to `branch` only if it has none (CodeCommit's "the first
    /// branch becomes the default"); true if this call set it.
    fn claim_default_branch(&self, id: &str, branch: &str) -> Result<bool, StoreError>;

    /// The repository's tags (empty if none, or no such id).
    fn tags(&self, id: &str) -> Result<Tags, StoreError>;

    /// Adds or overwrites `tags`, unless the repository would then carry more than
    /// `max_tags`.
    fn put_tags(&self, id: &str, tags: &Tags, max_tags: usize) -> Result<TagsPut, StoreError>;

    /// Removes the tags with these keys (absent keys are ignored).
    fn remove_tags(&self, id: &str, keys: &[String]) -> Result<(), StoreError>;
}
