//! CodeCommit authorization data (FACTS §7): the AWS managed policies over all 91 actions,
//! and the branch-protection example with `codecommit:References`.

mod common;

use common::{REPO, decide, doc};
use gitward_policy::{Decision, RequestContext};

/// FACTS §7.2, by access level.
const READ: [&str; 35] = [
    "BatchDescribeMergeConflicts",
    "BatchGetCommits",
    "BatchGetPullRequests",
    "BatchGetRepositories",
    "CancelUploadArchive",
    "DescribeMergeConflicts",
    "DescribePullRequestEvents",
    "EvaluatePullRequestApprovalRules",
    "GetApprovalRuleTemplate",
    "GetBlob",
    "GetBlobDifferences",
    "GetBranch",
    "GetComment",
    "GetCommentReactions",
    "GetCommentsForComparedCommit",
    "GetCommentsForPullRequest",
    "GetCommit",
    "GetCommitHistory",
    "GetCommitsFromMergeBase",
    "GetDifferences",
    "GetFile",
    "GetFolder",
    "GetMergeCommit",
    "GetMergeConflicts",
    "GetMergeOptions",
    "GetObjectIdentifier",
    "GetPullRequest",
    "GetPullRequestApprovalStates",
    "GetPullRequestOverrideState",
    "GetReferences",
    "GetRepository",
    "GetRepositoryTriggers",
    "GetTree",
    "GetUploadArchiveStatus",
    "GitPull",
];
const WRITE: [&str; 46] = [
    "AssociateApprovalRuleTemplateWithRepository",
    "BatchAssociateApprovalRuleTemplateWithRepositories",
    "BatchDisassociateApprovalRuleTemplateFromRepositories",
    "CreateApprovalRuleTemplate",
    "CreateBranch",
    "CreateCommit",
    "CreatePullRequest",
    "CreatePullRequestApprovalRule",
    "CreateRepository",
    "CreateUnreferencedMergeCommit",
    "DeleteApprovalRuleTemplate",
    "DeleteBranch",
    "DeleteCommentContent",
    "DeleteFile",
    "DeletePullRequestApprovalRule",
    "DeleteRepository",
    "DisassociateApprovalRuleTemplateFromRepository",
    "GitPush",
    "MergeBranchesByFastForward",
    "MergeBranchesBySquash",
    "MergeBranchesByThreeWay",
    "MergePullRequestByFastForward",
    "MergePullRequestBySquash",
    "MergePullRequestByThreeWay",
    "OverridePullRequestApprovalRules",
    "PostCommentForComparedCommit",
    "PostCommentForPullRequest",
    "PostCommentReply",
    "PutCommentReaction",
    "PutFile",
    "PutRepositoryTriggers",
    "TestRepositoryTriggers",
    "UpdateApprovalRuleTemplateContent",
    "UpdateApprovalRuleTemplateDescription",
    "UpdateApprovalRuleTemplateName",
    "UpdateComment",
    "UpdateDefaultBranch",
    "UpdatePullRequestApprovalRuleContent",
    "UpdatePullRequestApprovalState",
    "UpdatePullRequestDescription",
    "UpdatePullRequestStatus",
    "UpdatePullRequestTitle",
    "UpdateRepositoryDescription",
    "UpdateRepositoryEncryptionKey",
    "UpdateRepositoryName",
    "UploadArchive",
];
const LIST: [&str; 8] = [
    "ListApprovalRuleTemplates",
    "ListAssociatedApprovalRuleTemplatesForRepository",
    "ListBranches",
    "ListFileCommitHistory",
    "ListPullRequests",
    "ListRepositories",
    "ListRepositoriesForApprovalRuleTemplate",
    "ListTagsForResource",
];
const TAGGING: [&str; 2] = ["TagResource", "UntagResource"];

fn all_actions() -> impl Iterator<Item = &'static str> {
    READ.into_iter().chain(WRITE).chain(LIST).chain(TAGGING)
}

/// AWSCodeCommitPowerUser (v18), its CodeCommit statement (FACTS §7.3).
const POWER_USER: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "AWSCodeCommitPowerUserAccess",
    "Effect": "Allow",
    "Action": [
      "codecommit:AssociateApprovalRuleTemplateWithRepository",
      "codecommit:BatchAssociateApprovalRuleTemplateWithRepositories",
      "codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories",
      "codecommit:BatchGet*", "codecommit:BatchDescribe*", "codecommit:Create*",
      "codecommit:DeleteBranch", "codecommit:DeleteFile", "codecommit:Describe*",
      "codecommit:DisassociateApprovalRuleTemplateFromRepository",
      "codecommit:EvaluatePullRequestApprovalRules", "codecommit:Get*", "codecommit:List*",
      "codecommit:Merge*", "codecommit:OverridePullRequestApprovalRules", "codecommit:Put*",
      "codecommit:Post*", "codecommit:TagResource", "codecommit:Test*",
      "codecommit:UntagResource", "codecommit:Update*", "codecommit:GitPull", "codecommit:GitPush"
    ],
    "Resource": "*"
  }]
}"#;

