//! One configuration shared by every service client.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{StatusCode, Url};

use super::auth::Auth;
use super::error::Error;
use super::retry::{Outcome, RetryPolicy, RetryState};
use super::secret::{Secret, redact_reqwest_error, redact_url};
use super::time::Clock;
use super::transport::{Request, Server, Service, mark_sensitive};

/// Why a [`Config`] or a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The configuration every generated client is made from: endpoints, authentication,
/// timeouts, retries, limits. Cheap to clone; clients made from one `Config` share its
/// connection pool and its cached IAM token.
///
/// `Debug` shows no secret.
#[derive(Clone)]
pub struct Config {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    region: Option<String>,
    endpoints: BTreeMap<String, String>,
    variables: BTreeMap<String, String>,
    auth: Auth,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: HeaderValue,
    /// Whether `User-Agent` is sent with each request (the HTTP client was supplied and a
    /// user agent was set explicitly).
    per_request_user_agent: bool,
    max_body_bytes: usize,
    clock: Clock,
    http: reqwest::Client,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.inner.region)
            .field(
                "endpoints",
                &self
                    .inner
                    .endpoints
                    .iter()
                    .map(|(k, v)| (k, redact_url(v)))
                    .collect::<BTreeMap<_, _>>(),
            )
            .field("variables", &self.inner.variables)
            .field("auth", &self.inner.auth)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("user_agent", &self.inner.user_agent)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// A complete response, as one attempt read it.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The token the request carried, when a `401` should replace it.
    token: Option<Secret>,
}

/// Why one attempt failed, and whether anything was sent.
struct Failure {
    error: Error,
    sent: bool,
}

