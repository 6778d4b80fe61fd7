//! When and how long to wait before trying a request again.
//!
//! Only requests that can safely be repeated are retried: an idempotent request (GET, HEAD,
//! OPTIONS, PUT, DELETE, TRACE) after a transport error, a timeout, or a `429`, `502`, `503`
//! or `504`; any request (POST included) only after a connect error, when nothing was sent.
//! Delays grow exponentially with full jitter, a `Retry-After` header (seconds or HTTP-date)
//! is honoured, and both the number of attempts and the total time are bounded.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::time::{Clock, parse_http_date};

/// A boxed future, as [`RetryPolicy::sleep_with`] and
/// [`TokenSource`](crate::TokenSource) use.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type SleepFn = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

/// How failed requests are retried.
///
/// The default: up to 3 attempts in all, backoff starting at 500 ms and doubling up to 10 s
/// (each delay drawn uniformly from zero to that bound: "full jitter"), and no retry that would
/// take the call past 2 minutes. [`RetryPolicy::none`] turns retries off.
///
/// What is retried:
///
/// | outcome | idempotent request (GET, PUT, DELETE, ...) | other request (POST, PATCH) |
/// | --- | --- | --- |
/// | connect error (nothing sent) | yes | yes |
/// | timeout, connection reset | yes | no |
/// | `429`, `502`, `503`, `504` | yes | no |
/// | any other status | no | no |
///
/// A `Retry-After` header on a retried status sets the delay instead of the backoff; when it
/// asks for more time than is left of [`RetryPolicy::max_elapsed`], the response is returned
/// as it is.
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    sleep: Option<SleepFn>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(120),
            sleep: None,
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_elapsed", &self.max_elapsed)
            .field("custom_sleep", &self.sleep.is_some())
            .finish()
    }
}

impl RetryPolicy {
    /// The default policy (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// No retries: every request is sent once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// How many times a request may be sent in all, the first time included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The upper bound of the first delay; each further delay's bound doubles.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The largest upper bound a backoff delay can have.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The most time one call may spend, attempts and delays together, before no further
    /// attempt is started.
    pub fn max_elapsed(mut self, limit: Duration) -> Self {
        self.max_elapsed = limit;
        self
    }

    /// Waits with `sleep` instead of `tokio::time::sleep`: for tests (record the delays and
    /// return at once) or for applications with their own timer.
    ///
    /// The time a call has spent is then counted as the time its attempts took plus the delays
    /// asked of `sleep`, whether or not `sleep` really waited.
    pub fn sleep_with(
        mut self,
        sleep: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        self.sleep = Some(Arc::new(sleep));
        self
    }

    /// Whether this policy retries at all.
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// The upper bound of the delay before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff_bound(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    pub(crate) async fn sleep(&self, delay: Duration) {
        match &self.sleep {
            Some(sleep) => sleep(delay).await,
            None => tokio::time::sleep(delay).await,
        }
    }
}

/// What came of one attempt, as far as retrying is concerned.
pub(crate) enum Outcome<'a> {
    /// The server answered.
    Status(StatusCode, &'a HeaderMap),
    /// Nothing was sent: the connection could not be made.
    NotSent,
    /// The request may have reached the server: timeout, reset, broken body.
    Failed,
}

/// Whether a status is retried (for idempotent requests).
pub(crate) fn is_retried_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The retry bookkeeping of one call.
pub(crate) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    attempts: u32,
    spent: Duration,
}

impl<'p> RetryState<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> Self {
        Self {
            policy,
            attempts: 0,
            spent: Duration::ZERO,
        }
    }

    /// Records an attempt that took `took`; returns how long to wait before the next one, or
    /// `None` when the outcome stands.
    pub(crate) fn next_delay(
        &mut self,
        idempotent: bool,
        outcome: Outcome<'_>,
        took: Duration,
        clock: &Clock,
    ) -> Option<Duration> {
        self.attempts += 1;
        self.spent = self.spent.saturating_add(took);
        let retry_after = match outcome {
            Outcome::Status(status, headers) if idempotent && is_retried_status(status) => {
                retry_after(headers, clock.now())
            }
            Outcome::Status(..) => return None,
            Outcome::NotSent => None,
            Outcome::Failed if idempotent => None,
            Outcome::Failed => return None,
        };
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| jitter(self.policy.backoff_bound(self.attempts)));
        let spent = self.spent.saturating_add(delay);
        if spent > self.policy.max_elapsed {
            return None;
        }
        self.spent = spent;
        Some(delay)
    }
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

