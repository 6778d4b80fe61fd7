//! The credential cache behind tokens and temporary AK/SK: a value is reused until shortly
//! before it expires, fetched once for everyone who needs it at the same time, and dropped
//! when a request with it is refused.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tracing::{debug, info, trace};

use super::super::connection::Connection;
use super::super::error::{Error, OneLine};
use super::super::retry::BoxFuture;
use super::super::secret::Secret;
use super::super::time::Clock;

/// A credential the cache can hold.
pub(crate) trait Cacheable: Clone + Send + Sync + 'static {
    /// What it is, in trace messages ("token").
    const NOUN: &'static str;
    /// How long the value is valid from `now`; `None` when its issuer did not say.
    fn lifetime(&self, now: SystemTime) -> Option<Duration>;
    /// Where the validity came from (`expires_at`, `lifetime`, `default_lifetime`), traced.
    fn expiry_source(&self) -> &'static str;
    /// The project the value is scoped to, when its issuer said (traced).
    fn project_id(&self) -> Option<&str> {
        None
    }
    /// Whether a request that carried `used` carried this value.
    fn carries(&self, used: &Secret) -> bool;
}

/// Where a cache's values come from.
pub(crate) trait Fetch<V>: fmt::Debug + Send + Sync + 'static {
    /// A new value, fetched with the requesting client's connection.
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<V, Error>>;
    /// Whether the source may answer from a store of its own (a file, a vault) without
    /// fetching: the cache then says it asked the source, and the source says what it did.
    fn keeps_its_own(&self) -> bool {
        false
    }
}

/// The longest a value is kept, whatever lifetime it claims (about 100 years): far enough
/// to mean "until it is refused", near enough for any clock to add to the current time.
const MAX_KEPT: Duration = Duration::from_secs(100 * 365 * 86_400);

/// When a value valid for `lifetime` (the default lifetime when `None`) received at `now`
/// should be replaced: `refresh_margin` before it expires (at most half its lifetime). A
/// lifetime past what the clock can count (`Duration::MAX`, an expiry in the year 300000)
/// saturates at [`MAX_KEPT`]: such a value is not fetched again on every request.
pub(crate) fn refresh_at(
    lifetime: Option<Duration>,
    options: &TokenCacheOptions,
    now: SystemTime,
) -> SystemTime {
    let lifetime = lifetime.unwrap_or(options.default_lifetime);
    let margin = options.refresh_margin.min(lifetime / 2);
    let keep = (lifetime - margin).min(MAX_KEPT);
    now.checked_add(keep).unwrap_or(now)
}

/// How cached credentials (tokens from a [`TokenSource`](super::TokenSource), temporary
/// AK/SK) are kept and refreshed.
#[derive(Clone, Debug)]
pub struct TokenCacheOptions {
    refresh_margin: Duration,
    default_lifetime: Duration,
    clock: Clock,
}

impl Default for TokenCacheOptions {
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(300),
            default_lifetime: Duration::from_secs(3600),
            clock: Clock::system(),
        }
    }
}

impl TokenCacheOptions {
    /// The defaults: refresh 5 minutes before expiry; a token without an expiry is kept for an
    /// hour; the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long before its expiry a token is replaced (default 5 minutes; at most half the
    /// token's lifetime is used, so short-lived tokens are still cached).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How long a token whose expiry is unknown is used (default 1 hour).
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

/// A cache over one source; cheap to clone, clones share the cache.
pub(crate) struct Cache<V> {
    inner: Arc<Inner<V>>,
}

impl<V> Clone for Cache<V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<V> {
    source: Box<dyn Fetch<V>>,
    options: TokenCacheOptions,
    /// The current value, read without waiting on a fetch.
    current: Mutex<Option<Held<V>>>,
    /// Held while fetching: the single flight.
    flight: tokio::sync::Mutex<Flight<V>>,
    /// The number of the fetch in progress (0 when none); fetches are numbered from 1.
    in_flight: AtomicU64,
    started: AtomicU64,
    fetches: AtomicU64,
}

#[derive(Clone)]
struct Held<V> {
    value: V,
    refresh_at: SystemTime,
}

struct Flight<V> {
    /// The outcome of the last fetch, by number, for the requests that waited on it.
    last: Option<(u64, Result<V, Error>)>,
}

/// Clears the in-flight mark even when the fetching request is cancelled.
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

impl<V: Cacheable> Cache<V> {
    pub(crate) fn new(source: Box<dyn Fetch<V>>, options: TokenCacheOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                options,
                current: Mutex::new(None),
                flight: tokio::sync::Mutex::new(Flight { last: None }),
                in_flight: AtomicU64::new(0),
                started: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    pub(crate) fn source(&self) -> &dyn Fetch<V> {
        self.inner.source.as_ref()
    }

    pub(crate) fn options(&self) -> &TokenCacheOptions {
        &self.inner.options
    }

    /// How many times the source was asked so far.
    pub(crate) fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::SeqCst)
    }

