//! Tag operations of the repositories service. A resource ARN must name a repository of
//! the caller's own scope: another region's ARN is not valid here, another account's
//! repository is reported as not existing (no cross-account existence oracle).

use crate::error::RepoError;
use crate::model::Scope;
use crate::service::RepoService;
use crate::store::{RepoRecord, Tags, TagsPut};
use crate::validate::{self, MAX_TAGS};
use crate::wire::ListTagsForResourceOutput;

impl RepoService {
    /// TagResource: adds or overwrites tags (at most 50 on the repository).
    pub fn tag_resource(&self, scope: &Scope, arn: &str, tags: &Tags) -> Result<(), RepoError> {
        let parsed = validate::repository_arn(arn)?;
        if tags.is_empty() {
            return Err(RepoError::TagsMapRequired);
        }
        validate::tags(tags)?;
        let rec = self.resolve(scope, &parsed)?;
        match self.store.put_tags(&rec.id, tags, MAX_TAGS)? {
            TagsPut::Done => Ok(()),
            TagsPut::TooMany => Err(RepoError::TooManyTags),
        }
    }

    /// UntagResource: removes the tags with these keys (absent keys are ignored).
    pub fn untag_resource(
        &self,
        scope: &Scope,
        arn: &str,
        keys: &[String],
    ) -> Result<(), RepoError> {
        let parsed = validate::repository_arn(arn)?;
        validate::tag_keys(keys)?;
        let rec = self.resolve(scope, &parsed)?;
        Ok(self.store.remove_tags(&rec.id, keys)?)
    }

    /// ListTagsForResource: every tag in one page (`next_token` is ignored).
    pub fn list_tags_for_resource(
        &self,
        scope: &Scope,
        arn: &str,
        _next_token: Option<&str>,
    ) -> Result<ListTagsForResourceOutput, RepoError> {
        let parsed = validate::repository_arn(arn)?;
        let rec = self.resolve(scope, &parsed)?;
        Ok(ListTagsForResourceOutput {
            tags: self.store.tags(&rec.id)?,
            next_token: None,
        })
    }

    fn resolve(
        &self,
        scope: &Scope,
        arn: &validate::RepositoryArn<'_>,
    ) -> Result<RepoRecord, RepoError> {
        if arn.region != scope.region() {
            return Err(RepoError::InvalidResourceArn);
        }
        if arn.account != scope.account().as_str() {
            return Err(RepoError::RepositoryDoesNotExist(arn.name.to_owned()));
        }
        self.find(scope, arn.name)
    }
}
