//! CodeCommit repository operations.

use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::{ApiError, Service};
use gitward_git::Scope;
use gitward_git::wire::{
    BatchGetRepositoriesInput, BranchInput, CreateBranchInput, CreateRepositoryInput,
    DeleteBranchOutput, DeleteRepositoryOutput, GetBranchOutput, ListBranchesInput,
    ListRepositoriesInput, ListTagsForResourceInput, RepositoryMetadataOutput, RepositoryNameInput,
    TagResourceInput, UntagResourceInput, UpdateDefaultBranchInput,
    UpdateRepositoryDescriptionInput, UpdateRepositoryNameInput,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub const OPERATIONS: &[&str] = &[
    "CreateRepository",
    "GetRepository",
    "ListRepositories",
    "BatchGetRepositories",
    "DeleteRepository",
    "UpdateRepositoryName",
    "UpdateRepositoryDescription",
    "UpdateDefaultBranch",
    "ListBranches",
    "GetBranch",
    "CreateBranch",
    "DeleteBranch",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

fn input<T: DeserializeOwned>(v: &Value) -> Result<T, ApiError> {
    serde_json::from_value(v.clone())
        .map_err(|e| ApiError::serialization(format!("Invalid request body: {e}")))
}

fn out<T: Serialize>(v: T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| {
        tracing::error!(error = %e, "serialising a CodeCommit response");
        ApiError::internal_for(Service::CodeCommit)
    })
}

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let repos = &app.repos;
    let scope = Scope::new(req.caller.principal.account().clone(), req.region).map_err(|e| {
        tracing::error!(error = %e, "server region is not a region name");
        ApiError::internal_for(Service::CodeCommit)
    })?;
    let v = req.input;
    match req.operation {
        "CreateRepository" => {
            let i: CreateRepositoryInput = input(v)?;
            let tags = i.tags.unwrap_or_default();
            let md = repos.create_repository(
                &scope,
                &i.repository_name,
                i.repository_description.as_deref(),
                &tags,
                i.kms_key_id.as_deref(),
            )?;
            out(RepositoryMetadataOutput {
                repository_metadata: md,
            })
        }
        "GetRepository" => {
            let i: RepositoryNameInput = input(v)?;
            out(RepositoryMetadataOutput {
                repository_metadata: repos.get_repository(&scope, &i.repository_name)?,
            })
        }
        "ListRepositories" => {
            let i: ListRepositoriesInput = input(v)?;
            out(repos.list_repositories(
                &scope,
                i.sort_by()?,
                i.order()?,
                i.next_token.as_deref(),
            )?)
        }
        "BatchGetRepositories" => {
            let i: BatchGetRepositoriesInput = input(v)?;
            out(repos.batch_get_repositories(&scope, i.repository_names.as_deref())?)
        }
        "DeleteRepository" => {
            let i: RepositoryNameInput = input(v)?;
            out(DeleteRepositoryOutput {
                repository_id: repos.delete_repository(&scope, &i.repository_name)?,
            })
        }
        "UpdateRepositoryName" => {
            let i: UpdateRepositoryNameInput = input(v)?;
            repos.update_repository_name(&scope, &i.old_name, &i.new_name)?;
            Ok(json!({}))
        }
        "UpdateRepositoryDescription" => {
            let i: UpdateRepositoryDescriptionInput = input(v)?;
            repos.update_repository_description(
                &scope,
                &i.repository_name,
                i.repository_description.as_deref(),
            )?;
            Ok(json!({}))
        }
        "UpdateDefaultBranch" => {
            let i: UpdateDefaultBranchInput = input(v)?;
            repos.update_default_branch(&scope, &i.repository_name, &i.default_branch_name)?;
            Ok(json!({}))
        }
        "ListBranches" => {
            let i: ListBranchesInput = input(v)?;
            out(repos.list_branches(&scope, &i.repository_name, i.next_token.as_deref())?)
        }
        "GetBranch" => {
            let i: BranchInput = input(v)?;
            out(GetBranchOutput {
                branch: repos.get_branch(&scope, &i.repository_name, &i.branch_name)?,
            })
        }
        "CreateBranch" => {
            let i: CreateBranchInput = input(v)?;
            repos.create_branch(&scope, &i.repository_name, &i.branch_name, &i.commit_id)?;
            Ok(json!({}))
        }
        "DeleteBranch" => {
            let i: BranchInput = input(v)?;
            out(DeleteBranchOutput {
                deleted_branch: repos.delete_branch(&scope, &i.repository_name, &i.branch_name)?,
            })
        }
        "TagResource" => {
            let i: TagResourceInput = input(v)?;
            repos.tag_resource(&scope, &i.resource_arn, &i.tags)?;
            Ok(json!({}))
        }
        "UntagResource" => {
            let i: UntagResourceInput = input(v)?;
            repos.untag_resource(&scope, &i.resource_arn, &i.tag_keys)?;
            Ok(json!({}))
        }
        "ListTagsForResource" => {
            let i: ListTagsForResourceInput = input(v)?;
            out(repos.list_tags_for_resource(&scope, &i.resource_arn, i.next_token.as_deref())?)
        }
        other => Err(ApiError::unknown_operation(Service::CodeCommit, other)),
    }
}
