//! STS parameter validation with AWS's messages (FACTS §3.1, §3.2, §3.5).
//!
//! Model constraint violations are reported the way AWS (and moto) word them:
//! `1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy
//! constraint: Member must have length greater than or equal to 2`, several violations of
//! one call joined with `; ` under `N validation errors detected:`. Rules that are not model
//! constraints (durations against a role, chaining) use the plain texts AWS returns.
//! Everything here answers with the wire code `ValidationError` (400).

use crate::claims::{SessionTag, tag_keys_equal};
use std::sync::LazyLock;

/// The shortest session STS grants, unless a test setting lowers it (issue 5, point 5).
pub const MIN_DURATION_SECONDS: i64 = 900;
/// The model's upper bound of `AssumeRole`'s `DurationSeconds`.
pub const ASSUME_ROLE_MAX_DURATION_SECONDS: i64 = 43_200;
/// The default `AssumeRole` duration.
pub const ASSUME_ROLE_DEFAULT_DURATION_SECONDS: i64 = 3_600;
/// The cap on sessions assumed with temporary credentials (role chaining).
pub const ROLE_CHAINING_MAX_DURATION_SECONDS: i64 = 3_600;
/// The upper bound of `GetSessionToken`/`GetFederationToken` durations for IAM users.
pub const USER_TOKEN_MAX_DURATION_SECONDS: i64 = 129_600;
/// Their default for IAM users.
pub const USER_TOKEN_DEFAULT_DURATION_SECONDS: i64 = 43_200;
/// Their upper bound (and default) for the root user; longer requests are clamped.
pub const ROOT_TOKEN_MAX_DURATION_SECONDS: i64 = 3_600;
/// At most this many session tags.
pub const MAX_SESSION_TAGS: usize = 50;

/// The text AWS returns when a chained `AssumeRole` asks for more than an hour.
pub const ROLE_CHAINING_MESSAGE: &str = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";
/// The text AWS returns when `DurationSeconds` exceeds the role's `MaxSessionDuration`.
pub const ROLE_MAX_MESSAGE: &str =
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";

/// A `ValidationError` (400) with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The message, as sent in `<Message>`.
    pub message: String,
}

impl ValidationError {
    /// The wire error code.
    pub const CODE: &'static str = "ValidationError";

    /// An error with a plain message.
    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The model-constraint form for one or more violations, each being
    /// `Value '…' at '…' failed to satisfy constraint: Member must …`.
    pub fn constraints(violations: &[String]) -> Self {
        let n = violations.len();
        let noun = if n == 1 { "error" } else { "errors" };
        Self {
            message: format!("{n} validation {noun} detected: {}", violations.join("; ")),
        }
    }
}

/// One model-constraint violation text.
pub fn violation(value: &str, field: &str, must: &str) -> String {
    format!("Value '{value}' at '{field}' failed to satisfy constraint: Member must {must}")
}

/// Collects the violations of one call; `finish` turns them into a result.
#[derive(Debug, Default)]
struct Violations(Vec<String>);

impl Violations {
    fn length(&mut self, value: &str, field: &str, min: usize, max: usize) {
        let len = value.chars().count();
        if len < min {
            self.0.push(violation(
                value,
                field,
                &format!("have length greater than or equal to {min}"),
            ));
        }
        if len > max {
            self.0.push(violation(
                value,
                field,
                &format!("have length less than or equal to {max}"),
            ));
        }
    }

    fn pattern(&mut self, value: &str, field: &str, ok: bool, pattern: &str) {
        if !ok {
            self.0.push(violation(
                value,
                field,
                &format!("satisfy regular expression pattern: {pattern}"),
            ));
        }
    }

    fn finish(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::constraints(&self.0))
        }
    }
}

/// Java's `\w` (ASCII word characters), as AWS's patterns mean it.
fn word_or(s: &str, extra: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c))
}

const SESSION_NAME_PATTERN: &str = r"[\w+=,.@-]*";
const EXTERNAL_ID_PATTERN: &str = r"[\w+=,.@:\/-]*";
const SERIAL_NUMBER_PATTERN: &str = r"[\w+=/:,.@-]*";
const TOKEN_CODE_PATTERN: &str = r"[\d]*";
const TAG_KEY_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
const TAG_VALUE_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

