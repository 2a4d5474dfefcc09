//! What each operation must be authorized for: its IAM action, resource ARN(s) and the
//! operation-specific condition keys. A table test covers every supported operation.

use crate::api::App;
use crate::authn::Caller;
use gitward_api::{ApiError, Service};
use serde_json::Value;

/// One operation call, decoded.
#[derive(Debug, Clone, Copy)]
pub struct OperationRequest<'a> {
    pub service: Service,
    pub operation: &'a str,
    pub input: &'a Value,
    pub caller: &'a Caller,
    pub region: &'a str,
}

impl OperationRequest<'_> {
    /// A string member of the input.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Value::as_str)
    }

    /// The caller's account id.
    pub fn account(&self) -> &str {
        self.caller.principal.account().as_str()
    }
}

/// One authorization question: may the caller do `action` on `resource`, given `context`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, Vec<String>)>,
}

impl Check {
    fn new(service: &str, op: &str, resource: String) -> Self {
        Self {
            action: format!("{service}:{op}"),
            resource,
            context: Vec::new(),
        }
    }

    fn with(mut self, key: &str, values: Vec<String>) -> Self {
        self.context.push((key.to_owned(), values));
        self
    }
}

/// The checks `req` must pass before its handler runs. Empty = never denied
/// (sts:GetCallerIdentity).
pub fn authorization_checks(app: &App, req: &OperationRequest<'_>) -> Result<Vec<Check>, ApiError> {
    match req.service {
        Service::Sts => Ok(sts_checks(req)),
        Service::Iam => Ok(vec![iam_check(app, req)]),
        Service::CodeCommit => Ok(codecommit_checks(req)),
    }
}

fn sts_checks(req: &OperationRequest<'_>) -> Vec<Check> {
    match req.operation {
        "GetCallerIdentity" => Vec::new(),
        op => vec![Check::new("sts", op, "*".to_owned())],
    }
}

/// IAM resource ARNs as AWS's authorization reference gives them.
fn iam_check(app: &App, req: &OperationRequest<'_>) -> Check {
    let account = req.account();
    let op = req.operation;
    let user_arn = |name: Option<&str>| match name {
        Some(name) => {
            let path = app
                .iam
                .get_user(req.caller.principal.account(), name)
                .map(|u| u.path)
                .unwrap_or_else(|_| req.str("Path").unwrap_or("/").to_owned());
            format!("arn:aws:iam::{account}:user{path}{name}")
        }
        None => req.caller.principal.arn(),
    };
    let group_arn = |name: &str| {
        let path = app
            .iam
            .get_group(req.caller.principal.account(), name, None, Some(1))
            .map(|(g, _)| g.path)
            .unwrap_or_else(|_| req.str("Path").unwrap_or("/").to_owned());
        format!("arn:aws:iam::{account}:group{path}{name}")
    };
    let resource = match op {
        "ListUsers" => format!("arn:aws:iam::{account}:user/"),
        "ListGroups" => format!("arn:aws:iam::{account}:group/"),
        "ListPolicies" => format!("arn:aws:iam::{account}:policy/"),
        "CreatePolicy" => format!(
            "arn:aws:iam::{account}:policy{}{}",
            req.str("Path").unwrap_or("/"),
            req.str("PolicyName").unwrap_or_default()
        ),
        "GetPolicy" | "GetPolicyVersion" | "CreatePolicyVersion" | "DeletePolicy" => {
            req.str("PolicyArn").unwrap_or_default().to_owned()
        }
        "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "CreateGroup"
        | "GetGroup"
        | "DeleteGroup"
        | "AttachGroupPolicy"
        | "DetachGroupPolicy"
        | "ListAttachedGroupPolicies"
        | "PutGroupPolicy"
        | "GetGroupPolicy"
        | "DeleteGroupPolicy"
        | "ListGroupPolicies" => group_arn(req.str("GroupName").unwrap_or_default()),
        "GetAccessKeyLastUsed" => {
            let key = req.str("AccessKeyId").unwrap_or_default();
            match app.iam.lookup_access_key(key) {
                Ok(Some((owner, _, _))) if owner.account() == req.caller.principal.account() => {
                    owner.arn()
                }
                _ => format!("arn:aws:iam::{account}:user/"),
            }
        }
        _ => user_arn(req.str("UserName")),
    };
    let check = Check::new("iam", op, resource);
    match (op, req.str("PolicyArn")) {
        (
            "AttachUserPolicy" | "DetachUserPolicy" | "AttachGroupPolicy" | "DetachGroupPolicy",
            Some(arn),
        ) => check.with("iam:PolicyARN", vec![arn.to_owned()]),
        _ => check,
    }
}

fn tag_keys_context(check: Check, tags: Option<&Value>) -> Check {
    let Some(Value::Object(tags)) = tags else {
        return check;
    };
    let mut check = check;
    for (k, v) in tags {
        check = check.with(
            &format!("aws:RequestTag/{k}"),
            vec![v.as_str().unwrap_or_default().to_owned()],
        );
    }
    check.with("aws:TagKeys", tags.keys().cloned().collect())
}

fn codecommit_checks(req: &OperationRequest<'_>) -> Vec<Check> {
    let repo_arn =
        |name: &str| format!("arn:aws:codecommit:{}:{}:{name}", req.region, req.account());
    let op = req.operation;
    let name = req
        .str("repositoryName")
        .or_else(|| req.str("oldName"))
        .unwrap_or_default();
    match op {
        "ListRepositories" => vec![Check::new("codecommit", op, "*".to_owned())],
        "BatchGetRepositories" => req
            .input
            .get("repositoryNames")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| Check::new("codecommit", op, repo_arn(n)))
                    .collect()
            })
            .unwrap_or_default(),
        "CreateRepository" => vec![tag_keys_context(
            Check::new("codecommit", op, repo_arn(name)),
            req.input.get("tags"),
        )],
        "TagResource" => {
            let arn = req.str("resourceArn").unwrap_or_default().to_owned();
            vec![tag_keys_context(
                Check::new("codecommit", op, arn),
                req.input.get("tags"),
            )]
        }
        "UntagResource" => {
            let arn = req.str("resourceArn").unwrap_or_default().to_owned();
            let keys = req
                .input
                .get("tagKeys")
                .and_then(Value::as_array)
                .map(|k| {
                    k.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            vec![Check::new("codecommit", op, arn).with("aws:TagKeys", keys)]
        }
        "ListTagsForResource" => {
            vec![Check::new(
                "codecommit",
                op,
                req.str("resourceArn").unwrap_or_default().to_owned(),
            )]
        }
        "CreateBranch" | "DeleteBranch" => {
            let branch = req.str("branchName").unwrap_or_default();
            vec![Check::new("codecommit", op, repo_arn(name)).with(
                "codecommit:References",
                vec![format!("refs/heads/{branch}")],
            )]
        }
        _ => vec![Check::new("codecommit", op, repo_arn(name))],
    }
}
