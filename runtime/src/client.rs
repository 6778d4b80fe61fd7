//! Sending: a [`ServiceClient`] is a [`Config`] plus one service's endpoint; it
//! authenticates, sends, retries and reads every request of the generated clients.

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT,
};
use reqwest::{StatusCode, Url};
use tracing::{Instrument as _, debug, info, info_span, trace};

use super::auth::Auth;
use super::config::Config;
use super::connection::Connection;
use super::error::is_throttling;
use super::error::{ConfigError, Error, OneLine};
use super::retry::{Outcome, RetryState, is_retried_status, pause};
use super::secret::{Secret, redact_reqwest_error, redact_url};
use super::time::Clock;
use super::transport::{RawResponse, Request, Service, dot_segment, mark_sensitive, request_id_of};

/// A client for one service: the shared [`Config`] plus the service's resolved endpoint.
///
/// Generated clients wrap one of these; it is cheap to clone.
#[derive(Clone)]
pub struct ServiceClient {
    config: Config,
    service: &'static Service,
    base_url: String,
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("service", &self.service.name)
            .field("base_url", &redact_url(&self.base_url))
            .finish_non_exhaustive()
    }
}

/// A complete response, as one attempt read it.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The token the request carried, when a `401` should replace it.
    token: Option<Secret>,
}

/// Why one attempt failed, and whether anything was sent.
struct Failure {
    error: Error,
    sent: bool,
}

/// Why a failed attempt is tried again, as the `reason` of a `retrying` event.
fn failure_reason(failure: &Failure) -> &'static str {
    match (failure.error.is_timeout(), failure.sent) {
        (true, false) => "connect timeout",
        (true, true) => "timeout",
        (false, false) => "connect error",
        (false, true) => "transport error",
    }
}

/// The delay before the next attempt after `failure` (a transport error or a timeout that
/// the retry policy retries), or the error that ends the call.
fn retried_after_failure(
    failure: Failure,
    retry: &mut RetryState<'_>,
    idempotent: bool,
    attempt: u32,
    took: Duration,
    clock: &Clock,
) -> Result<Duration, Error> {
    debug!(
        attempt,
        sent = failure.sent,
        elapsed = ?took,
        error = %OneLine(&failure.error),
        "attempt failed"
    );
    let outcome = match (&failure.error, failure.sent) {
        (Error::Transport { .. } | Error::Timeout { .. }, false) => Outcome::NotSent,
        (Error::Transport { .. } | Error::Timeout { .. }, true) => Outcome::Failed,
        _ => return Err(failure.error),
    };
    match retry.next_delay(idempotent, outcome, took, clock) {
        Some(delay) => {
            info!(
                attempt,
                reason = failure_reason(&failure),
                delay = ?delay,
                "retrying"
            );
            Ok(delay)
        }
        None => {
            if idempotent || !failure.sent {
                debug!(
                    attempt,
                    "not retried: the retry policy allows no further attempt"
                );
            }
            Err(failure.error)
        }
    }
}

/// A transport error as the caller sees it, and whether the request may have been sent: a
/// connection not made (refused, DNS, TLS handshake, or not within the connect timeout: a host
/// that drops packets) sent nothing and stays an [`Error::Transport`], whose host the waiter
/// can name ([`WaitFailure::Unreachable`](crate::wait::WaitFailure::Unreachable)); a timeout
/// once connected is an [`Error::Timeout`] after `timeout`.
fn classify(operation: &'static str, source: reqwest::Error, timeout: Duration) -> Failure {
    let sent = !source.is_connect();
    let error = if sent && source.is_timeout() {
        Error::Timeout {
            operation,
            after: timeout,
        }
    } else {
        Error::Transport { operation, source }
    };
    Failure { error, sent }
}

impl ServiceClient {
    /// Resolves the service's endpoint from the configuration.
    pub fn new(config: &Config, service: &'static Service) -> Result<Self, ConfigError> {
        let base_url = config.connection().endpoint_for(service)?;
        Ok(Self {
            config: config.clone(),
            service,
            base_url,
        })
    }

