//! Credentials and settings where users already keep them, in one documented order (the
//! same for [`Config::from_env`] and the `cloudjobs` command line):
//!
//! 1. explicit values ([`Chain::explicit`]: a program's own settings, the command line's
//!    flags);
//! 2. environment variables: `OS_*` (OpenStack and Open Telekom Cloud tools) and
//!    `HUAWEICLOUD_SDK_*` (Huawei Cloud SDKs), listed in [`vars`];
//! 3. `clouds.yaml`, as the OpenStack tools, the Open Telekom Cloud Terraform provider and
//!    gophertelekomcloud read it: the cloud named by `OS_CLOUD` (or [`Chain::cloud`]), from
//!    `OS_CLIENT_CONFIG_FILE` or the first of `./clouds.yaml`,
//!    `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`, with the `secure.yaml`
//!    (or `secure.yml`) of the same folder merged over it. Only that folder's: a
//!    `./clouds.yaml` in a cloned repository never gets the password of
//!    `~/.config/openstack/secure.yaml`, to send it to an `auth_url` of its own. Files are
//!    read only when they are regular files of at most 1 MiB, YAML nested at most 64 levels
//!    deep with at most 100,000 values (aliases counted expanded);
//! 4. the Huawei Cloud SDK credentials file (`HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
//!    `~/.huaweicloud/credentials`, INI, section `[basic]`);
//! 5. the instance metadata service of an ECS with an agency: temporary AK/SK and security
//!    token from `http://169.254.169.254/openstack/latest/securitykey`, refreshed before they
//!    expire ([`vars::METADATA_URL`] moves or turns it off).
//!
//! Settings (region, project, domain, IAM endpoint) are taken field by field, the first
//! source that sets one wins. The credential comes whole from the first source that has any
//! part of one: a token, else an access key and secret key, else a user name and password;
//! an incomplete one is an error naming the source and the missing key, never a silent skip.
//! A file that cannot be read as its format is an error naming the file and the key; so is an
//! IAM URL (`OS_AUTH_URL`, `auth_url`, `iam_endpoint`) that is not an `http(s)` URL.
//!
//! A password is sent only to an `https` IAM URL, or a plain `http` one on this machine
//! (`127.0.0.0/8`, `::1`, `localhost`); any other `http` IAM URL is an error naming where it
//! came from, before anything is sent, unless `CLOUDJOBS_ALLOW_HTTP_IAM=1` (or
//! [`Chain::allow_plaintext_http_iam`]) allows it, unencrypted.
//!
//! Every source tried is recorded in [`Resolved::trail`] (and traced), with why it was
//! skipped or what it gave; never a secret.

mod clouds;
mod env;
mod files;
mod metadata;
mod profile_file;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use env::{is_yes, vars};
pub use metadata::InstanceMetadata;

use super::auth::{AkSk, Auth};
use super::config::{Config, ConfigBuilder};
use super::connection::{self, Connection, Tls};
use super::error::OneLine;
use super::iam::{PasswordAuth, ProjectScope, check_iam_url};
use super::secret::{Secret, redact_url};

