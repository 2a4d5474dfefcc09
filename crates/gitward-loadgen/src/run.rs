//! Driving `N` keep-alive connections for a fixed time.

use crate::sign::{Credentials, Target, signed_request};
use crate::stats::{Latencies, Percentiles};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpStream;

/// One load run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server's address.
    pub addr: SocketAddr,
    /// The request to send.
    pub target: Target,
    /// Who signs.
    pub credentials: Credentials,
    /// Concurrent connections, each with one request in flight.
    pub concurrency: usize,
    /// Requests are sent but not counted for this long first.
    pub warmup: Duration,
    /// How long requests are counted.
    pub duration: Duration,
    /// Sign every request anew instead of once per second (same bytes, more client CPU).
    pub sign_each: bool,
}

/// The outcome of a run, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Concurrent connections.
    pub concurrency: usize,
    /// The counted time, seconds.
    pub seconds: f64,
    /// Requests completed in the counted time.
    pub requests: u64,
    /// Of those, answered 200.
    pub ok: u64,
    /// Completed requests per second (any status).
    pub rps: f64,
    /// 200 answers per second.
    pub ok_rps: f64,
    /// Latency percentiles of the counted requests, microseconds.
    pub latency_us: Option<Percentiles>,
    /// Count per HTTP status.
    pub status: BTreeMap<u16, u64>,
    /// Connections (re)opened, warm-up included.
    pub connections: u64,
    /// Transport failures (connection refused or reset), warm-up included.
    pub transport_errors: u64,
    /// The first non-200 answer's body (truncated), for diagnosis.
    pub first_error: Option<String>,
}

#[derive(Debug, Default)]
struct WorkerResult {
    latencies: Latencies,
    status: BTreeMap<u16, u64>,
    connections: u64,
    transport_errors: u64,
    first_error: Option<String>,
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // The connection ends when the server closes it or the sender is dropped.
        let _ = conn.await;
    });
    Ok(sender)
}

/// The time each request is signed at: the wall clock, as an SDK signs (the server checks
/// it against its own clock).
#[expect(
    clippy::disallowed_methods,
    reason = "a client signs with the real time; there is no server clock to inject here"
)]
fn wall_clock() -> SystemTime {
    SystemTime::now()
}

/// Signs once per second of the clock and reuses the result within that second.
///
/// A SigV4 signature depends on the request and on `X-Amz-Date`, which has a resolution of
/// one second, so every request made within one second gets exactly these bytes whether it
/// is signed anew or not (a unit test checks). Re-signing each request would only spend
/// the load generator's share of the shared cores.
#[derive(Debug, Default)]
struct PerSecond {
    signed: Option<(u64, http::Request<bytes::Bytes>)>,
}

impl PerSecond {
    fn at(
        &mut self,
        cfg: &Config,
        now: SystemTime,
    ) -> Result<http::Request<bytes::Bytes>, crate::SignError> {
        let second = now
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        match &self.signed {
            Some((s, req)) if *s == second => Ok(duplicate(req)),
            _ => {
                let req = signed_request(&cfg.target, &cfg.credentials, now)?;
                let copy = duplicate(&req);
                self.signed = Some((second, req));
                Ok(copy)
            }
        }
    }
}

/// A copy of a request (method, URI, version, headers, body).
fn duplicate(req: &http::Request<bytes::Bytes>) -> http::Request<bytes::Bytes> {
    let mut copy = http::Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    copy
}

/// Too many transport failures in a row means the server is gone: stop.
const MAX_CONSECUTIVE_FAILURES: u32 = 50;

