//! The control socket (`[control] socket`, a unix stream socket) and its client.
//!
//! Protocol: the client sends one request line, the gateway answers one line of JSON and
//! closes the connection.
//!
//! ```text
//! stats                      everything below in one object (a telemetry Snapshot)
//! ports                      per-port counters, rates and xstats
//! workers                    per-worker counters, busy ratio, cycles/packet, table generation
//! signaling                  signaling counters, shell counters, PBU processing time
//! bindings [mn-id ID] [prefix P] [limit N] [offset N]
//!                            a page of bindings (default limit 100, at most 10000)
//! help                       the request list
//! ```
//!
//! Replies are `{"ok":true,"data":...}` or `{"ok":false,"error":"..."}`. With `socat`:
//! `echo workers | socat - UNIX-CONNECT:/run/mobgw/lma1.sock`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::telemetry::{BindingQuery, Telemetry};

/// Longest request line accepted.
const MAX_REQUEST: u64 = 4096;
/// How long one client may take to send its request or read the reply.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the main loop has to answer a binding listing.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Stats,
    Ports,
    Workers,
    Signaling,
    Bindings(BindingQuery),
    Help,
}

/// Why a request line was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("empty request (try \"help\")")]
    Empty,
    #[error("unknown request \"{0}\" (try \"help\")")]
    Unknown(String),
    #[error("\"{0}\" needs a value")]
    MissingValue(String),
    #[error("bad {what} \"{value}\": {reason}")]
    BadValue {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("unknown bindings filter \"{0}\" (mn-id, prefix, limit, offset)")]
    UnknownFilter(String),
}

/// The request list, as `help` answers it.
pub const HELP: &str = "stats | ports | workers | signaling | \
                        bindings [mn-id ID] [prefix P] [limit N] [offset N] | help";

impl Request {
    /// Parse one request line.
    pub fn parse(line: &str) -> Result<Request, RequestError> {
        let mut words = line.split_whitespace();
        let Some(cmd) = words.next() else {
            return Err(RequestError::Empty);
        };
        let req = match cmd {
            "stats" => Request::Stats,
            "ports" => Request::Ports,
            "workers" => Request::Workers,
            "signaling" => Request::Signaling,
            "help" => Request::Help,
            "bindings" => {
                let mut q = BindingQuery::default();
                while let Some(key) = words.next() {
                    let value = words
                        .next()
                        .ok_or_else(|| RequestError::MissingValue(key.into()))?;
                    let bad = |what: &'static str, reason: String| RequestError::BadValue {
                        what,
                        value: value.into(),
                        reason,
                    };
                    match key {
                        "mn-id" => q.mn_id = Some(value.into()),
                        "prefix" => {
                            q.prefix =
                                Some(value.parse().map_err(|e: ipnet::AddrParseError| {
                                    bad("prefix", e.to_string())
                                })?)
                        }
                        "limit" => {
                            q.limit = value
                                .parse()
                                .map_err(|e: std::num::ParseIntError| bad("limit", e.to_string()))?
                        }
                        "offset" => {
                            q.offset = value.parse().map_err(|e: std::num::ParseIntError| {
                                bad("offset", e.to_string())
                            })?
                        }
                        other => return Err(RequestError::UnknownFilter(other.into())),
                    }
                }
                return Ok(Request::Bindings(q));
            }
            other => return Err(RequestError::Unknown(other.into())),
        };
        match words.next() {
            None => Ok(req),
            Some(extra) => Err(RequestError::Unknown(format!("{cmd} {extra}"))),
        }
    }

    /// The request line for this request (what the CLI sends).
    pub fn to_line(&self) -> String {
        match self {
            Request::Stats => "stats".into(),
            Request::Ports => "ports".into(),
            Request::Workers => "workers".into(),
            Request::Signaling => "signaling".into(),
            Request::Help => "help".into(),
            Request::Bindings(q) => {
                let mut s = String::from("bindings");
                if let Some(id) = &q.mn_id {
                    s.push_str(&format!(" mn-id {id}"));
                }
                if let Some(p) = &q.prefix {
                    s.push_str(&format!(" prefix {p}"));
                }
                if q.limit != 0 {
                    s.push_str(&format!(" limit {}", q.limit));
                }
                if q.offset != 0 {
                    s.push_str(&format!(" offset {}", q.offset));
                }
                s
            }
        }
    }
}

