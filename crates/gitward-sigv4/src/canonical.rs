//! The canonical request (`FACTS.md` §1.2), built from the request exactly as received.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};

use crate::{AuthLocation, HttpRequest, ParsedAuth, SigV4Error, UNSIGNED_PAYLOAD};

/// Everything but the RFC 3986 unreserved characters `A-Za-z0-9-._~` is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`UNRESERVED`], and `/` stays as is (canonical URI).
const PATH_SAFE: &AsciiSet = &UNRESERVED.remove(b'/');

/// Name of the presigned-query parameter that carries the signature.
pub(crate) const Q_SIGNATURE: &[u8] = b"X-Amz-Signature";
/// Name of the presigned-query parameter that carries the session token.
pub(crate) const Q_SECURITY_TOKEN: &[u8] = b"X-Amz-Security-Token";

/// Whether a presigned request's `X-Amz-Security-Token` takes part in the canonical query.
///
/// Clients normally sign it (botocore adds it before signing); some add it after signing
/// (the test suite's `omit_session_token`). [`verify`](crate::verify) accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryToken {
    /// The token parameter is part of the canonical query (the usual case).
    #[default]
    Signed,
    /// The token parameter is left out of the canonical query.
    Unsigned,
}

/// The canonical request for `req` as described by `parsed`, the token signed.
///
/// Same as [`canonical_request_with`] with [`QueryToken::Signed`].
pub fn canonical_request(req: &HttpRequest, parsed: &ParsedAuth) -> Result<String, SigV4Error> {
    canonical_request_with(req, parsed, QueryToken::Signed)
}

/// The canonical request: method, URI, query, headers, signed header list, payload hash.
///
/// Fails if a header listed in `SignedHeaders` is absent from the request, or if
/// `x-amz-content-sha256` is repeated, unsupported or differs from the body's hash.
/// `token` only matters for presigned requests.
pub fn canonical_request_with(
    req: &HttpRequest,
    parsed: &ParsedAuth,
    token: QueryToken,
) -> Result<String, SigV4Error> {
    let payload = hashed_payload(req)?;
    let headers = canonical_headers(req, &parsed.signed_headers)?;
    let query = match parsed.location {
        AuthLocation::Header => canonical_query_excluding(req.query, |_| false),
        AuthLocation::Query => canonical_query_excluding(req.query, |key| {
            key == Q_SIGNATURE || (token == QueryToken::Unsigned && key == Q_SECURITY_TOKEN)
        }),
    };
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path),
        query,
        headers,
        parsed.signed_headers.join(";"),
        payload
    ))
}

/// The canonical URI of a raw (still percent-encoded) path, for non-S3 services.
///
/// Dot segments are removed (RFC 3986 §5.2.4), repeated slashes collapsed, a trailing
/// slash kept, and the result percent-encoded again with only `A-Za-z0-9-._~/` left as is
/// (so `%3D` becomes `%253D`); an empty path is `/`.
///
/// A path ending in `/.` or `/..` keeps a trailing slash (RFC 3986, aws-sigv4, the CRT
/// test suite); botocore drops it there. Real STS/IAM/CodeCommit paths are `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = String::with_capacity(raw_path.len() + 1);
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    let trailing_slash =
        raw_path.ends_with('/') || raw_path.ends_with("/.") || raw_path.ends_with("/..");
    if normalized.is_empty() || trailing_slash {
        normalized.push('/');
    }
    percent_encode(normalized.as_bytes(), PATH_SAFE).to_string()
}

/// The canonical query string of a raw query (without `?`).
///
/// Each `&`-separated pair is split on its first `=` (no `=` means an empty value),
/// form-decoded (`+` is a space, `%XX` a byte; a malformed escape stays literal), then
/// key and value are re-encoded with only `A-Za-z0-9-._~` unescaped, sorted by key then
/// value, and joined with `&`. Empty pairs (`a=1&&b=2`) are skipped.
pub fn canonical_query_string(raw_query: &str) -> String {
    canonical_query_excluding(raw_query, |_| false)
}

/// [`canonical_query_string`] without the pairs whose decoded key `skip` selects.
pub(crate) fn canonical_query_excluding(raw_query: &str, skip: impl Fn(&[u8]) -> bool) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in query_pairs(raw_query) {
        if skip(&key) {
            continue;
        }
        pairs.push((
            percent_encode(&key, UNRESERVED).to_string(),
            percent_encode(&value, UNRESERVED).to_string(),
        ));
    }
    pairs.sort_unstable();
    let mut out = String::with_capacity(raw_query.len() + 16);
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The decoded `(key, value)` pairs of a raw query, in order; empty pairs skipped.
pub(crate) fn query_pairs(raw_query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    raw_query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(key), form_decode(value))
    })
}

