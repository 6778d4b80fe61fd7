//! IAM password authentication: a project-scoped token from IAM `POST /v3/auth/tokens`
//! (Keystone v3, password method).

use std::fmt;

use crate::apis::iam_tokens as iam;

use super::super::config::Config;
use super::super::error::{DecodeError, Error};
use super::super::retry::BoxFuture;
use super::super::secret::Secret;
use super::token::{Token, TokenCacheOptions, TokenSource};

/// The project a password token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProjectScope {
    /// A project by id.
    Id(String),
    /// A project by name (on both clouds the name of a region's default project is the region,
    /// such as `eu-de` or `cn-north-4`).
    Name(String),
}

/// IAM user credentials, exchanged for a project-scoped token (see
/// [`Auth::password`](crate::runtime::Auth::password)).
///
/// `Debug` never shows the password.
///
/// ```
/// use cloudjobs::runtime::{Auth, PasswordAuth};
///
/// let auth = Auth::password(
///     PasswordAuth::new("my-domain", "my-user", "my password").project_name("eu-de"),
/// );
/// assert!(!format!("{auth:?}").contains("my password"));
/// ```
#[derive(Clone)]
pub struct PasswordAuth {
    pub(crate) domain_name: String,
    pub(crate) user_name: String,
    pub(crate) password: Secret,
    pub(crate) scope: Option<ProjectScope>,
    pub(crate) iam_endpoint: Option<String>,
    pub(crate) cache: TokenCacheOptions,
}

impl fmt::Debug for PasswordAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAuth")
            .field("domain_name", &self.domain_name)
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .field("scope", &self.scope)
            .field("iam_endpoint", &self.iam_endpoint)
            .finish_non_exhaustive()
    }
}

impl PasswordAuth {
    /// The user `user_name` of the account (domain) `domain_name`, with its password.
    ///
    /// Without [`PasswordAuth::project_id`] or [`PasswordAuth::project_name`], the token is
    /// scoped to the project named like the configured region.
    pub fn new(
        domain_name: impl Into<String>,
        user_name: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        Self {
            domain_name: domain_name.into(),
            user_name: user_name.into(),
            password: password.into(),
            scope: None,
            iam_endpoint: None,
            cache: TokenCacheOptions::default(),
        }
    }

    /// Scopes the token to the project with this id.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.scope = Some(ProjectScope::Id(project_id.into()));
        self
    }

    /// Scopes the token to the project with this name.
    pub fn project_name(mut self, project_name: impl Into<String>) -> Self {
        self.scope = Some(ProjectScope::Name(project_name.into()));
        self
    }

    /// The IAM endpoint (such as `https://iam.eu-de.otc.t-systems.com`); by default it comes
    /// from the configuration like every other service's (`iam_tokens` endpoint or region).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// How the token is cached (default: refreshed 5 minutes before it expires).
    pub fn cache(mut self, options: TokenCacheOptions) -> Self {
        self.cache = options;
        self
    }

    /// The project the token is for, given the configured region.
    pub(crate) fn scope_for(&self, config: &Config) -> Option<ProjectScope> {
        self.scope
            .clone()
            .or_else(|| config.region().map(|r| ProjectScope::Name(r.to_owned())))
    }
}

/// The operation id IAM's spec gives token creation with a password.
const OPERATION: &str = "KeystoneCreateUserTokenByPassword";

impl TokenSource for PasswordAuth {
    fn fetch<'a>(&'a self, config: &'a Config) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(self.request_token(config))
    }
}

impl PasswordAuth {
    /// `POST /v3/auth/tokens` through the generated IAM client: the token comes in the
    /// `X-Subject-Token` header, its validity in `token.issued_at` and `token.expires_at`.
    async fn request_token(&self, config: &Config) -> Result<Token, Error> {
        let invalid = |message: String| Error::InvalidRequest {
            operation: OPERATION,
            message,
        };
        let scope = self.scope_for(config).ok_or_else(|| {
            invalid(
                "no project to scope the token to: set PasswordAuth::project_id, \
                 PasswordAuth::project_name or ConfigBuilder::region"
                    .to_owned(),
            )
        })?;
        let config = match &self.iam_endpoint {
            Some(url) => config.with_endpoint(iam::SERVICE.name, url),
            None => config.clone(),
        };
        let client =
            iam::Client::new(&config).map_err(|e| invalid(format!("IAM endpoint: {e}")))?;
        let project = match scope {
            ProjectScope::Id(id) => iam::AuthScopeProject {
                id: Some(id),
                name: None,
            },
            ProjectScope::Name(name) => iam::AuthScopeProject {
                id: None,
                name: Some(name),
            },
        };
        let body = iam::KeystoneCreateUserTokenByPasswordRequestBody {
            auth: iam::PwdAuth {
                identity: iam::PwdIdentity {
                    methods: vec!["password".to_owned()],
                    password: iam::PwdPassword {
                        user: iam::PwdPasswordUser {
                            domain: iam::PwdPasswordUserDomain {
                                name: Some(self.domain_name.clone()),
                                id: None,
                            },
                            name: self.user_name.clone(),
                            password: self.password.clone(),
                        },
                    },
                },
                scope: iam::AuthScope {
                    domain: None,
                    project: Some(project),
                },
            },
        };
        let response = client
            .keystone_create_user_token_by_password(body)
            .nocatalog("true")
            .send()
            .await
            .map_err(Error::into_untyped)?;
        let Some(value) = response.header("X-Subject-Token").filter(|v| !v.is_empty()) else {
            return Err(Error::Decode(Box::new(DecodeError {
                operation: OPERATION,
                status: response.status(),
                request_id: response.request_id().map(str::to_owned),
                path: "X-Subject-Token (header)".to_owned(),
                message: "the response has no token header".to_owned(),
                snippet: String::new(),
            })));
        };
        let token = Secret::new(value);
        let info = &response.body().token;
        let expires = info.expires_at.as_ref().and_then(|t| t.to_system_time());
        let issued = info.issued_at.as_ref().and_then(|t| t.to_system_time());
        Ok(match (issued, expires) {
            // Both by IAM's clock: the lifetime does not depend on the local clock.
            (Some(issued), Some(expires)) if expires > issued => {
                Token::with_lifetime(token, expires.duration_since(issued).unwrap_or_default())
            }
            (_, expires) => Token::new(token, expires),
        })
    }
}
