//! Requests, responses and sending them: the surface generated code is written against.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ApiError, DecodeError, Error, snippet};

/// A service: one generated module, described by its spec's `info` and `servers`.
#[derive(Debug)]
pub struct Service {
    /// The module name, also the key of [`crate::ConfigBuilder::endpoint`]
    /// (for example `"otc_ims_jobs"`).
    pub name: &'static str,
    /// The spec's `info.title`.
    pub title: &'static str,
    /// The spec's `servers`, in order;
    /// [`Connection::endpoint_for`](super::Connection::endpoint_for) picks the one to use.
    pub servers: &'static [Server],
}

/// One entry of a spec's `servers`.
#[derive(Debug)]
pub struct Server {
    /// The URL template, such as `https://ims.{region}.otc.t-systems.com`.
    pub url: &'static str,
    /// The variables the template uses.
    pub variables: &'static [ServerVariable],
}

impl Server {
    /// The dot-separated labels of the URL's host (`https://iam.{region}.example/v3` → `iam`,
    /// `{region}`, `example`).
    pub(crate) fn host_labels(&self) -> impl Iterator<Item = &'static str> {
        let url = self.url;
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or_default();
        host.split('.')
    }
}

/// A variable of a [`Server`] URL template.
#[derive(Debug)]
pub struct ServerVariable {
    /// The name inside the braces.
    pub name: &'static str,
    /// The value used when the configuration gives none.
    pub default: &'static str,
    /// The allowed values, when the spec lists them.
    pub allowed: &'static [&'static str],
}

/// What the runtime needs to know of an operation, besides the request itself.
#[derive(Debug)]
pub struct Operation {
    /// The spec's `operationId` (or the generated name when it has none).
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, for messages and logs (never with argument values in it).
    pub path: &'static str,
    /// Whether the spec asks for authentication on this operation.
    pub authenticated: bool,
}

impl Operation {
    /// Whether repeating the request has no further effect (RFC 9110, section 9.2.2), and so
    /// may be retried.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        ) || self.method == Method::TRACE
    }
}

/// How a query parameter is serialized (OpenAPI `style` and `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `style: form, explode: true` (the default): arrays repeat the name, objects spread
    /// their properties.
    Form,
    /// `style: form, explode: false`: arrays and objects are joined with commas.
    FormNoExplode,
    /// `style: spaceDelimited`: arrays joined with spaces.
    SpaceDelimited,
    /// `style: pipeDelimited`: arrays joined with `|`.
    PipeDelimited,
    /// `style: deepObject`: `name[key]=value`.
    DeepObject,
}

/// A request body, already serialized.
///
/// `Debug` shows its media type and size, never its content: a body may carry a password
/// (IAM) or other secrets.
#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) content_type: Cow<'static, str>,
    pub(crate) bytes: Bytes,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A request under construction, as the generated code builds it.
///
/// `Debug` hides credential headers and the body's content.
#[derive(Debug)]
pub struct Request {
    pub(crate) operation: &'static Operation,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) error: Option<String>,
}

impl Request {
    /// A request for `operation` on `path` (already encoded, see [`encode_path`]).
    pub fn new(operation: &'static Operation, path: String) -> Self {
        Self {
            operation,
            path,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error: None,
        }
    }

