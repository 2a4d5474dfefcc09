//! `gitward-policy`: the IAM policy language as pure functions.
//!
//! Parse and validate policy JSON once ([`PolicyDocument::parse`],
//! [`PolicyDocument::parse_trust`]) into a compiled form, then evaluate requests against it
//! ([`evaluate`], [`evaluate_trust`], [`evaluate_statements`]). No I/O, no clock: the request
//! context carries every value a condition can look at (`aws:CurrentTime` included).
//!
//! The semantics follow the shared spec facts, §6 (grammar, matching, conditions,
//! evaluation) and §7 (CodeCommit's authorization data). Validation errors carry IAM's own
//! `MalformedPolicyDocument` messages.
//!
//! ```
//! use gitward_policy::{PolicyDocument, PolicySource, RequestContext, evaluate};
//!
//! let doc = PolicyDocument::parse(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": {"Effect": "Allow", "Action": "codecommit:Get*", "Resource": "*"}
//! }"#).expect("valid policy");
//! let policies = [PolicySource { name: "read", document: &doc }];
//! let req = RequestContext::new("codecommit:GetRepository",
//!     "arn:aws:codecommit:us-east-1:123456789012:repo");
//! assert!(evaluate(&policies, None, None, &req).is_allowed());
//! ```

mod condition;
mod context;
mod document;
mod error;
mod evaluate;
mod pattern;
mod principal;
mod size;
mod syntax;
mod validate;
mod values;

pub use context::{ContextValue, RequestContext};
pub use document::{Effect, ParseOptions, PolicyDocument, PolicyKind, PolicyVersion, Statement};
pub use error::PolicyError;
pub use evaluate::{
    Decision, ImplicitDenyReason, PolicySet, PolicySource, StatementMatch, TrustDecision, evaluate,
    evaluate_statements, evaluate_trust,
};
pub use principal::{
    AwsPrincipal, Principal, PrincipalElement, PrincipalKind, PrincipalMatch, principal_matches,
};
pub use size::{policy_chars_valid, policy_size};
