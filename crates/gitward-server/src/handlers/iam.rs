//! IAM operations.

use super::Input;
use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::ApiError;
use gitward_core::iso8601;
use gitward_iam::{
    AccessKey, Group, KeyStatus, OwnerKind, Page, PolicyView, ServiceCredential, SshPublicKey, Tag,
    User,
};
use serde_json::{Map, Value, json};

pub const OPERATIONS: &[&str] = &[
    "CreateUser",
    "GetUser",
    "ListUsers",
    "UpdateUser",
    "DeleteUser",
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "DeleteGroup",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ListGroupsForUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "GetAccessKeyLastUsed",
    "CreatePolicy",
    "GetPolicy",
    "GetPolicyVersion",
    "ListPolicies",
    "CreatePolicyVersion",
    "DeletePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "ListAttachedUserPolicies",
    "ListAttachedGroupPolicies",
    "PutUserPolicy",
    "GetUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
    "PutGroupPolicy",
    "GetGroupPolicy",
    "DeleteGroupPolicy",
    "ListGroupPolicies",
    "TagUser",
    "UntagUser",
    "ListUserTags",
    "ListPolicyVersions",
    "SetDefaultPolicyVersion",
    "DeletePolicyVersion",
    "ListEntitiesForPolicy",
    "PutUserPermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    "SimulatePrincipalPolicy",
    "SimulateCustomPolicy",
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
];

pub(super) fn tags_in(v: &Value, key: &str) -> Vec<Tag> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|t| Tag {
                    key: t
                        .get("Key")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    value: t
                        .get("Value")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn tags_out(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

pub(super) fn user_out(u: &User, tags: &[Tag]) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(u.path));
    m.insert("UserName".into(), json!(u.name));
    m.insert("UserId".into(), json!(u.user_id));
    m.insert("Arn".into(), json!(u.arn()));
    m.insert("CreateDate".into(), json!(iso8601(u.created)));
    if let Some(b) = &u.boundary_arn {
        m.insert(
            "PermissionsBoundary".into(),
            json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": b}),
        );
    }
    if !tags.is_empty() {
        m.insert("Tags".into(), tags_out(tags));
    }
    Value::Object(m)
}

/// A service-specific credential; the password only when just created or reset.
fn credential_out(c: &ServiceCredential, password: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("CreateDate".into(), json!(iso8601(c.created)));
    m.insert("ServiceName".into(), json!(c.service_name));
    m.insert("ServiceUserName".into(), json!(c.service_user_name));
    if let Some(p) = password {
        m.insert("ServicePassword".into(), json!(p));
    }
    m.insert("ServiceSpecificCredentialId".into(), json!(c.id));
    m.insert("UserName".into(), json!(c.user));
    m.insert("Status".into(), json!(c.status.as_str()));
    Value::Object(m)
}

/// An SSH public key (`SSHPublicKey`), its body in `encoding` (`SSH` or `PEM`).
fn ssh_key_out(k: &SshPublicKey, encoding: &str) -> Result<Value, ApiError> {
    let key = gitward_iam::sshkey::SshPublicKeyData::from_blob(&k.blob).map_err(|e| {
        tracing::error!(key_id = %k.id, error = %e, "a stored SSH public key does not parse");
        ApiError::internal_for(gitward_api::Service::Iam)
    })?;
    let body = if encoding == "PEM" {
        key.pem()
    } else {
        key.openssh()
    };
    Ok(json!({
        "UserName": k.user,
        "SSHPublicKeyId": k.id,
        "Fingerprint": k.fingerprint,
        "SSHPublicKeyBody": body,
        "Status": k.status.as_str(),
        "UploadDate": iso8601(k.uploaded),
    }))
}

fn group_out(g: &Group) -> Value {
    json!({"Path": g.path, "GroupName": g.name, "GroupId": g.group_id, "Arn": g.arn(), "CreateDate": iso8601(g.created)})
}

fn key_meta(k: &AccessKey) -> Value {
    let mut m = Map::new();
    if let Some(u) = &k.user {
        m.insert("UserName".into(), json!(u));
    }
    m.insert("AccessKeyId".into(), json!(k.id));
    m.insert("Status".into(), json!(k.status.as_str()));
    m.insert("CreateDate".into(), json!(iso8601(k.created)));
    Value::Object(m)
}