    /// A request for `operation` on a path assembled from `parts`: literal text as it is,
    /// each parameter percent-encoded so that it stays exactly one path segment.
    ///
    /// A parameter that is empty, `.` or `..` cannot be one segment (an empty one merges two
    /// slashes, and URL parsers remove `.` and `..` segments, percent-encoded or not, so the
    /// request would go to another resource): the request then fails with
    /// [`Error::InvalidRequest`] before anything is sent.
    pub fn with_path(operation: &'static Operation, parts: &[PathPart<'_>]) -> Self {
        let mut path = String::new();
        let mut error = None;
        for part in parts {
            match *part {
                PathPart::Text(text) => path.push_str(text),
                PathPart::Param(name, value) => {
                    if let Err(message) = check_path_param(name, value) {
                        error.get_or_insert(message);
                    }
                    path.push_str(&encode_path(value));
                }
            }
        }
        let mut request = Self::new(operation, path);
        request.error = error;
        request
    }

    /// The operation this request is for.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The encoded path, without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs, unencoded, in the order they were added.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The serialized body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_ref().map(|b| b.bytes.as_ref())
    }

    /// Adds a query parameter; `value` is serialized as the OpenAPI `style` says.
    pub fn query<T: Serialize + ?Sized>(&mut self, name: &str, value: &T, style: QueryStyle) {
        match serde_json::to_value(value) {
            Ok(value) => push_query(&mut self.query, name, &value, style),
            Err(e) => self.fail(format!("query parameter `{name}`: {e}")),
        }
    }

    /// Sets a header parameter. Values of headers that carry credentials (`X-Auth-Token`,
    /// `Authorization`, ...) are marked sensitive, so `Debug` output does not show them.
    pub fn header(&mut self, name: &'static str, value: impl fmt::Display) {
        let value = value.to_string();
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(is_sensitive(&name));
                self.headers.insert(name, value);
            }
            (Err(_), _) => self.fail(format!("`{name}` is not a valid header name")),
            (_, Err(_)) => self.fail(format!(
                "header `{name}` has a value that is not a valid header"
            )),
        }
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Body {
                    content_type: Cow::Borrowed("application/json"),
                    bytes: bytes.into(),
                })
            }
            Err(e) => self.fail(format!("body: {e}")),
        }
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_value(body) {
            Ok(value) => {
                let mut pairs = Vec::new();
                match &value {
                    serde_json::Value::Object(map) => {
                        for (k, v) in map {
                            push_query(&mut pairs, k, v, QueryStyle::Form);
                        }
                    }
                    other => push_query(&mut pairs, "body", other, QueryStyle::Form),
                }
                self.body = Some(Body {
                    content_type: Cow::Borrowed("application/x-www-form-urlencoded"),
                    bytes: encode_pairs(&pairs).into_bytes().into(),
                });
            }
            Err(e) => self.fail(format!("body: {e}")),
        }
    }

    /// Sets a body of any other media type, as given.
    pub fn raw(&mut self, content_type: &'static str, bytes: impl Into<Bytes>) {
        self.body = Some(Body {
            content_type: Cow::Borrowed(content_type),
            bytes: bytes.into(),
        });
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// The URL-encoded query string (without `?`), empty when there is no query.
    pub(crate) fn query_string(&self) -> String {
        encode_pairs(&self.query)
    }
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn push_query(
    out: &mut Vec<(String, String)>,
    name: &str,
    value: &serde_json::Value,
    style: QueryStyle,
) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            match style {
                QueryStyle::Form | QueryStyle::DeepObject => {
                    out.extend(texts.into_iter().map(|t| (name.to_owned(), t)))
                }
                QueryStyle::FormNoExplode => out.push((name.to_owned(), texts.join(","))),
                QueryStyle::SpaceDelimited => out.push((name.to_owned(), texts.join(" "))),
                QueryStyle::PipeDelimited => out.push((name.to_owned(), texts.join("|"))),
            }
        }
        Value::Object(map) => match style {
            QueryStyle::DeepObject => {
                for (k, v) in map {
                    push_query(out, &format!("{name}[{k}]"), v, QueryStyle::DeepObject);
                }
            }
            QueryStyle::FormNoExplode => {
                let joined: Vec<String> = map
                    .iter()
                    .filter_map(|(k, v)| scalar_text(v).map(|t| format!("{k},{t}")))
                    .collect();
                out.push((name.to_owned(), joined.join(",")));
            }
            _ => {
                for (k, v) in map {
                    push_query(out, k, v, style);
                }
            }
        },
        scalar => {
            if let Some(text) = scalar_text(scalar) {
                out.push((name.to_owned(), text));
            }
        }
    }
}

/// Characters kept as they are in a query component: RFC 3986 unreserved.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, QUERY));
        out.push('=');
        out.extend(utf8_percent_encode(v, QUERY));
    }
    out
}

/// A piece of a request path, for [`Request::with_path`].
#[derive(Debug, Clone, Copy)]
pub enum PathPart<'a> {
    /// Literal text of the path template, such as `/v1/`.
    Text(&'static str),
    /// A path parameter: its name in the template and its value (not yet encoded).
    Param(&'static str, &'a str),
}

/// Why a path parameter's value cannot be one path segment.
fn check_path_param(name: &str, value: &str) -> Result<(), String> {
    match value {
        "" => Err(format!("path parameter `{name}` is empty")),
        "." | ".." => Err(format!(
            "path parameter `{name}` is `{value}`, which URL parsers remove as a dot segment \
             (the request would go to another resource)"
        )),
        _ => Ok(()),
    }
}

