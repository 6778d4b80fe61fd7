//! The one backoff of the runtime: exponential bounds, jitter, the sleep hook, the random
//! source, `Retry-After` and the timer, shared by the client's retries ([`crate::retry`]) and
//! the job waiter ([`crate::wait`]), so both back off, sleep and read time the same way.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::time::{Clock, parse_http_date};

/// A boxed future, as the sleep hooks ([`crate::RetryPolicy::sleep_with`],
/// [`crate::wait::WaitPolicy::sleep_with`]) and [`TokenSource`](crate::TokenSource) use.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A sleep hook ([`crate::RetryPolicy::sleep_with`], [`crate::wait::WaitPolicy::sleep_with`]):
/// any `Fn(Duration) -> BoxFuture<'static, ()>` that can be shared between threads.
pub trait SleepHook: Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static {}

impl<F> SleepHook for F where F: Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static {}

type SleepFn = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;
type RandomFn = Arc<dyn Fn() -> f64 + Send + Sync>;

/// How to sleep: `tokio::time::sleep`, or a hook (tests, simulations, own timers).
#[derive(Clone, Default)]
pub(crate) struct Sleeper(Option<SleepFn>);

impl Sleeper {
    pub(crate) fn with(sleep: impl SleepHook) -> Self {
        Self(Some(Arc::new(sleep)))
    }

    pub(crate) fn is_custom(&self) -> bool {
        self.0.is_some()
    }

    pub(crate) async fn sleep(&self, delay: Duration) {
        match &self.0 {
            Some(sleep) => sleep(delay).await,
            None => tokio::time::sleep(delay).await,
        }
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_custom() { "custom" } else { "tokio" })
    }
}

/// Where jitter's random numbers come from: the built-in source or a hook.
#[derive(Clone, Default)]
pub(crate) struct Random(Option<RandomFn>);

impl Random {
    pub(crate) fn with(random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(random)))
    }

    pub(crate) fn is_custom(&self) -> bool {
        self.0.is_some()
    }

    /// A number in `[0, 1]` (a hook's value clamped; NaN taken as 0.5).
    pub(crate) fn unit(&self) -> f64 {
        let draw = match &self.0 {
            Some(random) => random(),
            None => random_unit(),
        };
        if draw.is_nan() {
            0.5
        } else {
            draw.clamp(0.0, 1.0)
        }
    }
}

/// Exponential bounds: `initial × factor^(n-1)`, capped at `max` (the plain backoff of the
/// client's retries and of the waiter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first bound.
    pub initial: Duration,
    /// How much each bound grows over the one before (at least 1).
    pub factor: f64,
    /// The largest bound.
    pub max: Duration,
}

impl Backoff {
    /// The bound for step `n` (1 for the first).
    pub fn nominal(&self, n: u32) -> Duration {
        let cap = self.max.as_secs_f64();
        let mut secs = self.initial.as_secs_f64().min(cap);
        for _ in 1..n {
            if secs >= cap {
                break;
            }
            secs = (secs * self.factor).min(cap);
        }
        Duration::try_from_secs_f64(secs).unwrap_or(self.max)
    }
}

/// `bound` moved by a random `draw` in `[0, 1]`: uniformly within `bound × [1 - f, 1 + f]`.
pub(crate) fn proportional(bound: Duration, fraction: f64, draw: f64) -> Duration {
    scale(bound, 1.0 + fraction * (2.0 * draw - 1.0))
}

/// A delay drawn uniformly from `[0, bound]` ("full jitter").
pub(crate) fn full(bound: Duration, draw: f64) -> Duration {
    scale(bound, draw)
}

/// `duration × factor`, saturating, never negative.
pub(crate) fn scale(duration: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(duration.as_secs_f64() * factor.max(0.0)).unwrap_or(Duration::MAX)
}

/// A number drawn uniformly from `[0, 1]`.
pub(crate) fn random_unit() -> f64 {
    // std's RandomState is randomly keyed per instance: enough randomness for jitter without
    // a random-number crate.
    let bits = RandomState::new().hash_one(0u8) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

/// The delay a `Retry-After` header asks for: a number of seconds or an HTTP-date (a date in
/// the past means no delay). `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Time since something started, by the monotonic clock or an injected one.
#[derive(Debug, Clone)]
pub(crate) enum Timer {
    Monotonic(Instant),
    Injected(Clock, SystemTime),
}

impl Timer {
    pub(crate) fn start(clock: Option<&Clock>) -> Self {
        match clock {
            None => Timer::Monotonic(Instant::now()),
            Some(clock) => Timer::Injected(clock.clone(), clock.now()),
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        match self {
            Timer::Monotonic(start) => start.elapsed(),
            Timer::Injected(clock, start) => clock.now().duration_since(*start).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// Headers with this `Retry-After`, or none (for the retry tests too).
    pub(crate) fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let bound = Duration::from_millis(300);
        let draws: Vec<Duration> = (0..200).map(|_| full(bound, random_unit())).collect();
        assert!(draws.iter().all(|d| *d <= bound));
        assert!(draws.iter().any(|d| *d != draws[0]));
        assert_eq!(full(Duration::ZERO, 0.7), Duration::ZERO);
        assert_eq!(
            proportional(Duration::from_secs(10), 0.1, 1.0),
            Duration::from_secs(11)
        );
        assert_eq!(Random::with(|| f64::NAN).unit(), 0.5);
        assert_eq!(Random::with(|| 7.0).unit(), 1.0);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let cases = [
            ("120", Some(120)),
            (" 0 ", Some(0)),
            ("Sun, 06 Nov 1994 08:50:07 GMT", Some(30)),
            // In the past: no wait.
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(0)),
            ("-1", None),
            ("soon", None),
            ("1.5", None),
            ("", None),
        ];
        for (value, secs) in cases {
            let wanted = secs.map(Duration::from_secs);
            assert_eq!(retry_after(&headers(Some(value)), now), wanted, "{value}");
        }
        assert_eq!(retry_after(&headers(None), now), None);
    }
}
