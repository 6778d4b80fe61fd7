//! Tokens obtained on demand: the cache, single-flight refresh and 401 handling behind
//! [`Auth::password`](crate::runtime::Auth::password) and
//! [`Auth::token_source`](crate::runtime::Auth::token_source).

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

/// A token, how long it is valid, and the project it is scoped to when the issuer said.
#[derive(Clone)]
pub struct Token {
    value: Secret,
    expiry: Expiry,
    project_id: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Expiry {
    Unknown,
    At(SystemTime),
    After(Duration),
}

impl Expiry {
    /// Where the validity came from, for tracing.
    fn source(self) -> &'static str {
        match self {
            Expiry::Unknown => "default_lifetime",
            Expiry::At(_) => "expires_at",
            Expiry::After(_) => "lifetime",
        }
    }
}

impl Token {
    /// A token valid until `expires_at` (by the local clock), or for
    /// [`TokenCacheOptions::default_lifetime`] when `None`.
    pub fn new(value: impl Into<Secret>, expires_at: Option<SystemTime>) -> Self {
        Self {
            value: value.into(),
            expiry: expires_at.map_or(Expiry::Unknown, Expiry::At),
            project_id: None,
        }
    }

    /// A token valid for `lifetime` from now. Prefer this when the server gives both the issue
    /// and the expiry time (as IAM does): their difference does not depend on the local clock
    /// being right.
    pub fn with_lifetime(value: impl Into<Secret>, lifetime: Duration) -> Self {
        Self {
            value: value.into(),
            expiry: Expiry::After(lifetime),
            project_id: None,
        }
    }

    /// The same token, noted as scoped to the project with id `project_id` (IAM says it in
    /// the token's body).
    pub fn for_project(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The token.
    pub fn value(&self) -> &Secret {
        &self.value
    }

    /// When the token expires, when it was given as a point in time ([`Token::new`]).
    pub fn expires_at(&self) -> Option<SystemTime> {
        match self.expiry {
            Expiry::At(at) => Some(at),
            _ => None,
        }
    }

    /// How long the token is valid from when it was received, when it was given as a
    /// lifetime ([`Token::with_lifetime`]).
    pub fn lifetime(&self) -> Option<Duration> {
        match self.expiry {
            Expiry::After(d) => Some(d),
            _ => None,
        }
    }

    /// The id of the project the token is scoped to, when its issuer said.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &self.value)
            .field("expiry", &self.expiry)
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// Where tokens come from: IAM (see [`Auth::password`](crate::runtime::Auth::password)) or
/// anything else (a vault, a federation exchange, a test).
///
/// The runtime calls [`TokenSource::fetch`] only when it has no valid token: before the first
/// request, shortly before the token expires, and once after a request was answered with
/// `401 Unauthorized`. Concurrent requests that need a token share one fetch.
pub trait TokenSource: fmt::Debug + Send + Sync + 'static {
    /// Obtains a new token. `connection` is the connection of the client that needs it (its
    /// configuration without authentication): send the requests that fetch the token with it
    /// (`Config::new(connection.clone(), Auth::None)`), so they share its HTTP connections,
    /// timeouts and retry policy.
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<Token, Error>>;
}

/// The longest a token is kept, whatever lifetime it claims (about 100 years): far enough
/// to mean "until a `401`", near enough for any clock to add to the current time.
const MAX_KEPT: Duration = Duration::from_secs(100 * 365 * 86_400);

/// When a token received at `now` should be replaced. A lifetime past what the clock can
/// count (`Duration::MAX`, a year 300000 expiry) saturates: such a token is kept for
/// [`MAX_KEPT`], not fetched again on every request.
pub(crate) fn refresh_at(
    token: &Token,
    options: &TokenCacheOptions,
    now: SystemTime,
) -> SystemTime {
    let lifetime = match token.expiry {
        Expiry::Unknown => options.default_lifetime,
        Expiry::After(d) => d,
        Expiry::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
    };
    let margin = options.refresh_margin.min(lifetime / 2);
    let keep = (lifetime - margin).min(MAX_KEPT);
    now.checked_add(keep).unwrap_or(now)
}

/// How tokens from a [`TokenSource`] are cached.
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

/// A token cache over a [`TokenSource`]; cheap to clone, clones share the cache.
///
/// - A token is reused until shortly before it expires ([`TokenCacheOptions::refresh_margin`]).
/// - When many requests need a new token at once, one fetches it and the others wait for that
///   fetch and share its result, success or failure (so a wrong password costs one IAM call,
///   not one per waiting request).
/// - A request answered with `401` drops the token it used (unless a newer one replaced it
///   already) and is sent once more with a new token.
#[derive(Clone)]
pub struct CachedToken {
    inner: Arc<Inner>,
}

struct Inner {
    source: Box<dyn TokenSource>,
    options: TokenCacheOptions,
    /// The current token, read without waiting on a fetch.
    current: Mutex<Option<Held>>,
    /// Held while fetching: the single flight.
    flight: tokio::sync::Mutex<Flight>,
    /// The number of the fetch in progress (0 when none); fetches are numbered from 1.
    in_flight: AtomicU64,
    started: AtomicU64,
    fetches: AtomicU64,
}

#[derive(Clone)]
struct Held {
    token: Token,
    refresh_at: SystemTime,
}

#[derive(Default)]
struct Flight {
    /// The outcome of the last fetch, by number, for the requests that waited on it.
    last: Option<(u64, Result<Token, Error>)>,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.held().is_some();
        f.debug_struct("CachedToken")
            .field("source", &self.inner.source)
            .field("options", &self.inner.options)
            .field("has_token", &held)
            .finish()
    }
}

