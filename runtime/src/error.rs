//! The one error type of every generated operation.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Why a [`Config`](super::Config) or a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The error body type of an operation whose spec documents no error body.
///
/// It has no values: [`ApiError::body`] is always `None` for such operations, while
/// [`ApiError::code`], [`ApiError::message`] and [`ApiError::raw_body`] still tell what the
/// server said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undocumented {}

impl serde::Serialize for Undocumented {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        match *self {}
    }
}

/// Why a call failed.
///
/// `E` is the operation's typed error body: a schema type when every documented error status
/// shares one body, or an enum with a variant per documented status.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E = Undocumented> {
    /// The server answered with a status the operation does not treat as success.
    Api(Box<ApiError<E>>),
    /// A success response whose body did not match the spec.
    Decode(Box<DecodeError>),
    /// The request could not be sent or the response not read (connect, TLS, reset, ...).
    Transport {
        /// The operation id.
        operation: &'static str,
        /// The underlying transport error.
        source: reqwest::Error,
    },
    /// The configured timeout passed after the request was sent, before a complete response
    /// arrived. (A connection not made within the connect timeout, when nothing was sent, is
    /// an [`Error::Transport`] for which [`Error::is_connect`] and [`Error::is_timeout`] are
    /// both true.)
    Timeout {
        /// The operation id.
        operation: &'static str,
        /// The timeout that passed.
        after: Duration,
    },
    /// The response body was larger than [`crate::ConfigBuilder::max_body_bytes`].
    BodyTooLarge {
        /// The operation id.
        operation: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// Credentials could not be obtained or applied (for example, IAM refused the password).
    Auth(Box<Error>),
    /// The request could not be built from the given arguments (for example, a header value
    /// with a newline in it).
    InvalidRequest {
        /// The operation id.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl<E> Error<E> {
    /// An error status as a server answers it, without a body: for poll closures of APIs that
    /// have no generated client, and for tests and simulations of the waiter.
    pub fn from_status(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        code: Option<String>,
        message: Option<String>,
    ) -> Self {
        Error::Api(Box::new(ApiError {
            operation,
            status,
            headers,
            request_id: None,
            code,
            message,
            body: None,
            raw: Bytes::new(),
        }))
    }

    /// The operation id of the failed call.
    pub fn operation(&self) -> &'static str {
        match self {
            Error::Api(e) => e.operation,
            Error::Decode(e) => e.operation,
            Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::BodyTooLarge { operation, .. }
            | Error::InvalidRequest { operation, .. } => operation,
            Error::Auth(e) => e.operation(),
        }
    }

    /// Whether no complete response arrived in time: an [`Error::Timeout`], or a connection
    /// not made within the connect timeout (a host that drops packets; then
    /// [`Error::is_connect`] too, and nothing was sent).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Transport { source, .. } => source.is_connect() && source.is_timeout(),
            Error::Auth(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// Whether the connection could not be made (refused, unreachable, DNS, TLS handshake, or
    /// not within the connect timeout): nothing was sent.
    pub fn is_connect(&self) -> bool {
        match self {
            Error::Transport { source, .. } => source.is_connect(),
            Error::Auth(e) => e.is_connect(),
            _ => false,
        }
    }

    /// Whether the server said the caller sends too fast ([`is_throttling`]: `429`, or a
    /// gateway's throttling code such as `APIGW.0308`).
    pub fn is_throttled(&self) -> bool {
        match self {
            Error::Api(e) => is_throttling(e.status, e.code.as_deref()),
            Error::Auth(e) => e.is_throttled(),
            _ => false,
        }
    }

    /// The host a connection could not be made to (refused, DNS, TLS handshake, connect
    /// timeout), when this is such an error.
    pub(crate) fn unreachable_host(&self) -> Option<String> {
        match self {
            Error::Transport { source, .. } if source.is_connect() => Some(
                source
                    .url()
                    .and_then(|u| {
                        let host = u.host_str()?;
                        Some(match u.port() {
                            Some(port) => format!("{host}:{port}"),
                            None => host.to_owned(),
                        })
                    })
                    .unwrap_or_else(|| "the server".to_owned()),
            ),
            Error::Auth(e) => e.unreachable_host(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Auth(e) => e.status(),
            _ => None,
        }
    }

    /// The request id the server gave the failed call, when it gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::Auth(e) => e.request_id(),
            _ => None,
        }
    }

    /// The typed API error, when the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same request again later may succeed: transport errors (a refused
    /// connection included), timeouts, and the transient statuses of
    /// [`is_transient_status`]: `408`, `429`, and `5xx` but `501` and `505`.
    ///
    /// This is the one definition of transient: the client's retries
    /// ([`RetryPolicy`](crate::RetryPolicy)) and the waiter's tolerated errors
    /// ([`WaitPolicy::max_transient_errors`](crate::wait::WaitPolicy::max_transient_errors))
    /// both use it. The waiter treats a connection that could not be made before any poll
    /// reached the server apart: see [`WaitFailure::Unreachable`](crate::wait::WaitFailure::Unreachable).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api(e) => {
                is_transient_status(e.status) || is_throttling(e.status, e.code.as_deref())
            }
            Error::Auth(e) => e.is_transient(),
            _ => false,
        }
    }

    /// Drops the typed error body, keeping everything else (the raw body included).
    ///
    /// Useful to put errors of different operations into one collection or one `?` chain.
    pub fn into_untyped(self) -> Error {
        self.retype(ApiError::into_untyped)
    }

    /// The same error with its typed body turned into another type by `f` (into JSON, say),
    /// keeping everything else.
    pub fn map_body<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        self.retype(|e| e.map_body(f))
    }

    /// The same error with its API error retyped by `api`.
    fn retype<F>(self, api: impl FnOnce(ApiError<E>) -> ApiError<F>) -> Error<F> {
        match self {
            Error::Api(e) => Error::Api(Box::new(api(*e))),
            Error::Decode(e) => Error::Decode(e),
            Error::Transport { operation, source } => Error::Transport { operation, source },
            Error::Timeout { operation, after } => Error::Timeout { operation, after },
            Error::BodyTooLarge { operation, limit } => Error::BodyTooLarge { operation, limit },
            Error::Auth(e) => Error::Auth(e),
            Error::InvalidRequest { operation, message } => {
                Error::InvalidRequest { operation, message }
            }
        }
    }
}

