//! One way to wait for a job of any service: poll until it succeeds or fails.
//!
//! [`wait_for`] takes any closure that starts one "job details" call (a generated builder's
//! `.send()`, for example) and a [`WaitPolicy`], and returns the final job, or a
//! [`WaitError`] that says why waiting stopped and keeps the last job seen.
//!
//! ```no_run
//! use cloudjobs::otc_ims_jobs;
//! use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
//! use cloudjobs::runtime::{Auth, Config, Job};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::builder()
//!     .region("eu-de")
//!     .auth(Auth::token(std::env::var("OS_AUTH_TOKEN")?))
//!     .build()?;
//! let ims = otc_ims_jobs::Client::new(&config)?;
//! let (project, job_id) = ("ac234de25c6741d2b1273da49eea1b9e", "ff8080814dbd65d7014dbe0d84db0013");
//! let job = wait_for(|| ims.show_job(project, job_id).send(), WaitPolicy::default())
//!     .on_event(|event| eprintln!("{event}"))
//!     .await?;
//! println!("done: {} -> {:?}", job.state(), job.resource_ids());
//! # Ok(()) }
//! ```
//!
//! # How it polls
//!
//! The first poll is sent at once. Then the waiter reads the job: a job that reports its
//! progress (a percentage, `"60 % "` included, or sub-jobs done out of all) is polled from an
//! estimate of its end (*progress-aware polling*, below); one that reports nothing (or whose
//! progress cannot be trusted: too few readings, a stall, progress going backwards) is
//! polled with the plain backoff of the policy. Nothing but the server's state ends a wait:
//! an estimate only moves polls.
//!
//! ## The plain backoff, and how late it notices the end
//!
//! After poll *n* the waiter sleeps
//! `min(max_interval, initial_interval × factor^(n-1))`, multiplied by a random factor drawn
//! uniformly from `[1 - jitter, 1 + jitter]` (so that many waiters started together do not
//! poll together). The default policy: `initial_interval` 1 s, `factor` 1.5, `max_interval`
//! 27 s, `jitter` 0.1, so after about a minute every gap between two polls lies between
//! 24.3 s and 29.7 s.
//!
//! For a job that takes 20 minutes and reports nothing, under the default policy (measured
//! on an injected clock by `tests/tests/wait.rs`, `default_policy_polling_figures`, for the
//! smallest and largest jitter draws and 300 random ones):
//!
//! - **requests: at most 57** (60 was the goal), counting the first poll and the one that sees
//!   the end, when no poll fails (each failed poll adds one).
//!   Fixed-interval waiters send 1,201 (1 s interval) or 121 (10 s, 5 s late on average).
//! - **lateness on average: at most 14.6 s** (15 s was the goal). *Lateness* is the time from
//!   the job's end to the first poll that sees it (network time left out); the average is
//!   over an end time uniformly distributed over the first 20 minutes. Whatever the draws, the
//!   average over any stretch of whole gaps is at most half the largest gap (an end inside a
//!   gap of length `g` is on average `g / 2` late): at most 14.85 s.
//! - **lateness at worst: 29.7 s**, the largest gap.
//!
//! Both 60 requests and 15 s as a *worst* case cannot be had together: at most 15 s late means
//! gaps of at most 15 s, so at least 80 polls in 20 minutes. The default keeps the request
//! bound and meets 15 s on average. A caller who needs a tighter worst case sets
//! [`WaitPolicy::max_interval`] (the worst case is `max_interval × (1 + jitter)`, the number
//! of requests about `1200 s / max_interval`).
//!
//! No schedule that knows nothing about the job does better on average than `T / (2n)` for a
//! job of `T` seconds polled `n` times (evenly spread polls; 10.5 s for 20 minutes and 57
//! requests): to be both sparing and prompt, a waiter has to read the job.
//!
//! ## Progress-aware polling
//!
//! [`crate::schedule`] fits a line through the progress readings (each quantized reading
//! counted at the middle of its step; a new segment when progress goes backwards or moves
//! again after a stall) and predicts the end with its spread. The waiter then polls sparsely
//! while the end is far (each gap half the time left, at most
//! [`WaitPolicy::max_sparse_interval`]), densely around the predicted end (every twice
//! [`WaitPolicy::target_lateness`], 2.5 s by default, or a third of the spread when that is
//! wider), and with growing gaps once the prediction has passed (a job at 100 % that has not
//! ended is *due*, never done). [`WaitPolicy::progress_aware`]`(false)` turns it off.
//! `cargo xtask bench wait` measures it with this waiter on simulated jobs: for a 20-minute
//! job that reports roughly linear progress, 17 requests and 3.5 s late on average, against
//! 52 and 13.6 s for the plain backoff; the README has the table of every scenario.
//!
//! ## Past durations: [`DurationHints`]
//!
//! A job that reports no progress can still be predicted from how long its kind took before:
//! [`WaitPolicy::duration_hints`] gives the waiter a [`DurationHints`] store (recent
//! durations by service and job type; the median as the end, the 10 % and 90 % quantiles as
//! its spread) as the prior, and records the job's duration there when it succeeds. Off by
//! default; a program keeps one across runs with [`DurationHints::save`] and
//! [`DurationHints::load`] (JSON, `0600`).
//!
//! ## Throttling: the rate budget, `Retry-After` and [`RateLimit`](crate::RateLimit)
//!
//! - A throttled poll (`429`, or a gateway's "too many requests" code such as `APIGW.0308`,
//!   [`Error::is_throttled`]) with a `Retry-After` header is sent again when the server asks,
//!   within [`WaitPolicy::max_interval`].
//! - Without one, the wait learns a *rate budget* ([`crate::schedule::RateBudget`]): the polls
//!   sent in the minute before the refused one are what the server allows a minute (one less
//!   on each further refusal, at least one). For the rest of the wait no poll is sent while
//!   the last minute holds that many, and polls are paced evenly (a minute over the budget),
//!   after the jitter, whatever the phase: near the predicted end the polls a slow server
//!   allows are spread, not spent in a burst a refusal would cut short (a refused poll hides
//!   the end, and may count against the limit too). After five minutes of using the budget
//!   up without a refusal it grows by one poll (a probe). Against a server that refuses more
//!   than 5 requests a minute (refused ones counted) the bench measures 14 requests and 6.8 s
//!   late on average, against 51 and 15.2 s for the plain backoff.
//!   [`WaitPolicy::throttle_aware`]`(false)` is the waiter as it was before the budget (a
//!   throttled poll is a transient error like any other).
//! - Every request of a [`Config`](crate::Config) (every client, every wait) also takes a
//!   token from the configuration's [`RateLimit`](crate::RateLimit), one token bucket per
//!   endpoint (20 a second, bursts of 100, settable), which a `429` halves and other answers
//!   restore slowly: 500 concurrent waits do not hammer one endpoint.
//!
//! ## Confirmed endings
//!
//! Some job APIs report success while sub-jobs still run. A spec says so (`confirm` in
//! `x-cloudjobs-job`) and the generated job type answers [`Job::confirm`]: the first
//! terminal read ends the wait ([`Confirm::Once`], the default), `N` consecutive terminal
//! reads of the same kind ([`Confirm::Reads`]), or success only once every sub-task is
//! terminal too ([`Confirm::SubtasksTerminal`]). A terminal state not yet confirmed is read
//! again soon (within the rate budget). [`WaitPolicy::confirm`] overrides what the job says.
//!
//! # Errors, unknown states, deadline, cancellation
//!
//! - A status the spec does not list is *unknown*: never terminal, waiting goes on.
//! - Transient errors ([`Error::is_transient`]: timeouts, transport errors, 408, 429, 5xx but
//!   501 and 505) are tolerated up to [`WaitPolicy::max_transient_errors`] in a row; a
//!   `Retry-After` header lengthens the next gap, up to [`WaitPolicy::max_interval`]. Inside a
//!   wait the client sends each poll once: its retries are the waiter's polls, on the wait's
//!   schedule. Any other error ends the wait at once.
//! - A connection never made before any poll reached the server (refused, DNS, TLS
//!   handshake, or not within the connect timeout: a host that drops packets) is a wrong
//!   endpoint more likely than an outage: after [`WaitPolicy::max_connect_attempts`] quick
//!   tries the wait stops with [`WaitFailure::Unreachable`], naming the host.
//! - A status is classified ignoring ASCII case (`success` counts as a listed `SUCCESS`).
//! - The deadline ([`WaitPolicy::timeout`], default 1 hour from the first poll) is checked
//!   before each sleep: when the next poll would come after it, the last poll is sent at the
//!   deadline instead, and if the job has not ended then, waiting stops with
//!   [`WaitFailure::DeadlinePassed`]. A poll under way is not cut short by the deadline (the
//!   client's timeout and retry policy bound it).
//! - [`Wait::cancel_on`] stops the wait (a sleep or a poll under way) as soon as a future
//!   completes, for example on Ctrl-C.
//!
//! Every state change, every progress change and every tolerated error is reported to the
//! callback given to [`Wait::on_event`].

