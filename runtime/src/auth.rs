//! How requests are authenticated: a static token, tokens from a [`TokenSource`] (cached and
//! refreshed), or AK/SK request signing. IAM password authentication, a token source that
//! sends requests of its own, sits a layer above, in [`iam`](super::iam).

mod aksk;
mod cache;
mod token;

pub use aksk::{AkSk, KeySource, TemporaryKeys};
pub use cache::TokenCacheOptions;
pub(crate) use token::refresh_at;
pub use token::{CachedToken, Token, TokenSource};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::connection::Connection;
use super::error::Error;
use super::secret::Secret;

/// The header a token is sent in.
const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");

/// How requests are authenticated.
///
/// `Debug` never shows a token, password or secret key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication headers (for endpoints that need none, or a proxy that adds them).
    None,
    /// A token obtained elsewhere, sent as `X-Auth-Token`.
    Token(Secret),
    /// Tokens obtained on demand (IAM password authentication or a custom [`TokenSource`]),
    /// cached, refreshed before they expire and after a `401`, sent as `X-Auth-Token`.
    Cached(CachedToken),
    /// Every request signed with an access key and secret key (`SDK-HMAC-SHA256`).
    AkSk(AkSk),
}

impl Auth {
    /// A token obtained elsewhere (for example `OS_AUTH_TOKEN`), sent as `X-Auth-Token`.
    pub fn token(token: impl Into<Secret>) -> Self {
        Auth::Token(token.into())
    }

    /// AK/SK signing of every request, as the Huawei Cloud SDKs sign.
    pub fn aksk(credentials: AkSk) -> Self {
        Auth::AkSk(credentials)
    }

    /// Tokens from your own [`TokenSource`], cached and refreshed like IAM password tokens
    /// (with the default [`TokenCacheOptions`]).
    pub fn token_source(source: impl TokenSource) -> Self {
        Self::token_source_with(source, TokenCacheOptions::default())
    }

    /// Tokens from your own [`TokenSource`], cached as `options` say.
    pub fn token_source_with(source: impl TokenSource, options: TokenCacheOptions) -> Self {
        Auth::Cached(CachedToken::new(source, options))
    }

    /// What kind of authentication this is, for tracing: `none`, `token`, `token_source`
    /// (IAM password or a custom [`TokenSource`]) or `aksk`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Token(_) => "token",
            Auth::Cached(_) => "token_source",
            Auth::AkSk(_) => "aksk",
        }
    }

    /// Adds the credentials to a request about to be sent; returns the token used, when a
    /// `401` answer should replace it.
    pub(crate) async fn authorize(
        &self,
        connection: &Connection,
        operation: &'static str,
        method: &Method,
        url: &Url,
        headers: &mut HeaderMap,
        body: &[u8],
    ) -> Result<Option<Secret>, Error> {
        if !matches!(self, Auth::None) && !connection.settings().allow_plaintext_http {
            crate::plaintext::check_credential_target(url).map_err(|why| {
                Error::InvalidRequest {
                    operation,
                    message: format!("{why}{}", crate::plaintext::ALLOW_PLAINTEXT_HTTP),
                }
            })?;
        }
        match self {
            Auth::None => Ok(None),
            Auth::Token(token) => {
                headers.insert(X_AUTH_TOKEN, token_header(operation, token)?);
                Ok(None)
            }
            Auth::Cached(cache) => {
                let token = cache.get(connection).await?;
                headers.insert(X_AUTH_TOKEN, token_header(operation, &token)?);
                Ok(Some(token))
            }
            Auth::AkSk(aksk) => aksk
                .sign_current(connection, method, url, headers, body)
                .await
                .map_err(|e| match e {
                    Error::Auth(_) => e,
                    other => Error::Auth(Box::new(other)),
                }),
        }
    }

    /// A request sent with `token` was answered `401`; returns whether a retry with a new
    /// token makes sense.
    pub(crate) async fn rejected(&self, token: &Secret) -> bool {
        match self {
            Auth::Cached(cache) => {
                cache.rejected(token).await;
                true
            }
            Auth::AkSk(aksk) => aksk.rejected(token).await,
            _ => false,
        }
    }
}

fn token_header(operation: &'static str, token: &Secret) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(token.expose()).map_err(|_| {
        Error::Auth(Box::new(Error::InvalidRequest {
            operation,
            message: "the token has characters a header cannot carry".to_owned(),
        }))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_secret() {
        let auths = [
            Auth::token("tok-SECRET-1"),
            Auth::aksk(AkSk::new("AK", "sk-SECRET-3").security_token("st-SECRET-4")),
        ];
        for auth in auths {
            let debug = format!("{auth:?} {auth:#?}");
            assert!(!debug.contains("SECRET"), "{debug}");
        }
    }

    #[test]
    fn bad_token_is_an_auth_error_without_the_token() {
        let e = token_header("Op", &Secret::new("a\nSECRET")).unwrap_err();
        assert!(matches!(e, Error::Auth(_)));
        assert!(!e.to_string().contains("SECRET"));
        assert!(!format!("{e:?}").contains("SECRET"));
    }
}
