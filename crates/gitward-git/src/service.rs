//! The repositories service: repository lifecycle and listing.
//!
//! Branch operations are in `branches.rs`, tag operations in `tags.rs`. Every call is
//! confined to the caller's [`Scope`]; names are validated before any lookup.

use crate::disk;
use crate::error::RepoError;
use crate::model::{
    DEFAULT_KMS_KEY_ID, Order, PublicUrls, RepositoryMetadata, RepositoryNameIdPair, Scope, SortBy,
};
use crate::store::{Inserted, RepoRecord, RepoStore, RepoUpdate, Tags};
use crate::token;
use crate::validate;
use crate::wire::{BatchGetRepositoriesError, BatchGetRepositoriesOutput, ListRepositoriesOutput};
use gitward_core::{Clock, StoreError};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;

/// Most repositories per account and region (CodeCommit's default quota).
pub const MAX_REPOSITORIES: usize = 1000;
/// Items per page of ListRepositories and ListBranches.
pub const PAGE_SIZE: usize = 1000;
/// Most names in one BatchGetRepositories call (the model: "Currently, this number is 100").
pub const MAX_BATCH_NAMES: usize = 100;

/// The CodeCommit repositories service.
pub struct RepoService {
    pub(crate) store: Arc<dyn RepoStore>,
    repos_root: PathBuf,
    clock: Arc<dyn Clock>,
    public: PublicUrls,
    max_repositories: usize,
    pub(crate) page_size: usize,
}

