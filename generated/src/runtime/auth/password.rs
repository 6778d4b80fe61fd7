//! IAM password authentication: a project-scoped token from IAM `POST /v3/auth/tokens`
//! (Keystone v3, password method).

use std::fmt;

use super::super::config::Config;
use super::super::error::Error;
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
        Box::pin(async move {
            if self.scope_for(config).is_none() {
                return Err(Error::InvalidRequest {
                    operation: OPERATION,
                    message: "no project to scope the token to: set PasswordAuth::project_id, \
                              PasswordAuth::project_name or ConfigBuilder::region"
                        .to_owned(),
                });
            }
            // The token is requested through the generated IAM client
            // (`crate::apis::iam_tokens`, from `specs/iam-tokens.yaml`); until that module is
            // generated, password authentication reports that it is unavailable.
            Err(Error::InvalidRequest {
                operation: OPERATION,
                message: "IAM password authentication needs the generated `iam_tokens` client, \
                          which this build of cloudjobs does not include yet; use Auth::token \
                          or Auth::aksk"
                    .to_owned(),
            })
        })
    }
}