fn policy_out(p: &PolicyView) -> Value {
    match p {
        PolicyView::Aws(p, n) => json!({
            "PolicyName": p.name, "PolicyId": p.policy_id, "Arn": p.arn(), "Path": "/",
            "DefaultVersionId": p.version_id, "AttachmentCount": n, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true, "Description": p.description,
            "CreateDate": "2015-07-09T00:00:00Z", "UpdateDate": "2015-07-09T00:00:00Z",
        }),
        PolicyView::Customer(p, n) => {
            let mut v = json!({
                "PolicyName": p.name, "PolicyId": p.policy_id, "Arn": p.arn, "Path": p.path,
                "DefaultVersionId": p.default_version, "AttachmentCount": n, "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true, "CreateDate": iso8601(p.created), "UpdateDate": iso8601(p.updated),
            });
            if let (Some(d), Value::Object(m)) = (&p.description, &mut v) {
                m.insert("Description".into(), json!(d));
            }
            v
        }
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986), as AWS does; clients decode them.
pub(super) fn encode_document(doc: &str) -> String {
    percent_encode(doc)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Adds `IsTruncated` and `Marker` to a list result.
pub(super) fn paged<T>(mut out: Map<String, Value>, page: &Page<T>) -> Value {
    out.insert("IsTruncated".into(), json!(page.marker.is_some()));
    if let Some(m) = &page.marker {
        out.insert("Marker".into(), json!(m));
    }
    Value::Object(out)
}

pub(super) fn list<T>(key: &str, page: &Page<T>, f: impl Fn(&T) -> Value) -> Value {
    let mut m = Map::new();
    m.insert(key.into(), Value::Array(page.items.iter().map(f).collect()));
    paged(m, page)
}

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let iam = &app.iam;
    let acct = req.caller.principal.account();
    let input = Input(req.input);
    let marker = input.opt("Marker");
    let max = input.int("MaxItems");
    // The user an operation is about: the named one, else the caller (for IAM users).
    let self_or_named = || input.opt("UserName").or(req.caller.principal.username());
    let out = match req.operation {
        "CreateUser" => {
            let tags = tags_in(req.input, "Tags");
            let u = iam.create_user(
                acct,
                input.req("UserName")?,
                input.opt("Path"),
                input.opt("PermissionsBoundary"),
                &tags,
            )?;
            json!({"User": user_out(&u, &tags)})
        }
        "GetUser" => match self_or_named() {
            Some(name) => {
                let u = iam.get_user(acct, name)?;
                let tags = iam.user_tags(acct, &u.name)?;
                json!({"User": user_out(&u, &tags)})
            }
            None => {
                // The root user: AWS reports the account id as its UserId.
                let created = iam
                    .list_accounts()?
                    .into_iter()
                    .find(|a| a.id == *acct)
                    .map(|a| iso8601(a.created))
                    .unwrap_or_default();
                json!({"User": {"Path": "/", "UserName": "root", "UserId": acct.as_str(),
                    "Arn": req.caller.principal.arn(), "CreateDate": created}})
            }
        },
        "ListUsers" => {
            let page = iam.list_users(acct, input.opt("PathPrefix"), marker, max)?;
            list("Users", &page, |u| user_out(u, &[]))
        }
        "UpdateUser" => {
            iam.update_user(
                acct,
                input.req("UserName")?,
                input.opt("NewUserName"),
                input.opt("NewPath"),
            )?;
            json!({})
        }
        "DeleteUser" => {
            iam.delete_user(acct, input.req("UserName")?)?;
            json!({})
        }
        "TagUser" => {
            iam.tag_user(acct, input.req("UserName")?, &tags_in(req.input, "Tags"))?;
            json!({})
        }
        "UntagUser" => {
            iam.untag_user(acct, input.req("UserName")?, &input.strings("TagKeys"))?;
            json!({})
        }
        "ListUserTags" => {
            let tags = iam.user_tags(acct, input.req("UserName")?)?;
            json!({"Tags": tags_out(&tags), "IsTruncated": false})
        }
        "CreateGroup" => {
            let g = iam.create_group(acct, input.req("GroupName")?, input.opt("Path"))?;
            json!({"Group": group_out(&g)})
        }
        "GetGroup" => {
            let (g, members) = iam.get_group(acct, input.req("GroupName")?, marker, max)?;
            let mut m = Map::new();
            m.insert("Group".into(), group_out(&g));
            m.insert(
                "Users".into(),
                Value::Array(members.items.iter().map(|u| user_out(u, &[])).collect()),
            );
            paged(m, &members)
        }
        "ListGroups" => {
            let page = iam.list_groups(acct, input.opt("PathPrefix"), marker, max)?;
            list("Groups", &page, group_out)
        }
        "DeleteGroup" => {
            iam.delete_group(acct, input.req("GroupName")?)?;
            json!({})
        }
        "AddUserToGroup" => {
            iam.add_user_to_group(acct, input.req("GroupName")?, input.req("UserName")?)?;
            json!({})
        }
        "RemoveUserFromGroup" => {
            iam.remove_user_from_group(acct, input.req("GroupName")?, input.req("UserName")?)?;
            json!({})
        }
        "ListGroupsForUser" => {
            let page = iam.list_groups_for_user(acct, input.req("UserName")?, marker, max)?;
            list("Groups", &page, group_out)
        }
        "CreateAccessKey" => {
            let k = iam.create_access_key(acct, self_or_named())?;
            let mut meta = key_meta(&k.key);
            if let Value::Object(m) = &mut meta {
                m.insert("SecretAccessKey".into(), json!(k.secret.expose()));
                if k.key.user.is_none() {
                    m.insert("UserName".into(), json!("root"));
                }
            }
            json!({"AccessKey": meta})
        }
        "ListAccessKeys" => {
            let page = iam.list_access_keys(acct, self_or_named(), marker, max)?;
            list("AccessKeyMetadata", &page, key_meta)
        }
        "UpdateAccessKey" => {
            let status = KeyStatus::parse(input.req("Status")?).ok_or_else(|| {
                ApiError::validation("Status must be Active or Inactive".to_owned())
            })?;
            iam.update_access_key(acct, self_or_named(), input.req("AccessKeyId")?, status)?;
            json!({})
        }
        "DeleteAccessKey" => {
            iam.delete_access_key(acct, self_or_named(), input.req("AccessKeyId")?)?;
            json!({})
        }
        "GetAccessKeyLastUsed" => {
            let (user, used) = iam.access_key_last_used(acct, input.req("AccessKeyId")?)?;
            let last = match used {
                Some(u) => {
                    json!({"LastUsedDate": iso8601(u.at), "ServiceName": u.service, "Region": u.region})
                }
                None => json!({"ServiceName": "N/A", "Region": "N/A"}),
            };
            json!({"UserName": user.unwrap_or_else(|| "root".to_owned()), "AccessKeyLastUsed": last})
        }
        "CreatePolicy" => {
            let p = iam.create_policy(
                acct,
                input.req("PolicyName")?,
                input.opt("Path"),
                input.req("PolicyDocument")?,
                input.opt("Description"),
            )?;
            json!({"Policy": policy_out(&PolicyView::Customer(p, 0))})
        }
        "GetPolicy" => {
            json!({"Policy": policy_out(&iam.get_policy(acct, input.req("PolicyArn")?)?)})
        }
        "GetPolicyVersion" => {
            let (v, is_default) =
                iam.get_policy_version(acct, input.req("PolicyArn")?, input.req("VersionId")?)?;
            json!({"PolicyVersion": {"Document": encode_document(&v.document), "VersionId": v.version_id,
                "IsDefaultVersion": is_default, "CreateDate": iso8601(v.created)}})
        }
        "ListPolicies" => {
            let page = iam.list_policies(
                acct,
                input.opt("Scope"),
                input.bool("OnlyAttached").unwrap_or(false),
                input.opt("PathPrefix"),
                marker,
                max,
            )?;
            list("Policies", &page, policy_out)
        }
        "CreatePolicyVersion" => {
            let set_default = input.bool("SetAsDefault").unwrap_or(false);
            let v = iam.create_policy_version(
                acct,
                input.req("PolicyArn")?,
                input.req("PolicyDocument")?,
                set_default,
            )?;
            json!({"PolicyVersion": {"VersionId": v.version_id, "IsDefaultVersion": set_default, "CreateDate": iso8601(v.created)}})
        }
        "ListPolicyVersions" => {
            let versions = iam.list_policy_versions(acct, input.req("PolicyArn")?)?;
            let page = Page::of_items(versions, marker, max)?;
            list(
                "Versions",
                &page,
                |(v, is_default)| json!({"VersionId": v.version_id, "IsDefaultVersion": is_default, "CreateDate": iso8601(v.created)}),
            )
        }
        "SetDefaultPolicyVersion" => {
            iam.set_default_policy_version(acct, input.req("PolicyArn")?, input.req("VersionId")?)?;
            json!({})
        }
        "DeletePolicyVersion" => {
            iam.delete_policy_version(acct, input.req("PolicyArn")?, input.req("VersionId")?)?;
            json!({})
        }
        "ListEntitiesForPolicy" => {
            let gitward_iam::PolicyEntities {
                users,
                groups,
                roles,
            } = iam.list_entities_for_policy(acct, input.req("PolicyArn")?)?;
            let filter = input.opt("EntityFilter");
            let users = if matches!(filter, None | Some("User")) {
                users
            } else {
                Vec::new()
            };
            let groups = if matches!(filter, None | Some("Group")) {
                groups
            } else {
                Vec::new()
            };
            let roles = if matches!(filter, None | Some("Role")) {
                roles
            } else {
                Vec::new()
            };
            json!({
                "PolicyGroups": groups.iter().map(|g| json!({"GroupName": g.name, "GroupId": g.group_id})).collect::<Vec<_>>(),
                "PolicyUsers": users.iter().map(|u| json!({"UserName": u.name, "UserId": u.user_id})).collect::<Vec<_>>(),
                "PolicyRoles": roles.iter().map(|r| json!({"RoleName": r.name, "RoleId": r.role_id})).collect::<Vec<_>>(),
                "IsTruncated": false,
            })
        }
        "PutUserPermissionsBoundary" => {
            iam.set_user_permissions_boundary(
                acct,
                input.req("UserName")?,
                Some(input.req("PermissionsBoundary")?),
            )?;
            json!({})
        }
        "DeleteUserPermissionsBoundary" => {
            iam.set_user_permissions_boundary(acct, input.req("UserName")?, None)?;
            json!({})
        }
        "CreateServiceSpecificCredential" => {
            let (cred, password) = iam.create_service_credential(
                acct,
                input.req("UserName")?,
                input.req("ServiceName")?,
            )?;
            json!({"ServiceSpecificCredential": credential_out(&cred, Some(password.expose()))})
        }
        "ListServiceSpecificCredentials" => {
            let creds = iam.list_service_credentials(acct, self_or_named())?;
            let service = input.opt("ServiceName");
            let items: Vec<Value> = creds
                .iter()
                .filter(|c| service.is_none_or(|s| s == c.service_name))
                .map(|c| credential_out(c, None))
                .collect();
            json!({"ServiceSpecificCredentials": items, "IsTruncated": false})
        }
        "UpdateServiceSpecificCredential" => {
            let status = KeyStatus::parse(input.req("Status")?)
                .ok_or_else(|| ApiError::validation("Status must be Active or Inactive"))?;
            iam.update_service_credential(
                acct,
                self_or_named(),
                input.req("ServiceSpecificCredentialId")?,
                status,
            )?;
            json!({})
        }
        "ResetServiceSpecificCredential" => {
            let (cred, password) = iam.reset_service_credential(
                acct,
                self_or_named(),
                input.req("ServiceSpecificCredentialId")?,
            )?;
            json!({"ServiceSpecificCredential": credential_out(&cred, Some(password.expose()))})
        }
        "DeleteServiceSpecificCredential" => {
            iam.delete_service_credential(
                acct,
                self_or_named(),
                input.req("ServiceSpecificCredentialId")?,
            )?;
            json!({})
        }
        "UploadSSHPublicKey" => {
            let k = iam.upload_ssh_public_key(
                acct,
                input.req("UserName")?,
                input.req("SSHPublicKeyBody")?,
            )?;
            json!({"SSHPublicKey": ssh_key_out(&k, "SSH")?})
        }
        "GetSSHPublicKey" => {
            let encoding = input.req("Encoding")?;
            let k = iam.get_ssh_public_key(acct, self_or_named(), input.req("SSHPublicKeyId")?)?;
            json!({"SSHPublicKey": ssh_key_out(&k, encoding)?})
        }
        "ListSSHPublicKeys" => {
            let keys = iam.list_ssh_public_keys(acct, self_or_named())?;
            let start = match marker {
                Some(m) => keys
                    .iter()
                    .position(|k| k.id == m)
                    .map_or(keys.len(), |i| i + 1),
                None => 0,
            };
            let max = max.and_then(|m| usize::try_from(m).ok()).unwrap_or(100);
            let page: Vec<&SshPublicKey> = keys.iter().skip(start).take(max).collect();
            let truncated = start + page.len() < keys.len();
            let items: Vec<Value> = page
                .iter()
                .map(|k| {
                    json!({"UserName": k.user, "SSHPublicKeyId": k.id,
                        "Status": k.status.as_str(), "UploadDate": iso8601(k.uploaded)})
                })
                .collect();
            let mut out = json!({"SSHPublicKeys": items, "IsTruncated": truncated});
            if truncated && let Some(last) = page.last() {
                out["Marker"] = json!(last.id);
            }
            out
        }
        "UpdateSSHPublicKey" => {
            let status = KeyStatus::parse(input.req("Status")?)
                .ok_or_else(|| ApiError::validation("Status must be Active or Inactive"))?;
            iam.update_ssh_public_key(acct, self_or_named(), input.req("SSHPublicKeyId")?, status)?;
            json!({})
        }
        "DeleteSSHPublicKey" => {
            iam.delete_ssh_public_key(acct, self_or_named(), input.req("SSHPublicKeyId")?)?;
            json!({})
        }
        "SimulatePrincipalPolicy" => crate::simulate::simulate(app, acct, &input, false)?,
        "SimulateCustomPolicy" => crate::simulate::simulate(app, acct, &input, true)?,
        "DeletePolicy" => {
            iam.delete_policy(acct, input.req("PolicyArn")?)?;
            json!({})
        }
        op @ ("AttachUserPolicy" | "AttachGroupPolicy" | "DetachUserPolicy"
        | "DetachGroupPolicy") => {
            let (kind, owner) = owner_of(op, &input)?;
            let arn = input.req("PolicyArn")?;
            if op.starts_with("Attach") {
                iam.attach_policy(acct, kind, owner, arn)?;
            } else {
                iam.detach_policy(acct, kind, owner, arn)?;
            }
            json!({})
        }
        op @ ("ListAttachedUserPolicies" | "ListAttachedGroupPolicies") => {
            let (kind, owner) = owner_of(op, &input)?;
            let page = iam.list_attached(acct, kind, owner, marker, max)?;
            list(
                "AttachedPolicies",
                &page,
                |(name, arn)| json!({"PolicyName": name, "PolicyArn": arn}),
            )
        }
        op @ ("PutUserPolicy" | "PutGroupPolicy") => {
            let (kind, owner) = owner_of(op, &input)?;
            iam.put_inline(
                acct,
                kind,
                owner,
                input.req("PolicyName")?,
                input.req("PolicyDocument")?,
            )?;
            json!({})
        }
        op @ ("GetUserPolicy" | "GetGroupPolicy") => {
            let (kind, owner) = owner_of(op, &input)?;
            let name = input.req("PolicyName")?;
            let (owner, doc) = iam.get_inline(acct, kind, owner, name)?;
            let owner_key = if kind == OwnerKind::User {
                "UserName"
            } else {
                "GroupName"
            };
            json!({owner_key: owner, "PolicyName": name, "PolicyDocument": encode_document(&doc)})
        }
        op @ ("DeleteUserPolicy" | "DeleteGroupPolicy") => {
            let (kind, owner) = owner_of(op, &input)?;
            iam.delete_inline(acct, kind, owner, input.req("PolicyName")?)?;
            json!({})
        }
        op @ ("ListUserPolicies" | "ListGroupPolicies") => {
            let (kind, owner) = owner_of(op, &input)?;
            let page = iam.list_inline(acct, kind, owner, marker, max)?;
            list("PolicyNames", &page, |n| json!(n))
        }
        op if super::roles::OPERATIONS.contains(&op) => super::roles::handle(app, req)?,
        op if super::mfa::OPERATIONS.contains(&op) => super::mfa::handle(app, req)?,
        other => {
            return Err(ApiError::new(
                "InvalidAction",
                format!("Could not find operation {other} for version 2010-05-08"),
                400,
            ));
        }
    };
    Ok(out)
}

fn owner_of<'a>(op: &str, input: &Input<'a>) -> Result<(OwnerKind, &'a str), ApiError> {
    if op.contains("Group") {
        Ok((OwnerKind::Group, input.req("GroupName")?))
    } else {
        Ok((OwnerKind::User, input.req("UserName")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_encoded_like_aws() {
        assert_eq!(
            encode_document("{\"a\": \"b/c\"}"),
            "%7B%22a%22%3A%20%22b%2Fc%22%7D"
        );
    }
}
