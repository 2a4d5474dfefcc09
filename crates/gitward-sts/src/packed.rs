//! Session policy checks and the packed policy size (FACTS §3.4).
//!
//! AWS compresses session policies, managed policy ARNs and session tags into a packed form
//! with its own limit and reports the share used as `PackedPolicySize`; the algorithm is not
//! documented. \[design\] gitward's packing, fixed here so every server agrees:
//!
//! 1. A canonical text: the inline policy re-serialized compactly (`serde_json`, key order
//!    kept) when it parses as JSON, else as given; then each managed ARN, each tag as
//!    `key=value` and each transitive key, each in sorted order, one record per line with a
//!    one-letter kind (`P`, `A`, `T`, `K`). Every character is written as one byte: policy
//!    text is Latin-1 by [`validate_session_policy_chars`], other characters are written as
//!    their UTF-8 bytes.
//! 2. Raw deflate of that text at level 9 (`flate2`, miniz_oxide backend: deterministic).
//! 3. Percentage = ⌈compressed bytes × 100 / [`PACKED_POLICY_BUDGET_BYTES`]⌉; nothing to
//!    pack is 0 %; over 100 % is `PackedPolicyTooLarge`.
//!
//! The budget is 2,048 bytes, so a 2,048-character policy alone always fits (deflate never
//! makes Latin-1 text of that length meaningfully longer, and real policies compress to
//! 15–40 %), while ~50 tags of long random values overflow it, as they do on AWS.

use crate::claims::SessionTag;
use crate::names::{ValidationError, violation};
use flate2::{Compress, Compression, FlushCompress, Status};
use std::cell::RefCell;

/// The compressed-size budget that 100 % stands for.
pub const PACKED_POLICY_BUDGET_BYTES: usize = 2048;
/// The most characters of session policy plaintext.
pub const MAX_SESSION_POLICY_CHARS: usize = 2048;
/// At most this many managed session policy ARNs (`PolicyArns`).
pub const MAX_POLICY_ARNS: usize = 10;

const POLICY_PATTERN: &str = r"[\u0009\u000A\u000D\u0020-\u00FF]+";

/// `PackedPolicyTooLarge` (400): the packed policies and tags are over their budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PackedPolicyTooLarge {
    /// The share of the budget used, in percent (over 100).
    pub percent: u32,
    /// The message, as sent in `<Message>`.
    pub message: String,
}

impl PackedPolicyTooLarge {
    /// The wire error code.
    pub const CODE: &'static str = "PackedPolicyTooLarge";
}

fn allowed_policy_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}')
}

/// Checks an inline session policy's characters (TAB, LF, CR, U+0020..U+00FF) and length
/// (1..=2048 characters), with the model's messages at `field` (`policy`).
pub fn validate_session_policy_chars(policy: &str) -> Result<(), ValidationError> {
    let mut v = Vec::new();
    let len = policy.chars().count();
    if len < 1 {
        v.push(violation(
            policy,
            "policy",
            "have length greater than or equal to 1",
        ));
    }
    if len > MAX_SESSION_POLICY_CHARS {
        v.push(violation(
            policy,
            "policy",
            &format!("have length less than or equal to {MAX_SESSION_POLICY_CHARS}"),
        ));
    }
    if len >= 1 && !policy.chars().all(allowed_policy_char) {
        v.push(violation(
            policy,
            "policy",
            &format!("satisfy regular expression pattern: {POLICY_PATTERN}"),
        ));
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::constraints(&v))
    }
}

/// Checks `PolicyArns`: at most 10, each 20..=2048 characters (`policyArns.N.member.arn`).
pub fn validate_policy_arns(arns: &[String]) -> Result<(), ValidationError> {
    let mut v = Vec::new();
    if arns.len() > MAX_POLICY_ARNS {
        v.push(violation(
            &format!("{arns:?}"),
            "policyArns",
            &format!("have length less than or equal to {MAX_POLICY_ARNS}"),
        ));
    }
    for (i, a) in arns.iter().enumerate() {
        let f = format!("policyArns.{}.member.arn", i + 1);
        let len = a.chars().count();
        if len < 20 {
            v.push(violation(a, &f, "have length greater than or equal to 20"));
        }
        if len > 2048 {
            v.push(violation(a, &f, "have length less than or equal to 2048"));
        }
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::constraints(&v))
    }
}

