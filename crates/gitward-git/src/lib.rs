//! The CodeCommit repositories service of gitward.
//!
//! [`RepoService`] implements the repository, branch and tag operations of the CodeCommit
//! API over two kinds of storage: metadata (names, descriptions, default branches, tags) in
//! a [`RepoStore`] (SQLite in `gitward-store`), and one bare Git repository per repository
//! at `<repos_root>/<account>/<region>/<repository-id>.git`, named by id so renames never
//! touch the disk. Every call is confined to the caller's [`Scope`] (account and region).
//!
//! Time comes from an injected [`gitward_core::Clock`]; repository ids are UUID v4.
//! [`wire`] holds the operations' inputs and outputs with the model's member names; errors
//! are [`RepoError`], whose variants are the model's exception shapes.

mod access;
mod branches;
pub mod disk;
mod error;
mod model;
pub mod pktline;
mod service;
mod store;
mod tags;
mod token;
pub mod transport;
pub mod validate;
pub mod wire;

pub use error::{INVALID_REPOSITORY_NAME_MESSAGE, RepoError};
pub use model::{
    BranchInfo, DEFAULT_KMS_KEY_ID, InvalidRegion, Order, PublicUrls, RepositoryMetadata,
    RepositoryNameIdPair, Scope, SortBy, epoch_seconds,
};
pub use service::{MAX_BATCH_NAMES, MAX_REPOSITORIES, PAGE_SIZE, RepoService};
pub use store::{Inserted, RepoRecord, RepoStore, RepoUpdate, Tags, TagsPut};
pub use transport::{GitService, SshCommand, SshCommandError, parse_basic_auth, parse_ssh_command};
