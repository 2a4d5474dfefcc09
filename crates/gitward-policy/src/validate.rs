//! IAM's checks on a syntactically valid document, in IAM's order, so that the first error
//! reported is the one AWS reports (order and messages: FACTS §6.1, moto
//! `policy_validation.py`).

use crate::document::{ParseOptions, PolicyKind};
use crate::error::PolicyError;
use crate::pattern::split_arn;
use crate::principal::PrincipalElement;
use crate::syntax::{RawDocument, RawStatement};
use crate::values::parse_date;

/// IAM resource types an `arn:aws:iam::…` resource may start with.
const IAM_RESOURCE_TYPES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// Runs every check; on success returns each statement's parsed principal element.
pub(crate) fn check(
    doc: &RawDocument<'_>,
    options: &ParseOptions,
) -> Result<Vec<Option<PrincipalElement>>, PolicyError> {
    if options.require_current_version && doc.version != Some("2012-10-17") {
        return Err(PolicyError::VersionTooOld);
    }
    let statements = &doc.statements;
    match options.kind {
        PolicyKind::Identity => {
            if statements.iter().any(|s| s.principal.is_some()) {
                return Err(PolicyError::PrincipalNotAllowed);
            }
        }
        PolicyKind::RoleTrust => {
            if statements.iter().any(|s| s.principal.is_none()) {
                return Err(PolicyError::MissingPrincipal);
            }
        }
    }
    legacy_parsing(statements)?;
    let resource_error = resource_formats(statements)?;
    check_sids(statements)?;
    for s in statements {
        if s.action.as_ref().is_none_or(|(_, a)| a.is_empty()) {
            return Err(PolicyError::MissingActions);
        }
    }
    if options.kind == PolicyKind::Identity {
        for s in statements {
            if s.resource.as_ref().is_none_or(|(_, r)| r.is_empty()) {
                return Err(PolicyError::MissingResources);
            }
        }
    }
    if let Some(error) = resource_error {
        return Err(error);
    }
    for s in statements {
        for action in s.action.iter().flat_map(|(_, a)| a) {
            check_action(action)?;
        }
        for (_, key, _) in &s.conditions {
            if !key.contains(':') {
                return Err(PolicyError::MissingVendor { value: key.clone() });
            }
        }
    }
    statements
        .iter()
        .map(|s| {
            s.principal
                .map(|(negated, value)| {
                    let element = PrincipalElement::parse(value, negated)?;
                    if options.kind == PolicyKind::RoleTrust {
                        element.check_role_trust()?;
                    }
                    Ok(element)
                })
                .transpose()
        })
        .collect()
}

