//! Latency percentiles.

use serde::Serialize;

/// Recorded request latencies, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    micros: Vec<u64>,
}

/// The percentiles reported, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// The slowest request.
    pub max: u64,
}

impl Latencies {
    /// Records one latency.
    pub fn push(&mut self, micros: u64) {
        self.micros.push(micros);
    }

    /// Adds all of `other`'s latencies.
    pub fn merge(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    /// How many latencies were recorded.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// Whether none were recorded.
    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// Nearest-rank percentiles; `None` when nothing was recorded.
    pub fn percentiles(&mut self) -> Option<Percentiles> {
        if self.micros.is_empty() {
            return None;
        }
        self.micros.sort_unstable();
        let v = &self.micros;
        let rank = |p: usize| -> u64 {
            // Nearest rank: the smallest value with at least p% of the values at or below it.
            let r = (p * v.len()).div_ceil(100).max(1);
            v[r - 1]
        };
        Some(Percentiles {
            p50: rank(50),
            p90: rank(90),
            p99: rank(99),
            max: v[v.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_percentiles() {
        assert_eq!(Latencies::default().percentiles(), None);
    }

    #[test]
    fn nearest_rank_over_one_to_hundred() {
        let mut l = Latencies::default();
        for v in (1..=100).rev() {
            l.push(v);
        }
        let p = l.percentiles().expect("some");
        assert_eq!(
            p,
            Percentiles {
                p50: 50,
                p90: 90,
                p99: 99,
                max: 100
            }
        );
    }

    #[test]
    fn single_value_and_merge() {
        let mut a = Latencies::default();
        a.push(7);
        assert_eq!(
            a.percentiles().map(|p| (p.p50, p.p99, p.max)),
            Some((7, 7, 7))
        );
        let mut b = Latencies::default();
        b.push(1);
        b.push(3);
        a.merge(b);
        assert_eq!(a.len(), 3);
        assert_eq!(a.percentiles().map(|p| p.p50), Some(3));
    }
}