use std::fmt;
use std::future::{Future, IntoFuture, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use super::backoff::{Backoff, Random, Sleeper, Timer, proportional, retry_after, scale};
use super::error::{Error, OneLine, Undocumented};
use super::hints::DurationHints;
use super::job::{Confirm, Job, JobState, Progress, StateKind};
use super::retry::{BoxFuture, SleepHook, as_wait_poll};
use super::schedule::{
    Estimate, Estimator, Phase, RateBudget, SchedulePolicy, Situation, is_overdue, next_gap,
};
use super::time::Clock;

use tracing::field;
use tracing::{Instrument as _, debug, info, info_span};

/// How a job is waited for: the polling schedule, the deadline and the error bound.
///
/// The default: first poll at once, then gaps of 1 s growing by a factor of 1.5 up to 27 s,
/// each jittered by ±10 %; a deadline of 1 hour; at most 10 transient errors in a row. See
/// the [module documentation](self) for what that means in requests and lateness.
///
/// ```
/// use std::time::Duration;
/// use cloudjobs::runtime::wait::WaitPolicy;
///
/// let policy = WaitPolicy::default()
///     .initial_interval(Duration::from_secs(2))
///     .max_interval(Duration::from_secs(15))
///     .timeout(Duration::from_secs(30 * 60));
/// assert_eq!(policy.interval_bounds(1), (Duration::from_millis(1800), Duration::from_millis(2200)));
/// ```
#[derive(Clone)]
pub struct WaitPolicy {
    backoff: Backoff,
    jitter: f64,
    timeout: Option<Duration>,
    max_transient_errors: u32,
    max_connect_attempts: u32,
    schedule: SchedulePolicy,
    throttle_aware: bool,
    hints: Option<(DurationHints, String, String)>,
    confirm: Option<Confirm>,
    clock: Option<Clock>,
    sleep: Sleeper,
    random: Random,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            backoff: Backoff {
                initial: Duration::from_secs(1),
                factor: 1.5,
                max: Duration::from_secs(27),
            },
            jitter: 0.1,
            timeout: Some(Duration::from_secs(3600)),
            max_transient_errors: 10,
            max_connect_attempts: 3,
            schedule: SchedulePolicy::default(),
            throttle_aware: true,
            hints: None,
            confirm: None,
            clock: None,
            sleep: Sleeper::default(),
            random: Random::default(),
        }
    }
}

impl fmt::Debug for WaitPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitPolicy")
            .field("initial_interval", &self.backoff.initial)
            .field("factor", &self.backoff.factor)
            .field("max_interval", &self.backoff.max)
            .field("jitter", &self.jitter)
            .field("timeout", &self.timeout)
            .field("max_transient_errors", &self.max_transient_errors)
            .field("max_connect_attempts", &self.max_connect_attempts)
            .field("schedule", &self.schedule)
            .field("throttle_aware", &self.throttle_aware)
            .field("hints", &self.hints.as_ref().map(|(_, s, t)| (s, t)))
            .field("confirm", &self.confirm)
            .field("clock", &self.clock)
            .field("custom_sleep", &self.sleep.is_custom())
            .field("custom_random", &self.random.is_custom())
            .finish()
    }
}