static TAG_RE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").expect("a constant, valid pattern")
});

/// `RoleSessionName`: 2..64 characters of `[\w+=,.@-]`, and one deliberate leniency: inner
/// spaces. [design] The CodeCommit guide on rotating credentials (seed 001) configures
/// `role_session_name = Maria Garcia`, which AWS's pattern refuses; gitward promises that
/// guide works verbatim, so a space between other allowed characters is accepted (and shows
/// in the assumed-role ARN as given). Every other character outside the pattern, and
/// leading or trailing spaces, are refused with AWS's message.
pub fn validate_role_session_name(name: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(name, "roleSessionName", 2, 64);
    let inner_spaces_ok = name.trim() == name;
    v.pattern(
        name,
        "roleSessionName",
        inner_spaces_ok && word_or(name, "+=,.@- "),
        SESSION_NAME_PATTERN,
    );
    v.finish()
}

/// `RoleArn`: 20..2048 characters, none of them control characters other than TAB, LF, CR
/// (the model's `arnType`). Whether it names a role is the caller's check.
pub fn validate_role_arn(arn: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(arn, "roleArn", 20, 2048);
    let ok = arn.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}')
            || (c >= '\u{a0}' && c != '\u{fffe}' && c != '\u{ffff}')
    });
    v.pattern(
        arn,
        "roleArn",
        ok,
        r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+",
    );
    v.finish()
}

/// `SourceIdentity`: 2..64 characters of `[\w+=,.@-]`, not starting with `aws:`.
pub fn validate_source_identity(id: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(id, "sourceIdentity", 2, 64);
    v.pattern(
        id,
        "sourceIdentity",
        word_or(id, "+=,.@-"),
        SESSION_NAME_PATTERN,
    );
    v.finish()?;
    // [design] `aws:` cannot pass the pattern (':' is not in it); the rule is checked
    // anyway, in case the pattern ever widens.
    if id.to_ascii_lowercase().starts_with("aws:") {
        return Err(ValidationError::plain(
            "SourceIdentity cannot start with the reserved prefix 'aws:'.",
        ));
    }
    Ok(())
}

/// `ExternalId`: 2..1224 characters of `[\w+=,.@:\/-]`.
pub fn validate_external_id(id: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(id, "externalId", 2, 1224);
    v.pattern(
        id,
        "externalId",
        word_or(id, "+=,.@:/-"),
        EXTERNAL_ID_PATTERN,
    );
    v.finish()
}

/// `GetFederationToken`'s `Name`: 2..32 characters of `[\w+=,.@-]`.
pub fn validate_federated_user_name(name: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(name, "name", 2, 32);
    v.pattern(name, "name", word_or(name, "+=,.@-"), SESSION_NAME_PATTERN);
    v.finish()
}

/// `SerialNumber`: 9..256 characters of `[\w+=/:,.@-]`.
pub fn validate_serial_number(serial: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(serial, "serialNumber", 9, 256);
    v.pattern(
        serial,
        "serialNumber",
        word_or(serial, "+=/:,.@-"),
        SERIAL_NUMBER_PATTERN,
    );
    v.finish()
}

/// `TokenCode`: exactly 6 digits.
pub fn validate_token_code(code: &str) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    v.length(code, "tokenCode", 6, 6);
    v.pattern(
        code,
        "tokenCode",
        code.bytes().all(|b| b.is_ascii_digit()),
        TOKEN_CODE_PATTERN,
    );
    v.finish()
}

fn range(requested: i64, min: i64, max: i64) -> Result<(), ValidationError> {
    let value = requested.to_string();
    let mut v = Vec::new();
    if requested < min {
        v.push(violation(
            &value,
            "durationSeconds",
            &format!("have value greater than or equal to {min}"),
        ));
    }
    if requested > max {
        v.push(violation(
            &value,
            "durationSeconds",
            &format!("have value less than or equal to {max}"),
        ));
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::constraints(&v))
    }
}

