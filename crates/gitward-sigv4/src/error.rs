//! Errors of SigV4 verification: one variant per AWS error code, `Display` = AWS's message.

/// Why a request's SigV4 signature was refused.
///
/// Each variant is one AWS error code ([`SigV4Error::code`] for the query protocol,
/// [`SigV4Error::json_code`] for JSON services); `Display` is the message to return. No
/// message ever contains a secret key. An unknown access key is not an error of this crate:
/// the caller decides `InvalidClientTokenId` when its lookup fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// The request carries no signature at all (403).
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    /// The `Authorization` header (or a header it relies on) is malformed (400).
    #[error("{message}")]
    IncompleteSignature {
        /// AWS-style text naming what is missing or wrong.
        message: String,
    },
    /// The signature, its scope or its time does not hold (403).
    #[error(transparent)]
    SignatureDoesNotMatch(#[from] SignatureMismatch),
    /// A presigned query is malformed: missing or repeated `X-Amz-*` parameters, bad
    /// `X-Amz-Expires` (400).
    #[error("{message}")]
    AuthorizationQueryParametersError {
        /// AWS-style text naming what is missing or wrong.
        message: String,
    },
    /// `x-amz-content-sha256` is a hash that differs from the received body's (400).
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    XAmzContentSHA256Mismatch {
        /// The value the client sent.
        provided: String,
        /// The hash of the body the server received.
        computed: String,
    },
}

impl SigV4Error {
    /// The error code for query-protocol services (STS, IAM), e.g. `SignatureDoesNotMatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::IncompleteSignature { .. } => "IncompleteSignature",
            Self::SignatureDoesNotMatch(_) => "SignatureDoesNotMatch",
            Self::AuthorizationQueryParametersError { .. } => "AuthorizationQueryParametersError",
            Self::XAmzContentSHA256Mismatch { .. } => "XAmzContentSHA256Mismatch",
        }
    }

    /// The error code for JSON services (CodeCommit), e.g. `InvalidSignatureException`.
    pub fn json_code(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature { .. } | Self::AuthorizationQueryParametersError { .. } => {
                "IncompleteSignatureException"
            }
            Self::SignatureDoesNotMatch(_) | Self::XAmzContentSHA256Mismatch { .. } => {
                "InvalidSignatureException"
            }
        }
    }

    /// The HTTP status query-protocol services answer with (403 or 400).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingAuthenticationToken | Self::SignatureDoesNotMatch(_) => 403,
            Self::IncompleteSignature { .. }
            | Self::AuthorizationQueryParametersError { .. }
            | Self::XAmzContentSHA256Mismatch { .. } => 400,
        }
    }

    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::IncompleteSignature {
            message: message.into(),
        }
    }

    pub(crate) fn query_params(message: impl Into<String>) -> Self {
        Self::AuthorizationQueryParametersError {
            message: message.into(),
        }
    }
}

/// The `SignatureDoesNotMatch` cases, each with AWS's message (`FACTS.md` §1.3, §1.4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureMismatch {
    /// The recomputed signature differs from the one sent.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Signature,
    /// The request time is more than 15 minutes before `now`.
    #[error("Signature expired: {amz_date} is now earlier than {earliest} ({now} - 15 min.)")]
    Expired {
        /// The signed request time, `YYYYMMDDTHHMMSSZ`.
        amz_date: String,
        /// `now` − 15 min.
        earliest: String,
        /// The server's time.
        now: String,
    },
    /// The request time is more than 15 minutes after `now`.
    #[error("Signature not yet current: {amz_date} is still later than {latest} ({now} + 15 min.)")]
    NotYetCurrent {
        /// The signed request time, `YYYYMMDDTHHMMSSZ`.
        amz_date: String,
        /// `now` + 15 min.
        latest: String,
        /// The server's time.
        now: String,
    },
    /// A presigned request is used after `X-Amz-Date + X-Amz-Expires`.
    #[error(
        "Signature expired: {amz_date} is now earlier than {earliest} ({now} - {expires} sec.)"
    )]
    PresignExpired {
        /// The signed request time, `YYYYMMDDTHHMMSSZ`.
        amz_date: String,
        /// `now` − `X-Amz-Expires`.
        earliest: String,
        /// The server's time.
        now: String,
        /// `X-Amz-Expires` in seconds.
        expires: u32,
    },
    /// The scope date differs from the date part of the request time.
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{date}', from '{amz_date}'."
    )]
    ScopeDate {
        /// The date in the credential scope.
        scope_date: String,
        /// The first eight characters of the request time.
        date: String,
        /// The request time, `YYYYMMDDTHHMMSSZ`.
        amz_date: String,
    },
    /// The scope names a region this endpoint does not serve (or not a region at all).
    #[error("Credential should be scoped to a valid Region, not '{region}'.")]
    Region {
        /// The region in the credential scope.
        region: String,
    },
    /// The scope names another service.
    #[error("Credential should be scoped to correct service: '{expected}'.")]
    Service {
        /// The service this endpoint is.
        expected: String,
    },
    /// The scope does not end in `aws4_request`.
    #[error(
        "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
    )]
    Terminator {
        /// The last element of the credential.
        terminator: String,
    },
}