/// The first segment of `path` that a URL parser treats as `.` or `..` (RFC 3986 section
/// 5.2.4; the WHATWG URL standard counts `%2e` as a dot too).
pub(crate) fn dot_segment(path: &str) -> Option<&str> {
    path.split('/').find(|segment| {
        let lower = segment.to_ascii_lowercase();
        matches!(
            lower.as_str(),
            "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"
        )
    })
}

/// Percent-encodes a path parameter so that it stays one path segment (`/`, `?`, `#`, `%`
/// and everything else outside RFC 3986 unreserved characters are escaped).
pub fn encode_path(segment: &str) -> Cow<'_, str> {
    utf8_percent_encode(segment, QUERY).into()
}

/// Headers whose values are credentials: never shown by `Debug`.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-auth-token",
    "x-subject-token",
    "x-security-token",
    "cookie",
    "set-cookie",
];

fn is_sensitive(name: &HeaderName) -> bool {
    SENSITIVE_HEADERS.contains(&name.as_str())
}

/// Marks the values of credential headers as sensitive, so that `Debug` prints `Sensitive`.
pub(crate) fn mark_sensitive(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        if is_sensitive(name) {
            value.set_sensitive(true);
        }
    }
}

/// What every response has, typed or not: the status and the headers, and what is read
/// from them. [`RawResponse`] derefs to it; [`Response`] has the same accessors.
///
/// `Debug` hides credential headers.
#[derive(Debug, Clone)]
pub struct Head {
    status: StatusCode,
    headers: HeaderMap,
}

impl Head {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The status as a number, for matching on documented statuses.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, when present and valid (such as IAM's `X-Subject-Token`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The request id (`X-Request-Id` or the service's equivalent), when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }
}

/// The request id among `headers`, when the server sent one (see [`Head::request_id`]).
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
}

/// A complete response before it is typed; generated code turns it into a [`Response`] or an
/// [`Error`]. Derefs to its [`Head`] (status, headers, request id).
///
/// `Debug` shows the start of the body and hides credential headers.
pub struct RawResponse {
    operation: &'static Operation,
    head: Head,
    body: Bytes,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("operation", &self.operation.id)
            .field("status", &self.head.status)
            .field("headers", &self.head.headers)
            .field("body", &snippet(&self.body))
            .finish()
    }
}

impl Deref for RawResponse {
    type Target = Head;

    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Response headers that carry a request id, most common first.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "x-openstack-request-id",
    "x-compute-request-id",
    "request-id",
    "x-amz-request-id",
    "x-iam-trace-id",
];

impl RawResponse {
    /// A response as one request's attempts ended with it.
    pub(crate) fn new(
        operation: &'static Operation,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        Self {
            operation,
            head: Head { status, headers },
            body,
        }
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Decodes a JSON success body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<Response<T>, Error<E>> {
        match decode::<T>(&self.body) {
            Ok(body) => Ok(self.into_response(body)),
            Err((path, message)) => {
                let mut error = self.decode_error(path, message);
                if let Error::Decode(e) = &mut error {
                    e.snippet = snippet(&self.body);
                }
                Err(error)
            }
        }
    }

    /// A [`Error::Decode`] for this response: what at `path` (a body field, `Name (header)`)
    /// is not as the spec says. No snippet: the caller adds one when the body is at fault.
    pub(crate) fn decode_error<E>(
        &self,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Error<E> {
        Error::Decode(Box::new(DecodeError {
            operation: self.operation.id,
            status: self.head.status,
            request_id: self.head.request_id().map(str::to_owned),
            path: path.into(),
            message: message.into(),
            snippet: String::new(),
        }))
    }

    /// A success response without a body (whatever the server sent is ignored).
    pub fn empty<E>(self) -> Result<Response<()>, Error<E>> {
        Ok(self.into_response(()))
    }

    /// A success body of a media type that is not decoded, as bytes.
    pub fn bytes<E>(self) -> Result<Response<Bytes>, Error<E>> {
        let body = self.body.clone();
        Ok(self.into_response(body))
    }

    /// A `text/*` success body, as a string (invalid UTF-8 replaced).
    pub fn text<E>(self) -> Result<Response<String>, Error<E>> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        Ok(self.into_response(body))
    }

