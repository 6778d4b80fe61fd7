//! [`RateLimit`]: one token bucket per endpoint, shared by every client and every wait made
//! from one [`Config`](crate::Config), so 500 concurrent waits do not all hammer one endpoint.
//!
//! Each request through a [`ServiceClient`](crate::ServiceClient) takes a token from its
//! endpoint's bucket, first waiting for one when the bucket is empty. A throttling answer
//! (`429`) halves that endpoint's rate (down to a sixteenth of the setting), and every other
//! answer gives back a twentieth of the setting (additive increase, multiplicative decrease:
//! down fast, up slowly).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// A token bucket per endpoint. Cheap to clone; clones share the buckets.
///
/// The default: 20 requests a second per endpoint on average, bursts of 100 (500 waits
/// started together spread their first polls over 20 s).
#[derive(Clone)]
pub struct RateLimit {
    rate: f64,
    burst: f64,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens now (may be negative: requests that reserved ahead).
    tokens: f64,
    /// When `tokens` was computed, seconds since the epoch.
    at: f64,
    /// The rate now (throttling lowers it).
    rate: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::per_second(20.0, 100)
    }
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("per_second", &self.rate)
            .field("burst", &self.burst)
            .finish()
    }
}

fn seconds(now: SystemTime) -> f64 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

impl RateLimit {
    /// At most `rate` requests a second per endpoint on average, with bursts of `burst`
    /// (at least 1). A rate that is not a positive number means no limit.
    pub fn per_second(rate: f64, burst: u32) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            f64::INFINITY
        };
        Self {
            rate,
            burst: f64::from(burst.max(1)),
            buckets: Arc::default(),
        }
    }

    /// No limit.
    pub fn unlimited() -> Self {
        Self::per_second(f64::INFINITY, 1)
    }

    /// The shortest average interval between two requests to one endpoint (zero without a
    /// limit).
    pub fn min_interval(&self) -> Duration {
        Duration::try_from_secs_f64(1.0 / self.rate).unwrap_or(Duration::ZERO)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bucket<'m>(
        &self,
        map: &'m mut HashMap<String, Bucket>,
        key: &str,
        now: f64,
    ) -> &'m mut Bucket {
        let bucket = map.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
            rate: self.rate,
        });
        let elapsed = (now - bucket.at).max(0.0);
        bucket.tokens = (bucket.tokens + elapsed * bucket.rate).min(self.burst);
        bucket.at = bucket.at.max(now);
        bucket
    }

    /// Takes a token for a request to `key` at `now`: how long to wait before sending it
    /// (zero when a token was there).
    pub fn reserve(&self, key: &str, now: SystemTime) -> Duration {
        if self.rate.is_infinite() {
            return Duration::ZERO;
        }
        let now = seconds(now);
        let mut map = self.lock();
        let bucket = self.bucket(&mut map, key, now);
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(-bucket.tokens / bucket.rate).unwrap_or(Duration::MAX)
    }

    /// `key` answered "too many requests": its rate halves (down to a sixteenth).
    pub fn throttled(&self, key: &str, now: SystemTime) {
        if self.rate.is_infinite() {
            return;
        }
        let mut map = self.lock();
        let floor = self.rate / 16.0;
        let bucket = self.bucket(&mut map, key, seconds(now));
        bucket.rate = (bucket.rate / 2.0).max(floor);
    }

    /// `key` answered without throttling: its rate recovers by a twentieth of the setting.
    pub fn answered(&self, key: &str, now: SystemTime) {
        if self.rate.is_infinite() {
            return;
        }
        let mut map = self.lock();
        let (rate, step) = (self.rate, self.rate / 20.0);
        let bucket = self.bucket(&mut map, key, seconds(now));
        bucket.rate = (bucket.rate + step).min(rate);
    }

    /// The rate of `key` now, requests a second.
    pub fn current_rate(&self, key: &str) -> f64 {
        self.lock().get(key).map_or(self.rate, |b| b.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_the_rate_and_throttling_slows_it() {
        let limit = RateLimit::per_second(2.0, 3);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let waits: Vec<Duration> = (0..5).map(|_| limit.reserve("a", t0)).collect();
        assert_eq!(waits[..3], [Duration::ZERO; 3]);
        assert_eq!(waits[3], Duration::from_millis(500));
        assert_eq!(waits[4], Duration::from_secs(1));
        // Another endpoint has its own bucket; clones share them.
        assert_eq!(limit.clone().reserve("b", t0), Duration::ZERO);
        limit.throttled("b", t0);
        assert_eq!(limit.current_rate("b"), 1.0);
        for _ in 0..10 {
            limit.throttled("b", t0);
        }
        assert_eq!(limit.current_rate("b"), 0.125);
        limit.answered("b", t0);
        assert_eq!(limit.current_rate("b"), 0.225);
        assert_eq!(RateLimit::unlimited().reserve("a", t0), Duration::ZERO);
        assert_eq!(RateLimit::unlimited().min_interval(), Duration::ZERO);
        assert_eq!(limit.min_interval(), Duration::from_millis(500));
    }
}
