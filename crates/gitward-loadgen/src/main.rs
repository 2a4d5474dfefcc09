//! `gitward-loadgen`: sends one signed query-protocol request over N connections for D
//! seconds and prints a JSON report. Credentials come from the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`), never argv.

use anyhow::Context;
use clap::Parser;
use gitward_loadgen::{Config, Credentials, Target};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// Load generator for the STS benchmark (bench/sts).
#[derive(Debug, Parser)]
#[command(name = "gitward-loadgen")]
struct Args {
    /// The server, `http://HOST:PORT` (plain HTTP only).
    #[arg(long)]
    endpoint: String,
    /// The form body (`Action=…&Version=…&…`), sent as is.
    #[arg(long)]
    body: String,
    /// The signing name.
    #[arg(long, default_value = "sts")]
    service: String,
    /// The signing region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Concurrent connections.
    #[arg(long, short = 'c', default_value_t = 1)]
    concurrency: usize,
    /// Seconds counted.
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Seconds sent but not counted, first.
    #[arg(long, default_value_t = 0.5)]
    warmup: f64,
    /// Sign every request anew (by default a signature is reused within its second, which
    /// gives the same bytes).
    #[arg(long)]
    sign_each: bool,
    /// Runtime worker threads (1: the load generator takes at most one core from the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn authority(endpoint: &str) -> anyhow::Result<(String, SocketAddr)> {
    let rest = endpoint
        .strip_prefix("http://")
        .context("the endpoint must be http://HOST:PORT")?;
    let authority = rest.trim_end_matches('/').to_owned();
    if authority.contains('/') || authority.is_empty() {
        anyhow::bail!("the endpoint must be http://HOST:PORT, without a path");
    }
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .next()
        .with_context(|| format!("{authority} has no address"))?;
    Ok((authority, addr))
}

fn seconds(s: f64, what: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .with_context(|| format!("--{what} must be a non-negative number"))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (authority, addr) = authority(&args.endpoint)?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let credentials = Credentials {
        access_key_id: env("AWS_ACCESS_KEY_ID").context("AWS_ACCESS_KEY_ID is not set")?,
        secret_access_key: env("AWS_SECRET_ACCESS_KEY")
            .context("AWS_SECRET_ACCESS_KEY is not set")?,
        session_token: env("AWS_SESSION_TOKEN"),
    };
    let cfg = Config {
        addr,
        target: Target {
            authority,
            path: "/".to_owned(),
            region: args.region,
            service: args.service,
            body: bytes::Bytes::from(args.body.into_bytes()),
        },
        credentials,
        concurrency: args.concurrency.max(1),
        warmup: seconds(args.warmup, "warmup")?,
        duration: seconds(args.duration, "duration")?,
        sign_each: args.sign_each,
    };
    if cfg.duration.is_zero() {
        anyhow::bail!("--duration must be positive");
    }
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()?
    };
    let report = runtime.block_on(gitward_loadgen::run(cfg));
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_parsing() {
        let (a, addr) = authority("http://127.0.0.1:8080/").expect("ok");
        assert_eq!(a, "127.0.0.1:8080");
        assert_eq!(addr.port(), 8080);
        assert!(authority("https://127.0.0.1:1").is_err());
        assert!(authority("http://127.0.0.1:1/x").is_err());
        assert!(authority("http://").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(seconds(1.5, "d").expect("ok"), Duration::from_millis(1500));
        assert!(seconds(-1.0, "d").is_err());
    }
}