impl WaitPolicy {
    /// The default policy (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// The gap after the first poll, before jitter (default 1 s).
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.backoff.initial = interval;
        self
    }

    /// How much each gap grows over the one before, until [`WaitPolicy::max_interval`]
    /// (default 1.5). Values below 1 (and NaN) are taken as 1: a fixed interval.
    pub fn factor(mut self, factor: f64) -> Self {
        self.backoff.factor = if factor >= 1.0 && factor.is_finite() {
            factor
        } else {
            1.0
        };
        self
    }

    /// The largest gap between two polls, before jitter (default 27 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.backoff.max = interval;
        self
    }

    /// How far each gap may be moved at random, as a fraction of it (default 0.1: ±10 %).
    /// Clamped to `0.0..=1.0`; 0 turns jitter off.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// How long to wait at most, from the first poll (default 1 hour).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No deadline: wait until the job ends, an error ends the wait, or it is cancelled.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// How many transient errors in a row are tolerated (default 10); the next one ends the
    /// wait with [`WaitFailure::TooManyTransientErrors`]. A successful poll resets the count;
    /// 0 tolerates none.
    pub fn max_transient_errors(mut self, errors: u32) -> Self {
        self.max_transient_errors = errors;
        self
    }

    /// How many times in all a poll is tried while no poll of this wait has reached the
    /// server and the connection cannot be made (refused, DNS, TLS handshake, or not within
    /// the connect timeout: a host that drops packets) (default 3, 0.5 s then 1 s apart);
    /// then waiting stops with [`WaitFailure::Unreachable`], naming the host. A wrong endpoint is not a passing outage: waiting for it would only delay the
    /// error. Once a poll has reached the server, a refused connection is a transient error
    /// like any other. At least 1.
    pub fn max_connect_attempts(mut self, attempts: u32) -> Self {
        self.max_connect_attempts = attempts.max(1);
        self
    }

    /// Whether polls are placed from the job's progress (default `true`; see the
    /// [module documentation](self)); `false` is the plain backoff, whatever the job reports.
    pub fn progress_aware(mut self, on: bool) -> Self {
        self.schedule.enabled = on;
        self
    }

    /// Whether a server's throttling (429, or a gateway's "too many requests" code) without a
    /// `Retry-After` teaches the wait a rate budget (default `true`): as many polls a minute
    /// as were sent in the minute before the refused one, evenly paced, for the rest of the
    /// wait (see the
    /// [module documentation](self)). `false` is the waiter as it was before the budget: a
    /// throttled poll is a transient error like any other, and the plain schedule goes on
    /// (`cargo xtask bench wait` compares against it). `Retry-After` is honoured either way.
    pub fn throttle_aware(mut self, on: bool) -> Self {
        self.throttle_aware = on;
        self
    }

    /// How late, on average, a predicted end should be seen (default 2.5 s): polls around the
    /// predicted end are twice this apart.
    pub fn target_lateness(mut self, lateness: Duration) -> Self {
        self.schedule.target_lateness = lateness;
        self
    }

    /// The longest gap while a predicted end is far (default 10 minutes).
    pub fn max_sparse_interval(mut self, interval: Duration) -> Self {
        self.schedule.max_sparse_gap = interval;
        self
    }

    /// The shortest gap between two polls of this wait, before jitter (default none): at most
    /// one poll per `interval` (the requests of all waits of a [`Config`](crate::Config) are
    /// bounded by its [`RateLimit`](crate::ratelimit::RateLimit) too).
    pub fn min_interval(mut self, interval: Duration) -> Self {
        self.schedule.min_gap = interval;
        self
    }

    /// Uses the durations of past jobs of `service` and `job_type` as the prior of a job
    /// that reports no progress, and records this job's duration there when it succeeds (off
    /// by default).
    pub fn duration_hints(
        mut self,
        hints: DurationHints,
        service: impl Into<String>,
        job_type: impl Into<String>,
    ) -> Self {
        self.hints = Some((hints, service.into(), job_type.into()));
        self
    }

    /// How a terminal state is confirmed, instead of what the job says ([`Job::confirm`]).
    pub fn confirm(mut self, confirm: Confirm) -> Self {
        self.confirm = Some(confirm);
        self
    }

    /// Reads the time from `clock` instead of the monotonic system clock; for tests and
    /// simulations (together with [`WaitPolicy::sleep_with`]).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Sleeps with `sleep` instead of `tokio::time::sleep`: for tests (advance a simulated
    /// clock and return at once) or for applications with their own timer.
    pub fn sleep_with(mut self, sleep: impl SleepHook) -> Self {
        self.sleep = Sleeper::with(sleep);
        self
    }

    /// Draws the jitter's random numbers from `random` (each a number in `[0, 1]`; values
    /// outside are clamped) instead of the built-in source: for tests and simulations.
    pub fn random_with(mut self, random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.random = Random::with(random);
        self
    }

    /// The smallest and largest gap the policy may sleep after poll number `poll` (1 for the
    /// first poll), jitter included.
    pub fn interval_bounds(&self, poll: u32) -> (Duration, Duration) {
        let nominal = self.nominal_interval(poll);
        (
            scale(nominal, 1.0 - self.jitter),
            scale(nominal, 1.0 + self.jitter),
        )
    }

    /// The gap after poll number `poll`, before jitter.
    fn nominal_interval(&self, poll: u32) -> Duration {
        self.backoff.nominal(poll)
    }

    /// The jittered gap after poll number `poll`.
    #[cfg(test)]
    fn interval(&self, poll: u32) -> Duration {
        let nominal = self.nominal_interval(poll);
        if self.jitter == 0.0 {
            return nominal;
        }
        proportional(nominal, self.jitter, self.random.unit())
    }

    async fn sleep(&self, delay: Duration) {
        self.sleep.sleep(delay).await;
    }
}