    /// A documented error status: decodes the body as `B`, wraps it with `wrap`, and returns
    /// the [`Error::Api`]. A body that does not decode leaves [`ApiError::body`] empty; the raw
    /// body, code and message are kept either way.
    pub fn error<T, B: DeserializeOwned, E>(
        self,
        wrap: impl FnOnce(B) -> E,
    ) -> Result<T, Error<E>> {
        let body = decode::<B>(&self.body).ok().map(wrap);
        Err(self.into_api_error(body))
    }

    /// The documented success headers, read into `H` (a generated struct); a required one
    /// that is missing, or a value that does not read as its type, is an [`Error::Decode`]
    /// whose path names the header.
    pub fn typed_headers<H: FromHeaders, E>(&self) -> Result<H, Error<E>> {
        H::from_headers(&self.head.headers)
            .map_err(|e| self.decode_error(format!("{} (header)", e.header), e.message))
    }

    /// A status the spec does not document (or documents without a body).
    pub fn unexpected<T, E>(self) -> Result<T, Error<E>> {
        Err(self.into_api_error(None))
    }

    pub(crate) fn into_api_error<E>(self, body: Option<E>) -> Error<E> {
        let (code, message) = error_code_and_message(&self.body);
        Error::Api(Box::new(ApiError {
            operation: self.operation.id,
            status: self.head.status,
            request_id: self.head.request_id().map(str::to_owned),
            headers: self.head.headers,
            code,
            message,
            body,
            raw: self.body,
        }))
    }

    fn into_response<T>(self, body: T) -> Response<T> {
        Response {
            head: self.head,
            body,
            typed_headers: (),
            raw: RawBody(self.body),
        }
    }
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, String)> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        (path, e.into_inner().to_string())
    })
}

/// Finds the error code and message in an error body, the way the clouds' SDKs do: first
/// `error_code`/`error_msg`, then `code`/`message` and the like, then the same one level down
/// (`{"error": {"code": ..., "message": ...}}`, `{"badRequest": {...}}`).
pub(crate) fn error_code_and_message(body: &[u8]) -> (Option<String>, Option<String>) {
    const CODES: &[&str] = &["error_code", "errorCode", "code"];
    const MESSAGES: &[&str] = &[
        "error_msg",
        "error_message",
        "errorMessage",
        "message",
        "msg",
        "error_description",
        "detail",
    ];
    fn text(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn find(map: &serde_json::Map<String, serde_json::Value>) -> (Option<String>, Option<String>) {
        let code = CODES.iter().find_map(|k| map.get(*k).and_then(text));
        let message = MESSAGES.iter().find_map(|k| map.get(*k).and_then(text));
        (code, message)
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let top = find(&map);
    if top.0.is_some() || top.1.is_some() {
        return top;
    }
    map.values()
        .filter_map(|v| v.as_object())
        .map(find)
        .find(|(c, m)| c.is_some() || m.is_some())
        .unwrap_or((None, None))
}

/// A successful response: the typed body plus the status and headers it came with, and
/// `H`, the headers the spec documents for it read into a generated struct (`()` when it
/// documents none; see [`Response::typed_headers`]).
///
/// Derefs to the body, so `response.status` reads the body's field; use
/// [`Response::status`] (a method) for the HTTP status.
#[derive(Debug, Clone)]
pub struct Response<T, H = ()> {
    head: Head,
    body: T,
    typed_headers: H,
    raw: RawBody,
}

/// The body bytes as received, kept beside the typed body ([`Response::raw_body`]); `Debug`
/// shows only their length.
#[derive(Clone, Default)]
struct RawBody(Bytes);

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.0.len())
    }
}

impl<T> Response<T> {
    /// The same response with its documented headers read into `headers`.
    pub fn with_typed_headers<H>(self, headers: H) -> Response<T, H> {
        Response {
            head: self.head,
            body: self.body,
            typed_headers: headers,
            raw: self.raw,
        }
    }
}

impl<T, H> Response<T, H> {
    /// The headers the spec documents for this response, typed (IAM's `X-Subject-Token`,
    /// say): a required one is always there, since a response without it is an error.
    pub fn typed_headers(&self) -> &H {
        &self.typed_headers
    }

    /// The same response without its typed headers (the raw ones stay).
    pub fn without_typed_headers(self) -> Response<T> {
        Response {
            head: self.head,
            body: self.body,
            typed_headers: (),
            raw: self.raw,
        }
    }