/// Settings and credential parts, as one source gives them (every field optional).
///
/// `Debug` never shows a secret.
#[derive(Clone, Default)]
pub struct Profile {
    /// Region (such as `eu-de`).
    pub region: Option<String>,
    /// Project id.
    pub project_id: Option<String>,
    /// Project name (the scope of an IAM password token).
    pub project_name: Option<String>,
    /// The user's account (domain) name.
    pub domain_name: Option<String>,
    /// The account (domain) id.
    pub domain_id: Option<String>,
    /// IAM endpoint, with or without `/v3`.
    pub auth_url: Option<String>,
    /// A token.
    pub token: Option<Secret>,
    /// IAM user name.
    pub user_name: Option<String>,
    /// IAM password.
    pub password: Option<Secret>,
    /// Access key id.
    pub access_key: Option<String>,
    /// Secret access key.
    pub secret_key: Option<Secret>,
    /// Security token of temporary AK/SK.
    pub security_token: Option<Secret>,
    /// A PEM bundle of the CA certificates to trust instead of the system's (`OS_CACERT`,
    /// `cacert` in `clouds.yaml`), as the OpenStack tools read it.
    pub ca_file: Option<String>,
    /// `true`: check no TLS certificate (`OS_INSECURE`, `insecure: true` or `verify: false` in
    /// `clouds.yaml`; see [`Tls::insecure`]).
    pub insecure: Option<bool>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("domain_name", &self.domain_name)
            .field("domain_id", &self.domain_id)
            .field("auth_url", &self.auth_url.as_deref().map(redact_url))
            .field("token", &self.token)
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("security_token", &self.security_token)
            .field("ca_file", &self.ca_file)
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl Profile {
    /// Fills each unset setting from `other` (credential parts are not merged). A project and
    /// an account are each one setting, by id or by name: the first source that names one
    /// decides it, so `--project-name prod` is not overridden by an `OS_PROJECT_ID` of
    /// another project. With `credential_bound`, the settings that say where and as whom a
    /// credential is used (the IAM URL, the account) are filled too; the chain passes it only
    /// for sources up to the one the credential comes from, so a password is never sent to
    /// an IAM URL from a source of lower priority than its own.
    fn fill_settings_from(&mut self, other: &Profile, credential_bound: bool) {
        fn fill(slot: &mut Option<String>, from: &Option<String>) {
            if slot.is_none() {
                slot.clone_from(from);
            }
        }
        fill(&mut self.region, &other.region);
        fill(&mut self.ca_file, &other.ca_file);
        if self.insecure.is_none() {
            self.insecure = other.insecure;
        }
        if self.project_id.is_none() && self.project_name.is_none() {
            self.project_id.clone_from(&other.project_id);
            self.project_name.clone_from(&other.project_name);
        }
        if credential_bound {
            if self.domain_id.is_none() && self.domain_name.is_none() {
                self.domain_id.clone_from(&other.domain_id);
                self.domain_name.clone_from(&other.domain_name);
            }
            fill(&mut self.auth_url, &other.auth_url);
        }
    }
}

/// How requests are authenticated, as the chain found it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credential {
    /// A token, sent as `X-Auth-Token`.
    Token(Secret),
    /// Access key and secret key (and a security token for temporary ones).
    AkSk {
        /// Access key id.
        access_key: String,
        /// Secret access key.
        secret_key: Secret,
        /// Security token of temporary keys.
        security_token: Option<Secret>,
    },
    /// IAM user name and password (the account comes from the settings).
    Password {
        /// IAM user name.
        user_name: String,
        /// IAM password.
        password: Secret,
    },
    /// Temporary AK/SK from the instance metadata service.
    InstanceMetadata(InstanceMetadata),
}

impl Credential {
    /// A short name for messages and traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Token(_) => "token",
            Credential::AkSk { .. } => "AK/SK",
            Credential::Password { .. } => "IAM password",
            Credential::InstanceMetadata(_) => "instance metadata AK/SK",
        }
    }
}

