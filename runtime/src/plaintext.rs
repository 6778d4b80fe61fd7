//! Where credentials may go in clear: the one rule for plain `http` URLs. A password goes to
//! an IAM URL ([`check_iam_url`]) and a token or AK/SK signature to any other
//! ([`check_credential_url`]) over TLS, or over plain `http` only to this machine, unless the
//! user allows it. A leaf: the configuration, the signer and IAM authentication all ask it.

use super::secret::redact_url;

/// Why a password must not be sent to the IAM endpoint `url`, if it must not: `url` is not an
/// `http(s)` URL with a host, or it is plain `http` to a host that is not a loopback address
/// (`127.0.0.0/8`, `::1`, `localhost`) and `allow_plaintext_http` is false. The one rule for
/// every IAM URL a password goes to (the request itself checks it, whatever set the URL; the
/// credential chain and the command line check it early, naming where the URL came from).
/// The message shows the URL without its userinfo.
///
/// ```
/// use cloudjobs::runtime::iam::check_iam_url;
///
/// assert!(check_iam_url("https://iam.eu-de.otc.t-systems.com/v3", false).is_ok());
/// assert!(check_iam_url("http://127.0.0.1:8080/v3", false).is_ok());
/// assert!(check_iam_url("http://iam.example.com/v3", false).is_err());
/// assert!(check_iam_url("http://iam.example.com/v3", true).is_ok());
/// ```
pub fn check_iam_url(url: &str, allow_plaintext_http: bool) -> Result<(), String> {
    let parsed = match reqwest::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => u,
        _ => {
            return Err(format!(
                "`{}` is not an http(s) URL (such as https://iam.eu-de.otc.t-systems.com/v3)",
                redact_url(url)
            ));
        }
    };
    if parsed.scheme() == "https" || allow_plaintext_http || is_loopback(&parsed) {
        return Ok(());
    }
    Err(format!(
        "`{}` is plain http: the password would cross the network unencrypted. Use https \
         (plain http is accepted only to 127.0.0.1, ::1 or localhost), or allow it explicitly \
         with CLOUDJOBS_ALLOW_HTTP_IAM=1 (command line: --insecure-http-iam; library: \
         PasswordAuth::allow_plaintext_http)",
        redact_url(url)
    ))
}

/// Why credentials must not be sent to `url`, if they must not: it is plain `http` to a host
/// that is not this machine (the rule of [`ConfigBuilder::allow_plaintext_http`](crate::ConfigBuilder::allow_plaintext_http),
/// which the request itself applies; the command line checks it early, naming the flag).
/// A URL that does not parse is left to the request, which refuses it. The message shows
/// the URL without its userinfo.
///
/// ```
/// use cloudjobs::runtime::iam::check_credential_url;
///
/// assert!(check_credential_url("https://ecs.eu-de.otc.t-systems.com").is_ok());
/// assert!(check_credential_url("http://127.0.0.1:8787").is_ok());
/// assert!(check_credential_url("http://jobs.example.com").is_err());
/// ```
pub fn check_credential_url(url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) => check_credential_target(&u),
        Err(_) => Ok(()),
    }
}

/// How a library user allows what [`check_credential_url`] refuses.
pub(crate) const ALLOW_PLAINTEXT_HTTP: &str =
    ", or allow it with ConfigBuilder::allow_plaintext_http (command line: --insecure-http)";

/// [`check_credential_url`] on a parsed URL.
pub(crate) fn check_credential_target(url: &reqwest::Url) -> Result<(), String> {
    if url.scheme() != "http" || is_loopback(url) {
        return Ok(());
    }
    Err(format!(
        "`{}` is plain http: the credentials (a token, or a signature and security token) \
         would cross the network unencrypted. Use https (plain http is accepted only to \
         127.0.0.1, ::1 or localhost)",
        redact_url(url.as_str())
    ))
}

/// Whether the URL's host is this machine: `127.0.0.0/8`, `::1` (also as `::ffff:127.x.y.z`),
/// `localhost`.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost."),
    }
}
