//! The fields of a signature: credential, signed headers, signature, expiry.

use crate::{CredentialScope, SCOPE_TERMINATOR, SigV4Error, SignatureMismatch};

/// Most header names `SignedHeaders` may list.
const MAX_SIGNED_HEADERS: usize = 128;
/// Longest header name accepted in `SignedHeaders`.
const MAX_HEADER_NAME_LEN: usize = 128;
/// Longest access key id accepted (AWS: 16..=128).
const MAX_ACCESS_KEY_ID_LEN: usize = 128;
/// Longest region or service name accepted.
const MAX_SCOPE_NAME_LEN: usize = 64;
/// How much of a client-supplied value an error message may quote.
const MAX_ECHO: usize = 512;

/// Which form is being parsed; selects the error variant for malformed input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Header,
    Query,
}

impl Form {
    pub(crate) fn malformed(self, message: impl Into<String>) -> SigV4Error {
        match self {
            Form::Header => SigV4Error::incomplete(message),
            Form::Query => SigV4Error::query_params(message),
        }
    }
}

pub(crate) fn parse_expires(value: &str) -> Result<u32, SigV4Error> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SigV4Error::query_params(
            "X-Amz-Expires should be a number of seconds",
        ));
    }
    // More than ten digits cannot be in range; a parse overflow means the same.
    let seconds: u64 = value.parse().unwrap_or(u64::MAX);
    if seconds == 0 {
        return Err(SigV4Error::query_params(
            "X-Amz-Expires must be at least 1 second",
        ));
    }
    if seconds > u64::from(crate::MAX_PRESIGN_EXPIRES) {
        return Err(SigV4Error::query_params(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    u32::try_from(seconds).map_err(|_| {
        SigV4Error::query_params(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        )
    })
}

/// Parses `AKID/YYYYMMDD/region/service/aws4_request`; the scope date must match `amz_date`.
pub(crate) fn parse_credential(
    credential: &str,
    form: Form,
    amz_date: &str,
) -> Result<(String, CredentialScope), SigV4Error> {
    let parts: Vec<&str> = credential.splitn(6, '/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(form.malformed(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            echo(credential)
        )));
    };
    if access_key_id.is_empty()
        || access_key_id.len() > MAX_ACCESS_KEY_ID_LEN
        || !access_key_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(form.malformed(format!(
            "Credential has a malformed access key id, got '{}'",
            echo(credential)
        )));
    }
    if *terminator != SCOPE_TERMINATOR {
        return Err(SignatureMismatch::Terminator {
            terminator: echo(terminator),
        }
        .into());
    }
    let amz_day = amz_date.get(..8).unwrap_or(amz_date);
    if *date != amz_day {
        return Err(SignatureMismatch::ScopeDate {
            scope_date: echo(date),
            date: amz_day.to_owned(),
            amz_date: echo(amz_date),
        }
        .into());
    }
    if !is_scope_name(region) {
        return Err(SignatureMismatch::Region {
            region: echo(region),
        }
        .into());
    }
    if !is_scope_name(service) {
        return Err(form.malformed(format!(
            "Credential has a malformed service name, got '{}'",
            echo(credential)
        )));
    }
    Ok((
        (*access_key_id).to_owned(),
        CredentialScope {
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
        },
    ))
}

/// Region and service names: 1..=64 of `a-z0-9-`.
fn is_scope_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SCOPE_NAME_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Parses `h1;h2;…`: lower-case header names, sorted, unique, `host` among them.
pub(crate) fn parse_signed_headers(value: &str, form: Form) -> Result<Vec<String>, SigV4Error> {
    let malformed = || {
        form.malformed(format!(
            "SignedHeaders must be lower-case header names, sorted and separated by ';', got '{}'",
            echo(value)
        ))
    };
    let mut names: Vec<String> = Vec::new();
    for name in value.split(';') {
        let valid = !name.is_empty()
            && name.len() <= MAX_HEADER_NAME_LEN
            && name.bytes().all(is_lowercase_tchar)
            && names.last().is_none_or(|prev| prev.as_str() < name);
        if !valid || names.len() == MAX_SIGNED_HEADERS {
            return Err(malformed());
        }
        names.push(name.to_owned());
    }
    if !names.iter().any(|n| n == "host") {
        return Err(form.malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(names)
}

/// RFC 9110 `tchar` without upper-case letters.
fn is_lowercase_tchar(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(crate) fn parse_signature(value: &str, form: Form) -> Result<String, SigV4Error> {
    if value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(value.to_owned())
    } else {
        Err(form.malformed("Signature must be 64 lower-case hexadecimal characters."))
    }
}

/// A client-supplied value fit to quote in a message: bounded, control characters hidden.
pub(crate) fn echo(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_ECHO)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(MAX_ECHO).is_some() {
        out.push('…');
    }
    out
}