fn push_text(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

fn canonical(
    policy: Option<&str>,
    policy_arns: &[String],
    tags: &[SessionTag],
    transitive_tag_keys: &[String],
) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(p) = policy {
        let compact = serde_json::from_str::<serde_json::Value>(p)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok());
        out.push(b'P');
        push_text(&mut out, compact.as_deref().unwrap_or(p));
        out.push(b'\n');
    }
    let mut arns: Vec<&String> = policy_arns.iter().collect();
    arns.sort();
    for a in arns {
        out.push(b'A');
        push_text(&mut out, a);
        out.push(b'\n');
    }
    let mut tags: Vec<&SessionTag> = tags.iter().collect();
    tags.sort_by(|a, b| (&a.key, &a.value).cmp(&(&b.key, &b.value)));
    for t in tags {
        out.push(b'T');
        push_text(&mut out, &t.key);
        out.push(b'=');
        push_text(&mut out, &t.value);
        out.push(b'\n');
    }
    let mut keys: Vec<&String> = transitive_tag_keys.iter().collect();
    keys.sort();
    for k in keys {
        out.push(b'K');
        push_text(&mut out, k);
        out.push(b'\n');
    }
    out
}

thread_local! {
    // A level-9 deflate state is a few hundred kilobytes: kept per thread and reset, not
    // made per call. A reset state compresses exactly as a fresh one.
    static PACKER: RefCell<Compress> = RefCell::new(Compress::new(Compression::best(), false));
}

