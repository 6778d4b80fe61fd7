//! One configuration shared by every service client: a [`Connection`] (endpoints, HTTP
//! client, timeouts, retries, limits) plus an [`Auth`]. Plain data: sending lives in
//! [`client`](super::client).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::auth::Auth;
use super::catalog::Catalog;
use super::connection::{Connection, Settings, build_http_client};
pub use super::error::ConfigError;
use super::ratelimit::RateLimit;
use super::retry::RetryPolicy;
use super::time::Clock;

/// The configuration every generated client is made from: a [`Connection`] (endpoints, the
/// HTTP client, timeouts, retries, limits) and how requests are authenticated. Cheap to
/// clone; clients made from one `Config` share its connection pool and its cached IAM token.
///
/// `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct Config {
    inner: Arc<Parts>,
}

#[derive(Debug)]
struct Parts {
    connection: Connection,
    auth: Auth,
    rate_limit: RateLimit,
}

impl AsRef<Connection> for Config {
    fn as_ref(&self) -> &Connection {
        &self.inner.connection
    }
}

impl Config {
    /// Starts a configuration with the defaults: no region, no authentication, 10 s connect
    /// timeout, 60 s timeout per attempt, the default [`RetryPolicy`], 16 MiB response limit.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A configuration made of `connection` and `auth` (to authenticate requests of another
    /// connection, or a connection's requests differently).
    ///
    /// It has a [`RateLimit`] of its own (the default); [`Config::with_rate_limit`] shares one.
    pub fn new(connection: Connection, auth: Auth) -> Self {
        Self::with_rate_limit(connection, auth, RateLimit::default())
    }

    /// A configuration made of `connection` and `auth` whose requests take their tokens from
    /// `rate_limit` (to share one limit between configurations).
    pub fn with_rate_limit(connection: Connection, auth: Auth, rate_limit: RateLimit) -> Self {
        Self {
            inner: Arc::new(Parts {
                connection,
                auth,
                rate_limit,
            }),
        }
    }

    /// This configuration's authentication (and its cached token) and rate limit, with
    /// `connection` instead of its own.
    pub fn with_connection(&self, connection: Connection) -> Self {
        Self::with_rate_limit(connection, self.auth().clone(), self.rate_limit().clone())
    }

    /// This configuration, reaching a region no spec server names through `catalog` (see
    /// [`Connection::with_catalog`]).
    pub fn with_catalog(&self, catalog: Catalog) -> Self {
        self.with_connection(self.connection().with_catalog(catalog))
    }

    /// The token buckets every request of this configuration (every client, every wait)
    /// takes its tokens from, one per endpoint.
    pub fn rate_limit(&self) -> &RateLimit {
        &self.inner.rate_limit
    }

    /// Endpoints, HTTP client, timeouts, retries and limits: everything but authentication.
    pub fn connection(&self) -> &Connection {
        &self.inner.connection
    }

    /// How requests are authenticated.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The timeout of one attempt, from sending to the last byte of the body.
    pub fn timeout(&self) -> Duration {
        self.connection().timeout()
    }

    /// How failed requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.connection().retry_policy()
    }

    /// The region, when one was set.
    pub fn region(&self) -> Option<&str> {
        self.connection().region()
    }
}

/// Builds a [`Config`].
#[derive(Debug)]
pub struct ConfigBuilder {
    region: Option<String>,
    endpoints: BTreeMap<String, String>,
    variables: BTreeMap<String, String>,
    auth: Auth,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: Option<String>,
    max_body_bytes: usize,
    clock: Clock,
    http: Option<reqwest::Client>,
    rate_limit: RateLimit,
    allow_plaintext_http: bool,
}

/// The default `User-Agent`.
const DEFAULT_USER_AGENT: &str = concat!("cloudjobs/", env!("CARGO_PKG_VERSION"));

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoints: BTreeMap::new(),
            variables: BTreeMap::new(),
            auth: Auth::None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: None,
            max_body_bytes: 16 * 1024 * 1024,
            clock: Clock::system(),
            http: None,
            rate_limit: RateLimit::default(),
            allow_plaintext_http: false,
        }
    }
}

