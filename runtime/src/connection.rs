//! How the services are reached: endpoints (built from the region, or explicit), the HTTP
//! client, timeouts, retries and limits. Plain data, shared by every client made from one
//! [`Config`](super::Config), which is a `Connection` plus authentication.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::error::ConfigError;
use super::retry::RetryPolicy;
use super::secret::redact_url;
use super::time::Clock;
use super::transport::{Server, Service};

/// Everything of a [`Config`](super::Config) but its authentication: endpoints, the HTTP
/// client, timeouts, retries, limits. Cheap to clone; clones share the HTTP connection pool.
///
/// A [`TokenSource`](super::TokenSource) is given the connection of the client that needs a
/// token, to make its own requests with (IAM password authentication does).
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Settings>,
}

/// The settings of a [`Connection`], as [`ConfigBuilder`](super::ConfigBuilder) gathers them.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) region: Option<String>,
    pub(crate) endpoints: BTreeMap<String, String>,
    pub(crate) variables: BTreeMap<String, String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: HeaderValue,
    /// Whether `User-Agent` is sent with each request (the HTTP client was supplied and a
    /// user agent was set explicitly).
    pub(crate) per_request_user_agent: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) clock: Clock,
    pub(crate) http: reqwest::Client,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner;
        f.debug_struct("Connection")
            .field("region", &s.region)
            .field(
                "endpoints",
                &s.endpoints
                    .iter()
                    .map(|(k, v)| (k, redact_url(v)))
                    .collect::<BTreeMap<_, _>>(),
            )
            .field("variables", &s.variables)
            .field("connect_timeout", &s.connect_timeout)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .field("user_agent", &s.user_agent)
            .field("max_body_bytes", &s.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection with these settings, checked: explicit endpoints must be `http` or
    /// `https` URLs, and the region and server variables must not change a URL's host.
    pub(crate) fn new(settings: Settings) -> Result<Self, ConfigError> {
        for (service, url) in &settings.endpoints {
            check_endpoint(service, url)?;
        }
        if let Some(region) = &settings.region {
            check_server_value("region", region)?;
        }
        for (name, value) in &settings.variables {
            check_server_value(name, value)?;
        }
        Ok(Self {
            inner: Arc::new(settings),
        })
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner
    }

    /// The timeout of one attempt, from sending to the last byte of the body.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The connect timeout (of the HTTP client the configuration built).
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

    /// The region, when one was set.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The same connection with an explicit endpoint for `service`; fails like
    /// [`ConfigBuilder::build`](super::ConfigBuilder::build) on a URL that is not `http` or
    /// `https`.
    pub fn with_endpoint(&self, service: &str, url: &str) -> Result<Connection, ConfigError> {
        check_endpoint(service, url)?;
        let mut settings = (*self.inner).clone();
        settings
            .endpoints
            .insert(service.to_owned(), url.to_owned());
        Ok(Connection {
            inner: Arc::new(settings),
        })
    }

    /// The same connection with at most `timeout` per attempt (connecting included) and no
    /// retries: for a probe that must give up quickly (the instance metadata service).
    pub(crate) fn for_probe(&self, timeout: Duration) -> Connection {
        let mut settings = (*self.inner).clone();
        settings.timeout = settings.timeout.min(timeout);
        settings.connect_timeout = settings.connect_timeout.min(timeout);
        settings.retry = RetryPolicy::none();
        Connection {
            inner: Arc::new(settings),
        }
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
            // A fixed URL whose host names the region (`iam-pub.eu-ch2.sc.otc...` for
            // `eu-ch2`): that region's own server, before any server open to every region.
            let named = || {
                servers.iter().find(|s| {
                    region_var(s).is_none() && host_labels(s.url).any(|label| label == region)
                })
            };
            let open = || {
                servers
                    .iter()
                    .find(|s| region_var(s).is_some_and(<[&str]>::is_empty))
            };
            if let Some(server) = listed.or_else(named).or_else(open) {
                return Some(server);
            }
        }
        servers.first()
    }

    /// The endpoint for `service`: the explicit one when [`ConfigBuilder::endpoint`](super::ConfigBuilder::endpoint) set it,
    /// otherwise a server URL of the spec with `{region}` and the other variables filled in.
    ///
    /// When a region is set and the spec lists several servers (one per cloud, say), the
    /// first server whose `region` variable lists that region is used; failing that, the first
    /// server without a `region` variable whose host names the region (a label of its host
    /// such as `eu-ch2`); failing that, the first whose `region` variable accepts any value;
    /// failing that, the first server.
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
}

/// The dot-separated labels of a server URL's host (`https://iam.eu-de.example/v3` → `iam`,
/// `eu-de`, `example`).
fn host_labels(url: &str) -> impl Iterator<Item = &str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', ':', '?', '#']).next().unwrap_or_default();
    host.split('.')
}

/// An explicit endpoint must be an `http` or `https` URL with a host.
pub(crate) fn check_endpoint(service: &str, url: &str) -> Result<(), ConfigError> {
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

pub(crate) fn build_http_client(
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