/// "The policy failed legacy parsing": `Effect` is case-sensitive there, and `Date…`
/// condition values must be dates.
fn legacy_parsing(statements: &[RawStatement<'_>]) -> Result<(), PolicyError> {
    for s in statements {
        if s.effect != "Allow" && s.effect != "Deny" {
            return Err(PolicyError::legacy(format!(
                "Effect \"{}\" must be written Allow or Deny",
                s.effect
            )));
        }
        for (op, key, values) in &s.conditions {
            if op.is_date()
                && let Some(bad) = values.iter().find(|v| parse_date(v).is_none())
            {
                return Err(PolicyError::legacy(format!(
                    "{key}: \"{bad}\" is not a date"
                )));
            }
        }
    }
    Ok(())
}

/// Checks every `Resource`, then every `NotResource`. A legacy-parsing failure is returned
/// at once; the first format error is returned as `Ok(Some(_))`, to be reported after the
/// Sid, action and resource-presence checks, as IAM does.
fn resource_formats(statements: &[RawStatement<'_>]) -> Result<Option<PolicyError>, PolicyError> {
    let mut first: Option<PolicyError> = None;
    for negated in [false, true] {
        for s in statements {
            let Some((n, items)) = &s.resource else {
                continue;
            };
            if *n != negated {
                continue;
            }
            let mut sorted = items.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            for resource in sorted {
                if first.is_none() {
                    first = resource_format(resource).err();
                }
            }
            if first.is_none() {
                for resource in items.iter().filter(|r| **r != "*") {
                    legacy_resource(resource)?;
                }
            }
        }
    }
    Ok(first)
}

fn resource_format(resource: &str) -> Result<(), PolicyError> {
    if resource == "*" {
        return Ok(());
    }
    let not_arn = || PolicyError::ResourceNotArn {
        resource: resource.to_owned(),
    };
    let (scheme, rest) = resource.split_once(':').ok_or_else(not_arn)?;
    if scheme != "arn" {
        return Err(not_arn());
    }
    let (partition, after_partition) = rest.split_once(':').unwrap_or((rest, ""));
    if partition != "aws" && partition != "*" {
        let more: Vec<&str> = after_partition.split(':').collect();
        let part = |i: usize| more.get(i).copied().unwrap_or("*");
        let a1 = if more[0].is_empty() && more.len() == 1 {
            "*"
        } else {
            more[0]
        };
        let a4 = if more.len() > 3 {
            more[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Err(PolicyError::InvalidPartition {
            partition: partition.to_owned(),
            normalized: format!("arn:{partition}:{a1}:{}:{}:{a4}", part(1), part(2)),
        });
    }
    let Some((service, after_service)) = rest.split_once(':').and_then(|(_, r)| r.split_once(':'))
    else {
        // `arn:aws` or `arn:aws:svc` without region/account/resource parts.
        if rest.contains(':') {
            return Ok(());
        }
        return Err(PolicyError::ResourceVendor {
            resource: resource.to_owned(),
        });
    };
    if service.contains(['*', '?']) {
        return Err(PolicyError::ResourceVendor {
            resource: resource.to_owned(),
        });
    }
    let has_region = !after_service.starts_with(':');
    match service {
        "iam" if has_region => {
            return Err(PolicyError::IamRegion {
                resource: resource.to_owned(),
            });
        }
        "s3" if has_region => {
            return Err(PolicyError::S3Region {
                resource: resource.to_owned(),
            });
        }
        _ => {}
    }
    if service == "iam"
        && let Some(path) = split_arn(resource)[5]
        && path != "*"
        && !IAM_RESOURCE_TYPES.iter().any(|t| path.starts_with(t))
    {
        return Err(PolicyError::IamResourcePath {
            resource: resource.to_owned(),
        });
    }
    Ok(())
}

/// A short ARN (fewer than six parts) is accepted only without empty parts, and the service
/// part must not be empty.
fn legacy_resource(resource: &str) -> Result<(), PolicyError> {
    let colons = resource.matches(':').count();
    if colons < 5 && resource.contains("::") {
        return Err(PolicyError::legacy(format!(
            "resource {resource} has too few parts"
        )));
    }
    if resource.split(':').nth(2).is_none_or(str::is_empty) {
        return Err(PolicyError::legacy(format!(
            "resource {resource} has no service"
        )));
    }
    Ok(())
}

fn check_sids(statements: &[RawStatement<'_>]) -> Result<(), PolicyError> {
    let mut seen: Vec<&str> = Vec::new();
    for sid in statements.iter().filter_map(|s| s.sid) {
        if sid.is_empty() {
            continue;
        }
        if seen.contains(&sid) {
            return Err(PolicyError::DuplicateSid {
                sid: sid.to_owned(),
            });
        }
        seen.push(sid);
    }
    if let Some(sid) = seen
        .iter()
        .find(|sid| !sid.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(PolicyError::SidNotAlphanumeric {
            sid: (*sid).to_owned(),
        });
    }
    Ok(())
}

/// `service:Action` (wildcards allowed in the action) or `*`.
fn check_action(action: &str) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    let mut parts = action.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) => Err(PolicyError::MissingVendor {
            value: action.to_owned(),
        }),
        (Some(_), Some(_)) => Err(PolicyError::TooManyColons {
            value: action.to_owned(),
        }),
        (Some(_), None)
            if vendor != "*"
                && !vendor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
        {
            Err(PolicyError::InvalidVendor {
                vendor: vendor.to_owned(),
            })
        }
        (Some(_), None) => Ok(()),
    }
}
