//! Entry points for the fuzz targets (`tests/fuzz/`): the runtime's parsers of server input
//! and of local configuration files that are not public API on their own. Hidden from the
//! documentation; not for applications, and not covered by semantic versioning.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use super::auth::Token;
use super::credentials::{Credential, CredentialError, Profile};
use super::error::Error;

/// The delay a `Retry-After` header with these bytes asks for, read at `now`; `None` when the
/// bytes are not a valid header value or not a delay.
pub fn retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, HeaderValue::from_bytes(value).ok()?);
    super::retry::retry_after(&headers, now)
}

/// An HTTP-date (IMF-fixdate, RFC 850 or asctime).
pub fn http_date(text: &str) -> Option<SystemTime> {
    super::time::parse_http_date(text)
}

/// The error code and message found in an error body, as [`crate::ApiError`] keeps
/// them.
pub fn error_code_and_message(body: &[u8]) -> (Option<String>, Option<String>) {
    super::transport::error_code_and_message(body)
}

/// The token of a successful IAM answer with this `X-Subject-Token` header and body.
pub fn iam_token(header: Option<&str>, body: &[u8]) -> Result<Token, Error> {
    super::iam::read_token(header, body, |message| Error::InvalidRequest {
        operation: "fuzz",
        message,
    })
}

/// When a token cache would replace `token` received at `now` (default options).
pub fn token_refresh_at(token: &Token, now: SystemTime) -> SystemTime {
    super::auth::refresh_at(token, &super::auth::TokenCacheOptions::default(), now)
}

/// The gap the job waiter sleeps after a transient error that asked for `retry_after`, when
/// its own schedule says `scheduled` and `policy_max` is the policy's longest interval.
pub fn waiter_gap(scheduled: Duration, retry_after: Duration, policy_max: Duration) -> Duration {
    super::wait::gap_after_error(scheduled, Some(retry_after), policy_max)
}

/// The `clouds.yaml` loader: the cloud `otc` of `clouds` (as the file `fuzz/clouds.yaml`) with
/// `secure` (as `fuzz/secure.yaml`) merged over it, read and checked as the credential chain
/// reads and checks a `clouds.yaml`: the cloud's settings and its complete credential, if it
/// has one, or an error naming the file.
pub fn clouds_yaml(
    clouds: &str,
    secure: Option<&str>,
) -> Result<(Profile, Option<Credential>), CredentialError> {
    super::credentials::clouds_yaml_for_fuzzing(clouds, secure)
}