impl Error {
    /// Re-types an error that cannot carry an API error body.
    pub(crate) fn into_typed<E>(self) -> Error<E> {
        self.retype(|e| e.retype(None))
    }

    /// A copy, when the error can be copied (all but transport errors, whose source cannot).
    pub(crate) fn try_clone(&self) -> Option<Error> {
        Some(match self {
            Error::Api(e) => Error::Api(Box::new(ApiError {
                operation: e.operation,
                status: e.status,
                headers: e.headers.clone(),
                request_id: e.request_id.clone(),
                code: e.code.clone(),
                message: e.message.clone(),
                body: None,
                raw: e.raw.clone(),
            })),
            Error::Decode(e) => Error::Decode(Box::new(DecodeError::clone(e))),
            Error::Transport { .. } => return None,
            Error::Timeout { operation, after } => Error::Timeout {
                operation,
                after: *after,
            },
            Error::BodyTooLarge { operation, limit } => Error::BodyTooLarge {
                operation,
                limit: *limit,
            },
            Error::Auth(e) => Error::Auth(Box::new(e.try_clone()?)),
            Error::InvalidRequest { operation, message } => Error::InvalidRequest {
                operation,
                message: message.clone(),
            },
        })
    }
}

/// Whether a status is worth trying again later: the one definition of a transient status,
/// for the client's retries and the waiter alike.
///
/// - `408 Request Timeout` and `429 Too Many Requests`: the request was fine, the moment was
///   not.
/// - Every `5xx` (`500` included: the job services answer a passing `500` when a backend
///   restarts, and a job-details call is safe to repeat) but `501 Not Implemented` and
///   `505 HTTP Version Not Supported`, which say the request itself will never work.
/// - No other `4xx`: a wrong token, a missing job or a bad parameter does not fix itself.
pub fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429)
        || (status.is_server_error() && !matches!(status.as_u16(), 501 | 505))
}

/// The error codes with which the OTC and Huawei Cloud gateways say "too many requests",
/// whatever the HTTP status: `APIGW.0308` ("The throttling threshold has been reached"), and
/// the per-service throttling codes the specs document (`CCE.02429001`).
pub const THROTTLING_CODES: &[&str] = &["APIGW.0308", "CCE.02429001"];