async fn worker(cfg: Config, counted_from: Instant, end: Instant) -> WorkerResult {
    let mut out = WorkerResult::default();
    let mut sender: Option<Sender> = None;
    let mut failures = 0u32;
    let mut signer = PerSecond::default();
    while Instant::now() < end {
        if sender.as_ref().is_none_or(|s| s.is_closed()) {
            out.connections += 1;
            match connect(cfg.addr).await {
                Ok(s) => sender = Some(s),
                Err(_) => {
                    out.transport_errors += 1;
                    failures += 1;
                    if failures > MAX_CONSECUTIVE_FAILURES {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = sender.as_mut() else { continue };
        let signed = if cfg.sign_each {
            signed_request(&cfg.target, &cfg.credentials, wall_clock())
        } else {
            signer.at(&cfg, wall_clock())
        };
        let req = match signed {
            Ok(r) => r.map(http_body_util::Full::new),
            Err(e) => {
                out.first_error.get_or_insert_with(|| e.to_string());
                break;
            }
        };
        let started = Instant::now();
        let answer = async {
            s.ready().await?;
            let resp = s.send_request(req).await?;
            let status = resp.status().as_u16();
            let close = resp
                .headers()
                .get(http::header::CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
            let body = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, close, body))
        }
        .await;
        let finished = Instant::now();
        match answer {
            Ok((status, close, body)) => {
                failures = 0;
                if close {
                    sender = None;
                }
                if started >= counted_from && finished <= end {
                    let micros = u64::try_from(finished.duration_since(started).as_micros())
                        .unwrap_or(u64::MAX);
                    out.latencies.push(micros);
                    *out.status.entry(status).or_default() += 1;
                }
                if status != 200 && out.first_error.is_none() {
                    let text = String::from_utf8_lossy(&body);
                    out.first_error = Some(format!(
                        "HTTP {status}: {}",
                        text.chars().take(400).collect::<String>()
                    ));
                }
            }
            Err(_) => {
                out.transport_errors += 1;
                failures += 1;
                sender = None;
                if failures > MAX_CONSECUTIVE_FAILURES {
                    break;
                }
            }
        }
    }
    out
}

/// Runs `cfg.concurrency` connections for warm-up plus duration and reports what was
/// counted: requests started after the warm-up and finished before the end.
pub async fn run(cfg: Config) -> Report {
    let start = Instant::now();
    let counted_from = start + cfg.warmup;
    let end = counted_from + cfg.duration;
    let tasks: Vec<_> = (0..cfg.concurrency.max(1))
        .map(|_| tokio::spawn(worker(cfg.clone(), counted_from, end)))
        .collect();
    let mut all = WorkerResult::default();
    for t in tasks {
        let Ok(r) = t.await else { continue };
        all.latencies.merge(r.latencies);
        for (k, v) in r.status {
            *all.status.entry(k).or_default() += v;
        }
        all.connections += r.connections;
        all.transport_errors += r.transport_errors;
        if all.first_error.is_none() {
            all.first_error = r.first_error;
        }
    }
    let seconds = cfg.duration.as_secs_f64();
    let requests = all.latencies.len() as u64;
    let ok = all.status.get(&200).copied().unwrap_or(0);
    Report {
        concurrency: cfg.concurrency.max(1),
        seconds,
        requests,
        ok,
        rps: requests as f64 / seconds,
        ok_rps: ok as f64 / seconds,
        latency_us: all.latencies.percentiles(),
        status: all.status,
        connections: all.connections,
        transport_errors: all.transport_errors,
        first_error: all.first_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use hyper::service::service_fn;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A server answering 200 to requests signed by `AKIDGOOD` and 403 otherwise, closing
    /// the connection after every third answer; it counts what it received.
    async fn server(count: Arc<AtomicU64>) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let count = count.clone();
                tokio::spawn(async move {
                    let served = Arc::new(AtomicU64::new(0));
                    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let count = count.clone();
                        let served = served.clone();
                        async move {
                            count.fetch_add(1, Ordering::Relaxed);
                            let good = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .is_some_and(|v| v.contains("Credential=AKIDGOOD/"));
                            let body = req.into_body().collect().await?.to_bytes();
                            let n = served.fetch_add(1, Ordering::Relaxed) + 1;
                            let mut resp = http::Response::builder().status(
                                if good && body.starts_with(b"Action=") {
                                    200
                                } else {
                                    403
                                },
                            );
                            if n.is_multiple_of(3) {
                                resp = resp.header("connection", "close");
                            }
                            Ok::<_, hyper::Error>(
                                resp.body(http_body_util::Full::new(Bytes::from_static(b"<x/>")))
                                    .expect("response"),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        addr
    }

    fn config(addr: SocketAddr, key: &str) -> Config {
        Config {
            addr,
            target: Target {
                authority: addr.to_string(),
                path: "/".into(),
                region: "us-east-1".into(),
                service: "sts".into(),
                body: Bytes::from_static(b"Action=GetCallerIdentity&Version=2011-06-15"),
            },
            credentials: Credentials {
                access_key_id: key.into(),
                secret_access_key: "secret".into(),
                session_token: None,
            },
            concurrency: 3,
            warmup: Duration::from_millis(50),
            duration: Duration::from_millis(300),
            sign_each: false,
        }
    }

    #[test]
    fn within_one_second_a_reused_signature_is_what_signing_anew_gives() {
        use std::time::UNIX_EPOCH;
        let cfg = config("127.0.0.1:9".parse().expect("addr"), "AKIDGOOD");
        let bytes = |r: &http::Request<Bytes>| {
            let mut h: Vec<(String, Vec<u8>)> = r
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect();
            h.sort();
            (r.method().clone(), r.uri().clone(), h, r.body().clone())
        };
        let mut signer = PerSecond::default();
        let t0 = UNIX_EPOCH + Duration::from_millis(1_795_000_000_100);
        let t1 = UNIX_EPOCH + Duration::from_millis(1_795_000_000_900);
        let t2 = UNIX_EPOCH + Duration::from_millis(1_795_000_001_000);
        let first = signer.at(&cfg, t0).expect("signs");
        let reused = signer.at(&cfg, t1).expect("signs");
        let fresh = signed_request(&cfg.target, &cfg.credentials, t1).expect("signs");
        assert_eq!(bytes(&reused), bytes(&fresh));
        assert_eq!(bytes(&first), bytes(&fresh));
        let next = signer.at(&cfg, t2).expect("signs");
        assert_ne!(next.headers()["x-amz-date"], first.headers()["x-amz-date"]);
        assert_eq!(
            bytes(&next),
            bytes(&signed_request(&cfg.target, &cfg.credentials, t2).expect("signs"))
        );
    }

    #[tokio::test]
    async fn counts_answers_and_reconnects_when_the_server_closes() {
        let count = Arc::new(AtomicU64::new(0));
        let addr = server(count.clone()).await;
        let report = run(config(addr, "AKIDGOOD")).await;
        assert!(report.requests > 0, "{report:?}");
        assert_eq!(report.ok, report.requests, "{report:?}");
        assert_eq!(report.transport_errors, 0, "{report:?}");
        // Every third answer closes its connection, so connections are reopened.
        assert!(report.connections > 3, "{report:?}");
        assert!(count.load(Ordering::Relaxed) >= report.requests);
        assert!(report.latency_us.is_some());
        assert!(report.first_error.is_none());
    }

    #[tokio::test]
    async fn non_200_answers_are_counted_and_shown() {
        let addr = server(Arc::new(AtomicU64::new(0))).await;
        let report = run(config(addr, "AKIDBAD")).await;
        assert!(report.requests > 0);
        assert_eq!(report.ok, 0);
        assert_eq!(report.status.get(&403).copied(), Some(report.requests));
        assert!(
            report
                .first_error
                .as_deref()
                .is_some_and(|e| e.starts_with("HTTP 403"))
        );
    }

    #[tokio::test]
    async fn a_dead_server_stops_the_run_with_transport_errors() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let mut cfg = config(addr, "AKIDGOOD");
        cfg.duration = Duration::from_secs(30);
        let t = Instant::now();
        let report = run(cfg).await;
        assert_eq!(report.requests, 0);
        assert!(report.transport_errors > 0);
        assert!(t.elapsed() < Duration::from_secs(20), "gave up early");
    }
}
