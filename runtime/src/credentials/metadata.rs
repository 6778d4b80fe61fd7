//! Temporary AK/SK from the instance metadata service of an ECS with an agency
//! (`GET /openstack/latest/securitykey`), as the official SDKs read it.
//!
//! Off an ECS the address usually answers nothing at all, and the chain asks it only when no
//! other source has a credential: the probe waits at most [`PROBE_TIMEOUT`], is not repeated
//! after no answer, and an address that did not answer is not asked again by this process.
//! Only an answer that says "try again" (`429`, `5xx`) is retried.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::auth::{KeySource, TemporaryKeys};
use crate::client::ServiceClient;
use crate::connection::Connection;
use crate::error::{Error, OneLine};
use crate::retry::BoxFuture;
use crate::secret::{Secret, redact_url};
use crate::time::Timestamp;
use crate::transport::{Operation, Request, Service};

/// The metadata service, as a service of its own (its endpoint is the chain's address).
static METADATA: Service = Service {
    name: "ecs_metadata",
    title: "ECS instance metadata",
    servers: &[],
};

/// How long the first request to the service may take, connecting included.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Attempts of a probe answered `429` or `5xx` (no answer at all is not tried again).
const PROBE_ATTEMPTS: u32 = 3;

/// The addresses that gave no answer to a probe in this process.
static SILENT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

static SECURITY_KEY: Operation = Operation {
    id: "ShowMetadataSecurityKey",
    method: reqwest::Method::GET,
    path: "/openstack/latest/securitykey",
    authenticated: false,
};

/// Temporary AK/SK from the instance metadata service at one address: a [`KeySource`].
///
/// The first keys (fetched when the chain probed the service) are handed out once, so the
/// first request needs no second fetch.
#[derive(Clone)]
pub struct InstanceMetadata {
    url: String,
    first: Arc<Mutex<Option<TemporaryKeys>>>,
}

impl fmt::Debug for InstanceMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceMetadata")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl InstanceMetadata {
    /// The metadata service at `url` (`http://169.254.169.254` on an ECS).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into().trim_end_matches('/').to_owned(),
            first: Arc::new(Mutex::new(None)),
        }
    }

    /// Asks the service: the source, holding those keys, or why it cannot be used. Waits at
    /// most [`PROBE_TIMEOUT`] for an answer; without one, the address is remembered as silent
    /// for the rest of the process.
    pub(super) async fn probe(url: &str, connection: &Connection) -> Result<Self, String> {
        let source = Self::new(url);
        let shown = redact_url(&source.url).into_owned();
        if SILENT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&source.url)
        {
            tracing::debug!(
                url = %shown,
                "instance metadata service not asked: it did not answer earlier in this process"
            );
            return Err("not asked (it did not answer earlier in this process)".to_owned());
        }
        let quick = connection.for_probe(PROBE_TIMEOUT);
        let started = Instant::now();
        tracing::debug!(
            url = %shown,
            timeout = ?PROBE_TIMEOUT,
            "asking the instance metadata service (no other source has a credential)"
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match source.request(&quick).await {
                Ok(keys) => {
                    *source.first.lock().unwrap_or_else(PoisonError::into_inner) = Some(keys);
                    return Ok(source);
                }
                Err(e) => e,
            };
            let waited = started.elapsed();
            match error.status() {
                None if matches!(error, Error::Timeout { .. } | Error::Transport { .. }) => {
                    SILENT
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(source.url.clone());
                    tracing::info!(
                        url = %shown,
                        waited = ?waited,
                        error = %OneLine(&error),
                        "no instance metadata service (no answer): not asked again in this process"
                    );
                    return Err(format!(
                        "no answer after {} ms ({})",
                        waited.as_millis(),
                        OneLine(&error)
                    ));
                }
                Some(status)
                    if (status.is_server_error() || status.as_u16() == 429)
                        && attempt < PROBE_ATTEMPTS =>
                {
                    let delay = Duration::from_millis(200) * attempt;
                    tracing::info!(
                        url = %shown,
                        status = status.as_u16(),
                        attempt,
                        delay = ?delay,
                        "instance metadata service answered an error: asking again"
                    );
                    tokio::time::sleep(delay).await;
                }
                _ => {
                    tracing::debug!(
                        url = %shown,
                        waited = ?waited,
                        error = %OneLine(&error),
                        "instance metadata service not usable"
                    );
                    return Err(format!("not usable ({})", OneLine(&error)));
                }
            }
        }
    }

    async fn request(&self, connection: &Connection) -> Result<TemporaryKeys, Error> {
        let client = ServiceClient::unauthenticated(connection, &METADATA, Some(&self.url))
            .map_err(|e| Error::InvalidRequest {
                operation: SECURITY_KEY.id,
                message: format!("metadata address: {e}"),
            })?;
        let response = client
            .execute(Request::new(&SECURITY_KEY, SECURITY_KEY.path.to_owned()))
            .await?;
        if !response.status().is_success() {
            return response.unexpected();
        }
        let bad = |message: &str| response.decode_error("credential", message);
        let body: serde_json::Value =
            serde_json::from_slice(response.body()).map_err(|_| bad("the body is not JSON"))?;
        let credential = &body["credential"];
        let text = |key: &str| {
            credential[key]
                .as_str()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (Some(access), Some(secret), Some(token)) =
            (text("access"), text("secret"), text("securitytoken"))
        else {
            return Err(bad(
                "expected credential.access, credential.secret and credential.securitytoken",
            ));
        };
        let expires_at = text("expires_at").and_then(|t| Timestamp::parse(&t).to_system_time());
        Ok(TemporaryKeys::new(
            access,
            Secret::new(secret),
            Secret::new(token),
            expires_at,
        ))
    }
}

impl KeySource for InstanceMetadata {
    fn fetch<'a>(
        &'a self,
        connection: &'a Connection,
    ) -> BoxFuture<'a, Result<TemporaryKeys, Error>> {
        Box::pin(async move {
            let first = self
                .first
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // The probe's keys, unless the first request comes after they expired.
            match first.filter(|k| k.expires_at().is_none_or(|at| at > SystemTime::now())) {
                Some(keys) => Ok(keys),
                None => self.request(connection).await,
            }
        })
    }
}