/// One reply line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Reply {
    fn data(v: Value) -> Reply {
        Reply {
            ok: true,
            data: Some(v),
            error: None,
        }
    }

    fn error(e: impl ToString) -> Reply {
        Reply {
            ok: false,
            data: None,
            error: Some(e.to_string()),
        }
    }
}

/// Answer one request line.
pub fn answer(telemetry: &Telemetry, line: &str) -> Reply {
    let req = match Request::parse(line) {
        Ok(r) => r,
        Err(e) => return Reply::error(e),
    };
    let to_value = |r: Result<Value, serde_json::Error>| match r {
        Ok(v) => Reply::data(v),
        Err(e) => Reply::error(format!("encoding the reply: {e}")),
    };
    match req {
        Request::Help => Reply::data(Value::String(HELP.into())),
        Request::Stats => to_value(serde_json::to_value(telemetry.current())),
        Request::Ports => to_value(serde_json::to_value(telemetry.current().ports)),
        Request::Workers => to_value(serde_json::to_value(telemetry.current().workers)),
        Request::Signaling => {
            let s = telemetry.current();
            match s.signaling {
                Some(sig) => to_value(serde_json::to_value(sig)),
                None => Reply::error("no signaling engine runs (forward = \"io\")"),
            }
        }
        Request::Bindings(q) => match telemetry.bindings(q, QUERY_TIMEOUT) {
            Ok(page) => to_value(serde_json::to_value(page)),
            Err(e) => Reply::error(e),
        },
    }
}

/// Why the control socket did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{path}: another process is serving this socket")]
    InUse { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The running control socket.
#[derive(Debug)]
pub struct ControlServer {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ControlServer {
    /// Bind `path` (creating its directory, replacing a stale socket) and serve from a
    /// thread pinned to `core`.
    pub fn start(
        path: &Path,
        telemetry: Arc<Telemetry>,
        core: Option<core_affinity::CoreId>,
    ) -> Result<ControlServer, ServeError> {
        let io = |source| ServeError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(ServeError::InUse {
                    path: path.to_path_buf(),
                });
            }
            std::fs::remove_file(path).map_err(io)?;
        }
        let listener = UnixListener::bind(path).map_err(io)?;
        let stop = Arc::new(AtomicBool::new(false));
        let st = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("mobgw-control".into())
            .spawn(move || {
                if let Some(c) = core {
                    core_affinity::set_for_current(c);
                }
                for conn in listener.incoming() {
                    if st.load(Ordering::Relaxed) {
                        break;
                    }
                    match conn {
                        Ok(s) => {
                            if let Err(e) = serve_one(s, &telemetry) {
                                tracing::debug!(error = %e, "control client");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "control socket accept"),
                    }
                }
            })
            .map_err(io)?;
        Ok(ControlServer {
            path: path.to_path_buf(),
            stop,
            thread: Some(thread),
        })
    }

    /// Stop serving, join the thread, remove the socket file.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocking accept.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve_one(s: UnixStream, telemetry: &Telemetry) -> std::io::Result<()> {
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut line = String::new();
    BufReader::new((&s).take(MAX_REQUEST)).read_line(&mut line)?;
    if line.is_empty() {
        // A connection that sends nothing (the stop wake-up, a liveness probe).
        return Ok(());
    }
    let reply = answer(telemetry, line.trim());
    let mut out = serde_json::to_vec(&reply).unwrap_or_else(|e| {
        format!("{{\"ok\":false,\"error\":\"encoding the reply: {e}\"}}").into_bytes()
    });
    out.push(b'\n');
    (&s).write_all(&out)?;
    (&s).flush()
}

/// Why a control request failed, client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach mobgw at {path}: {source} (is it running with [control] socket = \"{path}\"?)")]
    Unreachable {
        path: String,
        source: std::io::Error,
    },
    #[error("talking to mobgw at {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("mobgw at {path} sent a reply that is not JSON: {source}")]
    BadReply {
        path: String,
        source: serde_json::Error,
    },
    #[error("mobgw: {0}")]
    Remote(String),
}