impl ConfigBuilder {
    /// The region (such as `eu-de` or `cn-north-4`), used to fill `{region}` in the specs'
    /// server URLs.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit endpoint for one service, by module name (such as `"cfw_jobs"`); it wins
    /// over the URL built from the region.
    pub fn endpoint(mut self, service: impl Into<String>, url: impl Into<String>) -> Self {
        self.endpoints.insert(service.into(), url.into());
        self
    }

    /// A value for a server URL variable other than `region`.
    pub fn server_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// How requests are authenticated.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// How long connecting may take (default 10 s). Ignored with [`ConfigBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take from sending to the last byte of the body (default 60 s);
    /// a slower one is an [`Error::Timeout`](super::Error::Timeout). [`RetryPolicy::max_elapsed`] bounds the whole
    /// call, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]; turn retries off
    /// with [`RetryPolicy::none`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (default `cloudjobs/<version>`). With
    /// [`ConfigBuilder::http_client`] it is sent with each request, replacing the client's.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Reads the current time from `clock` (to turn an HTTP-date `Retry-After` into a delay);
    /// for tests.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The largest response body accepted (default 16 MiB); a larger one is an
    /// [`Error::BodyTooLarge`](super::Error::BodyTooLarge).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How fast requests may go to each endpoint (default [`RateLimit::default`]: 20 a
    /// second, bursts of 100), shared by every client and every wait made from the
    /// configuration.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Sends credentials (a token, an AK/SK signature and security token) over plain `http`
    /// to hosts other than this machine too: UNENCRYPTED, anyone on the network path can read
    /// them. Without it an authenticated request goes only over `https`, or over `http` to
    /// `127.0.0.0/8`, `::1` or `localhost`; [`ConfigBuilder::build`] refuses an explicit
    /// endpoint that breaks the rule, and a request to such a URL is refused before it is
    /// sent ([`Error::InvalidRequest`](super::Error::InvalidRequest)).
    pub fn allow_plaintext_http(mut self, allow: bool) -> Self {
        self.allow_plaintext_http = allow;
        self
    }