impl std::fmt::Debug for RepoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoService")
            .field("repos_root", &self.repos_root)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl RepoService {
    /// A service keeping metadata in `store` and bare repositories under `repos_root`.
    pub fn new(
        store: Arc<dyn RepoStore>,
        repos_root: PathBuf,
        clock: Arc<dyn Clock>,
        public: PublicUrls,
    ) -> Self {
        Self {
            store,
            repos_root,
            clock,
            public,
            max_repositories: MAX_REPOSITORIES,
            page_size: PAGE_SIZE,
        }
    }

    /// Changes the per-account-and-region repository quota (default [`MAX_REPOSITORIES`]).
    pub fn with_max_repositories(mut self, max: usize) -> Self {
        self.max_repositories = max;
        self
    }

    /// Changes the page size of ListRepositories and ListBranches (default [`PAGE_SIZE`]);
    /// for tests.
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// CreateRepository.
    pub fn create_repository(
        &self,
        scope: &Scope,
        name: &str,
        description: Option<&str>,
        tags: &Tags,
        kms_key_id: Option<&str>,
    ) -> Result<RepositoryMetadata, RepoError> {
        validate::repository_name(name)?;
        if let Some(d) = description {
            validate::description(d)?;
        }
        validate::tags(tags)?;
        if let Some(k) = kms_key_id {
            validate::kms_key_id(k)?;
        }
        if self.lookup(scope, name)?.is_some() {
            return Err(RepoError::RepositoryNameExists(name.to_owned()));
        }
        let now = self.now();
        let rec = RepoRecord {
            id: uuid::Uuid::new_v4().to_string(),
            account: scope.account().clone(),
            region: scope.region().to_owned(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            default_branch: None,
            kms_key_id: kms_key_id.unwrap_or(DEFAULT_KMS_KEY_ID).to_owned(),
            created: now,
            last_modified: now,
        };
        // Disk first, then the row: a crash in between leaves an unreachable directory,
        // never a listed repository without one.
        let path = self.path_of(&rec);
        disk::init_bare(&path)?;
        let outcome = self
            .store
            .insert_repository(&rec, tags, self.max_repositories);
        let err = match outcome {
            Ok(Inserted::Done) => return Ok(self.metadata(&rec)),
            Ok(Inserted::LimitReached) => RepoError::RepositoryLimitExceeded(self.max_repositories),
            Err(StoreError::Conflict) => RepoError::RepositoryNameExists(name.to_owned()),
            Err(e) => RepoError::Store(e),
        };
        discard_dir(&path);
        Err(err)
    }

    /// GetRepository.
    pub fn get_repository(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<RepositoryMetadata, RepoError> {
        Ok(self.metadata(&self.find(scope, name)?))
    }

    /// BatchGetRepositories: `names` is `None` when the request has no `repositoryNames`.
    pub fn batch_get_repositories(
        &self,
        scope: &Scope,
        names: Option<&[String]>,
    ) -> Result<BatchGetRepositoriesOutput, RepoError> {
        let names = names.ok_or(RepoError::RepositoryNamesRequired)?;
        if names.len() > MAX_BATCH_NAMES {
            return Err(RepoError::MaximumRepositoryNamesExceeded(MAX_BATCH_NAMES));
        }
        for n in names {
            validate::repository_name(n).map_err(|_| RepoError::InvalidRepositoryName)?;
        }
        let mut out = BatchGetRepositoriesOutput {
            repositories: Vec::new(),
            repositories_not_found: Vec::new(),
            errors: Vec::new(),
        };
        let mut seen = std::collections::BTreeSet::new();
        for n in names.iter().filter(|n| seen.insert(n.as_str())) {
            match self.lookup(scope, n)? {
                Some(rec) => out.repositories.push(self.metadata(&rec)),
                None => {
                    let e = RepoError::RepositoryDoesNotExist(n.clone());
                    out.errors.push(BatchGetRepositoriesError {
                        repository_name: n.clone(),
                        error_code: e.shape().to_owned(),
                        error_message: e.to_string(),
                    });
                    out.repositories_not_found.push(n.clone());
                }
            }
        }
        Ok(out)
    }

    /// ListRepositories: pages of [`PAGE_SIZE`]; `next_token` must come from a call with
    /// the same `sort_by` and `order`.
    pub fn list_repositories(
        &self,
        scope: &Scope,
        sort_by: SortBy,
        order: Order,
        next_token: Option<&str>,
    ) -> Result<ListRepositoriesOutput, RepoError> {
        let key = |r: &RepoRecord| match sort_by {
            SortBy::RepositoryName => (0, r.name.clone()),
            SortBy::LastModifiedDate => (r.last_modified.unix_timestamp(), r.name.clone()),
        };
        let after = match next_token {
            None => None,
            Some(t) => {
                let f = token::decode("repos1", 4, t)?;
                if f[0] != sort_by.as_str() || f[1] != order.as_str() {
                    return Err(RepoError::InvalidContinuationToken);
                }
                let secs: i64 = f[2]
                    .parse()
                    .map_err(|_| RepoError::InvalidContinuationToken)?;
                Some((secs, f[3].clone()))
            }
        };
        let mut all = self.store.repositories(scope.account(), scope.region())?;
        let directed = |a: &(i64, String), b: &(i64, String)| match order {
            Order::Ascending => a.cmp(b),
            Order::Descending => b.cmp(a),
        };
        all.sort_by(|a, b| directed(&key(a), &key(b)));
        let start = match &after {
            None => 0,
            Some(pos) => all.partition_point(|r| directed(&key(r), pos) != Ordering::Greater),
        };
        let page: Vec<&RepoRecord> = all[start..].iter().take(self.page_size).collect();
        let next_token = match page.last() {
            Some(last) if start + page.len() < all.len() => {
                let (secs, name) = key(last);
                Some(token::encode(
                    "repos1",
                    &[sort_by.as_str(), order.as_str(), &secs.to_string(), &name],
                ))
            }
            _ => None,
        };
        Ok(ListRepositoriesOutput {
            repositories: page
                .into_iter()
                .map(|r| RepositoryNameIdPair {
                    repository_name: r.name.clone(),
                    repository_id: r.id.clone(),
                })
                .collect(),
            next_token,
        })
    }

    /// DeleteRepository: the deleted repository's id, or `None` if there was none (AWS
    /// answers that with an empty output, not an error).
    pub fn delete_repository(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<Option<String>, RepoError> {
        validate::repository_name(name)?;
        let Some(rec) = self.lookup(scope, name)? else {
            return Ok(None);
        };
        // Row first, then the directory: a crash in between leaves only an orphan directory.
        if !self.store.delete_repository(&rec.id)? {
            return Ok(None);
        }
        let path = self.path_of(&rec);
        if let Err(e) = disk::remove(&path) {
            tracing::warn!(path = %path.display(), error = %e, "deleted repository's directory was not removed");
        }
        Ok(Some(rec.id))
    }

    /// UpdateRepositoryName.
    pub fn update_repository_name(
        &self,
        scope: &Scope,
        old_name: &str,
        new_name: &str,
    ) -> Result<(), RepoError> {
        validate::repository_name(old_name)?;
        validate::repository_name(new_name)?;
        let rec = self.find(scope, old_name)?;
        if old_name == new_name {
            return Err(RepoError::RepositoryNameExists(new_name.to_owned()));
        }
        match self.store.update_repository(
            &rec.id,
            &RepoUpdate::Rename(new_name.to_owned()),
            self.now(),
        ) {
            Ok(true) => Ok(()),
            Ok(false) => Err(RepoError::RepositoryDoesNotExist(old_name.to_owned())),
            Err(StoreError::Conflict) => Err(RepoError::RepositoryNameExists(new_name.to_owned())),
            Err(e) => Err(e.into()),
        }
    }

    /// UpdateRepositoryDescription (`None` clears the description).
    pub fn update_repository_description(
        &self,
        scope: &Scope,
        name: &str,
        description: Option<&str>,
    ) -> Result<(), RepoError> {
        validate::repository_name(name)?;
        if let Some(d) = description {
            validate::description(d)?;
        }
        let rec = self.find(scope, name)?;
        let update = RepoUpdate::Description(description.map(str::to_owned));
        self.update(&rec, &update)
    }

    // ---- shared helpers (also used by branches.rs and tags.rs) ----

    /// The current time, to the second (what the store keeps).
    pub(crate) fn now(&self) -> OffsetDateTime {
        let now = self.clock.now();
        OffsetDateTime::from_unix_timestamp(now.unix_timestamp()).unwrap_or(now)
    }

    /// Validates `name` and finds it in the scope, or `RepositoryDoesNotExistException`.
    pub(crate) fn find(&self, scope: &Scope, name: &str) -> Result<RepoRecord, RepoError> {
        validate::repository_name(name)?;
        self.lookup(scope, name)?
            .ok_or_else(|| RepoError::RepositoryDoesNotExist(name.to_owned()))
    }

    pub(crate) fn lookup(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<Option<RepoRecord>, RepoError> {
        Ok(self
            .store
            .repository(scope.account(), scope.region(), name)?)
    }

    pub(crate) fn update(&self, rec: &RepoRecord, update: &RepoUpdate) -> Result<(), RepoError> {
        if self.store.update_repository(&rec.id, update, self.now())? {
            Ok(())
        } else {
            Err(RepoError::RepositoryDoesNotExist(rec.name.clone()))
        }
    }

    /// Makes `branch` the default if the repository has none, and points HEAD at it.
    pub(crate) fn claim_default_branch(
        &self,
        rec: &RepoRecord,
        repo: &git2::Repository,
        branch: &str,
    ) -> Result<(), RepoError> {
        if self.store.claim_default_branch(&rec.id, branch)? {
            disk::set_head(repo, branch)?;
        }
        Ok(())
    }

    pub(crate) fn path_of(&self, rec: &RepoRecord) -> PathBuf {
        disk::repo_dir(&self.repos_root, rec.account.as_str(), &rec.region, &rec.id)
    }

    pub(crate) fn metadata(&self, rec: &RepoRecord) -> RepositoryMetadata {
        let http = self.public.http_base.trim_end_matches('/');
        let ssh = self.public.ssh_base.trim_end_matches('/');
        RepositoryMetadata {
            account_id: rec.account.to_string(),
            repository_id: rec.id.clone(),
            repository_name: rec.name.clone(),
            repository_description: rec.description.clone(),
            default_branch: rec.default_branch.clone(),
            last_modified_date: rec.last_modified,
            creation_date: rec.created,
            clone_url_http: format!("{http}/v1/repos/{}", rec.name),
            clone_url_ssh: format!("{ssh}/v1/repos/{}", rec.name),
            arn: format!(
                "arn:{}:codecommit:{}:{}:{}",
                gitward_core::PARTITION,
                rec.region,
                rec.account,
                rec.name
            ),
            kms_key_id: rec.kms_key_id.clone(),
        }
    }
}

/// Removes a directory created for a repository whose row was not written.
fn discard_dir(path: &Path) {
    if let Err(e) = disk::remove(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not remove unused repository directory");
    }
}
