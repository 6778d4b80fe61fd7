//! Temporary AK/SK from the instance metadata service of an ECS with an agency
//! (`GET /openstack/latest/securitykey`), as the official SDKs read it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use crate::runtime::auth::{KeySource, TemporaryKeys};
use crate::runtime::client::ServiceClient;
use crate::runtime::connection::Connection;
use crate::runtime::error::{Error, OneLine};
use crate::runtime::retry::BoxFuture;
use crate::runtime::secret::{Secret, redact_url};
use crate::runtime::time::Timestamp;
use crate::runtime::transport::{Operation, Request, Service};

/// The metadata service, as a service of its own (its endpoint is the chain's address).
static METADATA: Service = Service {
    name: "ecs_metadata",
    title: "ECS instance metadata",
    servers: &[],
};

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

    /// Asks the service once: the source, holding those keys, or why it cannot be used.
    pub(super) async fn probe(url: &str, connection: &Connection) -> Result<Self, String> {
        let source = Self::new(url);
        match source.request(connection).await {
            Ok(keys) => {
                *source.first.lock().unwrap_or_else(PoisonError::into_inner) = Some(keys);
                Ok(source)
            }
            Err(e) => Err(format!("not usable ({})", OneLine(&e))),
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