/// The gap before the first quick retry of a poll that could not connect (doubling).
const QUICK_RETRY: Duration = Duration::from_millis(500);

/// Why waiting stopped without a successful job.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitFailure<E = Undocumented> {
    /// The job ended unsuccessfully.
    JobFailed {
        /// The status as sent.
        status: String,
        /// The error code, when the API reports one.
        code: Option<String>,
        /// Why it failed, when the API says.
        reason: Option<String>,
    },
    /// The deadline passed before the job ended.
    DeadlinePassed {
        /// The deadline that passed ([`WaitPolicy::timeout`]).
        timeout: Duration,
    },
    /// More transient errors in a row than [`WaitPolicy::max_transient_errors`] allows.
    TooManyTransientErrors {
        /// How many there were in a row.
        consecutive: u32,
        /// The last one.
        error: Error<E>,
    },
    /// No poll reached the server: the connection could not be made (refused, DNS, TLS
    /// handshake, or not within the connect timeout) [`WaitPolicy::max_connect_attempts`]
    /// times in a row.
    Unreachable {
        /// The host (and port) that could not be reached.
        host: String,
        /// How many polls were tried.
        attempts: u32,
        /// The last error.
        error: Error<E>,
    },
    /// A poll failed with an error that trying again will not fix (`401`, `403`, `404`, a
    /// body that does not match the spec, ...).
    Api(Error<E>),
    /// The future given to [`Wait::cancel_on`] completed.
    Cancelled,
}

/// Why waiting stopped without a successful job, with the last job seen.
///
/// `T` is what the poll returns (a [`Response`](crate::Response) of a job type),
/// `E` the operation's typed error body.
pub struct WaitError<T, E = Undocumented> {
    failure: WaitFailure<E>,
    last: Option<T>,
    polls: u32,
    elapsed: Duration,
}

impl<T: Job, E> WaitError<T, E> {
    /// Why waiting stopped.
    pub fn failure(&self) -> &WaitFailure<E> {
        &self.failure
    }

    /// Why waiting stopped, dropping the rest.
    pub fn into_failure(self) -> WaitFailure<E> {
        self.failure
    }

    /// The last job a poll returned (for a failed job: the failed job), if any poll
    /// succeeded.
    pub fn last_job(&self) -> Option<&T> {
        self.last.as_ref()
    }

    /// The last job a poll returned, taken out of the error.
    pub fn into_last_job(self) -> Option<T> {
        self.last
    }

    /// The state of the last job seen.
    pub fn last_state(&self) -> Option<JobState> {
        self.last.as_ref().map(Job::state)
    }

    /// How many polls were sent (failed ones included).
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// How long waiting took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether the job itself failed (as opposed to the waiting).
    pub fn is_job_failed(&self) -> bool {
        matches!(self.failure, WaitFailure::JobFailed { .. })
    }

    /// Whether the deadline passed.
    pub fn is_deadline(&self) -> bool {
        matches!(self.failure, WaitFailure::DeadlinePassed { .. })
    }

    /// Whether waiting was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.failure, WaitFailure::Cancelled)
    }

    /// The API error that ended the wait, if one did (too many transient errors, or a
    /// non-transient one).
    pub fn api_error(&self) -> Option<&Error<E>> {
        match &self.failure {
            WaitFailure::TooManyTransientErrors { error, .. }
            | WaitFailure::Api(error)
            | WaitFailure::Unreachable { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl<T: Job, E: fmt::Debug> fmt::Debug for WaitError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitError")
            .field("failure", &self.failure)
            .field("last_state", &self.last_state())
            .field("polls", &self.polls)
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

impl<T: Job, E> fmt::Display for WaitError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            WaitFailure::JobFailed {
                status,
                code,
                reason,
            } => {
                write!(f, "the job failed ({status})")?;
                match (code, reason) {
                    (Some(c), Some(r)) => write!(f, ": {c}: {r}")?,
                    (Some(x), None) | (None, Some(x)) => write!(f, ": {x}")?,
                    (None, None) => {}
                }
            }
            WaitFailure::DeadlinePassed { timeout } => {
                write!(f, "the job did not end within {}", Seconds(*timeout))?;
            }
            WaitFailure::TooManyTransientErrors { consecutive, error } => {
                write!(
                    f,
                    "gave up after {consecutive} failed polls in a row: {error}"
                )?;
            }
            WaitFailure::Api(error) => write!(f, "polling the job failed: {error}")?,
            WaitFailure::Unreachable {
                host,
                attempts,
                error,
            } => write!(
                f,
                "could not connect to {host} ({attempts} tr{}; is the endpoint right?): {error}",
                if *attempts == 1 { "y" } else { "ies" }
            )?,
            WaitFailure::Cancelled => f.write_str("waiting was cancelled")?,
        }
        if !self.is_job_failed() {
            match self.last_state() {
                Some(state) => write!(f, " (last state: {state}")?,
                None => f.write_str(" (no state seen")?,
            }
            write!(
                f,
                ", {} poll{} in {})",
                self.polls,
                if self.polls == 1 { "" } else { "s" },
                Seconds(self.elapsed)
            )?;
        }
        Ok(())
    }
}

impl<T: Job, E: fmt::Debug> std::error::Error for WaitError<T, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

/// A duration for people: `850ms`, `4.5s`, `3m12s`, `1h0m5s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d < Duration::from_secs(1) {
            return write!(f, "{}ms", d.as_millis());
        }
        if d < Duration::from_secs(60) {
            let tenths = d.as_millis() / 100;
            return match tenths % 10 {
                0 => write!(f, "{}s", tenths / 10),
                t => write!(f, "{}.{t}s", tenths / 10),
            };
        }
        let s = d.as_secs();
        match (s / 3600, s / 60 % 60, s % 60) {
            (0, m, s) => write!(f, "{m}m{s}s"),
            (h, m, s) => write!(f, "{h}h{m}m{s}s"),
        }
    }
}

