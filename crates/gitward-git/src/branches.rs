//! Branch operations of the repositories service, on the bare repository through git2.
//!
//! The default branch lives in the metadata store (what the API reports) and in HEAD (what
//! clones check out); both change together. A repository has no default branch until its
//! first branch exists, which then becomes the default.

use crate::disk;
use crate::error::RepoError;
use crate::model::{BranchInfo, Scope};
use crate::service::RepoService;
use crate::store::RepoUpdate;
use crate::token;
use crate::validate;
use crate::wire::ListBranchesOutput;

impl RepoService {
    /// ListBranches: names sorted bytewise, in pages.
    pub fn list_branches(
        &self,
        scope: &Scope,
        repository: &str,
        next_token: Option<&str>,
    ) -> Result<ListBranchesOutput, RepoError> {
        let rec = self.find(scope, repository)?;
        let after = match next_token {
            None => None,
            Some(t) => Some(token::decode("branches1", 1, t)?.remove(0)),
        };
        let repo = disk::open(&self.path_of(&rec))?;
        let all = disk::branches(&repo)?;
        let start = after.map_or(0, |a| all.partition_point(|b| *b <= a));
        let page: Vec<String> = all[start..].iter().take(self.page_size).cloned().collect();
        let next_token = match page.last() {
            Some(last) if start + page.len() < all.len() => {
                Some(token::encode("branches1", &[last]))
            }
            _ => None,
        };
        Ok(ListBranchesOutput {
            branches: page,
            next_token,
        })
    }

    /// GetBranch.
    pub fn get_branch(
        &self,
        scope: &Scope,
        repository: &str,
        branch: &str,
    ) -> Result<BranchInfo, RepoError> {
        validate::repository_name(repository)?;
        validate::branch_name(branch)?;
        let rec = self.find(scope, repository)?;
        let repo = disk::open(&self.path_of(&rec))?;
        let oid = disk::branch_commit(&repo, branch)?
            .ok_or_else(|| RepoError::BranchDoesNotExist(branch.to_owned()))?;
        Ok(BranchInfo {
            branch_name: branch.to_owned(),
            commit_id: oid.to_string(),
        })
    }

    /// CreateBranch: `branch` at `commit_id` (a full commit id present in the repository).
    /// The first branch of a repository becomes its default branch.
    pub fn create_branch(
        &self,
        scope: &Scope,
        repository: &str,
        branch: &str,
        commit_id: &str,
    ) -> Result<(), RepoError> {
        validate::repository_name(repository)?;
        validate::branch_name(branch)?;
        let oid = validate::commit_id(commit_id)?;
        let rec = self.find(scope, repository)?;
        let repo = disk::open(&self.path_of(&rec))?;
        if !disk::commit_exists(&repo, oid)? {
            return Err(RepoError::CommitDoesNotExist(commit_id.to_owned()));
        }
        match disk::create_branch(&repo, branch, oid)? {
            disk::Created::Done => {}
            disk::Created::Exists => return Err(RepoError::BranchNameExists(branch.to_owned())),
        }
        if rec.default_branch.is_none() {
            self.claim_default_branch(&rec, &repo, branch)?;
        }
        Ok(())
    }

    /// DeleteBranch: the deleted branch, or `None` if there was no such branch. The default
    /// branch cannot be deleted.
    pub fn delete_branch(
        &self,
        scope: &Scope,
        repository: &str,
        branch: &str,
    ) -> Result<Option<BranchInfo>, RepoError> {
        validate::repository_name(repository)?;
        validate::branch_name(branch)?;
        let rec = self.find(scope, repository)?;
        if rec.default_branch.as_deref() == Some(branch) {
            return Err(RepoError::DefaultBranchCannotBeDeleted);
        }
        let repo = disk::open(&self.path_of(&rec))?;
        Ok(disk::delete_branch(&repo, branch)?.map(|oid| BranchInfo {
            branch_name: branch.to_owned(),
            commit_id: oid.to_string(),
        }))
    }

    /// UpdateDefaultBranch: `branch` must exist.
    pub fn update_default_branch(
        &self,
        scope: &Scope,
        repository: &str,
        branch: &str,
    ) -> Result<(), RepoError> {
        validate::repository_name(repository)?;
        validate::branch_name(branch)?;
        let rec = self.find(scope, repository)?;
        let repo = disk::open(&self.path_of(&rec))?;
        if disk::branch_commit(&repo, branch)?.is_none() {
            return Err(RepoError::BranchDoesNotExist(branch.to_owned()));
        }
        self.update(&rec, &RepoUpdate::DefaultBranch(branch.to_owned()))?;
        disk::set_head(&repo, branch)
    }
}