impl Config {
    /// Starts a configuration with the defaults: no region, no authentication, 10 s connect
    /// timeout, 60 s timeout per attempt, the default [`RetryPolicy`], 16 MiB response limit.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The timeout of one attempt, from sending to the last byte of the body.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The connect timeout (of the HTTP client this configuration built).
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// How failed requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The largest response body accepted.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// The HTTP client requests are sent with.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The server of `service` to build the endpoint from (see [`Config::endpoint_for`]).
    fn server_for(&self, service: &Service) -> Option<&'static Server> {
        let servers: &'static [Server] = service.servers;
        if let Some(region) = self.inner.region.as_deref() {
            let region_var = |s: &Server| {
                s.variables
                    .iter()
                    .find(|v| v.name == "region")
                    .map(|v| v.allowed)
            };
            let listed = servers
                .iter()
                .find(|s| region_var(s).is_some_and(|allowed| allowed.contains(&region)));
            let open = || {
                servers
                    .iter()
                    .find(|s| region_var(s).is_some_and(<[&str]>::is_empty))
            };
            if let Some(server) = listed.or_else(open) {
                return Some(server);
            }
        }
        servers.first()
    }

    /// The same configuration with an explicit endpoint for `service`; fails like
    /// [`ConfigBuilder::build`] on a URL that is not `http` or `https`.
    pub(crate) fn with_endpoint(&self, service: &str, url: &str) -> Result<Config, ConfigError> {
        check_endpoint(service, url)?;
        let mut inner = (*self.inner).clone();
        inner.endpoints.insert(service.to_owned(), url.to_owned());
        Ok(Config {
            inner: Arc::new(inner),
        })
    }

    /// The same configuration without authentication (for the clients that obtain tokens).
    pub(crate) fn without_auth(&self) -> Config {
        let mut inner = (*self.inner).clone();
        inner.auth = Auth::None;
        Config {
            inner: Arc::new(inner),
        }
    }

    /// The region, when one was set.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// How requests are authenticated.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The endpoint for `service`: the explicit one when [`ConfigBuilder::endpoint`] set it,
    /// otherwise a server URL of the spec with `{region}` and the other variables filled in.
    ///
    /// When a region is set and the spec lists several servers (one per cloud, say), the
    /// first server whose `region` variable lists that region is used; failing that, the first
    /// whose `region` variable accepts any value; failing that, the first server.
    pub fn endpoint_for(&self, service: &Service) -> Result<String, ConfigError> {
        if let Some(url) = self.inner.endpoints.get(service.name) {
            return Ok(url.trim_end_matches('/').to_owned());
        }
        let server = self.server_for(service).ok_or_else(|| {
            ConfigError::new(format!(
                "{}: the spec names no server; set one with ConfigBuilder::endpoint(\"{}\", url)",
                service.title, service.name
            ))
        })?;
        let mut url = server.url.to_owned();
        for var in server.variables {
            let value = match var.name {
                "region" => self.inner.region.as_deref(),
                name => self.inner.variables.get(name).map(String::as_str),
            };
            let value = match value {
                Some(v) => v,
                None if var.name == "region" => {
                    return Err(ConfigError::new(format!(
                        "{}: no region set; call ConfigBuilder::region or ConfigBuilder::endpoint(\"{}\", url)",
                        service.title, service.name
                    )));
                }
                None => var.default,
            };
            if !var.allowed.is_empty() && !var.allowed.contains(&value) {
                return Err(ConfigError::new(format!(
                    "{}: `{value}` is not one of the values the spec allows for {{{}}}: {}",
                    service.title,
                    var.name,
                    var.allowed.join(", ")
                )));
            }
            if var.allowed.is_empty() {
                check_server_value(var.name, value)
                    .map_err(|e| ConfigError::new(format!("{}: {e}", service.title)))?;
            }
            url = url.replace(&format!("{{{}}}", var.name), value);
        }
        if url.contains('{') {
            return Err(ConfigError::new(format!(
                "{}: server URL `{url}` has a variable the spec does not declare",
                service.title
            )));
        }
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// Sends a request (authenticated, retried and refreshed as configured) and reads the
    /// whole response, within the configured limits.
    pub(crate) async fn send(
        &self,
        request: &Request,
        url: &str,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let operation = request.operation;
        let url = Url::parse(url).map_err(|e| Error::InvalidRequest {
            operation: operation.id,
            message: format!("`{}` is not a valid URL: {e}", redact_url(url)),
        })?;
        let idempotent = operation.is_idempotent();
        let mut retry = RetryState::new(&self.inner.retry);
        let mut refreshed = false;
        loop {
            let started = std::time::Instant::now();
            let result = self.attempt(request, &url).await;
            let took = started.elapsed();
            let delay = match result {
                Ok(answer) => {
                    if answer.status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && let Some(token) = &answer.token
                        && self.inner.auth.rejected(token).await
                    {
                        // One more attempt with a new token; the first was refused, not
                        // processed, so this is safe for any method.
                        refreshed = true;
                        continue;
                    }
                    let outcome = Outcome::Status(answer.status, &answer.headers);
                    match retry.next_delay(idempotent, outcome, took, &self.inner.clock) {
                        Some(delay) => delay,
                        None => return Ok((answer.status, answer.headers, answer.body)),
                    }
                }
                Err(failure) => {
                    let outcome = match (&failure.error, failure.sent) {
                        (Error::Transport { .. } | Error::Timeout { .. }, false) => {
                            Outcome::NotSent
                        }
                        (Error::Transport { .. } | Error::Timeout { .. }, true) => Outcome::Failed,
                        _ => return Err(failure.error),
                    };
                    match retry.next_delay(idempotent, outcome, took, &self.inner.clock) {
                        Some(delay) => delay,
                        None => return Err(failure.error),
                    }
                }
            };
            self.inner.retry.sleep(delay).await;
        }
    }

    /// One attempt: authenticate, send, read the body.
    async fn attempt(&self, request: &Request, url: &Url) -> Result<Answer, Failure> {
        let operation = request.operation;
        let not_sent = |error| Failure { error, sent: false };
        let mut headers = request.headers.clone();
        let body: &[u8] = request.body.as_ref().map_or(&[], |b| b.bytes.as_ref());
        // Authentication first: AK/SK signs the headers present now.
        let token = if operation.authenticated {
            self.inner
                .auth
                .authorize(
                    self,
                    operation.id,
                    &operation.method,
                    url,
                    &mut headers,
                    body,
                )
                .await
                .map_err(not_sent)?
        } else {
            None
        };
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if self.inner.per_request_user_agent {
            headers.insert(USER_AGENT, self.inner.user_agent.clone());
        }
        let mut http = reqwest::Request::new(operation.method.clone(), url.clone());
        if let Some(body) = &request.body {
            let content_type = HeaderValue::from_str(&body.content_type).map_err(|_| {
                not_sent(Error::InvalidRequest {
                    operation: operation.id,
                    message: format!("`{}` is not a valid content type", body.content_type),
                })
            })?;
            headers.insert(CONTENT_TYPE, content_type);
            *http.body_mut() = Some(body.bytes.clone().into());
        }
        *http.headers_mut() = headers;
        *http.timeout_mut() = Some(self.inner.timeout);
        let response = self
            .inner
            .http
            .execute(http)
            .await
            .map_err(|e| self.failure(operation.id, e))?;
        let status = response.status();
        let mut headers = response.headers().clone();
        mark_sensitive(&mut headers);
        let body = self
            .read_body(operation.id, response)
            .await
            .map_err(|error| Failure { error, sent: true })?;
        Ok(Answer {
            status,
            headers,
            body,
            token,
        })
    }

    async fn read_body(
        &self,
        operation: &'static str,
        mut response: reqwest::Response,
    ) -> Result<Bytes, Error> {
        let limit = self.inner.max_body_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(Error::BodyTooLarge { operation, limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.failure(operation, e).error)?
        {
            if body.len() + chunk.len() > limit {
                return Err(Error::BodyTooLarge { operation, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// A transport error, and whether the request may have been sent.
    fn failure(&self, operation: &'static str, source: reqwest::Error) -> Failure {
        let source = redact_reqwest_error(source);
        let sent = !source.is_connect();
        let error = if source.is_timeout() {
            Error::Timeout {
                operation,
                after: if sent {
                    self.inner.timeout
                } else {
                    self.inner.connect_timeout.min(self.inner.timeout)
                },
            }
        } else {
            Error::Transport { operation, source }
        };
        Failure { error, sent }
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
    /// a slower one is an [`Error::Timeout`]. [`RetryPolicy::max_elapsed`] bounds the whole
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
    /// [`Error::BodyTooLarge`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
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
    /// `https` URL, a user agent that is not a valid header value, or an HTTP client that
    /// cannot be built.
    pub fn build(self) -> Result<Config, ConfigError> {
        for (service, url) in &self.endpoints {
            check_endpoint(service, url)?;
        }
        if let Some(region) = &self.region {
            check_server_value("region", region)?;
        }
        for (name, value) in &self.variables {
            check_server_value(name, value)?;
        }
        let user_agent =
            HeaderValue::from_str(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
                .map_err(|_| ConfigError::new("the user agent is not a valid header value"))?;
        let per_request_user_agent = self.http.is_some() && self.user_agent.is_some();
        let http = match self.http {
            Some(client) => client,
            None => build_http_client(&user_agent, self.connect_timeout)?,
        };
        Ok(Config {
            inner: Arc::new(Inner {
                region: self.region,
                endpoints: self.endpoints,
                variables: self.variables,
                auth: self.auth,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                retry: self.retry,
                user_agent,
                per_request_user_agent,
                max_body_bytes: self.max_body_bytes,
                clock: self.clock,
                http,
            }),
        })
    }
}

/// An explicit endpoint must be an `http` or `https` URL with a host.
fn check_endpoint(service: &str, url: &str) -> Result<(), ConfigError> {
    match Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(ConfigError::new(format!(
            "endpoint for {service}: `{}` is not an http(s) URL",
            redact_url(url)
        ))),
    }
}

/// A value pasted into a server URL template (a region, say) must not change which host the
/// URL names: lower-case ASCII letters, digits and `-` only (no `.`, `/`, `@`, `#`, `:`, ...).
/// Values a spec lists explicitly are checked against that list instead.
fn check_server_value(name: &str, value: &str) -> Result<(), ConfigError> {
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ConfigError::new(format!(
            "{name} `{}` is not valid: a server URL variable may hold only lower-case letters, \
             digits and `-` (set an explicit endpoint for anything else)",
            value.escape_debug()
        )))
    }
}

fn build_http_client(
    user_agent: &HeaderValue,
    connect_timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    // reqwest is built without a rustls crypto provider so that the C-heavy aws-lc-rs is not
    // compiled; ring is installed as the process default unless the application installed one.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race against another thread installing a provider is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .user_agent(user_agent.clone())
        .connect_timeout(connect_timeout)
        .redirect(same_origin_redirects())
        .build()
        .map_err(|e| ConfigError::new(format!("HTTP client: {e}")))
}

/// The most redirects followed in a row (reqwest's default).
const MAX_REDIRECTS: usize = 10;

/// Follows redirects only within the origin (scheme, host, port) of the request, at most
/// [`MAX_REDIRECTS`] in a row. reqwest drops `Authorization` and cookies on a redirect to
/// another origin, but not the clouds' credential headers (`X-Auth-Token`,
/// `X-Security-Token`): following such a redirect would hand the token to another host. It
/// is not followed; the redirect response itself is the answer (an [`Error::Api`] with its
/// 3xx status).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // The first URL is the request's own, not a redirect.
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::ServerVariable;

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
        builder.build().unwrap().endpoint_for(&MULTI_CLOUD)
    }

    #[test]
    fn endpoint_follows_the_region_across_clouds() {
        let region = |r: &str| endpoint(Config::builder().region(r)).unwrap();
        assert_eq!(region("eu-nl"), "https://iam.eu-nl.otc.example");
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
            .without_auth()
            .with_endpoint("x", "http://127.0.0.1:1")
            .unwrap();
        assert!(matches!(derived.auth(), Auth::None));
        assert_eq!(derived.region(), Some("eu-de"));
        assert!(matches!(config.auth(), Auth::Token(_)));
    }
}