/// The session length for `AssumeRole` (also `…WithSAML`/`…WithWebIdentity`): `requested`
/// or 3600, within `min_seconds` (900, lower only in tests) ..= 43200, then at most one
/// hour when `role_chaining` (the caller holds temporary credentials), then at most the
/// role's `MaxSessionDuration`.
pub fn assume_role_duration(
    requested: Option<i64>,
    role_max_session_duration: i64,
    role_chaining: bool,
    min_seconds: i64,
) -> Result<i64, ValidationError> {
    let Some(d) = requested else {
        return Ok(ASSUME_ROLE_DEFAULT_DURATION_SECONDS.min(role_max_session_duration));
    };
    range(d, min_seconds, ASSUME_ROLE_MAX_DURATION_SECONDS)?;
    if role_chaining && d > ROLE_CHAINING_MAX_DURATION_SECONDS {
        return Err(ValidationError::plain(ROLE_CHAINING_MESSAGE));
    }
    if d > role_max_session_duration {
        return Err(ValidationError::plain(ROLE_MAX_MESSAGE));
    }
    Ok(d)
}

/// The session length for `GetSessionToken` and `GetFederationToken`: IAM users
/// `min_seconds`..=129600, default 43200; root the same range, but anything over an hour
/// (the default included) is clamped to 3600, as AWS does.
pub fn token_duration(
    requested: Option<i64>,
    is_root: bool,
    min_seconds: i64,
) -> Result<i64, ValidationError> {
    let d = match requested {
        Some(d) => {
            range(d, min_seconds, USER_TOKEN_MAX_DURATION_SECONDS)?;
            d
        }
        None => USER_TOKEN_DEFAULT_DURATION_SECONDS,
    };
    Ok(if is_root {
        d.min(ROOT_TOKEN_MAX_DURATION_SECONDS)
    } else {
        d
    })
}

/// Session tags and transitive tag keys (FACTS §3.5): at most 50 tags and 50 transitive
/// keys; keys 1..128 and values 0..256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; no two
/// keys equal ignoring case; every transitive key names a passed tag; no passed tag may
/// re-set a transitive tag inherited from the calling session (`inherited_transitive_keys`).
pub fn validate_session_tags(
    tags: &[SessionTag],
    transitive_tag_keys: &[String],
    inherited_transitive_keys: &[String],
) -> Result<(), ValidationError> {
    let mut v = Violations::default();
    if tags.len() > MAX_SESSION_TAGS {
        v.0.push(violation(
            &format!("{tags:?}"),
            "tags",
            &format!("have length less than or equal to {MAX_SESSION_TAGS}"),
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let n = i + 1;
        let kf = format!("tags.{n}.member.key");
        v.length(&t.key, &kf, 1, 128);
        v.pattern(&t.key, &kf, TAG_RE.is_match(&t.key), TAG_KEY_PATTERN);
        let vf = format!("tags.{n}.member.value");
        v.length(&t.value, &vf, 0, 256);
        v.pattern(&t.value, &vf, TAG_RE.is_match(&t.value), TAG_VALUE_PATTERN);
    }
    if transitive_tag_keys.len() > MAX_SESSION_TAGS {
        v.0.push(violation(
            &format!("{transitive_tag_keys:?}"),
            "transitiveTagKeys",
            &format!("have length less than or equal to {MAX_SESSION_TAGS}"),
        ));
    }
    for (i, k) in transitive_tag_keys.iter().enumerate() {
        let f = format!("transitiveTagKeys.{}.member", i + 1);
        v.length(k, &f, 1, 128);
        v.pattern(k, &f, TAG_RE.is_match(k), TAG_KEY_PATTERN);
    }
    v.finish()?;

    for (i, a) in tags.iter().enumerate() {
        if tags[..i].iter().any(|b| tag_keys_equal(&a.key, &b.key)) {
            // [observed] IAM's wording for the same rule on TagRole/TagUser.
            return Err(ValidationError::plain(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    for k in transitive_tag_keys {
        if !tags.iter().any(|t| tag_keys_equal(&t.key, k)) {
            // [design] AWS's exact text is not documented.
            return Err(ValidationError::plain(format!(
                "The transitive tag key '{k}' is not one of the session tags passed in the request."
            )));
        }
    }
    for t in tags {
        if inherited_transitive_keys
            .iter()
            .any(|k| tag_keys_equal(k, &t.key))
        {
            // [design] AWS's exact text is not documented.
            return Err(ValidationError::plain(format!(
                "The session tag '{}' cannot be set: it is a transitive tag inherited from the calling session.",
                t.key
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