/// AWSCodeCommitReadOnly (v14), its CodeCommit statement (FACTS §7.3).
const READ_ONLY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "AWSCodeCommitReadOnlyAccess",
    "Effect": "Allow",
    "Action": [
      "codecommit:BatchGet*", "codecommit:BatchDescribe*", "codecommit:Describe*",
      "codecommit:EvaluatePullRequestApprovalRules", "codecommit:Get*", "codecommit:List*",
      "codecommit:GitPull"
    ],
    "Resource": "*"
  }]
}"#;

/// FACTS §7.1 / CC-UG `how-to-conditional-branch.html`.
const BRANCH_PROTECTION: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Deny",
    "Action": [
      "codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile",
      "codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash",
      "codecommit:MergeBranchesByThreeWay", "codecommit:MergePullRequestByFastForward",
      "codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay"
    ],
    "Resource": "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
    "Condition": {
      "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main", "refs/heads/prod"]},
      "Null": {"codecommit:References": "false"}
    }
  }]
}"#;

fn allowed_actions(policy: &str) -> Vec<&'static str> {
    let policy = doc(policy);
    all_actions()
        .filter(|a| {
            let req = RequestContext::new(&format!("codecommit:{a}"), REPO);
            decide(&policy, &req).is_allowed()
        })
        .collect()
}

#[test]
fn ninety_one_actions() {
    assert_eq!(all_actions().count(), 91);
}

#[test]
fn power_user_allows_all_but_deletes_and_archives() {
    let denied: Vec<_> = {
        let allowed = allowed_actions(POWER_USER);
        all_actions().filter(|a| !allowed.contains(a)).collect()
    };
    assert_eq!(
        denied,
        [
            "CancelUploadArchive",
            "DeleteApprovalRuleTemplate",
            "DeleteCommentContent",
            "DeletePullRequestApprovalRule",
            "DeleteRepository",
            "UploadArchive",
        ]
    );
}

#[test]
fn read_only_allows_read_and_list_only() {
    let allowed = allowed_actions(READ_ONLY);
    let expected: Vec<_> = READ
        .into_iter()
        .filter(|a| *a != "CancelUploadArchive")
        .chain(LIST)
        .collect();
    assert_eq!(allowed, expected);
    let power = doc(READ_ONLY);
    let other_service = RequestContext::new("iam:ListUsers", "*");
    assert!(!decide(&power, &other_service).is_allowed());
    let mixed_case = RequestContext::new("CodeCommit:getrepository", REPO);
    assert!(
        decide(&power, &mixed_case).is_allowed(),
        "actions are case-insensitive"
    );
}

fn push(reference: Option<&str>) -> Decision {
    let power = doc(POWER_USER);
    let protect = doc(BRANCH_PROTECTION);
    let policies = [
        gitward_policy::PolicySource {
            name: "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser",
            document: &power,
        },
        gitward_policy::PolicySource {
            name: "arn:aws:iam::123456789012:policy/DenyChangesToMain",
            document: &protect,
        },
    ];
    let mut req = RequestContext::new("codecommit:GitPush", REPO);
    if let Some(reference) = reference {
        req.set("codecommit:References", reference);
    }
    gitward_policy::evaluate(&policies, None, None, &req)
}

#[test]
fn branch_protection_matches_iam_simulate() {
    assert!(push(None).is_allowed(), "ref-less info/refs request");
    let main = push(Some("refs/heads/main"));
    assert!(matches!(main, Decision::ExplicitDeny { .. }), "{main:?}");
    assert_eq!(
        main.explain(),
        "with an explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy/DenyChangesToMain"
    );
    assert!(push(Some("refs/heads/feature")).is_allowed());
    assert!(matches!(
        push(Some("refs/heads/prod")),
        Decision::ExplicitDeny { .. }
    ));
}

#[test]
fn branch_protection_only_covers_its_repository() {
    let power = doc(POWER_USER);
    let protect = doc(BRANCH_PROTECTION);
    let policies = [
        gitward_policy::PolicySource {
            name: "power",
            document: &power,
        },
        gitward_policy::PolicySource {
            name: "protect",
            document: &protect,
        },
    ];
    let mut req = RequestContext::new(
        "codecommit:GitPush",
        "arn:aws:codecommit:us-east-1:123456789012:OtherRepo",
    );
    req.set("codecommit:References", "refs/heads/main");
    assert!(gitward_policy::evaluate(&policies, None, None, &req).is_allowed());
}
