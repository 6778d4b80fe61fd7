//! When and how long to wait before trying a request again.
//!
//! Only requests that can safely be repeated are retried: an idempotent request (GET, HEAD,
//! OPTIONS, PUT, DELETE, TRACE) after a transport error, a timeout, or a *transient* status
//! ([`crate::error::is_transient_status`], the one definition the waiter uses too: `408`,
//! `429`, and `5xx` but `501` and `505`); any request (POST included) only after a connect
//! error, when nothing was sent. Delays grow exponentially with full jitter (the backoff of
//! `backoff.rs`, shared with the waiter), a `Retry-After` header (seconds or HTTP-date) is
//! honoured, and both the number of attempts and the total time are bounded.
//!
//! # Inside a wait: one budget
//!
//! While [`wait_for`](crate::wait::wait_for) runs a poll, the client sends each request once
//! and hands every failure to the waiter: a retry is then the waiter's next poll, placed by
//! the waiter's schedule (which honours `Retry-After`, slows down when throttled and bounds
//! errors with [`WaitPolicy::max_transient_errors`](crate::wait::WaitPolicy::max_transient_errors)
//! and its deadline). Retries never come on top of the wait's schedule, so a `Config` with the
//! default [`RetryPolicy`] can be handed to a waiter as it is.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub(crate) use super::backoff::retry_after;
use super::backoff::{Backoff, Sleeper, full, random_unit};
pub use super::backoff::{BoxFuture, SleepHook};
use super::error::is_transient_status;
use super::time::Clock;

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
/// | `408`, `429`, `5xx` but `501` and `505` | yes | no |
/// | any other status | no | no |
///
/// The statuses are those [`Error::is_transient`](crate::Error::is_transient) calls transient
/// (the waiter's definition too): `501 Not Implemented` and `505 HTTP Version Not Supported`
/// say the request itself will never work; every other server error, a request timeout (`408`)
/// and throttling (`429`) may pass.
///
/// A `Retry-After` header on a retried status sets the delay instead of the backoff; when it
/// asks for more time than is left of [`RetryPolicy::max_elapsed`], the response is returned
/// as it is. Inside a [`wait_for`](crate::wait::wait_for) no request is retried by the client:
/// see the [module documentation](self).
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    max_elapsed: Duration,
    sleep: Sleeper,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff: Backoff {
                initial: Duration::from_millis(500),
                factor: 2.0,
                max: Duration::from_secs(10),
            },
            max_elapsed: Duration::from_secs(120),
            sleep: Sleeper::default(),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.backoff.initial)
            .field("max_backoff", &self.backoff.max)
            .field("max_elapsed", &self.max_elapsed)
            .field("custom_sleep", &self.sleep.is_custom())
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
        self.backoff.initial = delay;
        self
    }

    /// The largest upper bound a backoff delay can have.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.backoff.max = delay;
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
    pub fn sleep_with(mut self, sleep: impl SleepHook) -> Self {
        self.sleep = Sleeper::with(sleep);
        self
    }

    /// Whether this policy retries at all.
    pub fn is_enabled(&self) -> bool {
        self.max_attempts > 1
    }

    /// The upper bound of the delay before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff_bound(&self, retry: u32) -> Duration {
        self.backoff.nominal(retry)
    }

    pub(crate) async fn sleep(&self, delay: Duration) {
        self.sleep.sleep(delay).await;
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

/// Whether a status is retried (for idempotent requests): the one definition of transient.
pub(crate) fn is_retried_status(status: StatusCode) -> bool {
    is_transient_status(status)
}

tokio::task_local! {
    /// Set while a waiter runs a poll (with the waiter's sleep): the client then sends each
    /// request once, and waits for the rate limit with the waiter's sleep.
    static IN_WAIT: Sleeper;
}

/// Runs `poll` as a waiter's poll: the client sends each of its requests once, and the
/// waiter's schedule is the only retry loop; a rate limit's wait sleeps with `sleep`.
pub(crate) async fn as_wait_poll<F: std::future::Future>(sleep: Sleeper, poll: F) -> F::Output {
    IN_WAIT.scope(sleep, poll).await
}

/// Whether the current task is a waiter's poll.
pub(crate) fn in_wait_poll() -> bool {
    IN_WAIT.try_with(|_| ()).is_ok()
}

/// Sleeps `delay` with the waiter's sleep inside a wait's poll, else with `policy`'s.
pub(crate) async fn pause(policy: &RetryPolicy, delay: Duration) {
    match IN_WAIT.try_with(Sleeper::clone) {
        Ok(sleeper) => sleeper.sleep(delay).await,
        Err(_) => policy.sleep(delay).await,
    }
}

/// The retry bookkeeping of one call.
pub(crate) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    attempts: u32,
    spent: Duration,
    /// Inside a wait: no retries (the waiter's schedule is the budget).
    in_wait: bool,
}

impl<'p> RetryState<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> Self {
        Self {
            policy,
            attempts: 0,
            spent: Duration::ZERO,
            in_wait: in_wait_poll(),
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
        if self.in_wait || self.attempts >= self.policy.max_attempts {
            return None;
        }
        let delay = retry_after
            .unwrap_or_else(|| full(self.policy.backoff_bound(self.attempts), random_unit()));
        let spent = self.spent.saturating_add(delay);
        if spent > self.policy.max_elapsed {
            return None;
        }
        self.spent = spent;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::tests::headers;

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
    fn what_is_retried() {
        let p = RetryPolicy::new().max_attempts(10);
        let clock = Clock::system();
        let h = headers(None);
        let retried = |idempotent: bool, outcome: Outcome<'_>| {
            RetryState::new(&p)
                .next_delay(idempotent, outcome, Duration::ZERO, &clock)
                .is_some()
        };
        for code in [408, 429, 500, 502, 503, 504, 599] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(retried(true, Outcome::Status(s, &h)), "{code}");
            assert!(!retried(false, Outcome::Status(s, &h)), "{code}");
        }
        for code in [200, 400, 401, 404, 409, 501, 505] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(!retried(true, Outcome::Status(s, &h)), "{code}");
        }
        assert!(retried(true, Outcome::NotSent));
        assert!(retried(false, Outcome::NotSent));
        assert!(retried(true, Outcome::Failed));
        assert!(!retried(false, Outcome::Failed));
    }

    /// Inside a waiter's poll the client sends once: the waiter's schedule is the budget.
    #[tokio::test]
    async fn nothing_is_retried_inside_a_wait() {
        let p = RetryPolicy::new().max_attempts(10);
        let clock = Clock::system();
        assert!(!in_wait_poll());
        let retried = as_wait_poll(Sleeper::default(), async {
            assert!(in_wait_poll());
            RetryState::new(&p)
                .next_delay(true, Outcome::NotSent, Duration::ZERO, &clock)
                .is_some()
        })
        .await;
        assert!(!retried);
        assert!(!in_wait_poll());
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
