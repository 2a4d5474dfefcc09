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
    /// The HTTP request and its connection, for condition keys taken from them
    /// (`aws:SourceIp`, `aws:UserAgent`…) when a handler authorizes by itself (AssumeRole).
    pub transport: Option<(&'a http::request::Parts, Option<crate::listener::Peer>)>,
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
    pub(crate) fn new(service: &str, op: &str, resource: String) -> Self {
        Self {
            action: format!("{service}:{op}"),
            resource,
            context: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, key: &str, values: Vec<String>) -> Self {
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
        Service::CodeCommit => {
            // A malformed ARN is InvalidResourceArnException whoever asks, not a denial.
            if let Some(arn) = req.str("resourceArn") {
                gitward_git::validate::repository_arn(arn)?;
            }
            let mut checks = codecommit_checks(req);
            if req.operation != "CreateRepository" {
                add_resource_tags(app, req.caller, req.region, &mut checks);
            }
            Ok(checks)
        }
    }
}

fn sts_checks(req: &OperationRequest<'_>) -> Vec<Check> {
    match req.operation {
        // Neither is ever denied by policy (STS-model docs).
        "GetCallerIdentity" | "GetSessionToken" => Vec::new(),
        // Authorized by its handler: the role's trust policy and, depending on how it names
        // the caller, the caller's own policies (a cross-account decision).
        "AssumeRole" => Vec::new(),
        "GetFederationToken" => vec![Check::new(
            "sts",
            "GetFederationToken",
            format!(
                "arn:aws:sts::{}:federated-user/{}",
                req.account(),
                req.str("Name").unwrap_or_default()
            ),
        )],
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
    let role_arn = |name: &str| {
        let path = app
            .iam
            .get_role(req.caller.principal.account(), name)
            .map(|r| r.path)
            .unwrap_or_else(|_| req.str("Path").unwrap_or("/").to_owned());
        format!("arn:aws:iam::{account}:role{path}{name}")
    };
    let resource = match op {
        "ListUsers" => format!("arn:aws:iam::{account}:user/"),
        "ListRoles" => format!("arn:aws:iam::{account}:role/"),
        _ if crate::handlers::is_role_operation(op) => {
            role_arn(req.str("RoleName").unwrap_or_default())
        }
        "ListGroups" => format!("arn:aws:iam::{account}:group/"),
        "ListPolicies" => format!("arn:aws:iam::{account}:policy/"),
        "CreatePolicy" => format!(
            "arn:aws:iam::{account}:policy{}{}",
            req.str("Path").unwrap_or("/"),
            req.str("PolicyName").unwrap_or_default()
        ),
        "GetPolicy"
        | "GetPolicyVersion"
        | "CreatePolicyVersion"
        | "DeletePolicy"
        | "ListPolicyVersions"
        | "SetDefaultPolicyVersion"
        | "DeletePolicyVersion"
        | "ListEntitiesForPolicy" => req.str("PolicyArn").unwrap_or_default().to_owned(),
        "SimulatePrincipalPolicy" => req.str("PolicySourceArn").unwrap_or_default().to_owned(),
        "SimulateCustomPolicy" | "ListVirtualMFADevices" => "*".to_owned(),
        "CreateVirtualMFADevice" => format!(
            "arn:aws:iam::{account}:mfa{}{}",
            req.str("Path").unwrap_or("/"),
            req.str("VirtualMFADeviceName").unwrap_or_default()
        ),
        "DeleteVirtualMFADevice" | "TagMFADevice" | "UntagMFADevice" | "ListMFADeviceTags" => {
            req.str("SerialNumber").unwrap_or_default().to_owned()
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
    let attach = [
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
    ];
    if let (true, Some(arn)) = (attach.contains(&op), req.str("PolicyArn")) {
        return check.with("iam:PolicyARN", vec![arn.to_owned()]);
    }
    let boundary = [
        "CreateUser",
        "PutUserPermissionsBoundary",
        "CreateRole",
        "PutRolePermissionsBoundary",
    ];
    let mut check = check;
    if let (true, Some(arn)) = (boundary.contains(&op), req.str("PermissionsBoundary")) {
        check = check.with("iam:PermissionsBoundary", vec![arn.to_owned()]);
    }
    iam_tag_context(app, req, check)
}

/// The tag condition keys of IAM calls: `aws:RequestTag/KEY` and `aws:TagKeys` for the tags a
/// create or tag call passes, `aws:TagKeys` for an untag call, and `aws:ResourceTag/KEY`
/// (also `iam:ResourceTag/KEY`) for calls on an existing user or role.
fn iam_tag_context(app: &App, req: &OperationRequest<'_>, mut check: Check) -> Check {
    let op = req.operation;
    if matches!(
        op,
        "CreateUser"
            | "TagUser"
            | "CreateRole"
            | "TagRole"
            | "CreateVirtualMFADevice"
            | "TagMFADevice"
    ) && let Some(Value::Array(tags)) = req.input.get("Tags")
    {
        let mut keys = Vec::new();
        for t in tags {
            let key = t.get("Key").and_then(Value::as_str).unwrap_or_default();
            let value = t.get("Value").and_then(Value::as_str).unwrap_or_default();
            check = check.with(&format!("aws:RequestTag/{key}"), vec![value.to_owned()]);
            keys.push(key.to_owned());
        }
        check = check.with("aws:TagKeys", keys);
    }
    if matches!(op, "UntagUser" | "UntagRole" | "UntagMFADevice")
        && let Some(Value::Array(keys)) = req.input.get("TagKeys")
    {
        let keys = keys
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        check = check.with("aws:TagKeys", keys);
    }
    if matches!(op, "CreateUser" | "CreateRole" | "CreateVirtualMFADevice") {
        return check;
    }
    let account = req.caller.principal.account();
    let tags = if crate::handlers::is_role_operation(op) {
        req.str("RoleName")
            .and_then(|name| app.iam.role_tags(account, name).ok())
    } else if check.resource.contains(":user/") {
        req.str("UserName")
            .and_then(|name| app.iam.user_tags(account, name).ok())
    } else if check.resource.contains(":mfa/") {
        app.iam.mfa_device_tags(account, &check.resource).ok()
    } else {
        None
    };
    for t in tags.unwrap_or_default() {
        check = check
            .with(&format!("aws:ResourceTag/{}", t.key), vec![t.value.clone()])
            .with(&format!("iam:ResourceTag/{}", t.key), vec![t.value]);
    }
    check
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

/// Fills `aws:ResourceTag/KEY` for checks on an existing repository of the caller's account
/// and region (CreateRepository's resource does not exist yet, so it gets none).
pub(crate) fn add_resource_tags(app: &App, caller: &Caller, region: &str, checks: &mut [Check]) {
    let account = caller.principal.account();
    let prefix = format!("arn:aws:codecommit:{region}:{account}:");
    let Ok(scope) = gitward_git::Scope::new(account.clone(), region) else {
        return;
    };
    for check in checks {
        let Some(name) = check.resource.strip_prefix(&prefix) else {
            continue;
        };
        match app.repos.repository_tags(&scope, name) {
            Ok(Some(tags)) => {
                for (k, v) in tags {
                    check
                        .context
                        .push((format!("aws:ResourceTag/{k}"), vec![v]));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "reading repository tags for authorization"),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use gitward_core::AccountId;
    use gitward_iam::Principal;
    use serde_json::json;

    const ACCT: &str = "123456789012";

    fn app(dir: &std::path::Path) -> App {
        App::for_tests(dir)
    }

    /// (service, operation, input, action, resource) for every supported operation.
    fn table() -> Vec<(Service, &'static str, Value, String, String)> {
        let user = format!("arn:aws:iam::{ACCT}:user/Mary");
        let group = format!("arn:aws:iam::{ACCT}:group/Devs");
        let policy = format!("arn:aws:iam::{ACCT}:policy/P");
        let repo = format!("arn:aws:codecommit:us-east-1:{ACCT}:MyDemoRepo");
        let u = json!({"UserName": "Mary"});
        let g = json!({"GroupName": "Devs"});
        let p = json!({"PolicyArn": policy});
        let r = json!({"repositoryName": "MyDemoRepo"});
        let iam = |op: &'static str, input: &Value, res: &str| {
            (
                Service::Iam,
                op,
                input.clone(),
                format!("iam:{op}"),
                res.to_owned(),
            )
        };
        let cc = |op: &'static str, input: Value, res: &str| {
            (
                Service::CodeCommit,
                op,
                input,
                format!("codecommit:{op}"),
                res.to_owned(),
            )
        };
        let mut t = vec![];
        for op in [
            "CreateUser",
            "GetUser",
            "UpdateUser",
            "DeleteUser",
            "ListGroupsForUser",
            "CreateAccessKey",
            "ListAccessKeys",
            "UpdateAccessKey",
            "DeleteAccessKey",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "ListAttachedUserPolicies",
            "PutUserPolicy",
            "GetUserPolicy",
            "DeleteUserPolicy",
            "ListUserPolicies",
            "TagUser",
            "UntagUser",
            "ListUserTags",
        ] {
            t.push(iam(op, &u, &user));
        }
        for op in [
            "CreateGroup",
            "GetGroup",
            "DeleteGroup",
            "AddUserToGroup",
            "RemoveUserFromGroup",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
            "ListAttachedGroupPolicies",
            "PutGroupPolicy",
            "GetGroupPolicy",
            "DeleteGroupPolicy",
            "ListGroupPolicies",
        ] {
            t.push(iam(op, &g, &group));
        }
        for op in [
            "CreateServiceSpecificCredential",
            "ListServiceSpecificCredentials",
            "UpdateServiceSpecificCredential",
            "ResetServiceSpecificCredential",
            "DeleteServiceSpecificCredential",
            "UploadSSHPublicKey",
            "GetSSHPublicKey",
            "ListSSHPublicKeys",
            "UpdateSSHPublicKey",
            "DeleteSSHPublicKey",
        ] {
            t.push(iam(op, &u, &user));
        }
        let role = format!("arn:aws:iam::{ACCT}:role/R");
        let role_input = json!({"RoleName": "R"});
        for op in crate::handlers::role_operations() {
            if *op == "ListRoles" {
                t.push(iam(op, &json!({}), &format!("arn:aws:iam::{ACCT}:role/")));
            } else {
                t.push(iam(op, &role_input, &role));
            }
        }
        t.push(iam("PutUserPermissionsBoundary", &u, &user));
        t.push(iam("DeleteUserPermissionsBoundary", &u, &user));
        t.push(iam(
            "SimulatePrincipalPolicy",
            &json!({"PolicySourceArn": user}),
            &user,
        ));
        t.push(iam("SimulateCustomPolicy", &json!({}), "*"));
        // Virtual MFA devices (service authorization reference: mfa/NAME and user/NAME).
        let mfa = format!("arn:aws:iam::{ACCT}:mfa/team/Phone");
        t.push(iam(
            "CreateVirtualMFADevice",
            &json!({"VirtualMFADeviceName": "Phone", "Path": "/team/"}),
            &mfa,
        ));
        for op in [
            "DeleteVirtualMFADevice",
            "TagMFADevice",
            "UntagMFADevice",
            "ListMFADeviceTags",
        ] {
            t.push(iam(op, &json!({"SerialNumber": mfa}), &mfa));
        }
        t.push(iam("ListVirtualMFADevices", &json!({}), "*"));
        for op in [
            "EnableMFADevice",
            "DeactivateMFADevice",
            "ResyncMFADevice",
            "ListMFADevices",
        ] {
            t.push(iam(op, &u, &user));
        }
        for op in [
            "GetPolicy",
            "GetPolicyVersion",
            "CreatePolicyVersion",
            "DeletePolicy",
            "ListPolicyVersions",
            "SetDefaultPolicyVersion",
            "DeletePolicyVersion",
            "ListEntitiesForPolicy",
        ] {
            t.push(iam(op, &p, &policy));
        }
        t.push(iam("CreatePolicy", &json!({"PolicyName": "P"}), &policy));
        t.push(iam(
            "ListUsers",
            &json!({}),
            &format!("arn:aws:iam::{ACCT}:user/"),
        ));
        t.push(iam(
            "ListGroups",
            &json!({}),
            &format!("arn:aws:iam::{ACCT}:group/"),
        ));
        t.push(iam(
            "ListPolicies",
            &json!({}),
            &format!("arn:aws:iam::{ACCT}:policy/"),
        ));
        t.push(iam(
            "GetAccessKeyLastUsed",
            &json!({"AccessKeyId": "AKIAEXAMPLE"}),
            &format!("arn:aws:iam::{ACCT}:user/"),
        ));
        for op in [
            "CreateRepository",
            "GetRepository",
            "DeleteRepository",
            "UpdateRepositoryDescription",
            "UpdateDefaultBranch",
            "ListBranches",
            "GetBranch",
        ] {
            t.push(cc(op, r.clone(), &repo));
        }
        t.push(cc(
            "UpdateRepositoryName",
            json!({"oldName": "MyDemoRepo", "newName": "X"}),
            &repo,
        ));
        t.push(cc("ListRepositories", json!({}), "*"));
        t.push(cc(
            "BatchGetRepositories",
            json!({"repositoryNames": ["MyDemoRepo"]}),
            &repo,
        ));
        for op in ["CreateBranch", "DeleteBranch"] {
            t.push(cc(
                op,
                json!({"repositoryName": "MyDemoRepo", "branchName": "main"}),
                &repo,
            ));
        }
        for op in ["TagResource", "UntagResource", "ListTagsForResource"] {
            t.push(cc(op, json!({"resourceArn": repo}), &repo));
        }
        t
    }

    #[test]
    fn every_supported_operation_declares_its_action_and_resource() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = app(dir.path());
        let caller = Caller::long_term(Principal::Root {
            account: AccountId::parse(ACCT).expect("acct"),
        });
        let table = table();
        for service in [Service::Iam, Service::CodeCommit] {
            for op in gitward_api::model(service).operation_names() {
                if crate::handlers::is_supported(service, op) {
                    assert!(
                        table.iter().any(|(s, o, ..)| *s == service && *o == op),
                        "{op} missing from the table"
                    );
                }
            }
        }
        for (service, op, input, action, resource) in &table {
            assert!(
                crate::handlers::is_supported(*service, op),
                "{op} is not supported"
            );
            let req = OperationRequest {
                service: *service,
                operation: op,
                input,
                caller: &caller,
                region: "us-east-1",
                transport: None,
            };
            let checks = authorization_checks(&app, &req).expect("checks");
            assert!(!checks.is_empty(), "{op} has no check");
            for c in &checks {
                assert_eq!((&c.action, &c.resource), (action, resource), "{op}");
            }
        }
    }

    #[test]
    fn branch_operations_carry_the_reference_and_get_caller_identity_is_never_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = app(dir.path());
        let caller = Caller::long_term(Principal::Root {
            account: AccountId::parse(ACCT).expect("acct"),
        });
        let input = json!({"repositoryName": "r", "branchName": "main"});
        let req = OperationRequest {
            service: Service::CodeCommit,
            operation: "CreateBranch",
            input: &input,
            caller: &caller,
            region: "us-east-1",
            transport: None,
        };
        let checks = authorization_checks(&app, &req).expect("checks");
        assert_eq!(
            checks[0].context,
            vec![(
                "codecommit:References".to_owned(),
                vec!["refs/heads/main".to_owned()]
            )]
        );
        let empty = json!({});
        let req = OperationRequest {
            service: Service::Sts,
            operation: "GetCallerIdentity",
            input: &empty,
            caller: &caller,
            region: "us-east-1",
            transport: None,
        };
        assert!(authorization_checks(&app, &req).expect("checks").is_empty());
    }
}
