//! The audit log (DESIGN §1, §3): one JSON line per authorization decision, allowed or
//! denied, naming the policy and statement that decided, and one per refused sign-in, in
//! `DATA/audit/YYYY-MM-DD.jsonl` (UTC day of the event; directory 0700, files 0600).
//!
//! Recording never blocks a request: events go through a bounded queue to one writer
//! thread, which flushes whenever the queue runs dry. If the queue is full (the disk cannot
//! keep up) the event is dropped and counted, and the count is logged. Events carry ARNs,
//! key ids, actions, resources and addresses; never a secret, a password or a session token.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use gitward_policy::Decision;
use serde::Serialize;
use time::OffsetDateTime;

/// Events waiting for the writer before new ones are dropped.
const QUEUE: usize = 16_384;

/// The longest a written event waits in the writer's buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// One audited event, as written (a JSON object per line).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent<'a> {
    /// RFC 3339, UTC, with milliseconds.
    pub time: String,
    /// `authorization` or `authentication`.
    pub event: &'static str,
    /// Who asked: the caller's ARN (authorization), or the key id / user name offered
    /// (a refused sign-in).
    pub principal: &'a str,
    /// The action (`codecommit:GitPush`, `iam:CreateUser`…), or the way in for sign-ins
    /// (`sigv4`, `git-http`, `ssh`).
    pub action: &'a str,
    /// The resource ARN (authorization only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<&'a str>,
    /// `allow`, `explicitDeny`, `implicitDeny`, or `deny` for a refused sign-in or a request
    /// refused before any policy was read (another account's resource).
    pub decision: &'static str,
    /// The policy that decided (allow and explicit deny).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<&'a str>,
    /// The deciding statement's `Sid`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'a str>,
    /// Why, in words (denials and refused sign-ins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<IpAddr>,
}

impl<'a> AuditEvent<'a> {
    /// An authorization decision on `action` over `resource` by `principal`.
    pub fn authorization(
        now: OffsetDateTime,
        principal: &'a str,
        action: &'a str,
        resource: &'a str,
        decision: &'a Decision,
        source_ip: Option<IpAddr>,
    ) -> Self {
        let (word, policy, sid, reason) = match decision {
            Decision::Allow { policy, sid } => {
                ("allow", Some(policy.as_str()), sid.as_deref(), None)
            }
            Decision::ExplicitDeny { policy, sid, .. } => (
                "explicitDeny",
                Some(policy.as_str()),
                sid.as_deref(),
                Some(decision.explain()),
            ),
            Decision::ImplicitDeny { .. } => ("implicitDeny", None, None, Some(decision.explain())),
        };
        Self {
            time: rfc3339(now),
            event: "authorization",
            principal,
            action,
            resource: Some(resource),
            decision: word,
            policy,
            sid,
            reason,
            source_ip,
        }
    }

    /// A request refused without evaluating policies (`reason` says why).
    pub fn refused(
        now: OffsetDateTime,
        principal: &'a str,
        action: &'a str,
        resource: &'a str,
        reason: String,
        source_ip: Option<IpAddr>,
    ) -> Self {
        Self {
            time: rfc3339(now),
            event: "authorization",
            principal,
            action,
            resource: Some(resource),
            decision: "deny",
            policy: None,
            sid: None,
            reason: Some(reason),
            source_ip,
        }
    }

