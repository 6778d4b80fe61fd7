//! Downloading documents: one blocking GET at a time, through the workspace's own HTTP stack
//! (reqwest with rustls on ring, the runtime's exact features, on a current-thread tokio
//! runtime), so xtask adds no crate to the lockfile and shares its build with `cloudjobs`.
//!
//! Hosts can be replaced for tests and mirrors: `CLOUDJOBS_DOCS_BASE_URL` replaces
//! `https://raw.githubusercontent.com`; `CLOUDJOBS_DOCS_URL_MAP` holds `FROM=TO` URL prefix
//! rewrites separated by `;` (the longest matching prefix wins).
//!
//! Redirects are followed only within the origin (scheme, host, port) of the URL requested,
//! at most [`MAX_REDIRECTS`] in a row: a document host that redirects elsewhere (on a cloud
//! VM, to the metadata service, say) is an error naming both URLs, and nothing is fetched
//! from the other host.

use std::time::Duration;

use crate::spec::GITHUB_RAW;

/// Replaces `https://raw.githubusercontent.com` in source URLs.
pub const BASE_URL_ENV: &str = "CLOUDJOBS_DOCS_BASE_URL";
/// `FROM=TO;FROM=TO` URL prefix rewrites.
pub const URL_MAP_ENV: &str = "CLOUDJOBS_DOCS_URL_MAP";
/// The most bytes a document may have.
const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The most redirects followed in a row.
pub const MAX_REDIRECTS: usize = 5;

/// A downloader.
pub struct Fetcher {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    map: Vec<(String, String)>,
}

impl Fetcher {
    /// A downloader with the rewrites of the environment.
    pub fn from_env() -> Result<Fetcher, String> {
        let mut map = Vec::new();
        if let Ok(base) = std::env::var(BASE_URL_ENV)
            && !base.trim().is_empty()
        {
            map.push((
                GITHUB_RAW.to_owned(),
                base.trim().trim_end_matches('/').to_owned(),
            ));
        }
        if let Ok(spec) = std::env::var(URL_MAP_ENV) {
            for pair in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (from, to) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("{URL_MAP_ENV}: `{pair}` is not FROM=TO"))?;
                map.push((from.trim().to_owned(), to.trim().to_owned()));
            }
        }
        // Longest prefix first.
        map.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
        // reqwest is built without a provider (as in the runtime): the runtime's rule.
        cloudjobs_runtime::connection::install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(concat!("cloudjobs-xtask-docs/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(120))
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        Ok(Fetcher {
            runtime,
            client,
            map,
        })
    }

    /// The URL actually requested for `url`.
    pub fn rewrite(&self, url: &str) -> String {
        for (from, to) in &self.map {
            if let Some(rest) = url.strip_prefix(from.as_str()) {
                return format!("{to}{rest}");
            }
        }
        url.to_owned()
    }

    /// Downloads `url` (rewritten); an error names the URL and what went wrong.
    pub fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        let target = self.rewrite(url);
        let shown = if target == url {
            url.to_owned()
        } else {
            format!("{url} (as {target})")
        };
        self.runtime.block_on(async {
            let mut response = self
                .client
                .get(&target)
                .send()
                .await
                .map_err(|e| format!("cannot download {shown}: {}", error_chain(&e)))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("cannot download {shown}: HTTP {status}"));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("cannot download {shown}: {}", error_chain(&e)))?
            {
                if body.len() + chunk.len() > MAX_BYTES {
                    return Err(format!(
                        "cannot download {shown}: larger than {} MiB",
                        MAX_BYTES / 1024 / 1024
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
    }
}

/// Same origin only, at most [`MAX_REDIRECTS`] hops; anything else is an error that names
/// the URL requested and the one redirected to.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // `previous` starts with the URL requested; the attempt's URL is the next hop.
        let Some(first) = attempt.previous().first().cloned() else {
            return attempt.error("a redirect without a request");
        };
        let hops = attempt.previous().len();
        if first.origin() != attempt.url().origin() {
            let message = format!(
                "{first} redirected to another host, {}: only redirects within the same \
                 scheme, host and port are followed",
                attempt.url()
            );
            attempt.error(message)
        } else if hops > MAX_REDIRECTS {
            let message = format!("{first}: more than {MAX_REDIRECTS} redirects in a row");
            attempt.error(message)
        } else {
            attempt.follow()
        }
    })
}

/// An error with its causes (`error sending request: connection refused`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The sha256 of bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_nothing() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
