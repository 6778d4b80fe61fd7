//! How the services are reached: endpoints (built from the region, or explicit), the HTTP
//! client, timeouts, retries and limits. Plain data, shared by every client made from one
//! [`Config`](super::Config), which is a `Connection` plus authentication.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::catalog::Catalog;
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
    /// Credentials may go over plain `http` to hosts other than this machine
    /// ([`ConfigBuilder::allow_plaintext_http`](crate::ConfigBuilder::allow_plaintext_http)).
    pub(crate) allow_plaintext_http: bool,
    /// Where IAM says the services are, for regions no spec server names
    /// ([`Connection::with_catalog`]).
    pub(crate) catalog: Option<Arc<Catalog>>,
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
            .field("allow_plaintext_http", &s.allow_plaintext_http)
            .field(
                "catalog_endpoints",
                &s.catalog.as_ref().map(|c| c.endpoints().len()),
            )
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
        Ok(self.with_settings(|s| {
            s.endpoints.insert(service.to_owned(), url.to_owned());
        }))
    }

    /// The same connection with at most `timeout` per attempt (connecting included) and no
    /// retries: for a probe that must give up quickly (the instance metadata service).
    pub(crate) fn for_probe(&self, timeout: Duration) -> Connection {
        self.with_settings(|s| {
            s.timeout = s.timeout.min(timeout);
            s.connect_timeout = s.connect_timeout.min(timeout);
            s.retry = RetryPolicy::none();
        })
    }

    /// The same connection, reaching a service whose spec names no server for the region
    /// through `catalog` (see [`Catalog::base_url_for`]); explicit endpoints and the spec's
    /// own servers for the region still come first.
    pub fn with_catalog(&self, catalog: Catalog) -> Connection {
        self.with_settings(|s| s.catalog = Some(Arc::new(catalog)))
    }

    /// A copy of this connection with its settings changed by `change` (the HTTP client, and
    /// with it the connection pool, stays shared).
    pub(crate) fn with_settings(&self, change: impl FnOnce(&mut Settings)) -> Connection {
        let mut settings = (*self.inner).clone();
        change(&mut settings);
        Connection {
            inner: Arc::new(settings),
        }
    }

    /// The endpoint for `service`: the explicit one when [`ConfigBuilder::endpoint`](super::ConfigBuilder::endpoint) set it,
    /// otherwise a server URL of the spec with `{region}` and the other variables filled in.
    ///
    /// When a region is set and the spec lists several servers (one per cloud, say), the
    /// first server whose `region` variable lists that region is used; failing that, the first
    /// server without a `region` variable whose host names the region (a label of its host
    /// such as `eu-ch2`); failing that, the first whose `region` variable accepts any value.
    /// When none is for the region and the connection has IAM's service catalog
    /// ([`Connection::with_catalog`]), the catalog's endpoint of the service; failing that,
    /// the first server (which then refuses the region, naming the ones it serves).
    pub fn endpoint_for(&self, service: &Service) -> Result<String, ConfigError> {
        if let Some(url) = self.inner.endpoints.get(service.name) {
            return Ok(url.trim_end_matches('/').to_owned());
        }
        let region = self.inner.region.as_deref();
        let for_region = region.and_then(|r| region_server(service.servers, r));
        // No server for the region: where IAM's catalog puts the service, if it says.
        if let (None, Some(region), Some(catalog)) = (for_region, region, &self.inner.catalog)
            && let Some(url) = catalog.base_url_for(service, region)
        {
            check_endpoint(service.name, &url)?;
            return Ok(url);
        }
        let server = for_region.or_else(|| service.servers.first()).ok_or_else(|| {
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

/// The server of `servers` for `region`: the one that names it ([`named_region_server`]);
/// failing that, the first whose `region` variable accepts any value.
fn region_server<'s>(servers: &'s [Server], region: &str) -> Option<&'s Server> {
    named_region_server(servers, region).or_else(|| {
        servers.iter().find(|s| {
            s.variables
                .iter()
                .any(|v| v.name == "region" && v.allowed.is_empty())
        })
    })
}

/// The server of `servers` that names `region`: one whose `region` variable lists it, else a
/// fixed URL whose host names it. Not a server open to any region: its host for an unknown
/// region is a guess.
pub(crate) fn named_region_server<'s>(servers: &'s [Server], region: &str) -> Option<&'s Server> {
    let region_var = |s: &Server| {
        s.variables
            .iter()
            .find(|v| v.name == "region")
            .map(|v| v.allowed)
    };
    let listed = servers
        .iter()
        .find(|s| region_var(s).is_some_and(|allowed| allowed.contains(&region)));
    let named = || {
        servers
            .iter()
            .find(|s| region_var(s).is_none() && s.host_labels().any(|label| label == region))
    };
    listed.or_else(named)
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