/// Send one request, return the reply's data.
pub fn request(path: &Path, req: &Request, timeout: Duration) -> Result<Value, ClientError> {
    let p = path.display().to_string();
    let s = UnixStream::connect(path).map_err(|source| ClientError::Unreachable {
        path: p.clone(),
        source,
    })?;
    let io = |source| ClientError::Io {
        path: p.clone(),
        source,
    };
    s.set_read_timeout(Some(timeout)).map_err(io)?;
    s.set_write_timeout(Some(timeout)).map_err(io)?;
    (&s).write_all(format!("{}\n", req.to_line()).as_bytes())
        .map_err(io)?;
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line).map_err(io)?;
    let reply: Reply = serde_json::from_str(&line).map_err(|source| ClientError::BadReply {
        path: p.clone(),
        source,
    })?;
    match (reply.ok, reply.data, reply.error) {
        (true, Some(d), _) => Ok(d),
        (_, _, Some(e)) => Err(ClientError::Remote(e)),
        _ => Err(ClientError::Remote("empty reply".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::{BindingPage, Snapshot};

    #[test]
    fn requests_parse_and_round_trip() {
        assert_eq!(Request::parse("stats"), Ok(Request::Stats));
        assert_eq!(Request::parse("  workers \n"), Ok(Request::Workers));
        let r =
            Request::parse("bindings mn-id mn1@x prefix 2001:db8::/48 limit 5 offset 10").unwrap();
        let Request::Bindings(q) = &r else {
            panic!("{r:?}")
        };
        assert_eq!(q.mn_id.as_deref(), Some("mn1@x"));
        assert_eq!(q.prefix, Some("2001:db8::/48".parse().unwrap()));
        assert_eq!((q.limit, q.offset), (5, 10));
        assert_eq!(Request::parse(&r.to_line()), Ok(r));
        assert_eq!(Request::parse(""), Err(RequestError::Empty));
        assert!(matches!(
            Request::parse("bindings limit"),
            Err(RequestError::MissingValue(_))
        ));
        assert!(matches!(
            Request::parse("bindings prefix nope"),
            Err(RequestError::BadValue { what: "prefix", .. })
        ));
        assert!(matches!(
            Request::parse("bindings colour red"),
            Err(RequestError::UnknownFilter(_))
        ));
        assert!(matches!(
            Request::parse("reboot"),
            Err(RequestError::Unknown(_))
        ));
        assert!(matches!(
            Request::parse("stats now"),
            Err(RequestError::Unknown(_))
        ));
    }

    #[test]
    fn socket_answers_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/ctl.sock");
        let base = Snapshot {
            node_id: "n1".into(),
            ..Snapshot::default()
        };
        let (t, queries) = Telemetry::new(base, Vec::new(), None);
        // The main loop's side of binding queries.
        let main = std::thread::spawn(move || {
            if let Ok(q) = queries.recv() {
                let _ = q.reply.send(BindingPage {
                    total: 7,
                    matched: q.bindings.limit as u64,
                    ..BindingPage::default()
                });
            }
        });
        let srv = ControlServer::start(&path, Arc::clone(&t), None).unwrap();
        assert!(matches!(
            ControlServer::start(&path, Arc::clone(&t), None),
            Err(ServeError::InUse { .. })
        ));
        let d = request(&path, &Request::Stats, IO_TIMEOUT).unwrap();
        assert_eq!(d["node_id"], "n1");
        let q = BindingQuery {
            limit: 3,
            ..BindingQuery::default()
        };
        let d = request(&path, &Request::Bindings(q), IO_TIMEOUT).unwrap();
        assert_eq!(
            (d["total"].as_u64(), d["matched"].as_u64()),
            (Some(7), Some(3))
        );
        let e = request(&path, &Request::Signaling, IO_TIMEOUT).unwrap_err();
        assert!(e.to_string().contains("no signaling engine"), "{e}");
        srv.stop();
        main.join().unwrap();
        assert!(!path.exists(), "the socket file is removed on stop");
        let e = request(&path, &Request::Stats, IO_TIMEOUT).unwrap_err();
        assert!(matches!(e, ClientError::Unreachable { .. }), "{e}");
        assert!(e.to_string().contains("cannot reach mobgw"), "{e}");
    }
}
