//! IAM password authentication: a project-scoped token from IAM `POST /v3/auth/tokens`
//! (Keystone v3, password method), as a [`TokenSource`] for [`Auth::password`].
//!
//! It sends a request of its own, so it sits above the sending layer
//! ([`client`](super::client)), which knows only the [`Auth`] it is given. The runtime sends
//! this one request itself, with its own few lines of request and response handling, rather
//! than through the generated `iam_tokens` client: the hand-written runtime never imports
//! generated code (ARCHITECTURE.md, "Layers"), so no edit of a spec can break its build. A
//! test checks that [`IAM`] names the same endpoints as `specs/iam-tokens.yaml`.

use std::fmt;

use serde::Serialize;

use super::auth::{Auth, CachedToken, Token, TokenCacheOptions, TokenSource};
use super::client::ServiceClient;
use super::connection::Connection;
use super::error::Error;
pub use super::plaintext::{check_credential_url, check_iam_url};
use super::retry::BoxFuture;
use super::secret::{Secret, redact_url};
use super::time::Timestamp;
use super::transport::{Operation, QueryStyle, Request, Server, ServerVariable, Service};

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

/// IAM user credentials, exchanged for a project-scoped token (see [`Auth::password`]).
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
    pub(crate) domain_id: Option<String>,
    pub(crate) user_name: String,
    pub(crate) password: Secret,
    pub(crate) scope: Option<ProjectScope>,
    pub(crate) iam_endpoint: Option<String>,
    /// Where [`PasswordAuth::iam_endpoint`] came from, for messages (`OS_AUTH_URL`, a file's
    /// key); `None`: set by the program.
    pub(crate) iam_endpoint_source: Option<String>,
    pub(crate) allow_plaintext_http: bool,
    pub(crate) cache: TokenCacheOptions,
}

impl fmt::Debug for PasswordAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAuth")
            .field("domain_name", &self.domain_name)
            .field("domain_id", &self.domain_id)
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .field("scope", &self.scope)
            .field(
                "iam_endpoint",
                &self.iam_endpoint.as_deref().map(redact_url),
            )
            .field("allow_plaintext_http", &self.allow_plaintext_http)
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
            domain_id: None,
            user_name: user_name.into(),
            password: password.into(),
            scope: None,
            iam_endpoint: None,
            iam_endpoint_source: None,
            allow_plaintext_http: false,
            cache: TokenCacheOptions::default(),
        }
    }

    /// Names the user's account (domain) by id instead of by name (as `clouds.yaml`'s
    /// `user_domain_id` does); the id is then sent instead of the name.
    pub fn domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.domain_id = Some(domain_id.into());
        self
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

    /// The IAM endpoint, with or without the `/v3` that `OS_AUTH_URL` and `clouds.yaml`
    /// usually end in (`https://iam.eu-de.otc.t-systems.com` or
    /// `https://iam.eu-de.otc.t-systems.com/v3`); by default it comes from the configuration
    /// like every other service's (the `iam_tokens` endpoint, or the region).
    ///
    /// The password is sent only over `https`, or over plain `http` to a loopback address
    /// (`127.0.0.0/8`, `::1`, `localhost`: a local test server or tunnel); any other `http`
    /// URL is refused before anything is sent, unless [`PasswordAuth::allow_plaintext_http`].
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(iam_base(&url.into()));
        self.iam_endpoint_source = None;
        self
    }

    /// [`PasswordAuth::iam_endpoint`], named by where it came from (for messages).
    pub(crate) fn iam_endpoint_from(mut self, url: &str, source: String) -> Self {
        self.iam_endpoint = Some(iam_base(url));
        self.iam_endpoint_source = Some(source);
        self
    }

    /// Sends the password to a plain `http` IAM endpoint on another host too, **unencrypted**:
    /// anyone on the network path can read it. For a test installation behind a trusted
    /// network only; the command line's `--insecure-http-iam` and the chain's
    /// `CLOUDJOBS_ALLOW_HTTP_IAM=1` turn this on.
    pub fn allow_plaintext_http(mut self) -> Self {
        self.allow_plaintext_http = true;
        self
    }

    /// How the token is cached (default: refreshed 5 minutes before it expires).
    pub fn cache(mut self, options: TokenCacheOptions) -> Self {
        self.cache = options;
        self
    }

    /// The project the token is for, given the configured region.
    pub(crate) fn scope_for(&self, connection: &Connection) -> Option<ProjectScope> {
        self.scope.clone().or_else(|| {
            connection
                .region()
                .map(|r| ProjectScope::Name(r.to_owned()))
        })
    }
}