/// The length of the raw deflate of `text` at level 9.
fn deflated_len(text: &[u8]) -> Option<usize> {
    PACKER.with(|cell| {
        let mut c = cell.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(text.len() + 64);
        loop {
            let consumed = usize::try_from(c.total_in()).ok()?;
            out.reserve(text.len() / 2 + 64);
            match c.compress_vec(&text[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return Some(out.len()),
                Ok(Status::Ok | Status::BufError) => {}
                Err(_) => return None,
            }
        }
    })
}

/// The packed size of session policies, managed policy ARNs, session tags and transitive
/// tag keys, as a percentage of [`PACKED_POLICY_BUDGET_BYTES`] (see the module docs).
pub fn packed_policy_size_percent(
    policy: Option<&str>,
    policy_arns: &[String],
    tags: &[SessionTag],
    transitive_tag_keys: &[String],
) -> u32 {
    let text = canonical(policy, policy_arns, tags, transitive_tag_keys);
    if text.is_empty() {
        return 0;
    }
    // Compressing into memory cannot fail; on the impossible error count the text uncompressed.
    let compressed = deflated_len(&text).unwrap_or(text.len());
    let pct = (compressed * 100).div_ceil(PACKED_POLICY_BUDGET_BYTES);
    u32::try_from(pct).unwrap_or(u32::MAX)
}

/// [`packed_policy_size_percent`], refused with `PackedPolicyTooLarge` over 100 %.
pub fn check_packed_policy_size(
    policy: Option<&str>,
    policy_arns: &[String],
    tags: &[SessionTag],
    transitive_tag_keys: &[String],
) -> Result<u32, PackedPolicyTooLarge> {
    let percent = packed_policy_size_percent(policy, policy_arns, tags, transitive_tag_keys);
    if percent <= 100 {
        return Ok(percent);
    }
    // [observed] AWS: "Packed size of session tags consumes 142% of allotted space."
    // (configure-aws-credentials#1803); the policy variant's wording is [design].
    let what = if tags.is_empty() {
        "session policies"
    } else {
        "session tags"
    };
    Err(PackedPolicyTooLarge {
        percent,
        message: format!("Packed size of {what} consumes {percent}% of allotted space."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPICAL: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowPull",
      "Effect": "Allow",
      "Action": ["codecommit:GitPull", "codecommit:GetRepository", "codecommit:GetBranch"],
      "Resource": "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo"
    },
    {
      "Sid": "DenyPushToMain",
      "Effect": "Deny",
      "Action": "codecommit:GitPush",
      "Resource": "arn:aws:codecommit:us-east-1:123456789012:MyDemoRepo",
      "Condition": {"StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]}}
    }
  ]
}"#;

    /// A realistic policy grown to the 2,048-character limit with distinct resources.
    fn full_size_policy() -> String {
        let mut resources = Vec::new();
        let mut i = 0;
        loop {
            let r =
                format!("\"arn:aws:codecommit:us-east-1:123456789012:team-{i:03}-service-repo\"");
            let candidate = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["codecommit:GitPull","codecommit:GitPush"],"Resource":[{}]}}]}}"#,
                resources
                    .iter()
                    .chain(std::iter::once(&r))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
            );
            if candidate.len() > MAX_SESSION_POLICY_CHARS {
                break;
            }
            resources.push(r);
            i += 1;
        }
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["codecommit:GitPull","codecommit:GitPush"],"Resource":[{}]}}]}}"#,
            resources.join(",")
        )
    }

    #[test]
    fn the_reused_state_measures_as_a_fresh_encoder() {
        use std::io::Write as _;
        let full = full_size_policy();
        for text in [TYPICAL.as_bytes(), full.as_bytes(), b"x"] {
            let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), Compression::best());
            enc.write_all(text).expect("write");
            let fresh = enc.finish().expect("finish").len();
            assert_eq!(deflated_len(text), Some(fresh));
            assert_eq!(deflated_len(text), Some(fresh), "again, after a reset");
        }
    }

    #[test]
    fn nothing_packed_is_zero_and_typical_is_small() {
        assert_eq!(packed_policy_size_percent(None, &[], &[], &[]), 0);
        let p = packed_policy_size_percent(Some(TYPICAL), &[], &[], &[]);
        assert!((5..=25).contains(&p), "typical policy: {p}%");
    }

    #[test]
    fn a_full_size_policy_fits() {
        let full = full_size_policy();
        assert!(full.len() > 1900 && full.len() <= 2048);
        assert!(validate_session_policy_chars(&full).is_ok());
        let p = packed_policy_size_percent(Some(&full), &[], &[], &[]);
        assert!(p < 100, "full-size policy: {p}%");
    }

    #[test]
    fn whitespace_and_order_do_not_change_the_size() {
        let compact = serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(TYPICAL).expect("json"),
        )
        .expect("json");
        let arns = vec![
            "arn:aws:iam::123456789012:policy/b".to_owned(),
            "arn:aws:iam::123456789012:policy/a".to_owned(),
        ];
        let mut rev = arns.clone();
        rev.reverse();
        assert_eq!(
            packed_policy_size_percent(Some(TYPICAL), &arns, &[], &[]),
            packed_policy_size_percent(Some(&compact), &rev, &[], &[])
        );
    }

    #[test]
    fn many_long_tags_overflow_with_the_aws_message() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut noise = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b'A' + (x % 26) as u8)
                })
                .collect()
        };
        let tags: Vec<SessionTag> = (0..50)
            .map(|i| SessionTag::new(format!("k{i}-{}", noise(20)), noise(200)))
            .collect();
        let err = check_packed_policy_size(None, &[], &tags, &[]).expect_err("too large");
        assert!(err.percent > 100);
        assert_eq!(
            err.message,
            format!(
                "Packed size of session tags consumes {}% of allotted space.",
                err.percent
            )
        );
        let few = &tags[..3];
        assert!(check_packed_policy_size(Some(TYPICAL), &[], few, &[]).is_ok());
    }

    #[test]
    fn policy_character_and_length_messages() {
        assert!(validate_session_policy_chars("{\t\r\n\u{e9}}").is_ok());
        assert_eq!(
            validate_session_policy_chars("{\u{263a}}")
                .expect_err("bad char")
                .message,
            "1 validation error detected: Value '{\u{263a}}' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
        );
        let long = "x".repeat(2049);
        assert!(
            validate_session_policy_chars(&long)
                .expect_err("too long")
                .message
                .ends_with("at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048")
        );
        assert!(validate_session_policy_chars(&"x".repeat(2048)).is_ok());
        assert!(validate_session_policy_chars("").is_err());
    }

    #[test]
    fn policy_arn_limits() {
        let arn = "arn:aws:iam::123456789012:policy/p".to_owned();
        assert!(validate_policy_arns(&vec![arn.clone(); 10]).is_ok());
        assert!(validate_policy_arns(&vec![arn; 11]).is_err());
        assert!(
            validate_policy_arns(&["arn:short".into()])
                .expect_err("short")
                .message
                .contains("at 'policyArns.1.member.arn'")
        );
    }
}