    /// The status and headers (the accessors below read them).
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.head.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.head.headers()
    }

    /// One header as text, when present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    /// The request id (`X-Request-Id` or the service's equivalent), when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.head.request_id()
    }

    /// The typed body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The body exactly as the server sent it (fields the spec does not know and `null`s
    /// included), which the typed body was decoded from.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw.0
    }

    /// The typed body, dropping status and headers.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Maps the body, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U, H> {
        Response {
            head: self.head,
            body: f(self.body),
            typed_headers: self.typed_headers,
            raw: self.raw,
        }
    }
}

/// Reading the headers a spec documents for a response into a generated struct.
pub trait FromHeaders: Sized {
    /// Reads the documented headers out of `headers`.
    fn from_headers(headers: &HeaderMap) -> Result<Self, HeaderError>;
}

impl FromHeaders for () {
    fn from_headers(_: &HeaderMap) -> Result<Self, HeaderError> {
        Ok(())
    }
}

/// Why a documented response header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    /// The header's name, as the spec writes it.
    pub header: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// A type a response header's value is read as (by [`required_header`] and
/// [`optional_header`]).
pub trait HeaderText: Sized {
    /// The value read from the header's text, or `None` when the text is not one.
    fn from_header_text(text: &str) -> Option<Self>;
    /// What the value should look like, for error messages.
    const EXPECTED: &'static str;
}

impl HeaderText for String {
    const EXPECTED: &'static str = "text";
    fn from_header_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl HeaderText for super::secret::Secret {
    const EXPECTED: &'static str = "text";
    fn from_header_text(text: &str) -> Option<Self> {
        Some(Self::new(text))
    }
}

impl HeaderText for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_header_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
}

impl HeaderText for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_header_text(text: &str) -> Option<Self> {
        text.trim().parse().ok().filter(|n: &f64| n.is_finite())
    }
}

