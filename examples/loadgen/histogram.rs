//! A latency histogram of bounded size: log-linear buckets, each within
//! 1/16 of its value, so percentiles come out within about 3 %.

use std::time::Duration;

/// Buckets per power of two.
const SUB: u32 = 16;
/// log2(SUB).
const SUB_BITS: u32 = 4;
/// Latencies are kept in nanoseconds up to 2^40 ns (about 18 minutes);
/// longer ones count in the last bucket.
const MAX_BITS: u32 = 40;
const BUCKETS: usize = ((MAX_BITS - SUB_BITS + 1) * SUB) as usize;

/// Counts of latencies by bucket.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

/// The bucket of `nanos`: exact below `SUB`, then `SUB` buckets per
/// power of two.
fn bucket(nanos: u64) -> usize {
    let nanos = nanos.min((1 << MAX_BITS) - 1);
    if nanos < u64::from(SUB) {
        return nanos as usize;
    }
    let top = 63 - nanos.leading_zeros(); // SUB_BITS..MAX_BITS
    let sub = (nanos >> (top - SUB_BITS)) & u64::from(SUB - 1);
    ((top - SUB_BITS + 1) * SUB) as usize + sub as usize
}

/// The middle of bucket `index`, in nanoseconds.
fn middle(index: usize) -> u64 {
    let (octave, sub) = (index as u32 / SUB, index as u64 % u64::from(SUB));
    if octave == 0 {
        return sub;
    }
    let top = octave + SUB_BITS - 1;
    let width = 1u64 << (top - SUB_BITS);
    let low = (1u64 << top) + sub * width;
    low + width / 2
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }

    /// Counts one latency.
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket(nanos)] += 1;
        self.total += 1;
        self.max = self.max.max(nanos);
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// The latency that `percent` % of the counted ones do not exceed
    /// (the bucket's middle, never more than the maximum; the maximum
    /// itself for the last one); `None` when empty.
    pub fn percentile(&self, percent: f64) -> Option<Duration> {
        if self.total == 0 {
            return None;
        }
        // The rank of the wanted latency, 1-based, at least 1.
        let rank = ((percent / 100.0 * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank == self.total {
            return self.max();
        }
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(Duration::from_nanos(middle(index).min(self.max)));
            }
        }
        Some(Duration::from_nanos(self.max))
    }

    /// The largest latency counted, exact; `None` when empty.
    pub fn max(&self) -> Option<Duration> {
        (self.total > 0).then(|| Duration::from_nanos(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_within_a_sixteenth() {
        let mut last = 0;
        for nanos in (0..5000u64).chain((12..MAX_BITS).map(|b| (1 << b) + 12345)) {
            let index = bucket(nanos);
            assert!(index >= last, "{nanos}");
            last = index;
            let mid = middle(index);
            let err = mid.abs_diff(nanos) as f64 / nanos.max(1) as f64;
            assert!(err <= 1.0 / 16.0, "{nanos} -> {mid}");
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_of_a_known_spread() {
        let mut h = Histogram::new();
        assert_eq!(h.percentile(50.0), None);
        for micros in 1..=100 {
            h.record(Duration::from_micros(micros));
        }
        let mut other = Histogram::new();
        other.record(Duration::from_secs(2));
        h.merge(&other);
        assert_eq!(h.total, 101);
        let p50 = h.percentile(50.0).unwrap().as_micros() as f64;
        assert!((p50 - 51.0).abs() <= 51.0 * 0.07, "{p50}");
        let p99 = h.percentile(99.0).unwrap().as_micros() as f64;
        assert!((p99 - 100.0).abs() <= 100.0 * 0.07, "{p99}");
        assert_eq!(h.percentile(100.0), Some(Duration::from_secs(2)));
        assert_eq!(h.max(), Some(Duration::from_secs(2)));
    }
}
