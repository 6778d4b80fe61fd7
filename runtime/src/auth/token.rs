//! Tokens obtained on demand (behind [`Auth::password`](crate::Auth::password) and
//! [`Auth::token_source`](crate::Auth::token_source)): what a token is, where it
//! comes from, and its cache (single-flight refresh, 401 handling; see [`super::cache`]).

use std::fmt;
use std::time::{Duration, SystemTime};

use super::super::connection::Connection;
use super::super::error::Error;
use super::super::retry::BoxFuture;
use super::super::secret::Secret;
use super::cache::{Cache, Cacheable, Fetch, TokenCacheOptions};

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

/// Where tokens come from: IAM (see [`Auth::password`](crate::Auth::password)) or
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

    /// Whether [`TokenSource::fetch`] may answer from a store of its own (a file, a vault)
    /// without asking the issuer (default `false`). The runtime's diagnostics then say that
    /// the source was asked and a token obtained, not that one was fetched; such a source
    /// says itself whether it read or fetched.
    fn keeps_its_own(&self) -> bool {
        false
    }
}

/// When a token received at `now` should be replaced (see [`super::cache::refresh_at`]).
pub(crate) fn refresh_at(
    token: &Token,
    options: &TokenCacheOptions,
    now: SystemTime,
) -> SystemTime {
    super::cache::refresh_at(token.lifetime_from(now), options, now)
}

impl Token {
    /// How long the token is valid from `now`, when its issuer said.
    fn lifetime_from(&self, now: SystemTime) -> Option<Duration> {
        match self.expiry {
            Expiry::Unknown => None,
            Expiry::After(d) => Some(d),
            Expiry::At(at) => Some(at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    }
}

impl Cacheable for Token {
    const NOUN: &'static str = "token";

    fn lifetime(&self, now: SystemTime) -> Option<Duration> {
        self.lifetime_from(now)
    }

    fn expiry_source(&self) -> &'static str {
        self.expiry.source()
    }

    fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    fn carries(&self, used: &Secret) -> bool {
        self.value == *used
    }
}

/// A [`TokenSource`] as the cache's source.
struct Tokens<S>(S);

impl<S: fmt::Debug> fmt::Debug for Tokens<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: TokenSource> Fetch<Token> for Tokens<S> {
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
        self.0.fetch(connection)
    }

    fn keeps_its_own(&self) -> bool {
        self.0.keeps_its_own()
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
pub struct CachedToken(Cache<Token>);

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("source", &self.0.source())
            .field("options", self.0.options())
            .field("has_token", &self.0.holds_value())
            .finish()
    }
}

impl CachedToken {
    /// A cache over `source`.
    pub fn new(source: impl TokenSource, options: TokenCacheOptions) -> Self {
        Self(Cache::new(Box::new(Tokens(source)), options))
    }

    /// How many times the source was asked for a token so far.
    pub fn fetch_count(&self) -> u64 {
        self.0.fetch_count()
    }

    /// Forgets the cached token; the next request fetches a new one.
    pub fn clear(&self) {
        self.0.clear();
    }

    /// The token a request would carry now: the cached one, or a new one from the source
    /// (fetched as requests fetch it: once for everyone who asks at the same time). Use it
    /// to read what the issuer said of the token, such as [`Token::project_id`], without a
    /// request of your own; `connection` is the one of the configuration the token is for
    /// ([`Config::connection`](crate::Config::connection)).
    pub async fn current(&self, connection: &Connection) -> Result<Token, Error> {
        self.0.current(connection).await
    }

    /// A valid token's value, for a request about to be sent.
    pub(crate) async fn get(&self, connection: &Connection) -> Result<Secret, Error> {
        self.current(connection).await.map(|t| t.value)
    }

    /// A request sent with `used` was answered `401`: drop that token, unless it was replaced
    /// already (then the retry uses the newer one).
    pub(crate) async fn rejected(&self, used: &Secret) {
        self.0.rejected(used).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clock;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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
        crate::Config::builder()
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
        while cache.0.in_flight() == 0 {
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
        assert_eq!(cache.0.in_flight(), 0);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("very-secret-token", None);
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