/// Clears the in-flight mark even when the fetching request is cancelled.
struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

impl CachedToken {
    /// A cache over `source`.
    pub fn new(source: impl TokenSource, options: TokenCacheOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                source: Box::new(source),
                options,
                current: Mutex::new(None),
                flight: tokio::sync::Mutex::new(Flight::default()),
                in_flight: AtomicU64::new(0),
                started: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// How many times the source was asked for a token so far.
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::SeqCst)
    }

    /// Forgets the cached token; the next request fetches a new one.
    pub fn clear(&self) {
        *self.lock_current() = None;
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        // The data is a plain value that is always consistent: a poisoned lock is still usable.
        self.inner
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn held(&self) -> Option<Held> {
        self.lock_current().clone()
    }

    fn fresh(&self) -> Option<Token> {
        let now = self.inner.options.clock.now();
        let held = self.held().filter(|h| now < h.refresh_at)?;
        trace!(
            refresh_in = ?held.refresh_at.duration_since(now).unwrap_or_default(),
            "token cache hit"
        );
        Some(held.token)
    }

    /// The token a request would carry now: the cached one, or a new one from the source
    /// (fetched as requests fetch it: once for everyone who asks at the same time). Use it
    /// to read what the issuer said of the token, such as [`Token::project_id`], without a
    /// request of your own; `connection` is the one of the configuration the token is for
    /// ([`Config::connection`](crate::runtime::Config::connection)).
    pub async fn current(&self, connection: &Connection) -> Result<Token, Error> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let arrived_during = self.inner.in_flight.load(Ordering::SeqCst);
        if arrived_during != 0 {
            debug!(
                fetch = arrived_during,
                "waiting for the token fetch in flight"
            );
        }
        let mut flight = self.inner.flight.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // Waited on a fetch that has finished: share its outcome.
        if arrived_during != 0
            && let Some((n, outcome)) = &flight.last
            && *n == arrived_during
        {
            match outcome {
                Ok(token) => {
                    debug!(fetch = n, "sharing the token of the fetch waited for");
                    return Ok(token.clone());
                }
                Err(e) => {
                    if let Some(e) = e.try_clone() {
                        debug!(fetch = n, error = %OneLine(&e), "sharing the failure of the fetch waited for");
                        return Err(e);
                    }
                }
            }
        }
        let n = self.inner.started.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.in_flight.store(n, Ordering::SeqCst);
        let _mark = InFlight(&self.inner.in_flight);
        self.inner.fetches.fetch_add(1, Ordering::SeqCst);
        debug!(
            fetch = n,
            reason = if self.held().is_some() {
                "expiring"
            } else {
                "none cached"
            },
            "fetching a token"
        );
        let started = Instant::now();
        let fetched = self.inner.source.fetch(connection).await;
        match fetched {
            Ok(token) => {
                let held = Held {
                    refresh_at: self.refresh_at(&token),
                    token,
                };
                info!(
                    fetch = n,
                    expiry = held.token.expiry.source(),
                    refresh_in = ?held
                        .refresh_at
                        .duration_since(self.inner.options.clock.now())
                        .unwrap_or_default(),
                    project_id = held.token.project_id(),
                    elapsed = ?started.elapsed(),
                    "token fetched"
                );
                *self.lock_current() = Some(held.clone());
                flight.last = Some((n, Ok(held.token.clone())));
                Ok(held.token)
            }
            Err(e) => {
                let e = match e {
                    Error::Auth(_) => e,
                    other => Error::Auth(Box::new(other)),
                };
                info!(fetch = n, elapsed = ?started.elapsed(), error = %OneLine(&e), "token fetch failed");
                flight.last = e.try_clone().map(|shared| (n, Err(shared)));
                Err(e)
            }
        }
    }

    /// A valid token's value, for a request about to be sent.
    pub(crate) async fn get(&self, connection: &Connection) -> Result<Secret, Error> {
        self.current(connection).await.map(|t| t.value)
    }

    /// When a token just received should be replaced.
    fn refresh_at(&self, token: &Token) -> SystemTime {
        let options = &self.inner.options;
        refresh_at(token, options, options.clock.now())
    }

    /// A request sent with `used` was answered `401`: drop that token, unless it was replaced
    /// already (then the retry uses the newer one).
    pub(crate) async fn rejected(&self, used: &Secret) {
        let mut flight = self.inner.flight.lock().await;
        let mut current = self.lock_current();
        if current.as_ref().is_some_and(|h| h.token.value == *used) {
            *current = None;
            debug!("token refused (401): dropped from the cache");
        } else {
            debug!("token refused (401): already replaced by a newer one");
        }
        if matches!(&flight.last, Some((_, Ok(t))) if t.value == *used) {
            flight.last = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::UNIX_EPOCH;

    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicUsize>,
        lifetime: Option<Duration>,
        fail: bool,
        delay: Duration,
    }

    impl TokenSource for Counting {
        fn fetch<'a>(&'a self, _: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(self.delay).await;
                if self.fail {
                    return Err(Error::InvalidRequest {
                        operation: "Fetch",
                        message: "wrong password".into(),
                    });
                }
                Ok(match self.lifetime {
                    Some(l) => Token::with_lifetime(format!("token-{n}"), l),
                    None => Token::new(format!("token-{n}"), None),
                })
            })
        }
    }

    fn source(lifetime: Option<Duration>, fail: bool) -> (Counting, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        (
            Counting {
                calls: calls.clone(),
                lifetime,
                fail,
                delay: Duration::from_millis(50),
            },
            calls,
        )
    }

    fn config() -> Connection {
        crate::runtime::Config::builder()
            .build()
            .unwrap()
            .connection()
            .clone()
    }

    fn manual_clock() -> (Clock, Arc<AtomicU64>) {
        let secs = Arc::new(AtomicU64::new(1_700_000_000));
        let s = secs.clone();
        (
            Clock::from_fn(move || UNIX_EPOCH + Duration::from_secs(s.load(Ordering::SeqCst))),
            secs,
        )
    }

    #[tokio::test]
    async fn cached_until_the_margin_then_refreshed() {
        let (clock, secs) = manual_clock();
        let (src, calls) = source(Some(Duration::from_secs(24 * 3600)), false);
        let cache = CachedToken::new(
            src,
            TokenCacheOptions::new()
                .refresh_margin(Duration::from_secs(600))
                .clock(clock),
        );
        let config = config();
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(24 * 3600 - 601, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(1, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(cache.fetch_count(), 2);
    }

    /// Before the fix a lifetime the clock cannot add (`Duration::MAX`) made `refresh_at`
    /// "now", so every request fetched a new token.
    #[tokio::test]
    async fn endless_lifetimes_saturate_instead_of_refetching() {
        let (clock, secs) = manual_clock();
        let (src, calls) = source(Some(Duration::MAX), false);
        let cache = CachedToken::new(src, TokenCacheOptions::new().clock(clock.clone()));
        let config = config();
        for _ in 0..3 {
            assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
            secs.fetch_add(365 * 86_400, Ordering::SeqCst);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        #[derive(Debug)]
        struct FarFuture;
        impl TokenSource for FarFuture {
            fn fetch<'a>(&'a self, _: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
                let far = UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64 / 2));
                Box::pin(async move { Ok(Token::new("far", far)) })
            }
        }
        let cache = CachedToken::new(FarFuture, TokenCacheOptions::new().clock(clock));
        cache.get(&config).await.unwrap();
        cache.get(&config).await.unwrap();
        assert_eq!(cache.fetch_count(), 1);
    }

    #[tokio::test]
    async fn short_lived_and_unknown_expiry() {
        let (clock, secs) = manual_clock();
        // 60 s lifetime with a 600 s margin: the margin shrinks to 30 s.
        let (src, _) = source(Some(Duration::from_secs(60)), false);
        let cache = CachedToken::new(
            src,
            TokenCacheOptions::new()
                .refresh_margin(Duration::from_secs(600))
                .clock(clock.clone()),
        );
        let config = config();
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(29, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(1, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-2");

        let (src, _) = source(None, false);
        let cache = CachedToken::new(
            src,
            TokenCacheOptions::new()
                .default_lifetime(Duration::from_secs(100))
                .refresh_margin(Duration::from_secs(10))
                .clock(clock),
        );
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(89, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-1");
        secs.fetch_add(1, Ordering::SeqCst);
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-2");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_one_fetch() {
        let (src, calls) = source(Some(Duration::from_secs(3600)), false);
        let cache = CachedToken::new(src, TokenCacheOptions::new());
        let config = config();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                let config = config.clone();
                tokio::spawn(async move { cache.get(&config).await.unwrap() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().expose(), "token-1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_one_failure() {
        let (src, calls) = source(None, true);
        let cache = CachedToken::new(src, TokenCacheOptions::new());
        let config = config();
        // Start one fetch, then pile up waiters while it is in flight.
        let first = {
            let (cache, config) = (cache.clone(), config.clone());
            tokio::spawn(async move { cache.get(&config).await })
        };
        while cache.inner.in_flight.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let waiters: Vec<_> = (0..20)
            .map(|_| {
                let (cache, config) = (cache.clone(), config.clone());
                tokio::spawn(async move { cache.get(&config).await })
            })
            .collect();
        let e = first.await.unwrap().unwrap_err();
        assert!(matches!(e, Error::Auth(_)), "{e:?}");
        for w in waiters {
            let e = w.await.unwrap().unwrap_err();
            assert!(e.to_string().contains("wrong password"), "{e}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A later request tries again.
        assert!(cache.get(&config).await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn rejected_token_is_dropped_once() {
        let (src, calls) = source(Some(Duration::from_secs(3600)), false);
        let cache = CachedToken::new(src, TokenCacheOptions::new());
        let config = config();
        let t1 = cache.get(&config).await.unwrap();
        cache.rejected(&t1).await;
        let t2 = cache.get(&config).await.unwrap();
        assert_eq!(t2.expose(), "token-2");
        // A late 401 for the old token does not drop the new one.
        cache.rejected(&t1).await;
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        cache.clear();
        assert_eq!(cache.get(&config).await.unwrap().expose(), "token-3");
    }

    #[tokio::test]
    async fn cancelled_fetch_does_not_wedge_the_cache() {
        let (mut src, calls) = source(Some(Duration::from_secs(3600)), false);
        src.delay = Duration::from_secs(3600);
        let cache = CachedToken::new(src, TokenCacheOptions::new());
        let config = config();
        let r = tokio::time::timeout(Duration::from_millis(20), cache.get(&config)).await;
        assert!(r.is_err());
        assert_eq!(cache.inner.in_flight.load(Ordering::SeqCst), 0);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("very-secret-token", None);
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