/// Whether an answer says the caller sends too fast: `429`, or one of the
/// [`THROTTLING_CODES`] with any status.
pub fn is_throttling(status: StatusCode, code: Option<&str>) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || code.is_some_and(|c| {
            THROTTLING_CODES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(c.trim()))
        })
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Transport { operation, source } => {
                write!(f, "{operation}: transport error: ")?;
                if source.is_connect() && source.is_timeout() {
                    f.write_str("no connection within the connect timeout: ")?;
                }
                write!(f, "{source}")?;
                let mut cause = std::error::Error::source(source);
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
            Error::Timeout { operation, after } => {
                write!(f, "{operation}: no complete response within {after:?}")
            }
            Error::BodyTooLarge { operation, limit } => {
                write!(
                    f,
                    "{operation}: response body is larger than the {limit}-byte limit"
                )
            }
            Error::Auth(e) => write!(f, "authentication failed: {e}"),
            Error::InvalidRequest { operation, message } => {
                write!(f, "{operation}: invalid request: {message}")
            }
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Auth(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// An error status from the server, with everything it said.
pub struct ApiError<E> {
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) body: Option<E>,
    pub(crate) raw: Bytes,
}

impl<E> ApiError<E> {
    /// The operation id of the failed call.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id (`X-Request-Id` or the service's equivalent), when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The service's error code (`error_code`, `code`, ...), when the body carries one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The service's error message (`error_msg`, `message`, ...), when the body carries one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The body decoded as the spec documents it for this status, when it is documented and
    /// decoded.
    pub fn body(&self) -> Option<&E> {
        self.body.as_ref()
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn raw_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }

    /// The same error without its typed body.
    pub fn into_untyped(self) -> ApiError<Undocumented> {
        self.retype(None)
    }

    /// The same error with its typed body turned into another type by `f`.
    pub fn map_body<F>(mut self, f: impl FnOnce(E) -> F) -> ApiError<F> {
        let body = self.body.take().map(f);
        self.retype(body)
    }

    fn retype<F>(self, body: Option<F>) -> ApiError<F> {
        ApiError {
            operation: self.operation,
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            code: self.code,
            message: self.message,
            body,
            raw: self.raw,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("body", &self.body)
            .field("raw", &snippet(&self.raw))
            .finish()
    }
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
            (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
            (None, None) if !self.raw.is_empty() => write!(f, ": {}", snippet(&self.raw))?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// A response body that did not decode as the spec says it should.
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) snippet: String,
}

impl DecodeError {
    /// The operation id.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The path of the field that failed, such as `data.begin_time` or `sub_jobs[0].status`
    /// (`.` when the body as a whole failed).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What serde said.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The start of the body (at most 512 bytes), for the log.
    pub fn body_snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} body does not match the spec at `{}`: {}",
            self.operation, self.status, self.path, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        write!(f, "; body starts with: {}", self.snippet)
    }
}

impl std::error::Error for DecodeError {}

/// Text for a tracing field: `T`'s `Display` on one line, each unsafe character escaped
/// ([`crate::text`]: `\n`, `\u{1b}`, `\u{202e}`), so that server text in an error cannot fake a line of a log or act on a
/// terminal. Formatted only when a subscriber records the field.
pub(crate) struct OneLine<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for OneLine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                for c in s.chars() {
                    crate::text::push_escaped(self.0, c);
                }
                Ok(())
            }
        }
        fmt::write(&mut Escaping(f), format_args!("{}", self.0))
    }
}

/// At most 512 bytes of a body, cut at a character boundary, for messages (invalid UTF-8
/// replaced).
pub(crate) fn snippet(raw: &[u8]) -> String {
    const MAX: usize = 512;
    let mut end = raw.len().min(MAX);
    if end < raw.len() {
        // Do not cut a UTF-8 sequence: step back to its first byte (at most 3 bytes back).
        let mut back = end;
        while back > 0 && end - back < 3 && raw[back] & 0xC0 == 0x80 {
            back -= 1;
        }
        if raw[back] & 0xC0 != 0x80 {
            end = back;
        }
    }
    let mut text = String::from_utf8_lossy(&raw[..end]).into_owned();
    if end < raw.len() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_control_characters() {
        let shown = OneLine("a\nb\u{1b}[2J\rc ü").to_string();
        assert_eq!(shown, "a\\nb\\u{1b}[2J\\rc ü");
    }

    #[test]
    fn snippets_are_cut_at_character_boundaries() {
        assert_eq!(snippet(b"short"), "short");
        assert_eq!(snippet(b""), "");
        let ascii = vec![b'a'; 600];
        assert_eq!(snippet(&ascii), format!("{}…", "a".repeat(512)));
        // 511 ASCII bytes then a 3-byte character across the 512-byte mark.
        let mut text = "a".repeat(511);
        text.push('€');
        text.push_str("tail");
        let s = snippet(text.as_bytes());
        assert_eq!(s, format!("{}…", "a".repeat(511)));
        assert!(!s.contains('\u{FFFD}'));
        // Invalid UTF-8 is replaced, never a panic.
        let mut bytes = vec![0xFFu8; 10];
        bytes.extend(vec![0x80u8; 600]);
        assert!(snippet(&bytes).starts_with('\u{FFFD}'));
    }

    #[test]
    fn accessors_see_through_auth() {
        let inner: Error = Error::Timeout {
            operation: "KeystoneCreateUserTokenByPassword",
            after: Duration::from_secs(1),
        };
        let e: Error<()> = Error::Auth(Box::new(inner));
        assert!(e.is_timeout());
        assert!(e.is_transient());
        assert!(!e.is_connect());
        assert_eq!(e.operation(), "KeystoneCreateUserTokenByPassword");
        let copy = e.into_untyped().try_clone().unwrap();
        assert!(copy.to_string().contains("authentication failed"));
    }
}
