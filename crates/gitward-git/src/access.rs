//! What the Git transports and authorization need from the repositories service: find a
//! repository and its directory, read its tags for `aws:ResourceTag/…`, and record a push.

use crate::disk;
use crate::error::RepoError;
use crate::model::{RepositoryMetadata, Scope};
use crate::service::RepoService;
use crate::store::{RepoUpdate, Tags};
use crate::validate;
use std::path::PathBuf;

impl RepoService {
    /// For the Git transports and authorization: the repository `name` of the scope and its
    /// bare repository's directory, or `None` (also for a name that is not valid).
    pub fn locate(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<Option<(RepositoryMetadata, PathBuf)>, RepoError> {
        if validate::repository_name(name).is_err() {
            return Ok(None);
        }
        Ok(self
            .lookup(scope, name)?
            .map(|rec| (self.metadata(&rec), self.path_of(&rec))))
    }

    /// For the Git transports, after a push was accepted: records the modification time
    /// and, if the repository has no default branch yet, makes one of its branches the
    /// default (HEAD's branch if it exists, else `main`, `master`, else the first by name),
    /// as CodeCommit does with the first branch pushed.
    pub fn after_push(&self, scope: &Scope, name: &str) -> Result<(), RepoError> {
        let rec = self.find(scope, name)?;
        self.update(&rec, &RepoUpdate::Touch)?;
        if rec.default_branch.is_some() {
            return Ok(());
        }
        let repo = disk::open(&self.path_of(&rec))?;
        let branches = disk::branches(&repo)?;
        let head = disk::head_branch(&repo)?;
        let pick = [head.as_deref(), Some("main"), Some("master")]
            .into_iter()
            .flatten()
            .find(|c| branches.iter().any(|b| b == c))
            .or(branches.first().map(String::as_str));
        if let Some(branch) = pick {
            self.claim_default_branch(&rec, &repo, branch)?;
        }
        Ok(())
    }

    /// For authorization (`aws:ResourceTag/…`): the tags of repository `name`, or `None`
    /// if it does not exist (or the name is not valid).
    pub fn repository_tags(&self, scope: &Scope, name: &str) -> Result<Option<Tags>, RepoError> {
        if validate::repository_name(name).is_err() {
            return Ok(None);
        }
        match self.lookup(scope, name)? {
            Some(rec) => Ok(Some(self.store.tags(&rec.id)?)),
            None => Ok(None),
        }
    }
}
