//! Slowing down and then refusing repeated failed sign-ins (Git Basic auth, SSH keys), per user name and
//! per source address, without touching other users.
//!
//! Each key (a user name, or an address) counts failures in a sliding window. Past half the
//! limit every further failure is answered after a growing delay; at the limit the key is
//! locked out for a while and even correct credentials are refused with `429`. A success
//! clears the user name's count. Addresses get a much higher limit than names, so one
//! attacker hammering one name from a shared address does not lock out the address's other
//! users.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use time::OffsetDateTime;

/// Thresholds (all settings of `gitward serve`).
#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Failures for one user name before it is locked out.
    pub max_failures_per_name: u32,
    /// Failures from one address before it is locked out.
    pub max_failures_per_address: u32,
    /// How long failures are remembered.
    pub window: Duration,
    /// How long a locked-out key stays locked.
    pub lockout: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures_per_name: 10,
            max_failures_per_address: 200,
            window: Duration::from_secs(300),
            lockout: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
}

/// The failure counters.
#[derive(Debug, Default)]
pub struct AuthThrottle {
    config: ThrottleConfig,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Bound on remembered keys, so a flood of random names cannot grow memory without limit.
const MAX_KEYS: usize = 100_000;

fn name_key(name: &str) -> String {
    format!("n:{}", name.to_lowercase())
}

fn addr_key(addr: IpAddr) -> String {
    format!("a:{addr}")
}

impl AuthThrottle {
    /// Counters with these thresholds.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds left)` while `name` or `addr` is locked out.
    pub fn check(&self, name: &str, addr: Option<IpAddr>, now: OffsetDateTime) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let keys = std::iter::once(name_key(name)).chain(addr.map(addr_key));
        for key in keys {
            if let Some(until) = entries.get(&key).and_then(|e| e.locked_until)
                && until > now
            {
                return Err(u64::try_from((until - now).whole_seconds())
                    .unwrap_or(0)
                    .max(1));
            }
        }
        Ok(())
    }

    /// Records a failure; returns how long to wait before answering it.
    pub fn failure(&self, name: &str, addr: Option<IpAddr>, now: OffsetDateTime) -> Duration {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_KEYS {
            let window = self.config.window;
            entries
                .retain(|_, e| now - e.since < window || e.locked_until.is_some_and(|u| u > now));
        }
        let mut delay = Duration::ZERO;
        let keys = std::iter::once((name_key(name), self.config.max_failures_per_name))
            .chain(addr.map(|a| (addr_key(a), self.config.max_failures_per_address)));
        for (key, max) in keys {
            let e = entries.entry(key).or_insert(Entry {
                failures: 0,
                since: now,
                locked_until: None,
            });
            if now - e.since > self.config.window || e.locked_until.is_some_and(|u| u <= now) {
                *e = Entry {
                    failures: 0,
                    since: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            if e.failures >= max {
                e.locked_until = Some(now + self.config.lockout);
            }
            let over_half = e.failures.saturating_sub(max / 2);
            delay = delay.max(Duration::from_millis(u64::from(over_half.min(10)) * 200));
        }
        delay
    }

    /// Clears the user name's failures after a successful sign-in.
    pub fn success(&self, name: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name_key(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).expect("valid time")
    }

    #[test]
    fn locks_a_name_after_the_limit_and_not_its_neighbours() {
        let th = AuthThrottle::new(ThrottleConfig::default());
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        for i in 0..10 {
            assert!(th.check("mallory", Some(ip), t(i)).is_ok(), "attempt {i}");
            th.failure("mallory", Some(ip), t(i));
        }
        assert!(th.check("mallory", Some(ip), t(11)).is_err());
        assert!(th.check("alice", Some(ip), t(11)).is_ok());
        assert!(th.check("mallory", Some(ip), t(11 + 301)).is_ok());
    }

    #[test]
    fn failures_slow_down_before_the_lockout() {
        let th = AuthThrottle::new(ThrottleConfig::default());
        assert_eq!(th.failure("x", None, t(0)), Duration::ZERO);
        for i in 1..6 {
            th.failure("x", None, t(i));
        }
        assert!(th.failure("x", None, t(7)) > Duration::ZERO);
    }

    #[test]
    fn success_clears_the_name() {
        let th = AuthThrottle::new(ThrottleConfig::default());
        for i in 0..9 {
            th.failure("bob", None, t(i));
        }
        th.success("bob");
        th.failure("bob", None, t(10));
        assert!(th.check("bob", None, t(11)).is_ok());
    }

    #[test]
    fn addresses_have_their_own_higher_limit() {
        let config = ThrottleConfig {
            max_failures_per_address: 3,
            ..ThrottleConfig::default()
        };
        let th = AuthThrottle::new(config);
        let ip: IpAddr = "10.0.0.7".parse().expect("ip");
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            th.failure(name, Some(ip), t(i as i64));
        }
        assert!(th.check("d", Some(ip), t(5)).is_err());
        assert!(th.check("d", None, t(5)).is_ok());
    }
}