/// Why the chain could not resolve: a malformed file (named with the key), an incomplete
/// credential (named with the source and what is missing), or no credential anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialError {
    /// The file at fault, when a file is.
    pub file: Option<PathBuf>,
    /// The key at fault (`clouds.otc.auth.password`, `[basic] sk`, `OS_PASSWORD`), if any.
    pub key: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl CredentialError {
    fn new(file: Option<&Path>, key: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            file: file.map(Path::to_owned),
            key: key.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for CredentialError {}

/// What one source gave.
pub(crate) struct Found {
    profile: Profile,
    source: String,
    file: Option<PathBuf>,
    names: KeyNames,
}

/// How a source names the credential parts, for messages about a missing one.
pub(crate) struct KeyNames {
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
    pub(crate) user_name: String,
    pub(crate) password: String,
    pub(crate) auth_url: String,
}

impl KeyNames {
    fn plain() -> Self {
        Self {
            access_key: "access key".into(),
            secret_key: "secret key".into(),
            user_name: "user name".into(),
            password: "password".into(),
            auth_url: "auth_url".into(),
        }
    }
}

impl Found {
    pub(crate) fn new(profile: Profile, source: &str, file: Option<&Path>) -> Self {
        Self {
            profile,
            source: source.to_owned(),
            file: file.map(Path::to_owned),
            names: KeyNames::plain(),
        }
    }

    /// The same, with the source's own names for the credential parts.
    pub(crate) fn named(mut self, names: KeyNames) -> Self {
        self.names = names;
        self
    }

    /// Where this source's IAM URL is set, for messages: the source and its key.
    fn auth_url_origin(&self) -> String {
        format!("{}, {}", self.source, self.names.auth_url)
    }

    /// This source's IAM URL, if it sets one, must be an `http(s)` URL with a host (whether
    /// or not a password goes to it). The value is not quoted: the file shows it.
    fn check_auth_url(&self) -> Result<(), CredentialError> {
        let Some(url) = &self.profile.auth_url else {
            return Ok(());
        };
        match reqwest::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
            _ => Err(CredentialError::new(
                self.file.as_deref(),
                Some(&self.names.auth_url),
                format!(
                    "is not an http(s) URL (such as https://iam.eu-de.otc.t-systems.com/v3; in \
                     {})",
                    self.source
                ),
            )),
        }
    }

    /// The complete credential of this source, if it has one.
    fn credential(&self) -> Result<Option<Credential>, CredentialError> {
        let p = &self.profile;
        let missing = |key: &str, what: &str| {
            CredentialError::new(
                self.file.as_deref(),
                Some(key),
                format!("{what} (in {})", self.source),
            )
        };
        if let Some(token) = &p.token {
            return Ok(Some(Credential::Token(token.clone())));
        }
        match (&p.access_key, &p.secret_key) {
            (Some(ak), Some(sk)) => {
                return Ok(Some(Credential::AkSk {
                    access_key: ak.clone(),
                    secret_key: sk.clone(),
                    security_token: p.security_token.clone(),
                }));
            }
            (Some(_), None) => {
                return Err(missing(
                    &self.names.secret_key,
                    "an access key but no secret key",
                ));
            }
            (None, Some(_)) => {
                return Err(missing(
                    &self.names.access_key,
                    "a secret key but no access key",
                ));
            }
            (None, None) => {}
        }
        match (&p.user_name, &p.password) {
            (Some(user), Some(password)) => Ok(Some(Credential::Password {
                user_name: user.clone(),
                password: password.clone(),
            })),
            (Some(_), None) => Err(missing(&self.names.password, "a user name but no password")),
            (None, Some(_)) => Err(missing(
                &self.names.user_name,
                "a password but no user name",
            )),
            (None, None) => Ok(None),
        }
    }
}

/// The outcome of [`Chain::resolve`]: the merged settings, the credential, and how they were
/// found.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The settings, merged in the chain's order (credential parts left out).
    pub settings: Profile,
    /// The credential.
    pub credential: Credential,
    /// The source the credential came from (`environment`, `clouds.yaml (cloud otc)`, ...).
    pub source: String,
    /// Every source tried, in order, with what came of it (no secrets).
    pub trail: Vec<String>,
    /// Where `settings.auth_url` came from (source and key), for messages.
    auth_url_origin: Option<String>,
    /// Whether a password may go to a plain `http` IAM URL on another host.
    allow_plaintext_http_iam: bool,
    /// Which server certificates are trusted (`settings.ca_file`, `settings.insecure`).
    tls: Tls,
    /// An HTTP client trusting them, when they are not the default.
    http: Option<reqwest::Client>,
}

