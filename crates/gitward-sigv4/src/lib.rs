//! Server-side verification of AWS Signature Version 4, and the CodeCommit Git password.
//!
//! A pure crate: no I/O, no clock reads (`now` is always a parameter), no async. The
//! pipeline a caller walks is the one the spec describes (`FACTS.md` §1):
//!
//! 1. [`parse`] finds the signature (an `Authorization` header or a presigned query) and
//!    parses it; no secret is needed, so the caller can look up the access key next.
//! 2. [`check_scope`] compares the credential scope with what the route expects
//!    (service name, and region when the route pins one).
//! 3. [`verify`] checks the request time, rebuilds the canonical request, signs it with
//!    the secret the caller found and compares signatures in constant time.
//!
//! The intermediate steps ([`canonical_request`], [`string_to_sign`], [`signing_key`]) are
//! public so tests can compare each one with AWS's signing test suite, and so a failure
//! names the step that differs.
//!
//! [`git_password`] implements the "SigV4 password" that `aws codecommit
//! credential-helper` and git-remote-codecommit hand to git (`FACTS.md` §2).
//!
//! Canonicalisation follows the non-S3 ("normalize": true) rules: the path as received is
//! normalised (dot segments removed, repeated slashes collapsed) and percent-encoded again;
//! the query is decoded, re-encoded strictly and sorted.
//!
//! Choices where clients disagree (none matters for the `POST /` calls of STS, IAM and
//! CodeCommit):
//! - a path ending in `/.` or `/..` keeps its trailing slash (RFC 3986, aws-sigv4, the CRT
//!   suite); botocore drops it;
//! - header values collapse runs of any ASCII whitespace (botocore); aws-sigv4 collapses
//!   spaces only, so a tab inside a signed header value differs;
//! - `+` in the query is a space (aws-sigv4, form encoding); botocore never sends a raw `+`;
//! - STS's shorter presign lifetime (`min(X-Amz-Expires, 900)`) is the caller's to
//!   enforce, from [`ParsedAuth::request_time`] and [`ParsedAuth::expires_seconds`].

mod canonical;
mod error;
mod fields;
pub mod git_password;
mod parse;
mod timefmt;
mod verify;

pub use canonical::{
    QueryToken, canonical_headers, canonical_query_string, canonical_request,
    canonical_request_with, canonical_uri, hashed_payload,
};
pub use error::{SigV4Error, SignatureMismatch};
pub use parse::parse;
pub use timefmt::{format_amz_date, parse_amz_date, parse_http_date};
pub use verify::{
    MAX_CLOCK_SKEW, MAX_PRESIGN_EXPIRES, check_scope, signature, signing_key, string_to_sign,
    verify,
};

/// The only signing algorithm gitward accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The fixed last element of every SigV4 credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";

/// The literal a client may send in `x-amz-content-sha256` instead of a body hash.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parts of an HTTP request the verifier needs, exactly as received.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The request method as received (`GET`, `POST`, …); not case-folded.
    pub method: &'a str,
    /// The raw path as on the wire (still percent-encoded), without the query.
    pub path: &'a str,
    /// The raw query string without the leading `?`; may be empty.
    pub query: &'a str,
    /// The headers as received: names in any case, repeats allowed, in arrival order.
    pub headers: &'a [(String, String)],
    /// Lower-case hex SHA-256 of the received body.
    pub payload_sha256_hex: &'a str,
}

/// Where the signature of a request was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthLocation {
    /// In the `Authorization` header.
    Header,
    /// In presigned query parameters (`X-Amz-Signature` and friends).
    Query,
}

/// The credential scope `YYYYMMDD/region/service/aws4_request`, without the terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The scope date, `YYYYMMDD`.
    pub date: String,
    /// The region the request was signed for, e.g. `us-east-1`.
    pub region: String,
    /// The signing name of the service, e.g. `sts`, `iam`, `codecommit`.
    pub service: String,
}

impl CredentialScope {
    /// The scope as it appears in the string to sign: `date/region/service/aws4_request`.
    pub fn to_scope_string(&self) -> String {
        format!(
            "{}/{}/{}/{SCOPE_TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

/// A parsed (not yet verified) SigV4 signature and the request facts it covers.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    /// The access key id from the credential; the caller looks its secret up.
    pub access_key_id: String,
    /// The credential scope (date, region, service).
    pub scope: CredentialScope,
    /// The signed header names: lower-case, sorted, unique; always contains `host`.
    pub signed_headers: Vec<String>,
    /// The signature the client sent: 64 lower-case hex digits.
    pub signature: String,
    /// The request time as signed, `YYYYMMDDTHHMMSSZ` (converted if it came from `Date`).
    pub amz_date: String,
    /// [`ParsedAuth::amz_date`] as a UTC time.
    pub request_time: time::OffsetDateTime,
    /// The session token (`X-Amz-Security-Token`), if the request carried one.
    pub security_token: Option<String>,
    /// Where the signature was found.
    pub location: AuthLocation,
    /// `X-Amz-Expires` of a presigned request (1..=604800); `None` for the header form.
    pub expires_seconds: Option<u32>,
}

impl std::fmt::Debug for ParsedAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("amz_date", &self.amz_date)
            .field("request_time", &self.request_time)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("location", &self.location)
            .field("expires_seconds", &self.expires_seconds)
            .finish()
    }
}

/// Lower-case hex SHA-256 of `data` (the form [`HttpRequest::payload_sha256_hex`] wants).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