impl PasswordAuth {
    /// A key that names this credential and scope at `connection`'s IAM endpoint: a hex
    /// HMAC-SHA256, keyed by the password, of `salt`, the IAM URL, account, user and project.
    /// Two keys are equal only for the same password, so a cache keyed by it (the command
    /// line's token cache on disk) never hands a token to other credentials; with a secret
    /// random `salt` the key is no password verifier for whoever sees it. `None` when there
    /// is no project to scope to.
    pub fn cache_key(&self, connection: &Connection, salt: &[u8]) -> Option<String> {
        let scope = match self.scope_for(connection)? {
            ProjectScope::Id(id) => format!("id:{id}"),
            ProjectScope::Name(name) => format!("name:{name}"),
        };
        let iam = match &self.iam_endpoint {
            Some(url) => url.clone(),
            None => connection.endpoint_for(&IAM).unwrap_or_default(),
        };
        let domain = match &self.domain_id {
            Some(id) => format!("id:{id}"),
            None => format!("name:{}", self.domain_name),
        };
        let text = [iam.as_str(), &domain, &self.user_name, &scope].join("\n");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.password.expose().as_bytes());
        let mut context = ring::hmac::Context::with_key(&key);
        context.update(salt);
        context.update(b"\n");
        context.update(text.as_bytes());
        let tag = context.sign();
        Some(tag.as_ref().iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Auth {
    /// IAM password authentication: a project-scoped token obtained from IAM
    /// (`POST /v3/auth/tokens`), cached until shortly before it expires, refreshed once when a
    /// request is answered `401`, fetched by one request when many need it at once.
    pub fn password(credentials: PasswordAuth) -> Self {
        let options = credentials.cache.clone();
        Auth::Cached(CachedToken::new(credentials, options))
    }
}

/// IAM's endpoints, as `specs/iam-tokens.yaml` lists them (a test keeps the two the same):
/// the key of [`ConfigBuilder::endpoint`](crate::ConfigBuilder::endpoint) is
/// `iam_tokens`, like the generated IAM module's.
pub static IAM: Service = Service {
    name: "iam_tokens",
    title: "Identity and Access Management (IAM)",
    servers: &[
        Server {
            url: "https://iam.{region}.otc.t-systems.com",
            variables: &[ServerVariable {
                name: "region",
                default: "eu-de",
                allowed: &["eu-de", "eu-nl"],
            }],
        },
        Server {
            url: "https://iam-pub.eu-ch2.sc.otc.t-systems.com",
            variables: &[],
        },
        Server {
            url: "https://iam.{region}.myhuaweicloud.com",
            variables: &[ServerVariable {
                name: "region",
                default: "ap-southeast-1",
                allowed: &[],
            }],
        },
        Server {
            url: "https://iam.myhuaweicloud.com",
            variables: &[],
        },
    ],
};

/// Token creation with a password, as IAM's spec names it.
static CREATE_TOKEN: Operation = Operation {
    id: "KeystoneCreateUserTokenByPassword",
    method: reqwest::Method::POST,
    path: "/v3/auth/tokens",
    authenticated: false,
};

/// An IAM URL without the `/v3` (or `/v3/`) that identity URLs (`OS_AUTH_URL`,
/// `clouds.yaml`) are usually given with: the request path adds it.
///
/// ```
/// use cloudjobs::runtime::iam::iam_base;
///
/// assert_eq!(iam_base("https://iam.eu-de.otc.t-systems.com/v3/"), "https://iam.eu-de.otc.t-systems.com");
/// ```
pub fn iam_base(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    url.strip_suffix("/v3").unwrap_or(url).to_owned()
}

impl TokenSource for PasswordAuth {
    fn fetch<'a>(&'a self, connection: &'a Connection) -> BoxFuture<'a, Result<Token, Error>> {
        Box::pin(self.request_token(connection))
    }
}

impl PasswordAuth {
    /// `POST /v3/auth/tokens?nocatalog=true`: the token comes in the `X-Subject-Token` header;
    /// its validity (`token.issued_at`, `token.expires_at`) and project (`token.project.id`)
    /// are read from the body when it has them, and the token is used whatever else the body
    /// holds (see [`read_token`]).
    async fn request_token(&self, connection: &Connection) -> Result<Token, Error> {
        let invalid = |message: String| Error::InvalidRequest {
            operation: CREATE_TOKEN.id,
            message,
        };
        let scope = self.scope_for(connection).ok_or_else(|| {
            invalid(
                "no project to scope the token to: set PasswordAuth::project_id, \
                 PasswordAuth::project_name or ConfigBuilder::region"
                    .to_owned(),
            )
        })?;
        let client = ServiceClient::unauthenticated(connection, &IAM, self.iam_endpoint.as_deref())
            .map_err(|e| invalid(format!("IAM endpoint: {e}")))?;
        // Every route to IAM passes here: PasswordAuth::iam_endpoint (the chain's `OS_AUTH_URL`,
        // clouds.yaml, flags) or the connection's `iam_tokens` endpoint.
        if let Err(why) = check_iam_url(client.base_url(), self.allow_plaintext_http) {
            let source = match (&self.iam_endpoint, &self.iam_endpoint_source) {
                (Some(_), Some(source)) => source.as_str(),
                (Some(_), None) => "PasswordAuth::iam_endpoint",
                (None, _) => "the `iam_tokens` endpoint of the configuration",
            };
            tracing::debug!(source, "IAM endpoint refused: the password is not sent");
            return Err(invalid(format!("IAM endpoint (from {source}): {why}")));
        }
        let (id, name) = match &scope {
            ProjectScope::Id(id) => (Some(id.as_str()), None),
            ProjectScope::Name(name) => (None, Some(name.as_str())),
        };
        let body = TokenRequest {
            auth: AuthBody {
                identity: Identity {
                    methods: ["password"],
                    password: PasswordMethod {
                        user: User {
                            // By id when given, else by name.
                            domain: IdOrName {
                                id: self.domain_id.as_deref(),
                                name: self
                                    .domain_id
                                    .is_none()
                                    .then_some(self.domain_name.as_str()),
                            },
                            name: &self.user_name,
                            password: &self.password,
                        },
                    },
                },
                scope: Scope {
                    project: IdOrName { id, name },
                },
            },
        };
        let mut request = Request::new(&CREATE_TOKEN, CREATE_TOKEN.path.to_owned());
        request.query("nocatalog", "true", QueryStyle::Form);
        request.json(&body);
        // The project and the endpoint, never the password (nor the user: the request
        // span and the IAM answer identify the call well enough).
        tracing::debug!(
            endpoint = %redact_url(client.base_url()),
            scope = if id.is_some() { "project_id" } else { "project_name" },
            project = id.or(name),
            "requesting an IAM token (password)"
        );
        let response = client.execute(request).await?;
        if !response.status().is_success() {
            tracing::debug!(
                status = response.code(),
                request_id = response.request_id(),
                "IAM refused the token request"
            );
            return response.unexpected();
        }
        let token = read_token(
            response.header("X-Subject-Token"),
            response.body(),
            |message| response.decode_error("X-Subject-Token (header)", message),
        )?;
        tracing::debug!(
            status = response.code(),
            request_id = response.request_id(),
            validity = match (token.lifetime(), token.expires_at()) {
                (Some(_), _) => "body: expires_at - issued_at",
                (None, Some(_)) => "body: expires_at",
                (None, None) => "default lifetime (the body has no expiry)",
            },
            lifetime = ?token.lifetime(),
            project_id = token.project_id(),
            "IAM token received"
        );
        Ok(token)
    }
}

/// The token of a successful IAM answer: the `X-Subject-Token` header (required), and from
/// the body, when it is JSON with them, `token.issued_at` and `token.expires_at` (the lifetime
/// is their difference, so the local clock does not matter) and `token.project.id`. A body
/// without them (empty, `{}`, another shape) still gives the token, kept for
/// [`TokenCacheOptions::default_lifetime`].
pub(crate) fn read_token(
    header: Option<&str>,
    body: &[u8],
    missing: impl FnOnce(String) -> Error,
) -> Result<Token, Error> {
    let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) else {
        return Err(missing(
            "the response has no X-Subject-Token header".to_owned(),
        ));
    };
    let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let info = &body["token"];
    let time = |key: &str| match &info[key] {
        serde_json::Value::Null => None,
        v => serde_json::from_value::<Timestamp>(v.clone())
            .ok()?
            .to_system_time(),
    };
    let token = match (time("issued_at"), time("expires_at")) {
        // Both by IAM's clock: the lifetime does not depend on the local clock.
        (Some(issued), Some(expires)) if expires > issued => {
            Token::with_lifetime(value, expires.duration_since(issued).unwrap_or_default())
        }
        (_, expires) => Token::new(value, expires),
    };
    let project = info["project"]["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    Ok(match project {
        Some(id) => token.for_project(id),
        None => token,
    })
}

