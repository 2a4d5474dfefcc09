//! Building one signed query-protocol request with `aws-sigv4`.

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use std::time::SystemTime;

/// The content type botocore sends with query-protocol (IAM, STS) requests.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// `aws-sigv4` refused the request or its parameters.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The signed parts did not make a valid HTTP request.
    #[error("building the request failed: {0}")]
    Http(#[from] http::Error),
}

/// Credentials to sign with; the secret and token are never printed.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (`AKIA…`, `ASIA…`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where and how requests are signed and sent.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`, as sent in `Host`.
    pub authority: String,
    /// The request path (`/`).
    pub path: String,
    /// The signing region (`us-east-1`).
    pub region: String,
    /// The signing name (`sts`, `iam`).
    pub service: String,
    /// The form body, sent as is.
    pub body: Bytes,
}

/// The request `target` describes, signed with `creds` at `time` (SigV4 in the
/// `Authorization` header; the session token sent and signed as `X-Amz-Security-Token`, as
/// botocore does; no `x-amz-content-sha256`, as botocore sends none for these services).
pub fn signed_request(
    target: &Target,
    creds: &Credentials,
    time: SystemTime,
) -> Result<http::Request<Bytes>, SignError> {
    let uri = format!("http://{}{}", target.authority, target.path);
    let length = target.body.len().to_string();
    let headers = [
        ("host", target.authority.as_str()),
        ("content-type", FORM_CONTENT_TYPE),
        ("content-length", length.as_str()),
    ];
    let identity: Identity = aws_credential_types::Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        creds.session_token.clone(),
        None,
        "gitward-loadgen",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&target.region)
        .name(&target.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SignError::Sign(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        uri.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(&target.body),
    )
    .map_err(|e| SignError::Sign(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| SignError::Sign(e.to_string()))?
        .into_parts();
    let mut builder = http::Request::builder()
        .method(http::Method::POST)
        .uri(target.path.as_str());
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    for (name, value) in instructions.headers() {
        builder = builder.header(name, value);
    }
    Ok(builder.body(target.body.clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitward_core::Secret;
    use std::time::{Duration, UNIX_EPOCH};

    const BODY: &str = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench";

    fn target(authority: &str) -> Target {
        Target {
            authority: authority.to_owned(),
            path: "/".to_owned(),
            region: "us-east-1".to_owned(),
            service: "sts".to_owned(),
            body: Bytes::from_static(BODY.as_bytes()),
        }
    }

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
            session_token: token.map(str::to_owned),
        }
    }

    /// Verifies `req` with gitward's own SigV4 verifier, as the server would.
    fn verify(
        req: &http::Request<Bytes>,
        secret: &str,
        at: SystemTime,
    ) -> gitward_sigv4::ParsedAuth {
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("ascii").to_owned()))
            .collect();
        let payload = gitward_sigv4::sha256_hex(req.body());
        let hr = gitward_sigv4::HttpRequest {
            method: req.method().as_str(),
            path: req.uri().path(),
            query: req.uri().query().unwrap_or(""),
            headers: &headers,
            payload_sha256_hex: &payload,
        };
        let parsed = gitward_sigv4::parse(&hr).expect("parses");
        let secs = at
            .duration_since(UNIX_EPOCH)
            .expect("after epoch")
            .as_secs();
        let now = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).expect("fits"))
            .expect("in range");
        gitward_sigv4::verify(&hr, &parsed, &Secret::new(secret), now).expect("verifies");
        parsed
    }

    #[test]
    fn long_term_request_verifies_with_gitwards_verifier() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let c = creds(None);
        let req = signed_request(&target("127.0.0.1:8443"), &c, at).expect("signs");
        let parsed = verify(&req, &c.secret_access_key, at);
        assert_eq!(parsed.access_key_id, c.access_key_id);
        assert_eq!(parsed.scope.service, "sts");
        assert_eq!(parsed.scope.region, "us-east-1");
        assert!(parsed.security_token.is_none());
        assert_eq!(req.body().as_ref(), BODY.as_bytes());
        assert_eq!(req.headers()["content-type"], FORM_CONTENT_TYPE);
        assert_eq!(
            req.headers()["content-length"],
            BODY.len().to_string().as_str()
        );
    }

    #[test]
    fn session_token_is_sent_and_signed() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let c = creds(Some("FwoGZXIvYXdzEXAMPLETOKEN=="));
        let req = signed_request(&target("127.0.0.1:8443"), &c, at).expect("signs");
        assert_eq!(
            req.headers()["x-amz-security-token"],
            "FwoGZXIvYXdzEXAMPLETOKEN=="
        );
        let auth = req.headers()["authorization"].to_str().expect("ascii");
        assert!(auth.contains("x-amz-security-token"), "{auth}");
        let parsed = verify(&req, &c.secret_access_key, at);
        assert_eq!(
            parsed.security_token.as_deref(),
            Some("FwoGZXIvYXdzEXAMPLETOKEN==")
        );
    }

    #[test]
    fn two_servers_get_the_same_request_but_for_the_host() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let c = creds(Some("token"));
        let a = signed_request(&target("127.0.0.1:1111"), &c, at).expect("signs");
        let b = signed_request(&target("127.0.0.1:2222"), &c, at).expect("signs");
        assert_eq!(a.method(), b.method());
        assert_eq!(a.uri(), b.uri());
        assert_eq!(a.body(), b.body());
        let names = |r: &http::Request<Bytes>| -> Vec<String> {
            r.headers().keys().map(|k| k.as_str().to_owned()).collect()
        };
        assert_eq!(names(&a), names(&b));
        for (name, value) in a.headers() {
            match name.as_str() {
                "host" => assert_eq!(value, "127.0.0.1:1111"),
                "authorization" => assert_ne!(value, &b.headers()[name]),
                _ => assert_eq!(value, &b.headers()[name], "{name}"),
            }
        }
    }

    #[test]
    fn credentials_debug_hides_the_secrets() {
        let shown = format!("{:?}", creds(Some("tok-secret")));
        assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"));
        assert!(
            !shown.contains("wJalr") && !shown.contains("tok-secret"),
            "{shown}"
        );
    }
}
