//! IAM role operations (called from the IAM handler).

use super::Input;
use super::iam::{encode_document, list, tags_in, tags_out};
use crate::api::App;
use crate::ops::OperationRequest;
use gitward_api::ApiError;
use gitward_core::iso8601;
use gitward_iam::{NewRole, OwnerKind, Role, RoleUpdate, Tag};
use serde_json::{Map, Value, json};

pub const OPERATIONS: &[&str] = &[
    "CreateRole",
    "GetRole",
    "ListRoles",
    "UpdateRole",
    "UpdateRoleDescription",
    "UpdateAssumeRolePolicy",
    "DeleteRole",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
];

/// The model's `Role` shape. ListRoles leaves out tags and last use, as AWS does.
fn role_out(r: &Role, tags: &[Tag], full: bool) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(r.path));
    m.insert("RoleName".into(), json!(r.name));
    m.insert("RoleId".into(), json!(r.role_id));
    m.insert("Arn".into(), json!(r.arn()));
    m.insert("CreateDate".into(), json!(iso8601(r.created)));
    m.insert(
        "AssumeRolePolicyDocument".into(),
        json!(encode_document(&r.trust_policy)),
    );
    if let Some(d) = &r.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("MaxSessionDuration".into(), json!(r.max_session_duration));
    if let Some(b) = &r.boundary_arn {
        m.insert(
            "PermissionsBoundary".into(),
            json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": b}),
        );
    }
    if full {
        if !tags.is_empty() {
            m.insert("Tags".into(), tags_out(tags));
        }
        let mut used = Map::new();
        if let Some((at, region)) = &r.last_used {
            used.insert("LastUsedDate".into(), json!(iso8601(*at)));
            used.insert("Region".into(), json!(region));
        }
        m.insert("RoleLastUsed".into(), Value::Object(used));
    }
    Value::Object(m)
}

pub fn handle(app: &App, req: &OperationRequest<'_>) -> Result<Value, ApiError> {
    let iam = &app.iam;
    let acct = req.caller.principal.account();
    let input = Input(req.input);
    let marker = input.opt("Marker");
    let max = input.int("MaxItems");
    let role = || input.req("RoleName");
    let out = match req.operation {
        "CreateRole" => {
            let tags = tags_in(req.input, "Tags");
            let r = iam.create_role(
                acct,
                &NewRole {
                    name: role()?,
                    path: input.opt("Path"),
                    trust_policy: input.req("AssumeRolePolicyDocument")?,
                    description: input.opt("Description"),
                    max_session_duration: input.int("MaxSessionDuration"),
                    boundary: input.opt("PermissionsBoundary"),
                    tags: &tags,
                },
            )?;
            json!({"Role": role_out(&r, &tags, false)})
        }
        "GetRole" => {
            let r = iam.get_role(acct, role()?)?;
            let tags = iam.role_tags(acct, &r.name)?;
            json!({"Role": role_out(&r, &tags, true)})
        }
        "ListRoles" => {
            let page = iam.list_roles(acct, input.opt("PathPrefix"), marker, max)?;
            list("Roles", &page, |r| role_out(r, &[], false))
        }
        "UpdateRole" => {
            iam.update_role(
                acct,
                role()?,
                RoleUpdate {
                    description: input.opt("Description"),
                    max_session_duration: input.int("MaxSessionDuration"),
                },
            )?;
            json!({})
        }
        "UpdateRoleDescription" => {
            let r = iam.update_role(
                acct,
                role()?,
                RoleUpdate {
                    description: Some(input.req("Description")?),
                    max_session_duration: None,
                },
            )?;
            let tags = iam.role_tags(acct, &r.name)?;
            json!({"Role": role_out(&r, &tags, true)})
        }
        "UpdateAssumeRolePolicy" => {
            iam.update_trust_policy(acct, role()?, input.req("PolicyDocument")?)?;
            json!({})
        }
        "DeleteRole" => {
            iam.delete_role(acct, role()?)?;
            json!({})
        }
        "AttachRolePolicy" => {
            iam.attach_policy(acct, OwnerKind::Role, role()?, input.req("PolicyArn")?)?;
            json!({})
        }
        "DetachRolePolicy" => {
            iam.detach_policy(acct, OwnerKind::Role, role()?, input.req("PolicyArn")?)?;
            json!({})
        }
        "ListAttachedRolePolicies" => {
            let page = iam.list_attached(acct, OwnerKind::Role, role()?, marker, max)?;
            list(
                "AttachedPolicies",
                &page,
                |(name, arn)| json!({"PolicyName": name, "PolicyArn": arn}),
            )
        }
        "PutRolePolicy" => {
            iam.put_inline(
                acct,
                OwnerKind::Role,
                role()?,
                input.req("PolicyName")?,
                input.req("PolicyDocument")?,
            )?;
            json!({})
        }
        "GetRolePolicy" => {
            let name = input.req("PolicyName")?;
            let (owner, doc) = iam.get_inline(acct, OwnerKind::Role, role()?, name)?;
            json!({"RoleName": owner, "PolicyName": name, "PolicyDocument": encode_document(&doc)})
        }
        "DeleteRolePolicy" => {
            iam.delete_inline(acct, OwnerKind::Role, role()?, input.req("PolicyName")?)?;
            json!({})
        }
        "ListRolePolicies" => {
            let page = iam.list_inline(acct, OwnerKind::Role, role()?, marker, max)?;
            list("PolicyNames", &page, |n| json!(n))
        }
        "TagRole" => {
            iam.tag_role(acct, role()?, &tags_in(req.input, "Tags"))?;
            json!({})
        }
        "UntagRole" => {
            iam.untag_role(acct, role()?, &input.strings("TagKeys"))?;
            json!({})
        }
        "ListRoleTags" => {
            let tags = iam.role_tags(acct, role()?)?;
            json!({"Tags": tags_out(&tags), "IsTruncated": false})
        }
        "PutRolePermissionsBoundary" => {
            iam.set_role_permissions_boundary(
                acct,
                role()?,
                Some(input.req("PermissionsBoundary")?),
            )?;
            json!({})
        }
        "DeleteRolePermissionsBoundary" => {
            iam.set_role_permissions_boundary(acct, role()?, None)?;
            json!({})
        }
        other => {
            return Err(ApiError::unknown_operation(
                gitward_api::Service::Iam,
                other,
            ));
        }
    };
    Ok(out)
}