/// Decodes one `application/x-www-form-urlencoded` component into bytes.
pub(crate) fn form_decode(s: &str) -> Vec<u8> {
    let plus_as_space: Vec<u8> = s
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&plus_as_space).collect()
}

/// The canonical header block: one `name:value\n` line per signed header.
///
/// A value is every occurrence of the header (names compared case-insensitively) in
/// arrival order, each trimmed with runs of whitespace (obs-fold included) collapsed to
/// one space, joined with `,`. Fails if a signed header is absent.
pub fn canonical_headers(
    req: &HttpRequest,
    signed_headers: &[String],
) -> Result<String, SigV4Error> {
    let mut values: Vec<Vec<&str>> = vec![Vec::new(); signed_headers.len()];
    for (name, value) in req.headers {
        let found = signed_headers
            .iter()
            .position(|s| s.eq_ignore_ascii_case(name));
        if let Some(index) = found
            && let Some(slot) = values.get_mut(index)
        {
            slot.push(value);
        }
    }
    let mut out = String::new();
    for (name, occurrences) in signed_headers.iter().zip(&values) {
        if occurrences.is_empty() {
            return Err(SigV4Error::incomplete(format!(
                "Header '{name}' is listed in SignedHeaders but is not present in the request."
            )));
        }
        out.push_str(name);
        out.push(':');
        for (i, value) in occurrences.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_normalized_value(&mut out, value);
        }
        out.push('\n');
    }
    Ok(out)
}

fn push_normalized_value(out: &mut String, value: &str) {
    let words = value
        .split([' ', '\t', '\r', '\n', '\x0b', '\x0c'])
        .filter(|w| !w.is_empty());
    for (i, word) in words.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// The payload line of the canonical request.
///
/// Without `x-amz-content-sha256` it is the received body's hash. With it, the value is
/// used verbatim: `UNSIGNED-PAYLOAD` as is, a hex hash only if it equals the body's hash
/// (else [`SigV4Error::XAmzContentSHA256Mismatch`]); other values are refused.
pub fn hashed_payload(req: &HttpRequest) -> Result<String, SigV4Error> {
    let mut declared = req
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("x-amz-content-sha256"))
        .map(|(_, value)| value.trim_matches([' ', '\t']));
    let Some(value) = declared.next() else {
        return Ok(req.payload_sha256_hex.to_owned());
    };
    if declared.next().is_some() {
        return Err(SigV4Error::incomplete(
            "The request has more than one x-amz-content-sha256 header.",
        ));
    }
    if value == UNSIGNED_PAYLOAD {
        return Ok(value.to_owned());
    }
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        if value.eq_ignore_ascii_case(req.payload_sha256_hex) {
            return Ok(value.to_owned());
        }
        return Err(SigV4Error::XAmzContentSHA256Mismatch {
            provided: value.to_owned(),
            computed: req.payload_sha256_hex.to_owned(),
        });
    }
    Err(SigV4Error::incomplete(
        "x-amz-content-sha256 must be 'UNSIGNED-PAYLOAD' or the hex SHA-256 of the payload; streaming payloads are not supported.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_normalisation_and_double_encoding() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("//example//", "/example/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("/a/b/.", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("/../a", "/a"),
            ("a/b", "/a/b"),
            (
                "/test/@connections/JBDvjfGEIAMCERw%3D",
                "/test/%40connections/JBDvjfGEIAMCERw%253D",
            ),
            ("/example space/", "/example%20space/"),
            ("/\u{1234}", "/%E1%88%B4"),
            ("/v1/repos/My%20Repo", "/v1/repos/My%2520Repo"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_uri(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        let cases = [
            ("", ""),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            (
                "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
                "%E1%88%B4=Value1&Param=Value2&Param-3=Value3",
            ),
            ("\u{1234}=bar", "%E1%88%B4=bar"),
            ("key", "key="),
            ("a=1&&b=2&", "a=1&b=2"),
            ("a=b+c&a=b%20c&a=%2b", "a=%2B&a=b%20c&a=b%20c"),
            ("x=%2f%2F/", "x=%2F%2F%2F"),
            ("bad=%zz%4", "bad=%25zz%254"),
            ("k=v=w", "k=v%3Dw"),
            ("b=2&a=2&a=1", "a=1&a=2&b=2"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_query_string(raw), want, "{raw:?}");
        }
    }
}
