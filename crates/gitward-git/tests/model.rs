//! The service's wire names and error shapes agree with the CodeCommit API model.

use gitward_git::wire::{
    BatchGetRepositoriesOutput, ListRepositoriesOutput, RepositoryMetadataOutput,
};
use gitward_git::{RepoError, RepositoryMetadata, RepositoryNameIdPair};
use serde_json::{Value, json};
use time::macros::datetime;

fn model() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../gitward-api/models/codecommit.service-2.json"
    );
    let text = std::fs::read_to_string(path).expect("the CodeCommit model is in gitward-api");
    serde_json::from_str(&text).expect("model JSON")
}

fn every_client_error() -> Vec<RepoError> {
    use RepoError::*;
    vec![
        RepositoryNameExists("r".into()),
        RepositoryNameRequired,
        InvalidRepositoryName,
        RepositoryDoesNotExist("r".into()),
        InvalidRepositoryDescription,
        RepositoryLimitExceeded(1000),
        RepositoryNamesRequired,
        MaximumRepositoryNamesExceeded(100),
        InvalidSortBy,
        InvalidOrder,
        InvalidContinuationToken,
        BranchNameRequired,
        InvalidBranchName,
        BranchDoesNotExist("b".into()),
        BranchNameExists("b".into()),
        DefaultBranchCannotBeDeleted,
        CommitIdRequired,
        InvalidCommitId,
        CommitDoesNotExist("c".into()),
        ResourceArnRequired,
        InvalidResourceArn,
        TagsMapRequired,
        InvalidTagsMap,
        TooManyTags,
        TagKeysListRequired,
        InvalidTagKeysList,
        InvalidSystemTagUsage,
        EncryptionKeyInvalidId,
    ]
}

#[test]
fn every_error_shape_is_a_model_exception() {
    let model = model();
    for e in every_client_error() {
        let shape = &model["shapes"][e.shape()];
        assert_eq!(
            shape["exception"],
            json!(true),
            "{} is not a model exception",
            e.shape()
        );
        assert!(!e.is_internal());
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn every_operation_error_is_listed_by_the_model_for_it() {
    // (operation, shapes the service can return from it)
    let model = model();
    let cases: &[(&str, &[&str])] = &[
        (
            "CreateRepository",
            &[
                "RepositoryNameExistsException",
                "RepositoryNameRequiredException",
                "InvalidRepositoryNameException",
                "InvalidRepositoryDescriptionException",
                "RepositoryLimitExceededException",
                "InvalidTagsMapException",
                "TooManyTagsException",
                "InvalidSystemTagUsageException",
                "EncryptionKeyInvalidIdException",
            ],
        ),
        (
            "GetRepository",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
            ],
        ),
        (
            "BatchGetRepositories",
            &[
                "RepositoryNamesRequiredException",
                "MaximumRepositoryNamesExceededException",
                "InvalidRepositoryNameException",
            ],
        ),
        (
            "ListRepositories",
            &[
                "InvalidSortByException",
                "InvalidOrderException",
                "InvalidContinuationTokenException",
            ],
        ),
        (
            "DeleteRepository",
            &[
                "RepositoryNameRequiredException",
                "InvalidRepositoryNameException",
            ],
        ),
        (
            "UpdateRepositoryName",
            &[
                "RepositoryDoesNotExistException",
                "RepositoryNameExistsException",
                "RepositoryNameRequiredException",
                "InvalidRepositoryNameException",
            ],
        ),
        (
            "UpdateRepositoryDescription",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "InvalidRepositoryDescriptionException",
            ],
        ),
        (
            "UpdateDefaultBranch",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "BranchNameRequiredException",
                "InvalidBranchNameException",
                "BranchDoesNotExistException",
            ],
        ),
        (
            "ListBranches",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "InvalidContinuationTokenException",
            ],
        ),
        (
            "GetBranch",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "BranchNameRequiredException",
                "InvalidBranchNameException",
                "BranchDoesNotExistException",
            ],
        ),
        (
            "CreateBranch",
            &[
                "RepositoryNameRequiredException",
                "InvalidRepositoryNameException",
                "RepositoryDoesNotExistException",
                "BranchNameRequiredException",
                "BranchNameExistsException",
                "InvalidBranchNameException",
                "CommitIdRequiredException",
                "CommitDoesNotExistException",
                "InvalidCommitIdException",
            ],
        ),
        (
            "DeleteBranch",
            &[
                "RepositoryNameRequiredException",
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "BranchNameRequiredException",
                "InvalidBranchNameException",
                "DefaultBranchCannotBeDeletedException",
            ],
        ),
        (
            "TagResource",
            &[
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "ResourceArnRequiredException",
                "InvalidResourceArnException",
                "TagsMapRequiredException",
                "InvalidTagsMapException",
                "TooManyTagsException",
                "InvalidSystemTagUsageException",
            ],
        ),
        (
            "UntagResource",
            &[
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "ResourceArnRequiredException",
                "InvalidResourceArnException",
                "TagKeysListRequiredException",
                "InvalidTagKeysListException",
                "InvalidSystemTagUsageException",
            ],
        ),
        (
            "ListTagsForResource",
            &[
                "RepositoryDoesNotExistException",
                "InvalidRepositoryNameException",
                "ResourceArnRequiredException",
                "InvalidResourceArnException",
            ],
        ),
    ];
    for (op, shapes) in cases {
        let listed: Vec<&str> = model["operations"][op]["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{op} in model"))
            .iter()
            .filter_map(|e| e["shape"].as_str())
            .collect();
        for s in *shapes {
            assert!(listed.contains(s), "{op} does not list {s}");
        }
    }
}