    /// Uses a `reqwest::Client` you configured (proxy, TLS roots, ...) instead of building one.
    ///
    /// Its redirect policy applies as it is. The client built otherwise follows redirects only
    /// within the request's origin, because reqwest's default policy would send the
    /// `X-Auth-Token` header along to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the configuration; fails on an explicit endpoint that is not an `http` or
    /// `https` URL (or is plain `http` to another machine while requests are authenticated,
    /// see [`ConfigBuilder::allow_plaintext_http`]), a region or server variable that would
    /// change a URL's host, a user agent that is not a valid header value, or an HTTP client
    /// that cannot be built.
    pub fn build(self) -> Result<Config, ConfigError> {
        if !matches!(self.auth, Auth::None) && !self.allow_plaintext_http {
            for (service, url) in &self.endpoints {
                if let Err(why) = crate::plaintext::check_credential_url(url) {
                    return Err(ConfigError::new(format!(
                        "the endpoint of {service}: {why}{}",
                        crate::plaintext::ALLOW_PLAINTEXT_HTTP
                    )));
                }
            }
        }
        let user_agent =
            HeaderValue::from_str(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
                .map_err(|_| ConfigError::new("the user agent is not a valid header value"))?;
        let per_request_user_agent = self.http.is_some() && self.user_agent.is_some();
        let http = match self.http {
            Some(client) => client,
            None => build_http_client(&user_agent, self.connect_timeout)?,
        };
        let connection = Connection::new(Settings {
            region: self.region,
            endpoints: self.endpoints,
            variables: self.variables,
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            retry: self.retry,
            user_agent,
            per_request_user_agent,
            max_body_bytes: self.max_body_bytes,
            clock: self.clock,
            http,
            allow_plaintext_http: self.allow_plaintext_http,
            catalog: None,
        })?;
        Ok(Config::with_rate_limit(
            connection,
            self.auth,
            self.rate_limit,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RetryPolicy, Server, ServerVariable, Service};

    static MULTI_CLOUD: Service = Service {
        name: "iam_like",
        title: "IAM-like",
        servers: &[
            Server {
                url: "https://iam.{region}.otc.example",
                variables: &[ServerVariable {
                    name: "region",
                    default: "eu-de",
                    allowed: &["eu-de", "eu-nl"],
                }],
            },
            Server {
                url: "https://iam-pub.eu-ch2.example",
                variables: &[],
            },
            Server {
                url: "https://iam.{region}.hwc.example/",
                variables: &[ServerVariable {
                    name: "region",
                    default: "ap-southeast-1",
                    allowed: &[],
                }],
            },
        ],
    };

    fn endpoint(builder: ConfigBuilder) -> Result<String, ConfigError> {
        builder
            .build()
            .unwrap()
            .connection()
            .endpoint_for(&MULTI_CLOUD)
    }

    #[test]
    fn endpoint_follows_the_region_across_clouds() {
        let region = |r: &str| endpoint(Config::builder().region(r)).unwrap();
        assert_eq!(region("eu-nl"), "https://iam.eu-nl.otc.example");
        // A fixed URL naming the region wins over the server open to every region: the
        // Swiss IAM for eu-ch2, not another cloud's.
        assert_eq!(region("eu-ch2"), "https://iam-pub.eu-ch2.example");
        assert_eq!(region("cn-north-4"), "https://iam.cn-north-4.hwc.example");
        assert_eq!(
            endpoint(
                Config::builder()
                    .region("eu-de")
                    .endpoint("iam_like", "http://127.0.0.1:1/")
            ),
            Ok("http://127.0.0.1:1".to_owned())
        );
        let e = endpoint(Config::builder()).unwrap_err();
        assert!(e.to_string().contains("no region set"), "{e}");
    }

    #[test]
    fn invalid_explicit_endpoints_are_refused() {
        for url in ["not a url", "ftp://example.com", "unix:/tmp/sock"] {
            let e = Config::builder().endpoint("x", url).build().unwrap_err();
            assert!(e.to_string().contains("not an http(s) URL"), "{e}");
        }
        assert!(Config::builder().user_agent("bad\nagent").build().is_err());
    }

    /// Before the fix the region was pasted into the host unchecked: `evil.example#` sent
    /// every request (and IAM passwords) to `iam.evil.example`.
    #[test]
    fn server_variables_cannot_change_the_host() {
        for region in [
            "evil.example#",
            "x@evil.example/",
            "eu-de.evil.example",
            "EU-DE",
            "eu de",
            "",
            "eu-de:8443",
            "a/b",
        ] {
            let e = Config::builder().region(region).build().unwrap_err();
            assert!(
                e.to_string().contains(&format!("region `{region}`")),
                "{region}: {e}"
            );
        }
        let e = Config::builder()
            .server_variable("domain", "x.evil")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("domain `x.evil`"), "{e}");
        // A listed value is checked against the list; open ones against the pattern.
        assert_eq!(
            endpoint(Config::builder().region("ap-southeast-1")).unwrap(),
            "https://iam.ap-southeast-1.hwc.example"
        );
        for endpoint in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "//evil.example",
        ] {
            assert!(Config::builder().endpoint("x", endpoint).build().is_err());
        }
    }

    /// Before the fix a password in an endpoint URL showed up in `Debug` and in errors.
    #[test]
    fn userinfo_in_endpoints_is_never_shown() {
        let config = Config::builder()
            .endpoint("iam_like", "http://user:SECRET@127.0.0.1:1/")
            .build()
            .unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("SECRET") && debug.contains("***@127.0.0.1"),
            "{debug}"
        );
        let e = Config::builder()
            .endpoint("x", "ftp://user:SECRET@host/")
            .build()
            .unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let e = config
            .connection()
            .with_endpoint("y", "gopher://u:SECRET@h")
            .unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }

    #[test]
    fn debug_shows_settings_but_no_secrets() {
        let config = Config::builder()
            .region("eu-de")
            .auth(Auth::token("tok-SECRET"))
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let debug = format!("{config:?}");
        assert!(
            debug.contains("eu-de") && debug.contains("max_attempts: 1"),
            "{debug}"
        );
        assert!(!debug.contains("SECRET"), "{debug}");
        let derived = config
            .connection()
            .with_endpoint("x", "http://127.0.0.1:1")
            .unwrap();
        let derived = Config::new(derived, Auth::None);
        assert!(matches!(derived.auth(), Auth::None));
        assert_eq!(derived.connection().region(), Some("eu-de"));
        assert!(matches!(config.auth(), Auth::Token(_)));
    }
}