impl Resolved {
    /// The authentication for the project `scope` names (the settings' project id, else
    /// name, else the region's default project when `None`).
    pub fn auth(&self, scope: Option<ProjectScope>) -> Auth {
        let s = &self.settings;
        let scope = scope.or_else(|| self.default_scope());
        match &self.credential {
            Credential::Token(token) => Auth::token(token.clone()),
            Credential::AkSk {
                access_key,
                secret_key,
                security_token,
            } => {
                let mut aksk = AkSk::new(access_key, secret_key.clone());
                if let Some(token) = security_token {
                    aksk = aksk.security_token(token.clone());
                }
                Auth::aksk(with_scope(aksk, s, scope.as_ref()))
            }
            Credential::InstanceMetadata(source) => Auth::aksk(with_scope(
                AkSk::temporary(source.clone()),
                s,
                scope.as_ref(),
            )),
            Credential::Password {
                user_name,
                password,
            } => Auth::password(self.password_with(user_name, password, scope)),
        }
    }

    /// The IAM password credentials for the project `scope` names (as [`Resolved::auth`]),
    /// when the credential is a password: to cache its tokens elsewhere, say.
    pub fn password_auth(&self, scope: Option<ProjectScope>) -> Option<PasswordAuth> {
        match &self.credential {
            Credential::Password {
                user_name,
                password,
            } => Some(self.password_with(
                user_name,
                password,
                scope.or_else(|| self.default_scope()),
            )),
            _ => None,
        }
    }

    /// A user's password with the settings' account and IAM URL, scoped to `scope`.
    fn password_with(
        &self,
        user_name: &str,
        password: &Secret,
        scope: Option<ProjectScope>,
    ) -> PasswordAuth {
        let s = &self.settings;
        let mut auth = PasswordAuth::new(
            s.domain_name.clone().unwrap_or_default(),
            user_name,
            password.clone(),
        );
        if let Some(id) = &s.domain_id {
            auth = auth.domain_id(id);
        }
        auth = match scope {
            Some(ProjectScope::Id(id)) => auth.project_id(id),
            Some(ProjectScope::Name(name)) => auth.project_name(name),
            _ => auth,
        };
        if let Some(url) = &s.auth_url {
            let origin = self
                .auth_url_origin
                .clone()
                .unwrap_or_else(|| "the settings".to_owned());
            auth = auth.iam_endpoint_from(url, origin);
        }
        if self.allow_plaintext_http_iam {
            auth = auth.allow_plaintext_http();
        }
        auth
    }

    /// The settings' project: by id, else by name.
    fn default_scope(&self) -> Option<ProjectScope> {
        let s = &self.settings;
        match (&s.project_id, &s.project_name) {
            (Some(id), _) => Some(ProjectScope::Id(id.clone())),
            (None, Some(name)) => Some(ProjectScope::Name(name.clone())),
            _ => None,
        }
    }

    /// Which server certificates the settings trust: the system's, only those of
    /// `ca_file`, or none checked (`insecure`, which wins over `ca_file`, as with the
    /// OpenStack tools).
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// An HTTP client that trusts what [`Resolved::tls`] says, when that is not the default
    /// (for [`ConfigBuilder::http_client`]).
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http.as_ref()
    }

    /// A configuration builder with the region, the authentication and, when the settings
    /// name a CA file or turn verification off, an HTTP client that does so (then
    /// [`ConfigBuilder::connect_timeout`] no longer applies: it is 10 s).
    pub fn config_builder(&self) -> ConfigBuilder {
        let mut builder = Config::builder().auth(self.auth(None));
        if let Some(region) = &self.settings.region {
            builder = builder.region(region);
        }
        if let Some(http) = &self.http {
            builder = builder.http_client(http.clone());
        }
        builder
    }
}