fn metadata() -> RepositoryMetadata {
    RepositoryMetadata {
        account_id: "123456789012".into(),
        repository_id: "f7579e13-b83e-4027-aaef-650c0EXAMPLE".into(),
        repository_name: "MyDemoRepo".into(),
        repository_description: Some("d".into()),
        default_branch: None,
        last_modified_date: datetime!(2015-08-30 12:36:00 UTC),
        creation_date: datetime!(2015-08-30 12:36:00 UTC),
        clone_url_http: "https://h/v1/repos/MyDemoRepo".into(),
        clone_url_ssh: "ssh://s/v1/repos/MyDemoRepo".into(),
        arn: "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo".into(),
        kms_key_id: "alias/aws/codecommit".into(),
    }
}

#[test]
fn metadata_serialises_with_model_member_names_and_epoch_timestamps() {
    let model = model();
    let v = serde_json::to_value(RepositoryMetadataOutput {
        repository_metadata: metadata(),
    })
    .expect("json");
    let m = &v["repositoryMetadata"];
    assert_eq!(m["creationDate"], json!(1_440_938_160));
    assert_eq!(
        m["Arn"],
        json!("arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo")
    );
    assert!(m.get("defaultBranch").is_none(), "absent, not null");
    let members = model["shapes"]["RepositoryMetadata"]["members"]
        .as_object()
        .expect("members");
    for key in m.as_object().expect("object").keys() {
        assert!(
            members.contains_key(key),
            "{key} is not a RepositoryMetadata member"
        );
    }
}

#[test]
fn output_members_exist_in_the_model() {
    let model = model();
    let check = |shape: &str, v: Value| {
        let members = model["shapes"][shape]["members"]
            .as_object()
            .expect("members");
        for key in v.as_object().expect("object").keys() {
            assert!(
                members.contains_key(key),
                "{key} is not a member of {shape}"
            );
        }
    };
    check(
        "ListRepositoriesOutput",
        serde_json::to_value(ListRepositoriesOutput {
            repositories: vec![RepositoryNameIdPair {
                repository_name: "a".into(),
                repository_id: "b".into(),
            }],
            next_token: Some("t".into()),
        })
        .expect("json"),
    );
    check(
        "BatchGetRepositoriesOutput",
        serde_json::to_value(BatchGetRepositoriesOutput {
            repositories: vec![metadata()],
            repositories_not_found: vec![],
            errors: vec![],
        })
        .expect("json"),
    );
}