    /// Forgets the cached value; the next request fetches a new one.
    pub(crate) fn clear(&self) {
        *self.lock_current() = None;
    }

    /// The number of the fetch in progress (0 when none).
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> u64 {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Whether a value is held (fresh or not).
    pub(crate) fn holds_value(&self) -> bool {
        self.lock_current().is_some()
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<Held<V>>> {
        // The data is a plain value that is always consistent: a poisoned lock is still usable.
        self.inner
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self) -> Option<V> {
        let now = self.inner.options.clock.now();
        let held = self.lock_current().clone().filter(|h| now < h.refresh_at)?;
        trace!(
            refresh_in = ?held.refresh_at.duration_since(now).unwrap_or_default(),
            "{} cache hit",
            V::NOUN
        );
        Some(held.value)
    }

    /// A valid value: the cached one, or a new one from the source, fetched once for everyone
    /// who asks at the same time (success or failure is shared).
    pub(crate) async fn current(&self, connection: &Connection) -> Result<V, Error> {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let arrived_during = self.inner.in_flight.load(Ordering::SeqCst);
        if arrived_during != 0 {
            debug!(
                fetch = arrived_during,
                "waiting for the {} fetch in flight",
                V::NOUN
            );
        }
        let mut flight = self.inner.flight.lock().await;
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        // Waited on a fetch that has finished: share its outcome.
        if arrived_during != 0
            && let Some((n, outcome)) = &flight.last
            && *n == arrived_during
        {
            match outcome {
                Ok(value) => {
                    debug!(fetch = n, "sharing the {} of the fetch waited for", V::NOUN);
                    return Ok(value.clone());
                }
                Err(e) => {
                    if let Some(e) = e.try_clone() {
                        debug!(
                            fetch = n,
                            error = %OneLine(&e),
                            "sharing the failure of the {} fetch waited for",
                            V::NOUN
                        );
                        return Err(e);
                    }
                }
            }
        }
        let n = self.inner.started.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.in_flight.store(n, Ordering::SeqCst);
        let _mark = InFlight(&self.inner.in_flight);
        self.inner.fetches.fetch_add(1, Ordering::SeqCst);
        let keeps_its_own = self.trace_fetch(n);
        let started = Instant::now();
        match self.inner.source.fetch(connection).await {
            Ok(value) => {
                let options = &self.inner.options;
                let now = options.clock.now();
                let held = Held {
                    refresh_at: refresh_at(value.lifetime(now), options, now),
                    value,
                };
                info!(
                    fetch = n,
                    expiry = held.value.expiry_source(),
                    refresh_in = ?held.refresh_at.duration_since(now).unwrap_or_default(),
                    project_id = held.value.project_id(),
                    elapsed = ?started.elapsed(),
                    "{} {}",
                    V::NOUN,
                    if keeps_its_own {
                        "obtained from its source"
                    } else {
                        "fetched"
                    }
                );
                *self.lock_current() = Some(held.clone());
                flight.last = Some((n, Ok(held.value.clone())));
                Ok(held.value)
            }
            Err(e) => {
                let e = match e {
                    Error::Auth(_) => e,
                    other => Error::Auth(Box::new(other)),
                };
                info!(
                    fetch = n,
                    elapsed = ?started.elapsed(),
                    error = %OneLine(&e),
                    "{} fetch failed",
                    V::NOUN
                );
                flight.last = e.try_clone().map(|shared| (n, Err(shared)));
                Err(e)
            }
        }
    }

    /// Says (DEBUG) that fetch `n` starts and why; whether the source keeps values of its
    /// own (then it may be served from there: no fetch to speak of here).
    fn trace_fetch(&self, n: u64) -> bool {
        let reason = if self.holds_value() {
            "expiring"
        } else {
            "none cached"
        };
        let keeps_its_own = self.inner.source.keeps_its_own();
        if keeps_its_own {
            debug!(
                fetch = n,
                reason,
                "asking the {} source (it keeps its own)",
                V::NOUN
            );
        } else {
            debug!(fetch = n, reason, "fetching a {}", V::NOUN);
        }
        keeps_its_own
    }

    /// A request that carried `used` was refused: drop that value, unless it was replaced
    /// already (then the retry uses the newer one).
    pub(crate) async fn rejected(&self, used: &Secret) {
        let mut flight = self.inner.flight.lock().await;
        let mut current = self.lock_current();
        if current.as_ref().is_some_and(|h| h.value.carries(used)) {
            *current = None;
            debug!("{} refused (401): dropped from the cache", V::NOUN);
        } else {
            debug!("{} refused (401): already replaced by a newer one", V::NOUN);
        }
        if matches!(&flight.last, Some((_, Ok(v))) if v.carries(used)) {
            flight.last = None;
        }
    }
}
