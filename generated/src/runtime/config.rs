//! One configuration shared by every service client.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};

use super::auth::Auth;
use super::error::Error;
use super::transport::{Request, Service, ServiceClient};

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
/// timeouts, limits. Cheap to clone; clients made from one `Config` share its connection pool
/// and its cached IAM token.
#[derive(Clone)]
pub struct Config {
    inner: Arc<Inner>,
}

struct Inner {
    region: Option<String>,
    endpoints: BTreeMap<String, String>,
    variables: BTreeMap<String, String>,
    auth: Auth,
    timeout: Duration,
    max_body_bytes: usize,
    http: reqwest::Client,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("region", &self.inner.region)
            .field("endpoints", &self.inner.endpoints)
            .field("auth", &self.inner.auth)
            .field("timeout", &self.inner.timeout)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Starts a configuration with the defaults: no region, no authentication, 10 s connect
    /// timeout, 60 s overall timeout, 16 MiB response limit.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
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
    /// otherwise the spec's first server URL with `{region}` and the other variables filled in.
    pub fn endpoint_for(&self, service: &Service) -> Result<String, ConfigError> {
        if let Some(url) = self.inner.endpoints.get(service.name) {
            return Ok(url.trim_end_matches('/').to_owned());
        }
        let server = service.servers.first().ok_or_else(|| {
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

    /// Sends one request and reads the whole response, within the configured limits.
    pub(crate) async fn send(
        &self,
        client: &ServiceClient,
        request: &Request,
        url: &str,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let operation = request.operation;
        let mut builder = self
            .inner
            .http
            .request(operation.method.clone(), url)
            .headers(request.headers.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .timeout(self.inner.timeout);
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, body.content_type.as_ref())
                .body(body.bytes.clone());
        }
        if operation.authenticated {
            builder = self.inner.auth.apply(builder, client).await?;
        }
        let response = builder
            .send()
            .await
            .map_err(|e| self.transport(operation.id, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self.read_body(operation.id, response).await?;
        Ok((status, headers, body))
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
            .map_err(|e| self.transport(operation, e))?
        {
            if body.len() + chunk.len() > limit {
                return Err(Error::BodyTooLarge { operation, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn transport(&self, operation: &'static str, source: reqwest::Error) -> Error {
        if source.is_timeout() {
            Error::Timeout {
                operation,
                after: self.inner.timeout,
            }
        } else {
            Error::Transport { operation, source }
        }
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
    user_agent: String,
    max_body_bytes: usize,
    http: Option<reqwest::Client>,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoints: BTreeMap::new(),
            variables: BTreeMap::new(),
            auth: Auth::None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: concat!("cloudjobs/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_body_bytes: 16 * 1024 * 1024,
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

    /// How long one request may take from sending to the last byte of the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `cloudjobs/<version>`). Ignored with
    /// [`ConfigBuilder::http_client`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The largest response body accepted (default 16 MiB); a larger one is an
    /// [`Error::BodyTooLarge`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Uses a `reqwest::Client` you configured (proxy, TLS roots, ...) instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let http = match self.http {
            Some(client) => client,
            None => build_http_client(&self.user_agent, self.connect_timeout)?,
        };
        Ok(Config {
            inner: Arc::new(Inner {
                region: self.region,
                endpoints: self.endpoints,
                variables: self.variables,
                auth: self.auth,
                timeout: self.timeout,
                max_body_bytes: self.max_body_bytes,
                http,
            }),
        })
    }
}

fn build_http_client(
    user_agent: &str,
    connect_timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    // reqwest is built without a rustls crypto provider so that the C-heavy aws-lc-rs is not
    // compiled; ring is installed as the process default unless the application installed one.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race against another thread installing a provider is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| ConfigError::new(format!("HTTP client: {e}")))
}
