//! A local HTTP/1.1 server that misbehaves on purpose, for fault-injection tests.
//!
//! [`FaultyServer::start`] listens on 127.0.0.1 (a free port) and answers the n-th request
//! with the n-th [`Fault`] of its list (the last one repeats): connection resets before the
//! response or in the middle of the body, stalls before the headers or in the middle of the
//! body, a body dripping one byte at a time, bodies far over any size limit (with a
//! `Content-Length`, chunked, or delimited by closing the connection), redirect loops, and
//! any hand-made [`Reply`] (truncated JSON, a wrong content type, an HTML error page, an empty
//! `200`, ...).
//!
//! Every connection is closed after one response (`Connection: close`), so each request is
//! on a connection of its own. Dropping the server stops it and closes every connection,
//! stalled ones included. Everything it received is kept ([`FaultyServer::requests`]).
//!
//! ```no_run
//! # async fn demo() {
//! use cloudjobs_tests::faulty::{Fault, FaultyServer, Reply};
//!
//! let server = FaultyServer::start(vec![
//!     Fault::ResetBeforeHeaders,
//!     Fault::Reply(Reply::json(200, r#"{"status": "SUCCESS"}"#)),
//! ])
//! .await;
//! // Point a client at server.url(): the first request is reset, the next ones succeed.
//! # let _ = server.url();
//! # }
//! ```

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The largest request head the server reads; a larger one closes the connection.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body the server reads; a larger one closes the connection.
const MAX_BODY: usize = 1024 * 1024;

/// A complete HTTP response, written exactly as given (plus `Content-Length` unless the
/// headers already frame the body, and `Connection: close`).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A response with this status, no headers and no body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            reason: reason(status).to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response with a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The status line and headers, with `Content-Length` (for a body of `length` bytes,
    /// when given and not already framed) and `Connection: close`.
    fn head(&self, length: Option<usize>) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(length) = length
            && !self.has_header("content-length")
            && !self.has_header("transfer-encoding")
        {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        if !self.has_header("connection") {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// How an oversized body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A `Content-Length` header announcing the full size.
    ContentLength,
    /// `Transfer-Encoding: chunked`, 64 KiB chunks.
    Chunked,
    /// No length at all: the body ends when the connection closes.
    UntilClose,
}

/// How the server treats one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answers with this response.
    Reply(Reply),
    /// Reads the request, then resets the connection (TCP RST) without answering.
    ResetBeforeHeaders,
    /// Sends the head of `reply` (with its full `Content-Length`) and the first `sent` bytes
    /// of its body, then resets the connection.
    ResetMidBody {
        /// The response that is cut.
        reply: Reply,
        /// How many bytes of its body are sent.
        sent: usize,
    },
    /// Reads the request and never answers; the connection stays open.
    StallBeforeHeaders,
    /// Sends the head of `reply` (with its full `Content-Length`) and the first `sent` bytes
    /// of its body, then neither sends more nor closes.
    StallMidBody {
        /// The response that stalls.
        reply: Reply,
        /// How many bytes of its body are sent.
        sent: usize,
    },
    /// Sends the head of a `200` JSON response announcing a 1 MiB body, then one byte of it
    /// every `every`: always busy, never done.
    Trickle {
        /// The pause between two bytes.
        every: Duration,
    },
    /// A `200` JSON response with a body of `bytes` bytes, streamed as fast as the client
    /// reads (stops when the client goes away).
    Oversized {
        /// The body size.
        bytes: u64,
        /// How the body is framed.
        framing: Framing,
    },
    /// A `302 Found` back to the requested path: a redirect loop.
    RedirectLoop,
    /// A `307 Temporary Redirect` to `location` (an absolute URL, another server say).
    RedirectTo {
        /// The `Location` header.
        location: String,
    },
}

impl Fault {
    /// A `200` JSON response whose document is `body` cut after `keep` bytes, sent as a
    /// complete, well-framed response (its `Content-Length` is the cut length): the HTTP
    /// layer is fine, the JSON is not.
    pub fn truncated_json(body: &str, keep: usize) -> Fault {
        let cut = &body.as_bytes()[..keep.min(body.len())];
        Fault::Reply(Reply::json(200, cut.to_vec()))
    }

    /// An nginx-style HTML error page with this status (`text/html`).
    pub fn html(status: u16) -> Fault {
        let text = format!("{status} {}", reason(status));
        Fault::Reply(
            Reply::new(status)
                .header("Content-Type", "text/html")
                .header("Server", "nginx")
                .body(format!(
                    "<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n\
                     <center><h1>{text}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                     </body>\r\n</html>\r\n"
                )),
        )
    }