/// Something the waiter saw, for the callback given to [`Wait::on_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent<'a, T, E = Undocumented> {
    /// The first state seen, and each change of state after it (a new status value).
    StateChanged {
        /// The state before (`None` on the first poll).
        previous: Option<JobState>,
        /// The state now.
        state: JobState,
        /// The job as the poll returned it.
        job: &'a T,
        /// When.
        at: PollInfo,
    },
    /// The job's progress changed (reported after a state change on the same poll).
    ProgressChanged {
        /// The progress before.
        previous: Option<Progress>,
        /// The progress now.
        progress: Progress,
        /// The job as the poll returned it.
        job: &'a T,
        /// When.
        at: PollInfo,
    },
    /// A poll failed with a transient error; waiting goes on.
    TransientError {
        /// The error.
        error: &'a Error<E>,
        /// How many transient errors in a row, this one included.
        consecutive: u32,
        /// How many are tolerated in a row ([`WaitPolicy::max_transient_errors`]).
        tolerated: u32,
        /// When.
        at: PollInfo,
    },
}

impl<T, E> WaitEvent<'_, T, E> {
    /// When the event happened.
    pub fn at(&self) -> PollInfo {
        match self {
            WaitEvent::StateChanged { at, .. }
            | WaitEvent::ProgressChanged { at, .. }
            | WaitEvent::TransientError { at, .. } => *at,
        }
    }
}

impl<T, E> fmt::Display for WaitEvent<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at();
        write!(f, "[{} poll {}] ", Seconds(at.elapsed), at.poll)?;
        match self {
            WaitEvent::StateChanged { state, .. } => write!(f, "{state}")?,
            WaitEvent::ProgressChanged { progress, .. } => write!(f, "progress {progress}")?,
            WaitEvent::TransientError {
                error,
                consecutive,
                tolerated,
                ..
            } => write!(f, "error {consecutive} of {tolerated} tolerated: {error}")?,
        }
        if let Some(next) = at.next_poll_in {
            write!(f, "; next poll in {}", Seconds(next))?;
        }
        if let Some(eta) = at.estimate {
            write!(
                f,
                "; eta {} ±{}",
                Seconds(eta.remaining),
                Seconds(eta.spread)
            )?;
        }
        Ok(())
    }
}

/// When an event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollInfo {
    /// The number of the poll (1 for the first).
    pub poll: u32,
    /// Time since the first poll started.
    pub elapsed: Duration,
    /// How long the waiter sleeps before the next poll (`None` when there is none).
    pub next_poll_in: Option<Duration>,
    /// When the job is expected to end, when the waiter has an estimate (from its progress,
    /// or from past durations).
    pub estimate: Option<Eta>,
}

/// When a job is expected to end, for a progress bar. An estimate, never a promise: only
/// the server's state ends a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eta {
    /// The expected end, counted from the first poll.
    pub end: Duration,
    /// The expected time left, from the poll that reported the event.
    pub remaining: Duration,
    /// The uncertainty of `end` (about one standard deviation).
    pub spread: Duration,
    /// When the next poll is sent, counted from the first poll.
    pub next_poll_at: Option<Duration>,
}

type EventFn<'a, T, E> = Box<dyn for<'e> FnMut(&WaitEvent<'e, T, E>) + Send + 'a>;

/// Waits for a job: polls with `poll` under `policy` until the job succeeds (the final job),
/// fails, or waiting stops ([`WaitError`]).
///
/// `poll` starts one "job details" call each time it is called: a generated builder's
/// `.send()` (`|| ims.show_job(project, job).send()`), or any future that yields a
/// [`Job`]. The returned [`Wait`] is awaited directly, or configured first with
/// [`Wait::on_event`] and [`Wait::cancel_on`].
///
/// # Errors
///
/// A [`WaitError`]: the job failed, the deadline passed, too many transient errors, another
/// API error, or cancellation; it keeps the last job seen.
pub fn wait_for<'a, F, Fut, T, E>(poll: F, policy: WaitPolicy) -> Wait<'a, F, T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
    T: Job,
{
    Wait {
        poll,
        policy,
        on_event: None,
        cancel: None,
    }
}

/// A wait set up by [`wait_for`]; `.await` it (or call [`Wait::run`]).
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<'a, F, T, E = Undocumented> {
    poll: F,
    policy: WaitPolicy,
    on_event: Option<EventFn<'a, T, E>>,
    cancel: Option<BoxFuture<'a, ()>>,
}

impl<F, T, E> fmt::Debug for Wait<'_, F, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("policy", &self.policy)
            .field("on_event", &self.on_event.is_some())
            .field("cancel", &self.cancel.is_some())
            .finish_non_exhaustive()
    }
}

/// The bookkeeping of one wait.
struct Run<T> {
    timer: Timer,
    polls: u32,
    /// Transient errors in a row.
    consecutive: u32,
    /// Polls in a row that could not connect, before any reached the server.
    refused: u32,
    /// Whether any poll reached the server.
    reached: bool,
    last: Option<T>,
    last_state: Option<JobState>,
    last_progress: Option<Progress>,
    estimator: Estimator,
    saw_progress: bool,
    estimate: Option<Estimate>,
    /// Polls since the estimate became overdue.
    overdue: u32,
    /// What a throttling server allows.
    budget: RateBudget,
    /// Terminal reads of the same kind in a row.
    terminal_reads: u32,
}

impl<T> Run<T> {
    fn new(timer: Timer) -> Self {
        Self {
            timer,
            polls: 0,
            consecutive: 0,
            refused: 0,
            reached: false,
            last: None,
            last_state: None,
            last_progress: None,
            estimator: Estimator::new(),
            saw_progress: false,
            estimate: None,
            overdue: 0,
            budget: RateBudget::new(),
            terminal_reads: 0,
        }
    }

    fn info(&self, elapsed: Duration, next_poll_in: Option<Duration>) -> PollInfo {
        PollInfo {
            poll: self.polls,
            elapsed,
            next_poll_in,
            estimate: self.estimate.map(|e| Eta {
                end: e.end,
                remaining: e.end.saturating_sub(elapsed),
                spread: e.spread,
                next_poll_at: next_poll_in.map(|gap| elapsed + gap),
            }),
        }
    }
}