impl HeaderText for bool {
    const EXPECTED: &'static str = "`true` or `false`";
    fn from_header_text(text: &str) -> Option<Self> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(true),
            t if t.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// A documented header that every success response must carry: a response without it, or
/// with a value that is not a `T`, is an error (whose message never shows the value: it may
/// be a credential).
pub fn required_header<T: HeaderText>(
    headers: &HeaderMap,
    name: &'static str,
) -> Result<T, HeaderError> {
    let Some(text) = header_text(headers, name) else {
        return Err(HeaderError {
            header: name,
            message: "the response lacks this required header".to_owned(),
        });
    };
    T::from_header_text(&text).ok_or_else(|| HeaderError {
        header: name,
        message: format!("the value is not {}", T::EXPECTED),
    })
}

/// A documented header that may be absent. A value that is not a `T` (an HTTP-date where the
/// spec says seconds, say) reads as absent rather than failing the whole response: servers
/// send what they send, and the raw value stays in [`Response::headers`].
pub fn optional_header<T: HeaderText>(
    headers: &HeaderMap,
    name: &'static str,
) -> Result<Option<T>, HeaderError> {
    Ok(header_text(headers, name).and_then(|text| T::from_header_text(&text)))
}

/// A header's text as UTF-8 (invalid bytes replaced), when present.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

impl<T, H> Deref for Response<T, H> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: Operation = Operation {
        id: "Test",
        method: Method::GET,
        path: "/t",
        authenticated: false,
    };

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(encode_path("ff80-80_81.4d~"), "ff80-80_81.4d~");
    }

    #[test]
    fn path_parameters_stay_one_segment() {
        let parts = |id| {
            [
                PathPart::Text("/v1/"),
                PathPart::Param("project_id", "p"),
                PathPart::Text("/jobs/"),
                PathPart::Param("job_id", id),
            ]
        };
        let ok = Request::with_path(&OP, &parts("a/b c"));
        assert_eq!(ok.path(), "/v1/p/jobs/a%2Fb%20c");
        assert!(ok.error.is_none());
        // Even encoded, `.` and `..` are dot segments to a URL parser: refused, not sent.
        for (id, word) in [("", "empty"), (".", "`.`"), ("..", "`..`")] {
            let r = Request::with_path(&OP, &parts(id));
            let error = r.error.expect(id);
            assert!(
                error.contains("`job_id`") && error.contains(word),
                "{error}"
            );
        }
        // `...` and dots inside a value are ordinary ids.
        assert!(Request::with_path(&OP, &parts("...")).error.is_none());
        assert!(Request::with_path(&OP, &parts("a..b")).error.is_none());
        for path in ["/v1/./x", "/v1/../x", "/v1/%2E%2e/x", "/v1/.%2E", "/v1/%2e"] {
            assert!(dot_segment(path).is_some(), "{path}");
        }
        for path in ["/v1/p/jobs/...", "/v1/a.b/", "/v1//x", "/%2e%2e%2e"] {
            assert_eq!(dot_segment(path), None, "{path}");
        }
    }

    #[test]
    fn request_debug_hides_the_body() {
        let mut r = Request::new(&OP, "/t".into());
        r.json(&serde_json::json!({"password": "pw-SECRET"}));
        let debug = format!("{r:?}");
        assert!(
            !debug.contains("SECRET") && debug.contains("application/json"),
            "{debug}"
        );
    }

    #[test]
    fn query_styles() {
        let mut r = Request::new(&OP, "/t".into());
        r.query("ids", &["a", "b c"], QueryStyle::Form);
        r.query("tags", &["x", "y"], QueryStyle::FormNoExplode);
        r.query(
            "filter",
            &serde_json::json!({"age": 3, "name": "n"}),
            QueryStyle::DeepObject,
        );
        r.query("limit", &Some(10), QueryStyle::Form);
        r.query("marker", &None::<String>, QueryStyle::Form);
        assert_eq!(
            r.query_string(),
            "ids=a&ids=b%20c&tags=x%2Cy&filter%5Bage%5D=3&filter%5Bname%5D=n&limit=10"
        );
    }

    #[test]
    fn credential_headers_are_hidden_from_debug() {
        let mut r = Request::new(&OP, "/t".into());
        r.header("X-Auth-Token", "tok-SECRET");
        r.header("X-Environment-ID", "env-visible");
        let debug = format!("{r:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("env-visible"), "{debug}");

        let mut headers = HeaderMap::new();
        headers.insert(
            "x-subject-token",
            HeaderValue::from_static("subject-SECRET"),
        );
        headers.insert("set-cookie", HeaderValue::from_static("SECRET=1"));
        headers.insert("x-request-id", HeaderValue::from_static("req-1"));
        mark_sensitive(&mut headers);
        let raw = RawResponse::new(&OP, StatusCode::CREATED, headers, Bytes::from_static(b"{}"));
        let debug = format!("{raw:?}");
        let typed: (crate::Secret, Option<i64>) = (
            required_header(raw.headers(), "X-Subject-Token").unwrap(),
            optional_header(raw.headers(), "x-count").unwrap(),
        );
        assert_eq!(typed.0.expose(), "subject-SECRET");
        assert_eq!(typed.1, None);
        let e = required_header::<String>(raw.headers(), "X-Missing").unwrap_err();
        assert_eq!(e.header, "X-Missing");
        // An optional header that is not its type reads as absent; a required one fails.
        assert_eq!(
            optional_header::<i64>(raw.headers(), "x-request-id"),
            Ok(None)
        );
        let e = required_header::<i64>(raw.headers(), "x-request-id").unwrap_err();
        assert!(e.message.contains("integer") && !e.message.contains("req-1"));
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("req-1"), "{debug}");
        let response = raw.json::<serde_json::Value, ()>().unwrap();
        let debug = format!("{response:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
    }

    #[test]
    fn bad_header_value_becomes_request_error() {
        let mut r = Request::new(&OP, "/t".into());
        r.header("X-Environment-ID", "a\nb");
        assert!(r.error.unwrap().contains("X-Environment-ID"));
    }

    #[test]
    fn error_code_and_message_shapes() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                r#"{"error_code":"IMS.0001","error_msg":"gone"}"#,
                Some("IMS.0001"),
                Some("gone"),
            ),
            (r#"{"code":"X","message":"m"}"#, Some("X"), Some("m")),
            (
                r#"{"error":{"code":"APIGW.0301","message":"bad token"}}"#,
                Some("APIGW.0301"),
                Some("bad token"),
            ),
            (
                r#"{"badRequest":{"code":400,"message":"no"}}"#,
                Some("400"),
                Some("no"),
            ),
            ("<html>502</html>", None, None),
        ];
        for (body, code, message) in cases {
            let (c, m) = error_code_and_message(body.as_bytes());
            assert_eq!((c.as_deref(), m.as_deref()), (*code, *message), "{body}");
        }
    }
}