/// The default `User-Agent` (as `ConfigBuilder` sends it).
const USER_AGENT: &str = concat!("cloudjobs/", env!("CARGO_PKG_VERSION"));

/// The default connect timeout (as `ConfigBuilder` has it).
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn build_http_client(
    user_agent: &HeaderValue,
    connect_timeout: Duration,
) -> Result<reqwest::Client, ConfigError> {
    build_client_with(user_agent, connect_timeout, &Tls::default())
}

/// An HTTP client as [`ConfigBuilder::build`](super::ConfigBuilder::build) makes one (the
/// default user agent, same-origin redirects, a 10 s connect timeout) that trusts what
/// `tls` says; give it to [`ConfigBuilder::http_client`](super::ConfigBuilder::http_client).
/// [`Resolved::config_builder`](super::credentials::Resolved::config_builder) does this for
/// the CA settings of the credential chain (`OS_CACERT`, `cacert`, `insecure`).
pub fn http_client(tls: &Tls) -> Result<reqwest::Client, ConfigError> {
    let user_agent = HeaderValue::from_static(USER_AGENT);
    build_client_with(&user_agent, DEFAULT_CONNECT_TIMEOUT, tls)
}

fn build_client_with(
    user_agent: &HeaderValue,
    connect_timeout: Duration,
    tls: &Tls,
) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .user_agent(user_agent.clone())
        .connect_timeout(connect_timeout)
        .redirect(same_origin_redirects())
        .tls_backend_preconfigured(tls.client_config()?)
        .build()
        .map_err(|e| ConfigError::new(format!("HTTP client: {e}")))
}

/// Which server certificates HTTPS connections trust.
///
/// - [`Tls::default`]: the system's roots, as reqwest trusts them (on Linux the system's CA
///   store, or the files `SSL_CERT_FILE` / `SSL_CERT_DIR` name). They are read once per
///   process, at the first TLS handshake: a run that only speaks plain `http` reads none.
/// - [`Tls::ca_file`]: only the certificates of one PEM bundle (`OS_CACERT`, `cacert` in
///   `clouds.yaml`), as the OpenStack tools use it: the system's roots are not trusted then.
/// - [`Tls::insecure`]: no certificate is checked (`insecure: true`, `verify: false`).
///   Anyone on the network path can then read and change every request, credentials
///   included: for a test cloud, never for a real one.
#[derive(Clone, Default)]
pub struct Tls {
    roots: Roots,
}

#[derive(Clone, Default)]
enum Roots {
    #[default]
    System,
    Only {
        file: std::path::PathBuf,
        certs: Arc<Vec<rustls::pki_types::CertificateDer<'static>>>,
    },
    Insecure,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.roots {
            Roots::System => f.write_str("Tls(system roots)"),
            Roots::Only { file, certs } => {
                write!(f, "Tls({} certificates of {})", certs.len(), file.display())
            }
            Roots::Insecure => f.write_str("Tls(INSECURE: certificates not verified)"),
        }
    }
}

/// The process's rustls crypto provider: the one the application installed, else *ring*,
/// installed as the process default.
///
/// reqwest is built without a rustls crypto provider so that the C-heavy aws-lc-rs is not
/// compiled. An application that wants another provider (aws-lc-rs, with post-quantum key
/// exchange) installs it with `CryptoProvider::install_default` before the first client is
/// built, and every client uses it.
fn process_provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::crypto::CryptoProvider;
    if let Some(installed) = CryptoProvider::get_default() {
        return installed.clone();
    }
    // Losing a race against another thread installing a provider is fine: theirs is used.
    let _ = ring_provider().install_default();
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(ring_provider()))
}

/// Makes sure the process has a rustls crypto provider (the application's, else *ring*), for
/// an HTTP client built outside [`Connection`] on the same reqwest (`rustls-no-provider`),
/// as the project's document downloader is.
pub fn install_crypto_provider() {
    let _ = process_provider();
}

/// rustls's *ring* provider.
///
/// rustls 0.23.48 deprecated `crypto::ring::default_provider` ("no support for
/// post-quantum algorithms") without a replacement backed by *ring*; the only alternative
/// is aws-lc-rs, which this crate leaves to the application (see [`process_provider`]).
/// `allow`, not `expect`: before 0.23.48 (the lock file's 0.23.46) nothing is deprecated,
/// and an unmet `expect` would warn there instead.
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

