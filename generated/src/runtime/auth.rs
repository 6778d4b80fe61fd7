//! How requests are authenticated.

use super::error::Error;
use super::secret::Secret;
use super::transport::ServiceClient;

/// How requests are authenticated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication headers (for endpoints that need none, or a proxy that adds them).
    None,
    /// A token obtained elsewhere, sent as `X-Auth-Token`.
    Token(Secret),
}

impl Auth {
    /// A token obtained elsewhere (for example `OS_AUTH_TOKEN`), sent as `X-Auth-Token`.
    pub fn token(token: impl Into<Secret>) -> Self {
        Auth::Token(token.into())
    }

    /// Adds the credentials to a request that is about to be sent.
    pub(crate) async fn apply(
        &self,
        request: reqwest::RequestBuilder,
        _client: &ServiceClient,
    ) -> Result<reqwest::RequestBuilder, Error> {
        Ok(match self {
            Auth::None => request,
            Auth::Token(token) => request.header("X-Auth-Token", token.expose()),
        })
    }
}