    /// A client for `service` that sends no credentials (for the requests that obtain them),
    /// at `endpoint` when given, else where `connection` puts the service.
    pub(crate) fn unauthenticated(
        connection: &Connection,
        service: &'static Service,
        endpoint: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let connection = match endpoint {
            Some(url) => connection.with_endpoint(service.name, url)?,
            None => connection.clone(),
        };
        Self::new(&Config::new(connection, Auth::None), service)
    }

    /// The service this client talks to.
    pub fn service(&self) -> &'static Service {
        self.service
    }

    /// The endpoint every path is appended to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The configuration this client was made from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends a request (with authentication, timeouts and retries as configured) and reads
    /// the whole response.
    ///
    /// Traced as a `request` span (INFO) with the service, the operation id, the method, the
    /// path *template* (never the filled-in path or the query, which may carry ids or
    /// secrets) and the kind of authentication; inside it one event per attempt and per
    /// retry decision (see ARCHITECTURE.md, "Tracing").
    pub async fn execute<E>(&self, request: Request) -> Result<RawResponse, Error<E>> {
        let operation = request.operation;
        let span = info_span!(
            "request",
            service = self.service.name,
            operation = operation.id,
            method = %operation.method,
            path = operation.path,
            auth = if operation.authenticated {
                self.config.auth().kind()
            } else {
                "none"
            },
        );
        let (status, headers, body) = self
            .checked_send(&request)
            .instrument(span)
            .await
            .map_err(Error::into_typed)?;
        Ok(RawResponse::new(operation, status, headers, body))
    }

    /// Refuses a request that cannot be sent as built, else sends it.
    async fn checked_send(
        &self,
        request: &Request,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let operation = request.operation;
        let invalid = |message: String| {
            debug!(error = %OneLine(&message), "invalid request: not sent");
            Error::InvalidRequest {
                operation: operation.id,
                message,
            }
        };
        if let Some(message) = request.error.clone() {
            return Err(invalid(message));
        }
        if !request.path.starts_with('/') {
            // Glued to the endpoint, a path without its `/` could change the host.
            return Err(Error::InvalidRequest {
                operation: operation.id,
                message: "the path does not start with `/`".to_owned(),
            });
        }
        if let Some(segment) = dot_segment(&request.path) {
            return Err(invalid(format!(
                "the path has a `{segment}` segment, which URL parsers remove (the request \
                 would go to another resource)"
            )));
        }
        let url = match request.query_string() {
            q if q.is_empty() => format!("{}{}", self.base_url, request.path),
            q => format!("{}{}?{}", self.base_url, request.path, q),
        };
        self.send(request, &url).await
    }

    /// Sends a request (authenticated, retried and refreshed as configured) and reads the
    /// whole response, within the configured limits.
    async fn send(
        &self,
        request: &Request,
        url: &str,
    ) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let connection = self.config.connection().settings();
        let operation = request.operation;
        let url = Url::parse(url).map_err(|e| Error::InvalidRequest {
            operation: operation.id,
            message: format!("`{}` is not a valid URL: {e}", redact_url(url)),
        })?;
        let idempotent = operation.is_idempotent();
        let clock = &connection.clock;
        let mut retry = RetryState::new(&connection.retry);
        let mut refreshed = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let limit = self.config.rate_limit();
            let hold = limit.reserve(&self.base_url, clock.now());
            if !hold.is_zero() {
                debug!(attempt, delay = ?hold, "rate limit: waiting for a token");
                pause(&connection.retry, hold).await;
            }
            trace!(attempt, "sending");
            let started = std::time::Instant::now();
            let result = self.attempt(request, &url).await;
            if let Ok(answer) = &result {
                match is_throttling(answer.status, None) {
                    true => limit.throttled(&self.base_url, clock.now()),
                    false => limit.answered(&self.base_url, clock.now()),
                }
            }
            let took = started.elapsed();
            let delay = match result {
                Ok(answer) => {
                    let status = answer.status;
                    debug!(
                        attempt,
                        status = status.as_u16(),
                        request_id = request_id_of(&answer.headers),
                        elapsed = ?took,
                        "response"
                    );
                    if status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && let Some(token) = &answer.token
                        && self.config.auth().rejected(token).await
                    {
                        // One more attempt with a new token; the first was refused, not
                        // processed, so this is safe for any method.
                        info!(
                            attempt,
                            status = 401,
                            "token refused: sending again with a new token"
                        );
                        refreshed = true;
                        continue;
                    }
                    let outcome = Outcome::Status(status, &answer.headers);
                    match retry.next_delay(idempotent, outcome, took, clock) {
                        Some(delay) => {
                            info!(
                                attempt,
                                status = status.as_u16(),
                                reason = "status",
                                retry_after = answer.headers.contains_key(RETRY_AFTER),
                                delay = ?delay,
                                "retrying"
                            );
                            delay
                        }
                        None => {
                            if idempotent && is_retried_status(status) {
                                debug!(
                                    attempt,
                                    status = status.as_u16(),
                                    "not retried: the retry policy allows no further attempt"
                                );
                            }
                            return Ok((status, answer.headers, answer.body));
                        }
                    }
                }
                Err(failure) => {
                    retried_after_failure(failure, &mut retry, idempotent, attempt, took, clock)?
                }
            };
            connection.retry.sleep(delay).await;
        }
    }

    /// One attempt: authenticate, send, read the body.
    async fn attempt(&self, request: &Request, url: &Url) -> Result<Answer, Failure> {
        let connection = self.config.connection().settings();
        let operation = request.operation;
        let not_sent = |error| Failure { error, sent: false };
        let mut headers = request.headers.clone();
        let body: &[u8] = request.body.as_ref().map_or(&[], |b| b.bytes.as_ref());
        // Authentication first: AK/SK signs the headers present now.
        let token = if operation.authenticated {
            self.config
                .auth()
                .authorize(
                    self.config.connection(),
                    operation.id,
                    &operation.method,
                    url,
                    &mut headers,
                    body,
                )
                .await
                .map_err(not_sent)?
        } else {
            None
        };
        if !headers.contains_key(ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if connection.per_request_user_agent {
            headers.insert(USER_AGENT, connection.user_agent.clone());
        }
        let mut http = reqwest::Request::new(operation.method.clone(), url.clone());
        if let Some(body) = &request.body {
            let content_type = HeaderValue::from_str(&body.content_type).map_err(|_| {
                not_sent(Error::InvalidRequest {
                    operation: operation.id,
                    message: format!("`{}` is not a valid content type", body.content_type),
                })
            })?;
            headers.insert(CONTENT_TYPE, content_type);
            *http.body_mut() = Some(body.bytes.clone().into());
        }
        *http.headers_mut() = headers;
        *http.timeout_mut() = Some(connection.timeout);
        let response = connection
            .http
            .execute(http)
            .await
            .map_err(|e| self.failure(operation.id, e))?;
        let status = response.status();
        let mut headers = response.headers().clone();
        mark_sensitive(&mut headers);
        let body = self
            .read_body(operation.id, response)
            .await
            .map_err(|error| Failure { error, sent: true })?;
        Ok(Answer {
            status,
            headers,
            body,
            token,
        })
    }

    async fn read_body(
        &self,
        operation: &'static str,
        mut response: reqwest::Response,
    ) -> Result<Bytes, Error> {
        let limit = self.config.connection().max_body_bytes();
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(Error::BodyTooLarge { operation, limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.failure(operation, e).error)?
        {
            if body.len() + chunk.len() > limit {
                return Err(Error::BodyTooLarge { operation, limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// A transport error, and whether the request may have been sent.
    fn failure(&self, operation: &'static str, source: reqwest::Error) -> Failure {
        let timeout = self.config.connection().timeout();
        classify(operation, redact_reqwest_error(source), timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver that never answers: connecting to any name hangs until the connect timeout,
    /// as with a host that silently drops packets (deterministic, no network needed).
    struct Silent;

    impl reqwest::dns::Resolve for Silent {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(std::future::pending())
        }
    }

    /// The error a request gets from `client`, classified.
    async fn classified(client: &reqwest::Client, url: &str) -> Failure {
        let source = client.get(url).send().await.expect_err("no answer");
        classify("ShowJob", source, Duration::from_secs(60))
    }

    /// A connect timeout sent nothing: a connect error naming the host (so a wait fails fast
    /// with `Unreachable`), a timeout too; a timeout once connected is an `Error::Timeout`.
    #[tokio::test]
    async fn a_connect_timeout_is_a_connect_error_that_sent_nothing() {
        // reqwest is built without a crypto provider (the runtime's own clients install ring).
        crate::connection::install_crypto_provider();
        let client = reqwest::Client::builder()
            .dns_resolver(Silent)
            .connect_timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let failure = classified(&client, "http://drops.invalid:8443/v1/jobs/1").await;
        assert!(!failure.sent);
        let e = &failure.error;
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(
            e.is_connect() && e.is_timeout() && e.is_transient(),
            "{e:?}"
        );
        assert_eq!(e.unreachable_host().as_deref(), Some("drops.invalid:8443"));
        assert_eq!(failure_reason(&failure), "connect timeout");
        let text = e.to_string();
        assert!(
            text.starts_with(
                "ShowJob: transport error: no connection within the connect timeout: "
            ),
            "{text}"
        );

        // Connected, then no answer in time: a timeout that may have been sent.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let accept = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let failure = classified(&client, &url).await;
        accept.abort();
        assert!(failure.sent);
        let e = &failure.error;
        assert!(
            matches!(e, Error::Timeout { after, .. } if *after == Duration::from_secs(60)),
            "{e:?}"
        );
        assert!(e.is_timeout() && !e.is_connect());
        assert_eq!(e.unreachable_host(), None);
        assert_eq!(failure_reason(&failure), "timeout");
    }

    #[tokio::test]
    async fn a_path_without_its_slash_is_refused() {
        static SERVICE: Service = Service {
            name: "t",
            title: "T",
            servers: &[],
        };
        let config = Config::builder()
            .endpoint("t", "http://127.0.0.1:1")
            .build()
            .unwrap();
        let client = ServiceClient::new(&config, &SERVICE).unwrap();
        let e = client
            .execute::<()>(Request::new(&OP, ".evil.example/x".into()))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("does not start with `/`"), "{e}");
    }
    use crate::{Operation, RetryPolicy};
    use reqwest::Method;

    static OP: Operation = Operation {
        id: "Test",
        method: Method::GET,
        path: "/t",
        authenticated: false,
    };

    /// Before the fix reqwest's error carried the URL with its password into `Display` and
    /// `Debug`.
    #[tokio::test]
    async fn transport_errors_do_not_show_userinfo() {
        static SERVICE: Service = Service {
            name: "t",
            title: "T",
            servers: &[],
        };
        let config = Config::builder()
            .endpoint("t", "http://user:SECRET@127.0.0.1:1")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let client = ServiceClient::new(&config, &SERVICE).unwrap();
        assert!(!format!("{client:?}").contains("SECRET"));
        let e = client
            .execute::<()>(Request::new(&OP, "/t".into()))
            .await
            .unwrap_err();
        let mut shown = format!("{e} {e:?}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            shown.push_str(&format!(" {s} {s:?}"));
            source = s.source();
        }
        assert!(matches!(e, Error::Transport { .. }), "{shown}");
        assert!(
            !shown.contains("SECRET") && shown.contains("127.0.0.1"),
            "{shown}"
        );
    }
}