/// What comes after a poll.
enum Next<T, E> {
    Sleep(Duration),
    Done(T),
    Stop(WaitFailure<E>),
}

/// What came of racing something against cancellation.
enum Raced<A> {
    Done(A),
    Cancelled,
}

impl<'a, F, Fut, T, E> Wait<'a, F, T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error<E>>>,
    T: Job,
{
    /// Calls `callback` with every state change, progress change and tolerated error.
    pub fn on_event(
        mut self,
        callback: impl for<'e> FnMut(&WaitEvent<'e, T, E>) + Send + 'a,
    ) -> Self {
        self.on_event = Some(Box::new(callback));
        self
    }

    /// Stops waiting, with [`WaitFailure::Cancelled`], as soon as `cancel` completes (during
    /// a sleep or a poll).
    ///
    /// ```no_run
    /// # use cloudjobs::runtime::wait::{WaitPolicy, wait_for};
    /// # async fn run(ims: cloudjobs::otc_ims_jobs::Client) {
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let wait = wait_for(|| ims.show_job("project", "job").send(), WaitPolicy::default())
    ///     .cancel_on(async move {
    ///         let _ = stopped.await;
    ///     });
    /// # drop(stop); let _ = wait.await; }
    /// ```
    pub fn cancel_on(mut self, cancel: impl Future<Output = ()> + Send + 'a) -> Self {
        self.cancel = Some(Box::pin(cancel));
        self
    }

    /// Waits (the same as `.await`, without requiring the futures to be `Send`).
    ///
    /// Traced as a `wait` span (INFO; the polls' `request` spans nest in it), with an event
    /// for every poll (DEBUG), every state and progress change and tolerated error, and how
    /// waiting ended (INFO), alongside the [`Wait::on_event`] callback.
    ///
    /// # Errors
    ///
    /// See [`wait_for`].
    pub async fn run(self) -> Result<T, WaitError<T, E>> {
        self.polls().instrument(info_span!("wait")).await
    }

    async fn polls(mut self) -> Result<T, WaitError<T, E>> {
        debug!(
            initial_interval = ?self.policy.backoff.initial,
            max_interval = ?self.policy.backoff.max,
            timeout = ?self.policy.timeout,
            max_transient_errors = self.policy.max_transient_errors,
            progress_aware = self.policy.schedule.enabled,
            "waiting for the job"
        );
        let mut run = Run::new(Timer::start(self.policy.clock.as_ref()));
        loop {
            run.polls = run.polls.saturating_add(1);
            run.budget.sent(run.timer.elapsed());
            let poll = as_wait_poll(self.policy.sleep.clone(), (self.poll)());
            let outcome = match race(&mut self.cancel, poll).await {
                Raced::Done(outcome) => outcome,
                Raced::Cancelled => return Err(self.stop(WaitFailure::Cancelled, run)),
            };
            let elapsed = run.timer.elapsed();
            let draw = if self.policy.jitter == 0.0 {
                0.5
            } else {
                self.policy.random.unit()
            };
            let next = match outcome {
                Ok(job) => self.on_job(&mut run, job, elapsed, draw),
                Err(error) => self.on_error(&mut run, error, elapsed, draw),
            };
            let gap = match next {
                Next::Sleep(gap) => gap,
                Next::Done(job) => {
                    info!(
                        outcome = "succeeded",
                        polls = run.polls,
                        elapsed = ?run.timer.elapsed(),
                        "wait ended"
                    );
                    if let Some((hints, service, job_type)) = &self.policy.hints {
                        hints.record(service, job_type, elapsed);
                    }
                    return Ok(job);
                }
                Next::Stop(failure) => return Err(self.stop(failure, run)),
            };
            if let Raced::Cancelled = race(&mut self.cancel, self.policy.sleep(gap)).await {
                return Err(self.stop(WaitFailure::Cancelled, run));
            }
        }
    }

    /// The estimate after the poll at `elapsed`: from the progress seen, else (for a job that
    /// never reported progress) the prior of the duration hints.
    fn estimate(&self, run: &Run<T>, elapsed: Duration) -> Option<Estimate> {
        if let Some(estimate) = run.estimator.estimate(elapsed) {
            return Some(estimate);
        }
        if run.saw_progress {
            return None;
        }
        let (hints, service, job_type) = self.policy.hints.as_ref()?;
        hints.prior(service, job_type)
    }

    /// The planned sleep after the poll at `elapsed` (jittered, cut at the deadline), and the
    /// rule that placed it; `None` when the deadline has passed.
    fn planned(&self, run: &Run<T>, elapsed: Duration, draw: f64) -> Option<(Duration, Phase)> {
        let situation = Situation {
            now: elapsed,
            polls: run.polls,
            estimate: run.estimate,
            overdue_polls: run.overdue,
            deadline: self.policy.timeout,
        };
        let plan = next_gap(&self.policy.schedule, &self.policy.backoff, &situation)?;
        let gap = match self.policy.jitter {
            0.0 => plan.gap,
            jitter => proportional(plan.gap, jitter, draw),
        };
        // The rate budget after the jitter: jitter never takes a poll over it.
        let gap = gap.max(run.budget.wait(elapsed));
        Some((self.cut(elapsed, gap)?, plan.phase))
    }

    /// `gap`, or what is left until the deadline; `None` when it has passed.
    fn cut(&self, elapsed: Duration, gap: Duration) -> Option<Duration> {
        match self.policy.timeout {
            None => Some(gap),
            Some(timeout) if elapsed >= timeout => None,
            Some(timeout) => Some(gap.min(timeout - elapsed)),
        }
    }

    fn deadline_passed(&self) -> WaitFailure<E> {
        WaitFailure::DeadlinePassed {
            timeout: self.policy.timeout.unwrap_or(Duration::MAX),
        }
    }

    /// A poll answered with a job.
    fn on_job(&mut self, run: &mut Run<T>, job: T, elapsed: Duration, draw: f64) -> Next<T, E> {
        run.consecutive = 0;
        run.reached = true;
        let state = job.state();
        let progress = job.progress();
        run.saw_progress |= progress.is_some();
        run.estimator.observe(elapsed, progress);
        run.estimate = self.estimate(run, elapsed);
        run.overdue = match &run.estimate {
            Some(e) if is_overdue(e, elapsed) => run.overdue.saturating_add(1),
            _ => 0,
        };
        let confirmed = self.confirmed(run, &job, &state);
        let planned = if confirmed {
            None
        } else {
            self.planned(run, elapsed, draw).map(|(gap, phase)| {
                if state.is_terminal() {
                    // Confirming an ending: read again soon (within the rate budget).
                    let soon = self.policy.schedule.target_lateness * 2;
                    (gap.min(soon.max(run.budget.wait(elapsed))), phase)
                } else {
                    (gap, phase)
                }
            })
        };
        let at = run.info(elapsed, planned.map(|(gap, _)| gap));
        // Server text (the status) as `Debug`: quoted, control characters escaped.
        debug!(
            poll = run.polls,
            elapsed = ?elapsed,
            state = %state.kind(),
            status = state.status().map(field::debug),
            progress = progress.map(field::display),
            next_poll_in = ?at.next_poll_in,
            phase = planned.map(|(_, phase)| field::debug(phase)),
            eta = run.estimate.map(|e| field::debug(e.end.saturating_sub(elapsed))),
            "poll answered"
        );
        self.report_changes(run, &job, &state, progress, at);
        if confirmed {
            match state {
                JobState::Succeeded { .. } => return Next::Done(job),
                JobState::Failed {
                    status,
                    code,
                    reason,
                } => {
                    run.last = Some(job);
                    return Next::Stop(WaitFailure::JobFailed {
                        status,
                        code,
                        reason,
                    });
                }
                _ => {}
            }
        }
        run.last_state = Some(state);
        run.last = Some(job);
        match planned {
            Some((gap, _)) => Next::Sleep(gap),
            None => Next::Stop(self.deadline_passed()),
        }
    }

    /// Whether a state ends the wait: terminal, and confirmed as the job (or the policy) asks.
    fn confirmed(&self, run: &mut Run<T>, job: &T, state: &JobState) -> bool {
        if !state.is_terminal() {
            run.terminal_reads = 0;
            return false;
        }
        let again = run
            .last_state
            .as_ref()
            .is_some_and(|s| s.kind() == state.kind());
        run.terminal_reads = if again {
            run.terminal_reads.saturating_add(1)
        } else {
            1
        };
        match self.policy.confirm.unwrap_or_else(|| job.confirm()) {
            Confirm::Reads(n) => run.terminal_reads >= n.max(1),
            Confirm::SubtasksTerminal if state.kind() == StateKind::Succeeded => {
                let tasks = job.subtasks();
                let listed = tasks.len() as u64;
                tasks.iter().all(|t| t.state.is_terminal())
                    && job.subtask_total().is_none_or(|total| listed >= total)
            }
            _ => true,
        }
    }

    /// Reports a state change and a progress change (tracing and the callback).
    fn report_changes(
        &mut self,
        run: &mut Run<T>,
        job: &T,
        state: &JobState,
        progress: Option<Progress>,
        at: PollInfo,
    ) {
        if run.last_state.as_ref() != Some(state) {
            info!(
                poll = run.polls,
                elapsed = ?at.elapsed,
                previous = run.last_state.as_ref().map(|s| field::display(s.kind())),
                state = %state.kind(),
                status = state.status().map(field::debug),
                "job state changed"
            );
            self.emit(&WaitEvent::StateChanged {
                previous: run.last_state.take(),
                state: state.clone(),
                job,
                at,
            });
        }
        if let Some(p) = progress
            && run.last_progress != progress
        {
            info!(
                poll = run.polls,
                previous = run.last_progress.map(field::display),
                progress = %p,
                "job progress changed"
            );
            self.emit(&WaitEvent::ProgressChanged {
                previous: run.last_progress,
                progress: p,
                job,
                at,
            });
        }
        run.last_progress = progress;
    }

    /// A poll failed.
    fn on_error(
        &mut self,
        run: &mut Run<T>,
        error: Error<E>,
        elapsed: Duration,
        draw: f64,
    ) -> Next<T, E> {
        let host = (!run.reached).then(|| error.unreachable_host()).flatten();
        run.reached |= error.status().is_some();
        if let Some(host) = host {
            return self.on_unreachable(run, error, host, elapsed);
        }
        if !error.is_transient() {
            return Next::Stop(WaitFailure::Api(error));
        }
        run.consecutive = run.consecutive.saturating_add(1);
        if run.consecutive > self.policy.max_transient_errors {
            let consecutive = run.consecutive;
            return Next::Stop(WaitFailure::TooManyTransientErrors { consecutive, error });
        }
        let wanted = error
            .api()
            .and_then(|e| retry_after(e.headers(), self.now()));
        // Throttled without a word on when to come back: learn what the server allows. (With
        // `Retry-After` the server paces the wait itself.)
        if error.is_throttled() && wanted.is_none() && self.policy.throttle_aware {
            run.budget.throttled();
        }
        // The server said when: that, within the longest interval.
        let gap = self
            .planned(run, elapsed, draw)
            .map(|(gap, _)| gap_after_error(gap, wanted, self.policy.backoff.max))
            .and_then(|gap| self.cut(elapsed, gap));
        let at = run.info(elapsed, gap);
        info!(
            poll = run.polls,
            consecutive = run.consecutive,
            tolerated = self.policy.max_transient_errors,
            status = error.status().map(|s| s.as_u16()),
            throttled = error.is_throttled(),
            budget = run.budget.limit(),
            next_poll_in = ?at.next_poll_in,
            error = %OneLine(&error),
            "transient error tolerated"
        );
        self.emit(&WaitEvent::TransientError {
            error: &error,
            consecutive: run.consecutive,
            tolerated: self.policy.max_transient_errors,
            at,
        });
        match gap {
            Some(gap) => Next::Sleep(gap),
            None => Next::Stop(self.deadline_passed()),
        }
    }

    /// A poll could not connect, and no poll has reached the server yet.
    fn on_unreachable(
        &self,
        run: &mut Run<T>,
        error: Error<E>,
        host: String,
        elapsed: Duration,
    ) -> Next<T, E> {
        run.refused = run.refused.saturating_add(1);
        if run.refused >= self.policy.max_connect_attempts {
            return Next::Stop(WaitFailure::Unreachable {
                host,
                attempts: run.refused,
                error,
            });
        }
        let quick = scale(QUICK_RETRY, f64::from(1u32 << run.refused.min(8)) / 2.0);
        info!(
            poll = run.polls,
            attempts = run.refused,
            host = %OneLine(&host),
            next_poll_in = ?quick,
            error = %OneLine(&error),
            "could not connect; trying again soon"
        );
        match self.cut(elapsed, quick) {
            Some(gap) => Next::Sleep(gap),
            None => Next::Stop(self.deadline_passed()),
        }
    }

    fn now(&self) -> SystemTime {
        self.policy
            .clock
            .as_ref()
            .map_or_else(SystemTime::now, Clock::now)
    }

    fn emit(&mut self, event: &WaitEvent<'_, T, E>) {
        if let Some(callback) = self.on_event.as_mut() {
            callback(event);
        }
    }

    fn stop(&self, failure: WaitFailure<E>, run: Run<T>) -> WaitError<T, E> {
        let elapsed = run.timer.elapsed();
        let (polls, last) = (run.polls, run.last);
        let (outcome, error, code, reason) = match &failure {
            WaitFailure::JobFailed { code, reason, .. } => {
                ("job_failed", None, code.as_deref(), reason.as_deref())
            }
            WaitFailure::DeadlinePassed { .. } => ("deadline_passed", None, None, None),
            WaitFailure::TooManyTransientErrors { error, .. } => {
                ("too_many_transient_errors", Some(error), None, None)
            }
            WaitFailure::Api(error) => ("api_error", Some(error), None, None),
            WaitFailure::Unreachable { error, .. } => ("unreachable", Some(error), None, None),
            WaitFailure::Cancelled => ("cancelled", None, None, None),
        };
        // The job's error code and reason are server text: `Debug`, quoted and escaped.
        info!(
            outcome,
            polls,
            elapsed = ?elapsed,
            error = error.map(|e| field::display(OneLine(e))),
            code = code.map(field::debug),
            reason = reason.map(field::debug),
            "wait ended"
        );
        WaitError {
            failure,
            last,
            polls,
            elapsed,
        }
    }
}

