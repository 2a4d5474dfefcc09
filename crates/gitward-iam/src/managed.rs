//! The AWS managed policies gitward ships (FACTS §7.3), at `arn:aws:iam::aws:policy/NAME`.
//!
//! Their documents are data files beside this module; their CodeCommit statements are
//! those of AWS's published versions.

/// An AWS managed policy: read-only, attachable in every account.
#[derive(Debug, Clone, Copy)]
pub struct AwsManagedPolicy {
    /// Name.
    pub name: &'static str,
    /// Stable unique id.
    pub policy_id: &'static str,
    /// Description as AWS shows it.
    pub description: &'static str,
    /// The default version's id.
    pub version_id: &'static str,
    /// The default version's document.
    pub document: &'static str,
}

impl AwsManagedPolicy {
    /// `arn:aws:iam::aws:policy/NAME`.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy/{}", self.name)
    }
}

const POLICIES: &[AwsManagedPolicy] = &[
    AwsManagedPolicy {
        name: "AWSCodeCommitFullAccess",
        policy_id: "ANPAI4VCZ3XPIZLQ5NZV2",
        description: "Provides full access to AWS CodeCommit via the AWS Management Console.",
        version_id: "v13",
        document: include_str!("aws_managed/AWSCodeCommitFullAccess.json"),
    },
    AwsManagedPolicy {
        name: "AWSCodeCommitPowerUser",
        policy_id: "ANPAI4UIINUVGB5SEC57G",
        description: "Provides full access to AWS CodeCommit repositories, but does not allow repository deletion.",
        version_id: "v18",
        document: include_str!("aws_managed/AWSCodeCommitPowerUser.json"),
    },
    AwsManagedPolicy {
        name: "AWSCodeCommitReadOnly",
        policy_id: "ANPAJACNSXR7Z2VLJW3D6",
        description: "Provides read only access to AWS CodeCommit via the AWS Management Console.",
        version_id: "v14",
        document: include_str!("aws_managed/AWSCodeCommitReadOnly.json"),
    },
];

/// Every AWS managed policy gitward knows.
pub fn aws_managed_policies() -> &'static [AwsManagedPolicy] {
    POLICIES
}

/// The AWS managed policy with this ARN.
pub fn aws_managed_policy(arn: &str) -> Option<&'static AwsManagedPolicy> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    POLICIES.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_managed_policy_parses() {
        for p in aws_managed_policies() {
            gitward_policy::PolicyDocument::parse(p.document)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", p.name));
            assert_eq!(aws_managed_policy(&p.arn()).map(|q| q.name), Some(p.name));
        }
    }
}