/// The request body: `{"auth": {"identity": {...}, "scope": {"project": {...}}}}`, borrowing
/// the credentials (the password is not copied before it is serialized).
#[derive(Serialize)]
struct TokenRequest<'a> {
    auth: AuthBody<'a>,
}

#[derive(Serialize)]
struct AuthBody<'a> {
    identity: Identity<'a>,
    scope: Scope<'a>,
}

#[derive(Serialize)]
struct Identity<'a> {
    methods: [&'static str; 1],
    password: PasswordMethod<'a>,
}

#[derive(Serialize)]
struct PasswordMethod<'a> {
    user: User<'a>,
}

#[derive(Serialize)]
struct User<'a> {
    domain: IdOrName<'a>,
    name: &'a str,
    password: &'a Secret,
}

/// An account (domain) or project, by id or by name.
#[derive(Serialize)]
struct IdOrName<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Scope<'a> {
    project: IdOrName<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn read(header: Option<&str>, body: &str) -> Result<Token, Error> {
        read_token(header, body.as_bytes(), |message| Error::InvalidRequest {
            operation: "T",
            message,
        })
    }

    #[test]
    fn the_token_is_the_header_whatever_the_body() {
        for body in [
            "",
            "{}",
            "[]",
            "null",
            "not json",
            r#"{"token": 5}"#,
            r#"{"token": {}}"#,
        ] {
            let token = read(Some("tok"), body).unwrap();
            assert_eq!(token.value().expose(), "tok", "{body}");
            assert_eq!(token.expires_at(), None, "{body}");
        }
        let full = r#"{"token": {"issued_at": "2024-01-01T00:00:00.000000Z",
            "expires_at": "2024-01-02T00:00:00.000000Z", "project": {"id": "p-1"}}}"#;
        let token = read(Some("tok"), full).unwrap();
        assert_eq!(token.lifetime(), Some(Duration::from_secs(86_400)));
        assert_eq!(token.project_id(), Some("p-1"));
        let only_expiry = r#"{"token": {"expires_at": "2024-01-02T00:00:00Z"}}"#;
        let token = read(Some("tok"), only_expiry).unwrap();
        assert_eq!(
            token.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_704_153_600))
        );
    }

    #[test]
    fn debug_hides_the_password_and_userinfo() {
        let auth = PasswordAuth::new("dom", "user", "pw-SECRET")
            .iam_endpoint("https://u:url-SECRET@iam.example/v3");
        let debug = format!("{auth:?}");
        assert!(
            !debug.contains("SECRET") && debug.contains("iam.example"),
            "{debug}"
        );
    }

    #[test]
    fn a_missing_or_empty_header_is_an_error() {
        for header in [None, Some(""), Some("  ")] {
            let e = read(header, "{}").unwrap_err();
            assert!(e.to_string().contains("X-Subject-Token"), "{e}");
        }
    }

    /// Before the fix a password went to any `http` IAM URL in clear.
    #[test]
    fn plain_http_iam_urls_are_refused_except_on_loopback() {
        for url in [
            "http://127.0.0.1:8080/v3",
            "http://127.5.6.7",
            "http://[::1]:9/v3",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:1",
            "http://LOCALHOST",
            "https://iam.example.invalid/v3",
        ] {
            assert_eq!(check_iam_url(url, false), Ok(()), "{url}");
        }
        for url in [
            "http://iam.example.invalid/v3",
            "http://localhost.evil.example/",
            "http://127.0.0.1.evil.example/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://u:url-SECRET@iam.example.invalid",
        ] {
            let e = check_iam_url(url, false).unwrap_err();
            assert!(
                e.contains("plain http") && !e.contains("SECRET"),
                "{url}: {e}"
            );
            assert_eq!(check_iam_url(url, true), Ok(()), "{url}");
        }
        for url in ["ftp://iam.example", "iam.example/v3", "", "file:///etc/x"] {
            let e = check_iam_url(url, true).unwrap_err();
            assert!(e.contains("not an http(s) URL"), "{url}: {e}");
        }
    }

    #[test]
    fn iam_urls_are_taken_with_or_without_v3() {
        for url in [
            "https://iam.example",
            "https://iam.example/",
            "https://iam.example/v3",
            "https://iam.example/v3/",
            " https://iam.example/v3 ",
        ] {
            assert_eq!(iam_base(url), "https://iam.example", "{url}");
        }
        assert_eq!(iam_base("https://h/identity/v3"), "https://h/identity");
    }

    #[test]
    fn the_body_names_the_scope_and_carries_the_password() {
        let auth = PasswordAuth::new("dom", "user", "pw").project_name("eu-de");
        let scope = auth.scope.clone().unwrap();
        let ProjectScope::Name(name) = &scope else {
            unreachable!()
        };
        let body = TokenRequest {
            auth: AuthBody {
                identity: Identity {
                    methods: ["password"],
                    password: PasswordMethod {
                        user: User {
                            domain: IdOrName {
                                id: None,
                                name: Some("dom"),
                            },
                            name: "user",
                            password: &auth.password,
                        },
                    },
                },
                scope: Scope {
                    project: IdOrName {
                        id: None,
                        name: Some(name),
                    },
                },
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "domain": {"name": "dom"}, "name": "user", "password": "pw"}}},
                "scope": {"project": {"name": "eu-de"}}}})
        );
    }
}