impl<'a, F, Fut, T, E> IntoFuture for Wait<'a, F, T, E>
where
    F: FnMut() -> Fut + Send + 'a,
    Fut: Future<Output = Result<T, Error<E>>> + Send + 'a,
    T: Job + 'a,
    E: Send + 'a,
{
    type Output = Result<T, WaitError<T, E>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The gap after a transient error: the schedule's, lengthened by the server's `Retry-After`
/// up to the longest gap the policy allows (the deadline then bounds it too): one answer
/// asking for years must not stall a job that ends in seconds.
pub(crate) fn gap_after_error(
    scheduled: Duration,
    retry_after: Option<Duration>,
    max_interval: Duration,
) -> Duration {
    match retry_after {
        Some(wanted) => scheduled.max(wanted.min(max_interval)),
        None => scheduled,
    }
}

/// Runs `future` unless `cancel` completes first (checked first, so a cancellation that has
/// happened wins).
async fn race<A>(
    cancel: &mut Option<BoxFuture<'_, ()>>,
    future: impl Future<Output = A>,
) -> Raced<A> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        if let Some(c) = cancel.as_mut()
            && c.as_mut().poll(cx).is_ready()
        {
            *cancel = None;
            return Poll::Ready(Raced::Cancelled);
        }
        future.as_mut().poll(cx).map(Raced::Done)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_grows_to_the_cap() {
        let p = WaitPolicy::default().jitter(0.0);
        let gaps: Vec<u128> = (1..=10).map(|n| p.interval(n).as_millis()).collect();
        assert_eq!(
            gaps,
            [
                1000, 1500, 2250, 3375, 5062, 7593, 11390, 17085, 25628, 27000
            ]
        );
        assert_eq!(p.interval(u32::MAX), Duration::from_secs(27));
        let fixed = WaitPolicy::default().factor(f64::NAN).jitter(0.0);
        assert_eq!(fixed.interval(50), Duration::from_secs(1));
    }

    #[test]
    fn jitter_stays_in_its_bounds() {
        let p = WaitPolicy::default();
        let (lo, hi) = p.interval_bounds(40);
        assert_eq!(
            (lo, hi),
            (Duration::from_millis(24_300), Duration::from_millis(29_700))
        );
        let draws: Vec<Duration> = (0..500).map(|_| p.interval(40)).collect();
        assert!(draws.iter().all(|d| (lo..=hi).contains(d)));
        assert!(draws.iter().any(|d| *d != draws[0]));
        let lowest = WaitPolicy::default().random_with(|| -3.0).interval(40);
        let highest = WaitPolicy::default()
            .random_with(|| f64::INFINITY)
            .interval(40);
        assert_eq!((lowest, highest), (lo, hi));
        assert_eq!(
            WaitPolicy::default().jitter(7.0).interval_bounds(1).0,
            Duration::ZERO
        );
    }

    #[test]
    fn durations_for_people() {
        let s = |ms: u64| Seconds(Duration::from_millis(ms)).to_string();
        assert_eq!(s(850), "850ms");
        assert_eq!(s(4_500), "4.5s");
        assert_eq!(s(27_000), "27s");
        assert_eq!(s(192_000), "3m12s");
        assert_eq!(s(3_605_000), "1h0m5s");
    }
}