/// AK/SK signs requests for a project id (`X-Project-Id`) and an account (`X-Domain-Id`).
fn with_scope(aksk: AkSk, settings: &Profile, scope: Option<&ProjectScope>) -> AkSk {
    let aksk = match scope {
        Some(ProjectScope::Id(id)) => aksk.project_id(id),
        _ => aksk,
    };
    match &settings.domain_id {
        Some(id) if scope.is_none() => aksk.domain_id(id),
        _ => aksk,
    }
}

/// The credential chain: where credentials and settings are looked for, in order (see the
/// module documentation).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use cloudjobs::runtime::credentials::Chain;
///
/// let resolved = Chain::from_process().cloud("otc").resolve().await?;
/// println!("credentials from {}", resolved.source);
/// let config = resolved.config_builder().build()?;
/// # let _ = config; Ok(()) }
/// ```
pub struct Chain {
    lookup: Box<Lookup>,
    explicit: Profile,
    cloud: Option<String>,
    home: Option<PathBuf>,
    current_dir: Option<PathBuf>,
    system_dir: PathBuf,
    metadata: Option<String>,
    allow_plaintext_http_iam: bool,
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("explicit", &self.explicit)
            .field("cloud", &self.cloud)
            .field("home", &self.home)
            .field("current_dir", &self.current_dir)
            .field("metadata", &self.metadata.as_deref().map(redact_url))
            .field("allow_plaintext_http_iam", &self.allow_plaintext_http_iam)
            .finish_non_exhaustive()
    }
}

/// An environment, as a lookup of variables.
pub type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// One source of the chain, read (files) or looked up (variables).
type Source = fn(&Chain) -> Result<Option<Found>, CredentialError>;

/// The instance metadata service's address on Huawei Cloud and Open Telekom Cloud ECS.
pub const DEFAULT_METADATA_URL: &str = "http://169.254.169.254";

impl Chain {
    /// The chain over this process: its environment, `$HOME`, its current directory and
    /// `/etc/openstack`.
    pub fn from_process() -> Self {
        Self::with_env(|name| std::env::var(name).ok())
            .current_dir(std::env::current_dir().unwrap_or_default())
    }

    /// The chain over an environment given as a lookup (tests, or a program's own settings
    /// store); the home directory is its `HOME`, there is no current directory until
    /// [`Chain::current_dir`] sets one.
    pub fn with_env(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        let home = lookup("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let metadata = match env::first(&lookup, vars::METADATA_URL) {
            Some((_, v)) if v.trim().eq_ignore_ascii_case("off") => None,
            Some((_, v)) => Some(v.trim().to_owned()),
            None => Some(DEFAULT_METADATA_URL.to_owned()),
        };
        let cloud = env::first(&lookup, vars::CLOUD).map(|(_, v)| v.trim().to_owned());
        let allow_plaintext_http_iam =
            env::first(&lookup, vars::ALLOW_HTTP_IAM).is_some_and(|(_, v)| env::is_yes(&v));
        Self {
            lookup: Box::new(lookup),
            explicit: Profile::default(),
            cloud,
            home,
            current_dir: None,
            system_dir: PathBuf::from("/etc/openstack"),
            metadata,
            allow_plaintext_http_iam,
        }
    }

    /// Explicit settings and credentials: they win over every source.
    pub fn explicit(mut self, profile: Profile) -> Self {
        self.explicit = profile;
        self
    }

    /// The cloud of `clouds.yaml` to use (instead of `OS_CLOUD`).
    pub fn cloud(mut self, name: impl Into<String>) -> Self {
        self.cloud = Some(name.into());
        self
    }

    /// The home directory (`~/.config/openstack/`, `~/.huaweicloud/`).
    pub fn home(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home = Some(dir.into());
        self
    }

