//! `gitward serve`: compose the services and run the listeners.

use crate::api::{self, App};
use crate::authz::Authorizer;
use crate::cli::{ServeArgs, SshListen};
use crate::datadir::DataDir;
use crate::throttle::{AuthThrottle, ThrottleConfig};
use crate::{listener, tls};
use anyhow::Context;
use gitward_core::{Clock, SystemClock};
use gitward_git::{PublicUrls, RepoService};
use gitward_iam::IamService;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Runs the server until SIGINT or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GITWARD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let dir = DataDir::new(args.data_dir.clone());
    let db = dir.open()?;
    let mut fresh = None;
    if !dir.is_initialised(&db)? {
        let creds = dir.create_account(&db)?;
        let body = serde_json::to_string_pretty(&creds.to_json())?;
        gitward_store::write_private(&dir.root_credentials_file(), body.as_bytes())
            .context("writing the root credentials file")?;
        fresh = Some(creds);
    }

    let tls_files = if args.insecure_http {
        None
    } else {
        Some(tls::ensure(&dir.tls_dir())?)
    };
    let tls_config = tls_files.as_ref().map(tls::server_config).transpose()?;

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if args.insecure_http { "http" } else { "https" };
    let host = host_of(addr);
    let endpoint = format!("{scheme}://{host}:{}", addr.port());
    let ssh = match args.ssh_listen {
        SshListen::Off => None,
        SshListen::On(ssh_addr) => {
            let key = crate::ssh::load_or_create_host_key(&dir.ssh_host_key_file())?;
            let listener = TcpListener::bind(ssh_addr)
                .await
                .with_context(|| format!("listening for SSH on {ssh_addr}"))?;
            Some((listener, key))
        }
    };
    let ssh_base = match &ssh {
        Some((l, _)) => {
            let a = l.local_addr()?;
            format!("ssh://{}:{}", host_of(a), a.port())
        }
        None => format!("ssh://{host}:2222"),
    };

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let iam = IamService::new(db.clone(), clock.clone());
    let repos = RepoService::new(
        db.clone(),
        dir.repos_dir(),
        clock.clone(),
        PublicUrls {
            http_base: endpoint.clone(),
            ssh_base: ssh_base.clone(),
        },
    );
    let app = Arc::new(App {
        iam,
        repos,
        clock,
        region: args.region.clone(),
        authorizer: Authorizer::default(),
        sessions: crate::sessions::Sessions::load_or_create(
            &args.data_dir.join("keys"),
            args.sts_min_duration_seconds,
        )?,
        auth_throttle: AuthThrottle::new(ThrottleConfig {
            max_failures_per_name: args.auth_max_failures,
            max_failures_per_address: args.auth_max_failures_per_address,
            window: std::time::Duration::from_secs(args.auth_lockout_seconds),
            lockout: std::time::Duration::from_secs(args.auth_lockout_seconds),
        }),
        audit: crate::audit::AuditLog::open(&dir.audit_dir()).context("starting the audit log")?,
    });
    std::fs::write(dir.endpoint_file(), format!("{endpoint}\n"))
        .context("writing DATA/run/endpoint")?;
    print_banner(
        &dir,
        &endpoint,
        &args.region,
        tls_files.as_ref(),
        fresh.is_some(),
    );
    tracing::info!(%endpoint, region = %args.region, "gitward is serving");

    let (stop_ssh, ssh_stopped) = tokio::sync::oneshot::channel::<()>();
    if let Some((ssh_listener, key)) = ssh {
        let ssh_endpoint = ssh_base.trim_start_matches("ssh://").to_owned();
        std::fs::write(dir.ssh_endpoint_file(), format!("{ssh_endpoint}\n"))
            .context("writing DATA/run/ssh-endpoint")?;
        tracing::info!(endpoint = %ssh_endpoint, "Git over SSH is serving");
        tokio::spawn(crate::ssh::serve(
            ssh_listener,
            app.clone(),
            crate::ssh::config(key),
            async move {
                let _ = ssh_stopped.await;
            },
        ));
    } else {
        let _ = std::fs::remove_file(dir.ssh_endpoint_file());
    }
    let router = api::router(app);

    listener::serve(listener, tls_config, router, shutdown_signal()).await;
    let _ = stop_ssh.send(());
    let _ = std::fs::remove_file(dir.endpoint_file());
    let _ = std::fs::remove_file(dir.ssh_endpoint_file());
    tracing::info!("gitward stopped");
    Ok(())
}

/// How a listener's address is written in URLs: loopback IPv4 as `127.0.0.1`, IPv6 in
/// brackets.
fn host_of(addr: std::net::SocketAddr) -> String {
    match addr.ip() {
        ip if ip.is_loopback() && addr.is_ipv4() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    }
}

fn print_banner(
    dir: &DataDir,
    endpoint: &str,
    region: &str,
    tls: Option<&tls::TlsFiles>,
    fresh: bool,
) {
    let mut out = format!(
        "gitward is serving at {endpoint} (region {region}, data dir {})\n",
        dir.root().display()
    );
    if fresh {
        out += &format!(
            "Initialised a new data dir. The root user's access key is in {} (mode 0600).\n\
             Configure the AWS CLI with it:\n  aws configure   # AccessKeyId and SecretAccessKey from that file, region {region}\n",
            dir.root_credentials_file().display()
        );
    }
    out += &format!("Point clients at this server:\n  export AWS_ENDPOINT_URL={endpoint}\n");
    if let Some(tls) = tls {
        let ca = tls
            .ca_cert
            .canonicalize()
            .unwrap_or_else(|_| tls.ca_cert.clone());
        out += &format!(
            "  export AWS_CA_BUNDLE={0}\n  export GIT_SSL_CAINFO={0}\n",
            ca.display()
        );
    }
    print!("{out}");
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
}
