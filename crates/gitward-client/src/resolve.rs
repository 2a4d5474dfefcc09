//! Credentials and region for a profile, resolved by `aws-config` exactly as the AWS SDKs do,
//! with `AWS_CA_BUNDLE` honoured for the STS calls a role profile makes (the Rust SDK does
//! not read that variable itself; the AWS CLI and boto3 do).

use aws_config::{BehaviorVersion, ConfigLoader};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use gitward_core::Secret;

use crate::ClientError;
use crate::login::AwsCredentials;

/// What a profile resolves to.
#[derive(Debug)]
pub struct Resolved {
    /// The credentials (refreshed by aws-config if the profile assumes a role).
    pub credentials: AwsCredentials,
    /// The profile's (or the environment's) region, if any.
    pub region: Option<String>,
}

/// Resolves `profile` (or the default chain with `None`).
pub async fn resolve(profile: Option<&str>) -> Result<Resolved, ClientError> {
    let shown = profile
        .map(str::to_owned)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".to_owned());
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    loader = with_ca_bundle(loader)?;
    let config = loader.load().await;
    let provider = config
        .credentials_provider()
        .ok_or_else(|| ClientError::NoCredentials {
            profile: shown.clone(),
            reason: "no credentials provider is configured".into(),
        })?;
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| ClientError::NoCredentials {
            profile: shown.clone(),
            reason: error_chain(&e),
        })?;
    Ok(Resolved {
        credentials: AwsCredentials {
            access_key_id: creds.access_key_id().to_owned(),
            secret_access_key: Secret::new(creds.secret_access_key()),
            session_token: creds.session_token().map(Secret::new),
        },
        region: config.region().map(|r| r.to_string()),
    })
}

/// Gives the loader an HTTPS client trusting the system roots plus `AWS_CA_BUNDLE`, when
/// that is set.
fn with_ca_bundle(loader: ConfigLoader) -> Result<ConfigLoader, ClientError> {
    let Some(path) = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty()) else {
        return Ok(loader);
    };
    let shown = path.to_string_lossy().into_owned();
    let pem = std::fs::read(&path).map_err(|e| ClientError::CaBundle {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::default().with_pem_certificate(pem))
        .build()
        .map_err(|e| ClientError::CaBundle {
            path: shown,
            reason: e.to_string(),
        })?;
    Ok(loader.http_client(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .tls_context(context)
            .build_https(),
    ))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