    /// A `200` with an empty body (`Content-Length: 0`).
    pub fn empty_ok() -> Fault {
        Fault::Reply(Reply::new(200).header("Content-Type", "application/json"))
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The value of a header (case-insensitive name), when present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    faults: Vec<Fault>,
    next: usize,
    received: Vec<Received>,
}

impl State {
    fn take(&mut self, request: Received) -> Fault {
        self.received.push(request);
        let i = self.next.min(self.faults.len().saturating_sub(1));
        self.next += 1;
        self.faults
            .get(i)
            .cloned()
            .unwrap_or(Fault::ResetBeforeHeaders)
    }
}

/// The server; stops (closing every connection) when dropped.
pub struct FaultyServer {
    url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FaultyServer {
    /// Starts a server on 127.0.0.1 and a free port that answers the n-th request with
    /// `faults[n]`, and every request after the last with the last fault (an empty list
    /// resets every connection).
    ///
    /// # Panics
    ///
    /// When no port on 127.0.0.1 can be bound.
    pub async fn start(faults: Vec<Fault>) -> FaultyServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let state = Arc::new(Mutex::new(State {
            faults,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection task.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        connections.spawn(serve(socket, Arc::clone(&shared)));
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        FaultyServer { url, state, task }
    }

    /// Starts a server that answers every request with `fault`.
    pub async fn always(fault: Fault) -> FaultyServer {
        Self::start(vec![fault]).await
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// How many requests were received so far.
    pub fn hits(&self) -> usize {
        self.lock().received.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request; `None` when the client closed, sent garbage or too much.
async fn read_request(socket: &mut TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if data.len() > MAX_HEAD {
            return None;
        }
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return None;
    }
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}

/// Serves one connection: one request, one fault.
async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let target = request.target.clone();
    let fault = state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take(request);
    // Write errors mean the client went away: the fault has done its work either way.
    let _ = act(&mut socket, fault, &target).await;
}

async fn act(socket: &mut TcpStream, fault: Fault, target: &str) -> std::io::Result<()> {
    match fault {
        Fault::Reply(reply) => {
            socket
                .write_all(&reply.head(Some(reply.body.len())))
                .await?;
            socket.write_all(&reply.body).await?;
            socket.shutdown().await
        }
        Fault::ResetBeforeHeaders => reset(socket),
        Fault::ResetMidBody { reply, sent } => {
            socket
                .write_all(&reply.head(Some(reply.body.len())))
                .await?;
            socket
                .write_all(&reply.body[..sent.min(reply.body.len())])
                .await?;
            socket.flush().await?;
            // Let the client read what was sent before the reset discards it.
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(socket)
        }
        Fault::StallBeforeHeaders => std::future::pending().await,
        Fault::StallMidBody { reply, sent } => {
            socket
                .write_all(&reply.head(Some(reply.body.len())))
                .await?;
            socket
                .write_all(&reply.body[..sent.min(reply.body.len())])
                .await?;
            socket.flush().await?;
            std::future::pending().await
        }
        Fault::Trickle { every } => {
            let reply = Reply::json(200, Vec::new()).header("Content-Length", "1048576");
            socket.write_all(&reply.head(None)).await?;
            socket.write_all(b"{").await?;
            loop {
                tokio::time::sleep(every).await;
                socket.write_all(b" ").await?;
                socket.flush().await?;
            }
        }
        Fault::Oversized { bytes, framing } => {
            let mut reply = Reply::json(200, Vec::new());
            match framing {
                Framing::ContentLength => {
                    reply = reply.header("Content-Length", bytes.to_string());
                }
                Framing::Chunked => reply = reply.header("Transfer-Encoding", "chunked"),
                Framing::UntilClose => {}
            }
            socket.write_all(&reply.head(None)).await?;
            let chunk = vec![b' '; 64 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
                if framing == Framing::Chunked {
                    socket.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    socket.write_all(&chunk[..n]).await?;
                    socket.write_all(b"\r\n").await?;
                } else {
                    socket.write_all(&chunk[..n]).await?;
                }
                left -= n as u64;
            }
            if framing == Framing::Chunked {
                socket.write_all(b"0\r\n\r\n").await?;
            }
            socket.shutdown().await
        }
        Fault::RedirectLoop => {
            let reply = Reply::new(302).header("Location", target);
            socket.write_all(&reply.head(Some(0))).await?;
            socket.shutdown().await
        }
        Fault::RedirectTo { location } => {
            let reply = Reply::new(307).header("Location", location);
            socket.write_all(&reply.head(Some(0))).await?;
            socket.shutdown().await
        }
    }
}

/// Closes the connection with a TCP RST instead of a FIN.
fn reset(socket: &mut TcpStream) -> std::io::Result<()> {
    socket.set_zero_linger()
    // Dropping the socket (when the connection task ends) sends the RST.
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