impl Tls {
    /// Trusts only the certificates of the PEM file `file` (one or more `CERTIFICATE`
    /// blocks); fails, naming the file, when it cannot be read or holds none.
    pub fn ca_file(file: impl AsRef<std::path::Path>) -> Result<Tls, ConfigError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let file = file.as_ref();
        let error = |why: String| ConfigError::new(format!("CA file {}: {why}", file.display()));
        let metadata =
            std::fs::metadata(file).map_err(|e| error(format!("cannot be read: {e}")))?;
        if !metadata.is_file() || metadata.len() > 16 * 1024 * 1024 {
            return Err(error("is not a regular file of at most 16 MiB".to_owned()));
        }
        let certs = CertificateDer::pem_file_iter(file)
            .map_err(|e| error(format!("cannot be read: {e}")))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error(format!("is not a PEM bundle: {e}")))?;
        if certs.is_empty() {
            return Err(error("holds no PEM CERTIFICATE".to_owned()));
        }
        // Checked now, so that a bad certificate is an error here, not at the first request.
        let mut store = rustls::RootCertStore::empty();
        let (added, _) = store.add_parsable_certificates(certs.iter().cloned());
        if added == 0 {
            return Err(error("holds no usable CA certificate".to_owned()));
        }
        Ok(Tls {
            roots: Roots::Only {
                file: file.to_owned(),
                certs: Arc::new(certs),
            },
        })
    }

    /// Checks no certificate at all: **anyone on the network path can read and change the
    /// traffic, tokens and passwords included.**
    pub fn insecure() -> Tls {
        Tls {
            roots: Roots::Insecure,
        }
    }

    /// Whether certificates go unchecked ([`Tls::insecure`]).
    pub fn is_insecure(&self) -> bool {
        matches!(self.roots, Roots::Insecure)
    }

    /// Whether this is the default (the system's roots).
    pub fn is_default(&self) -> bool {
        matches!(self.roots, Roots::System)
    }

    /// The rustls configuration: the verifier chosen, HTTP/1.1 (and h2 with the `http2`
    /// feature) by ALPN.
    fn client_config(&self) -> Result<rustls::ClientConfig, ConfigError> {
        let provider = process_provider();
        let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = match &self.roots {
            Roots::System => Arc::new(tls::Verifier::system_roots(provider.clone())),
            Roots::Only { certs, .. } => {
                let mut store = rustls::RootCertStore::empty();
                store.add_parsable_certificates(certs.iter().cloned());
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(store),
                    provider.clone(),
                )
                .build()
                .map_err(|e| ConfigError::new(format!("TLS roots: {e}")))?
            }
            Roots::Insecure => {
                tracing::warn!(
                    "TLS certificate verification is OFF: anyone on the network path can read \
                     and change the traffic, credentials included"
                );
                Arc::new(tls::Verifier::unverified(provider.clone()))
            }
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .map_err(|e| ConfigError::new(format!("TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        config.alpn_protocols = if cfg!(feature = "http2") {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(config)
    }
}

/// The certificate verifiers of [`Tls`].
mod tls {
    use std::sync::{Arc, OnceLock};

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, Error, SignatureScheme};

    /// A certificate verifier: against the system's roots (rustls-platform-verifier, as
    /// reqwest uses them, loaded at the first certificate to verify and kept for the process:
    /// building a client, or talking plain `http`, reads no CA file), or accepting any
    /// certificate. Either way the handshake's signatures are checked, against the
    /// certificate the server sent.
    #[derive(Debug)]
    pub(super) struct Verifier {
        provider: Arc<CryptoProvider>,
        /// `false`: any certificate is accepted (`insecure`).
        check_certificates: bool,
    }

    impl Verifier {
        /// Certificates checked against the system's roots.
        pub(super) fn system_roots(provider: Arc<CryptoProvider>) -> Self {
            Self {
                provider,
                check_certificates: true,
            }
        }

        /// Any certificate accepted.
        pub(super) fn unverified(provider: Arc<CryptoProvider>) -> Self {
            Self {
                provider,
                check_certificates: false,
            }
        }

        fn roots(&self) -> Result<&'static rustls_platform_verifier::Verifier, Error> {
            static LOADED: OnceLock<Result<rustls_platform_verifier::Verifier, Error>> =
                OnceLock::new();
            LOADED
                .get_or_init(|| {
                    tracing::debug!("loading the system's CA certificates");
                    rustls_platform_verifier::Verifier::new(self.provider.clone())
                })
                .as_ref()
                .map_err(Clone::clone)
        }
    }

    impl ServerCertVerifier for Verifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            if !self.check_certificates {
                return Ok(ServerCertVerified::assertion());
            }
            self.roots()?.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
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