    /// The current directory (`./clouds.yaml`).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// The system-wide OpenStack configuration directory (default `/etc/openstack`).
    pub fn system_config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.system_dir = dir.into();
        self
    }

    /// The instance metadata service's address (for a test server), or `None` to skip it.
    pub fn metadata(mut self, url: Option<String>) -> Self {
        self.metadata = url;
        self
    }

    /// Lets a password go to a plain `http` IAM URL on any host, **unencrypted** (default: only
    /// `https`, or `http` to `127.0.0.0/8`, `::1`, `localhost`; `CLOUDJOBS_ALLOW_HTTP_IAM=1`
    /// sets it too). See [`PasswordAuth::allow_plaintext_http`].
    pub fn allow_plaintext_http_iam(mut self, allow: bool) -> Self {
        self.allow_plaintext_http_iam = allow;
        self
    }

    /// Whether [`Chain::allow_plaintext_http_iam`] (or `CLOUDJOBS_ALLOW_HTTP_IAM`) allows it.
    pub fn allows_plaintext_http_iam(&self) -> bool {
        self.allow_plaintext_http_iam
    }

    fn var(&self, names: &[&str]) -> Option<String> {
        env::first(&self.lookup, names).map(|(_, v)| v.trim().to_owned())
    }

    /// Looks through the sources in order; the instance metadata service is asked (with
    /// `connection`'s HTTP client) only when no other source has a credential.
    pub async fn resolve_with(&self, connection: &Connection) -> Result<Resolved, CredentialError> {
        let mut trail = Vec::new();
        let mut settings = Profile::default();
        let mut chosen: Option<(Credential, String)> = None;
        let mut auth_url_origin: Option<(Option<PathBuf>, String, String)> = None;
        let sources: [Source; 4] = [
            |c| {
                Ok(Some(Found::new(
                    c.explicit.clone(),
                    "explicit settings",
                    None,
                )))
            },
            |c| env::read(&c.lookup).map(Some),
            clouds::read,
            profile_file::read,
        ];
        for source in sources {
            let Some(found) = source(self)? else {
                continue;
            };
            found.check_auth_url()?;
            if chosen.is_none() && settings.auth_url.is_none() && found.profile.auth_url.is_some() {
                auth_url_origin = Some((
                    found.file.clone(),
                    found.names.auth_url.clone(),
                    found.auth_url_origin(),
                ));
            }
            settings.fill_settings_from(&found.profile, chosen.is_none());
            if chosen.is_some() {
                trail.push(format!(
                    "{}: settings only (a credential was found before)",
                    found.source
                ));
                continue;
            }
            match found.credential()? {
                Some(credential) => {
                    trail.push(format!("{}: {} (used)", found.source, credential.kind()));
                    chosen = Some((credential, found.source));
                }
                None => trail.push(format!("{}: no credential", found.source)),
            }
        }
        if chosen.is_none() {
            chosen = self.metadata_credential(connection, &mut trail).await;
        }
        let Some((credential, source)) = chosen else {
            return Err(self.no_credentials(&trail));
        };
        if matches!(credential, Credential::Password { .. })
            && settings.domain_name.is_none()
            && settings.domain_id.is_none()
        {
            return Err(CredentialError::new(
                None,
                Some("domain"),
                format!(
                    "IAM password authentication ({source}) needs the account (domain) name: set \
                     OS_USER_DOMAIN_NAME, or user_domain_name in clouds.yaml"
                ),
            ));
        }
        // The password's IAM URL, checked before anything is sent (the token request checks
        // it again, whatever set it).
        if let (Credential::Password { .. }, Some(url), Some((file, key, origin))) =
            (&credential, &settings.auth_url, &auth_url_origin)
            && let Err(why) = check_iam_url(url, self.allow_plaintext_http_iam)
        {
            return Err(CredentialError::new(
                file.as_deref(),
                Some(key),
                format!("IAM URL for the password of {source} (from {origin}): {why}"),
            ));
        }
        for step in &trail {
            tracing::debug!(step = %OneLine(step), "credential source tried");
        }
        tracing::info!(
            source = %source,
            credential = credential.kind(),
            "credentials chosen"
        );
        let (tls, http) = tls_of(&settings)?;
        Ok(Resolved {
            settings,
            credential,
            source,
            trail,
            auth_url_origin: auth_url_origin.map(|(_, _, origin)| origin),
            allow_plaintext_http_iam: self.allow_plaintext_http_iam,
            tls,
            http,
        })
    }

    /// The instance metadata service's temporary AK/SK, when it is asked and answers.
    async fn metadata_credential(
        &self,
        connection: &Connection,
        trail: &mut Vec<String>,
    ) -> Option<(Credential, String)> {
        let Some(url) = &self.metadata else {
            trail.push("instance metadata: turned off".to_owned());
            return None;
        };
        match InstanceMetadata::probe(url, connection).await {
            Ok(source) => {
                let name = format!("instance metadata ({})", redact_url(url));
                trail.push(format!("{name}: temporary AK/SK (used)"));
                Some((Credential::InstanceMetadata(source), name))
            }
            Err(why) => {
                trail.push(format!("instance metadata ({}): {why}", redact_url(url)));
                None
            }
        }
    }

    /// The error when no source has a credential: what was tried, what to set, and a
    /// `clouds.yaml` that was not read for want of a cloud name.
    fn no_credentials(&self, trail: &[String]) -> CredentialError {
        tracing::info!(tried = %OneLine(trail.join("; ")), "no credentials found");
        let unchosen = clouds::unchosen(self)
            .map(|why| format!(" Note: {why}."))
            .unwrap_or_default();
        CredentialError::new(
            None,
            None,
            format!(
                "no credentials found; tried {}. Set OS_AUTH_TOKEN, or HUAWEICLOUD_SDK_AK and \
                 HUAWEICLOUD_SDK_SK, or OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME, or \
                 OS_CLOUD with a clouds.yaml.{unchosen}",
                trail.join("; ")
            ),
        )
    }

    /// [`Chain::resolve_with`] with a default connection (for the metadata request).
    pub async fn resolve(&self) -> Result<Resolved, CredentialError> {
        let connection = Config::builder()
            .connect_timeout(std::time::Duration::from_secs(2))
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| CredentialError::new(None, None, e.to_string()))?;
        self.resolve_with(connection.connection()).await
    }
}

