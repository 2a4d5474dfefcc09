//! The local CA and server certificate `serve` generates into `DATA/tls/` when none exist.

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Paths of the generated material.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl TlsFiles {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            ca_cert: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
        }
    }
}

/// Makes sure a CA and a server certificate for `localhost`, `127.0.0.1` and `::1` exist.
pub fn ensure(dir: &Path) -> anyhow::Result<TlsFiles> {
    let files = TlsFiles::in_dir(dir);
    if files.ca_cert.exists() && files.server_cert.exists() && files.server_key.exists() {
        return Ok(files);
    }
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "gitward local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;

    let mut params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "gitward");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca, &ca_key)?;

    std::fs::write(&files.ca_cert, ca.pem()).context("writing the CA certificate")?;
    gitward_store::write_private(&dir.join("ca.key"), ca_key.serialize_pem().as_bytes())
        .context("writing the CA key")?;
    std::fs::write(&files.server_cert, cert.pem()).context("writing the server certificate")?;
    gitward_store::write_private(&files.server_key, key.serialize_pem().as_bytes())
        .context("writing the server key")?;
    Ok(files)
}

/// A rustls server configuration from the files.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(&files.server_cert)
        .context("reading the server certificate")?
        .collect::<Result<Vec<_>, _>>()
        .context("parsing the server certificate")?;
    let key = PrivateKeyDer::from_pem_file(&files.server_key).context("reading the server key")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