/// A delay drawn uniformly from `[0, bound]`.
fn jitter(bound: Duration) -> Duration {
    Duration::try_from_secs_f64(bound.as_secs_f64() * random_unit()).unwrap_or(bound)
}

/// A number drawn uniformly from `[0, 1]`, for jitter (retries and the job waiter).
pub(crate) fn random_unit() -> f64 {
    // std's RandomState is randomly keyed per instance: enough randomness for jitter without
    // a random-number crate.
    let bits = RandomState::new().hash_one(0u8) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::new()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        let bounds: Vec<u128> = (1..=6).map(|n| p.backoff_bound(n).as_millis()).collect();
        assert_eq!(bounds, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.backoff_bound(200), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let bound = Duration::from_millis(300);
        let draws: Vec<Duration> = (0..200).map(|_| jitter(bound)).collect();
        assert!(draws.iter().all(|d| *d <= bound));
        // Not all the same: it is random.
        assert!(draws.iter().any(|d| *d != draws[0]));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::new().max_attempts(10);
        let clock = Clock::system();
        let h = headers(None);
        let retried = |idempotent: bool, outcome: Outcome<'_>| {
            RetryState::new(&p)
                .next_delay(idempotent, outcome, Duration::ZERO, &clock)
                .is_some()
        };
        for code in [429, 502, 503, 504] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(retried(true, Outcome::Status(s, &h)), "{code}");
            assert!(!retried(false, Outcome::Status(s, &h)), "{code}");
        }
        for code in [200, 400, 401, 404, 409, 500, 501] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(!retried(true, Outcome::Status(s, &h)), "{code}");
        }
        assert!(retried(true, Outcome::NotSent));
        assert!(retried(false, Outcome::NotSent));
        assert!(retried(true, Outcome::Failed));
        assert!(!retried(false, Outcome::Failed));
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::new().max_attempts(3);
        let mut state = RetryState::new(&p);
        let clock = Clock::system();
        assert!(
            state
                .next_delay(true, Outcome::NotSent, Duration::ZERO, &clock)
                .is_some()
        );
        assert!(
            state
                .next_delay(true, Outcome::NotSent, Duration::ZERO, &clock)
                .is_some()
        );
        assert!(
            state
                .next_delay(true, Outcome::NotSent, Duration::ZERO, &clock)
                .is_none()
        );
        let none = RetryPolicy::none();
        assert!(!none.is_enabled());
        assert!(
            RetryState::new(&none)
                .next_delay(true, Outcome::NotSent, Duration::ZERO, &clock)
                .is_none()
        );
        assert_eq!(RetryPolicy::new().max_attempts(0).max_attempts, 1);
    }

    #[test]
    fn elapsed_time_is_bounded() {
        let p = RetryPolicy::new()
            .max_attempts(100)
            .max_elapsed(Duration::from_secs(10));
        let clock = Clock::system();
        let h = headers(Some("4"));
        let s = StatusCode::SERVICE_UNAVAILABLE;
        let mut state = RetryState::new(&p);
        // 1 s attempt + 4 s wait = 5 s; 1 s + 4 s = 10 s; the third would be 15 s.
        let took = Duration::from_secs(1);
        assert_eq!(
            state.next_delay(true, Outcome::Status(s, &h), took, &clock),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            state.next_delay(true, Outcome::Status(s, &h), took, &clock),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            state.next_delay(true, Outcome::Status(s, &h), took, &clock),
            None
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            retry_after(&headers(Some("120")), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers(Some(" 0 ")), now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(Some("Sun, 06 Nov 1994 08:50:07 GMT")), now),
            Some(Duration::from_secs(30))
        );
        // In the past: no wait.
        assert_eq!(
            retry_after(&headers(Some("Sun, 06 Nov 1994 08:00:00 GMT")), now),
            Some(Duration::ZERO)
        );
        for bad in ["-1", "soon", "1.5", ""] {
            assert_eq!(retry_after(&headers(Some(bad)), now), None, "{bad}");
        }
        assert_eq!(retry_after(&headers(None), now), None);
    }

    #[test]
    fn retry_after_beyond_the_budget_is_not_waited_for() {
        let p = RetryPolicy::new().max_elapsed(Duration::from_secs(30));
        let h = headers(Some("3600"));
        let mut state = RetryState::new(&p);
        let outcome = Outcome::Status(StatusCode::TOO_MANY_REQUESTS, &h);
        assert_eq!(
            state.next_delay(true, outcome, Duration::ZERO, &Clock::system()),
            None
        );
    }
}