/// The TLS settings of `settings`, checked (the CA file read), with a client trusting them
/// when they are not the default.
fn tls_of(settings: &Profile) -> Result<(Tls, Option<reqwest::Client>), CredentialError> {
    let tls = match (settings.insecure, &settings.ca_file) {
        (Some(true), _) => {
            tracing::warn!(
                "TLS certificate verification is turned off (OS_INSECURE, insecure: true or \
                 verify: false)"
            );
            Tls::insecure()
        }
        (_, Some(file)) => Tls::ca_file(file).map_err(|e| {
            CredentialError::new(
                None,
                Some("OS_CACERT / cacert"),
                format!("{e} (the CA certificates to trust)"),
            )
        })?,
        _ => Tls::default(),
    };
    if tls.is_default() {
        return Ok((tls, None));
    }
    let http = connection::http_client(&tls)
        .map_err(|e| CredentialError::new(None, None, e.to_string()))?;
    Ok((tls, Some(http)))
}

impl Config {
    /// A configuration from where users keep their settings: the environment, `clouds.yaml`,
    /// the Huawei Cloud SDK credentials file, the instance metadata service, in that order
    /// (see [`crate::credentials`]).
    ///
    /// `CLOUDJOBS_ENDPOINT` names the URL of one job API, so it needs the service it is for,
    /// and the project id is a setting, not part of a configuration:
    /// [`Config::from_env_resolved`] gives both.
    pub async fn from_env() -> Result<Config, CredentialError> {
        Ok(Config::from_env_resolved().await?.config)
    }

    /// [`Config::from_env`] with the settings it was made from: the project id, the region,
    /// `CLOUDJOBS_ENDPOINT` (applied by [`FromEnv::config_for`]), and the whole
    /// [`Resolved`], read in the order the `cloudjobs` command line reads them.
    pub async fn from_env_resolved() -> Result<FromEnv, CredentialError> {
        Chain::from_process().resolve_config().await
    }
}