    /// A refused sign-in: `who` is the access key id, Git user name or SSH key id offered
    /// (never the secret), `way` how (`sigv4`, `git-http`, `ssh`).
    pub fn sign_in_refused(
        now: OffsetDateTime,
        who: &'a str,
        way: &'a str,
        reason: String,
        source_ip: Option<IpAddr>,
    ) -> Self {
        // Whatever the client sent as a name, bounded (JSON escapes the rest).
        let end = who.char_indices().nth(128).map_or(who.len(), |(i, _)| i);
        Self {
            time: rfc3339(now),
            event: "authentication",
            principal: &who[..end],
            action: way,
            resource: None,
            decision: "deny",
            policy: None,
            sid: None,
            reason: Some(reason),
            source_ip,
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Where events go.
#[derive(Debug)]
pub struct AuditLog {
    queue: Option<SyncSender<String>>,
    dropped: AtomicU64,
}

impl Default for AuditLog {
    /// A log that records nothing (unit tests).
    fn default() -> Self {
        Self {
            queue: None,
            dropped: AtomicU64::new(0),
        }
    }
}

impl AuditLog {
    /// Starts the writer for `dir` (created 0700 if missing).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        crate::datadir::create_private_dir(dir)?;
        let (tx, rx) = sync_channel(QUEUE);
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("gitward-audit".into())
            .spawn(move || write_loop(&dir, &rx))?;
        Ok(Self {
            queue: Some(tx),
            dropped: AtomicU64::new(0),
        })
    }

    /// Queues one event; never blocks.
    pub fn record(&self, event: &AuditEvent<'_>) {
        let Some(queue) = &self.queue else {
            return;
        };
        let Ok(line) = serde_json::to_string(event) else {
            return;
        };
        match queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_power_of_two() {
                    tracing::warn!(dropped = n, "audit queue full: events dropped");
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("the audit writer has stopped");
            }
        }
    }
}

/// Appends each line to the file of its day; what is written reaches the file within
/// [`FLUSH_EVERY`].
fn write_loop(dir: &Path, rx: &Receiver<String>) {
    let mut current: Option<(String, BufWriter<File>)> = None;
    let mut flushed = Instant::now();
    loop {
        let line = match rx.recv_timeout(FLUSH_EVERY) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                flush(&mut current);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => {
                flush(&mut current);
                return;
            }
        };
        // `{"time":"YYYY-MM-DD…`: the day is at a fixed place.
        let day = line.get(9..19).unwrap_or("unknown").to_owned();
        if current.as_ref().is_none_or(|(d, _)| *d != day) {
            flush(&mut current);
            match open_day(dir, &day) {
                Ok(f) => current = Some((day, BufWriter::new(f))),
                Err(e) => {
                    tracing::error!(error = %e, "opening the audit file failed");
                    current = None;
                    continue;
                }
            }
        }
        if let Some((_, w)) = current.as_mut()
            && let Err(e) = writeln!(w, "{line}")
        {
            tracing::error!(error = %e, "writing the audit file failed");
        }
        if flushed.elapsed() >= FLUSH_EVERY {
            flush(&mut current);
            flushed = Instant::now();
        }
    }
}

fn flush(current: &mut Option<(String, BufWriter<File>)>) {
    if let Some((_, w)) = current.as_mut()
        && let Err(e) = w.flush()
    {
        tracing::error!(error = %e, "flushing the audit file failed");
    }
}

fn open_day(dir: &Path, day: &str) -> std::io::Result<File> {
    let path: PathBuf = dir.join(format!("{day}.jsonl"));
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn events_are_one_json_object_per_line_in_the_file_of_their_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let audit_dir = dir.path().join("audit");
        let log = AuditLog::open(&audit_dir).expect("opens");
        let allow = Decision::Allow {
            policy: "p".into(),
            sid: Some("S1".into()),
        };
        log.record(&AuditEvent::authorization(
            datetime!(2026-12-06 23:59:59.5 UTC),
            "arn:aws:iam::111111111111:user/Mary",
            "codecommit:GitPull",
            "arn:aws:codecommit:us-east-1:111111111111:r",
            &allow,
            Some("127.0.0.1".parse().expect("ip")),
        ));
        log.record(&AuditEvent::sign_in_refused(
            datetime!(2026-12-07 00:00:01 UTC),
            "AKIAEXAMPLE",
            "sigv4",
            "SignatureDoesNotMatch".into(),
            None,
        ));
        drop(log);
        let file = audit_dir.join("2026-12-06.jsonl");
        let mut text = String::new();
        for _ in 0..50 {
            text = std::fs::read_to_string(&file).unwrap_or_default();
            if !text.is_empty() && audit_dir.join("2026-12-07.jsonl").exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let v: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(v["time"], "2026-12-06T23:59:59.500Z");
        assert_eq!(v["decision"], "allow");
        assert_eq!(v["policy"], "p");
        assert_eq!(v["sid"], "S1");
        assert_eq!(v["sourceIp"], "127.0.0.1");
        let next = std::fs::read_to_string(audit_dir.join("2026-12-07.jsonl")).expect("read");
        let v: serde_json::Value = serde_json::from_str(next.trim()).expect("one JSON line");
        assert_eq!(v["event"], "authentication");
        assert!(v.get("resource").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