/// A configuration with the settings it was made from ([`Config::from_env_resolved`],
/// [`Chain::resolve_config`]).
#[derive(Debug, Clone)]
pub struct FromEnv {
    /// The configuration ([`Config::from_env`]'s), without `CLOUDJOBS_ENDPOINT`.
    pub config: Config,
    /// The settings and the credential, as the chain found them.
    pub resolved: Resolved,
    /// `CLOUDJOBS_ENDPOINT`: the URL of the job API to call instead of the one made from the
    /// region.
    pub endpoint: Option<String>,
}

impl FromEnv {
    /// The project id (`OS_PROJECT_ID`, `HUAWEICLOUD_SDK_PROJECT_ID`, `clouds.yaml`'s
    /// `project_id`, the credentials file's `project_id`). With only a project name, IAM says
    /// the id: [`crate::CachedToken::current`] gives a token whose `project_id` it is.
    pub fn project_id(&self) -> Option<&str> {
        self.resolved.settings.project_id.as_deref()
    }

    /// The region (`OS_REGION_NAME`, `clouds.yaml`'s `region_name`).
    pub fn region(&self) -> Option<&str> {
        self.resolved.settings.region.as_deref()
    }

    /// The configuration for the service of module `module` (such as `"otc_ims_jobs"`, a
    /// registry entry's `module`): [`FromEnv::config`] with `CLOUDJOBS_ENDPOINT`, when set,
    /// as that service's endpoint; the authentication (and its token cache) and the rate
    /// limit are shared with it.
    ///
    /// # Errors
    ///
    /// When `CLOUDJOBS_ENDPOINT` is not an `http` or `https` URL.
    pub fn config_for(&self, module: &str) -> Result<Config, CredentialError> {
        let Some(url) = &self.endpoint else {
            return Ok(self.config.clone());
        };
        self.resolved
            .config_builder()
            .auth(self.config.auth().clone())
            .rate_limit(self.config.rate_limit().clone())
            .endpoint(module, url)
            .build()
            .map_err(|e| CredentialError::new(None, Some("CLOUDJOBS_ENDPOINT"), e.to_string()))
    }
}

impl Chain {
    /// [`Chain::resolve`], then the configuration, with the endpoint of `CLOUDJOBS_ENDPOINT`
    /// (looked up as the chain looks up variables).
    ///
    /// # Errors
    ///
    /// What [`Chain::resolve`] returns, or the configuration's error.
    pub async fn resolve_config(self) -> Result<FromEnv, CredentialError> {
        let endpoint = (self.lookup)("CLOUDJOBS_ENDPOINT").filter(|v| !v.trim().is_empty());
        let resolved = self.resolve().await?;
        let config = resolved
            .config_builder()
            .build()
            .map_err(|e| CredentialError::new(None, None, e.to_string()))?;
        Ok(FromEnv {
            config,
            resolved,
            endpoint,
        })
    }
}

/// The fuzz target `clouds_yaml` (see [`crate::fuzzing::clouds_yaml`]): the cloud
/// `otc` of `clouds` (as `fuzz/clouds.yaml`) with `secure` (as `fuzz/secure.yaml`) merged
/// over it, checked as the chain checks a source.
pub(crate) fn clouds_yaml_for_fuzzing(
    clouds: &str,
    secure: Option<&str>,
) -> Result<(Profile, Option<Credential>), CredentialError> {
    let file = Path::new("fuzz/clouds.yaml");
    let secure = secure.map(|text| (text, Path::new("fuzz/secure.yaml")));
    let profile = clouds::from_text(clouds, file, secure, "otc")?;
    let found = clouds::found_for(profile, file, "otc");
    found.check_auth_url()?;
    let credential = found.credential()?;
    Ok((found.profile, credential))
}
