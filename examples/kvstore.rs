// kvstore: a tiny key-value store whose protocol is typed commands over
// lines. It shows a codec of your own wrapping a built-in one: the server
// decodes `Request`s and encodes `Reply`s, the client the other way round,
// both over `rionet::frame::Lines`, driven by `Framed`.
//
// Run it:
//
//     cargo run --example kvstore -- server            # port 15213
//     cargo run --example kvstore -- server 8000 --pool 4
//     cargo run --example kvstore -- client localhost 15213
//
// (`kvstore --help`, `kvstore server --help` list the arguments.)
//
// then type commands to the client, one a line:
//
//     SET greeting hello world     -> OK
//     GET greeting                 -> VALUE hello world
//     DEL greeting                 -> OK
//     GET greeting                 -> NOT_FOUND
//     QUIT                         -> BYE (and the client exits 0)
//
// On the wire each command and each reply is one line of text ending in
// '\n'. A line the server cannot parse, or one over 1 KiB, gets an `ERROR`
// reply and the session goes on: both errors are recoverable.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::num::NonZeroU16;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use common::{Arg, Cli, Stop};
use rionet::TimedStream;
use rionet::bytes::BytesMut;
use rionet::frame::{Decoder, Encoder, FrameError, Framed, Lines};

/// The longest command or reply line, `\n` excluded.
const MAX_LINE: usize = 1024;

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    Get(String),
    Set(String, String),
    Del(String),
    Quit,
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Ok,
    Value(String),
    NotFound,
    Error(String),
    Bye,
}

/// A decoding error: the line did not arrive whole, or did not parse.
#[derive(Debug, thiserror::Error)]
enum KvError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("bad line {0:?}")]
    Parse(String),
}

impl From<io::Error> for KvError {
    fn from(err: io::Error) -> Self {
        KvError::Frame(err.into())
    }
}

impl KvError {
    /// Whether the session can go on after this error.
    fn is_recoverable(&self) -> bool {
        match self {
            KvError::Frame(err) => err.is_recoverable(),
            KvError::Parse(_) => true,
        }
    }
}

impl Request {
    fn parse(line: &str) -> Result<Request, KvError> {
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("GET"), Some(key), None) if !key.is_empty() => Ok(Request::Get(key.into())),
            (Some("SET"), Some(key), Some(value)) if !key.is_empty() => {
                Ok(Request::Set(key.into(), value.into()))
            }
            (Some("DEL"), Some(key), None) if !key.is_empty() => Ok(Request::Del(key.into())),
            (Some("QUIT"), None, None) => Ok(Request::Quit),
            _ => Err(KvError::Parse(line.into())),
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Get(key) => write!(f, "GET {key}"),
            Request::Set(key, value) => write!(f, "SET {key} {value}"),
            Request::Del(key) => write!(f, "DEL {key}"),
            Request::Quit => f.write_str("QUIT"),
        }
    }
}

impl Reply {
    fn parse(line: &str) -> Result<Reply, KvError> {
        match line.split_once(' ') {
            None if line == "OK" => Ok(Reply::Ok),
            None if line == "NOT_FOUND" => Ok(Reply::NotFound),
            None if line == "BYE" => Ok(Reply::Bye),
            Some(("VALUE", value)) => Ok(Reply::Value(value.into())),
            Some(("ERROR", message)) => Ok(Reply::Error(message.into())),
            _ => Err(KvError::Parse(line.into())),
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Ok => f.write_str("OK"),
            Reply::Value(value) => write!(f, "VALUE {value}"),
            Reply::NotFound => f.write_str("NOT_FOUND"),
            Reply::Error(message) => write!(f, "ERROR {message}"),
            Reply::Bye => f.write_str("BYE"),
        }
    }
}

/// Typed messages over `Lines`: decodes `In` from lines, encodes `Out` as
/// lines. The server is a `KvCodec<Request, Reply>`, the client a
/// `KvCodec<Reply, Request>`.
struct KvCodec<In, Out> {
    lines: Lines,
    parse: fn(&str) -> Result<In, KvError>,
    _out: std::marker::PhantomData<fn(&Out)>,
}

impl<In, Out> KvCodec<In, Out> {
    fn new(parse: fn(&str) -> Result<In, KvError>) -> Self {
        KvCodec {
            lines: Lines::builder().max_frame_len(MAX_LINE).build(),
            parse,
            _out: std::marker::PhantomData,
        }
    }

    fn parse_line(&self, line: &[u8]) -> Result<In, KvError> {
        match std::str::from_utf8(line) {
            Ok(text) => (self.parse)(text.strip_suffix('\r').unwrap_or(text)),
            Err(_) => Err(KvError::Parse(String::from_utf8_lossy(line).into_owned())),
        }
    }
}

impl<In, Out> Decoder for KvCodec<In, Out> {
    type Item = In;
    type Error = KvError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<In>, KvError> {
        match self.lines.decode(src)? {
            Some(line) => self.parse_line(&line).map(Some),
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<In>, KvError> {
        match self.lines.decode_eof(src)? {
            Some(line) => self.parse_line(&line).map(Some),
            None => Ok(None),
        }
    }
}

impl<In, Out: fmt::Display> Encoder<&Out> for KvCodec<In, Out> {
    type Error = FrameError;

    fn encode(&mut self, item: &Out, dst: &mut BytesMut) -> Result<(), FrameError> {
        self.lines.encode(item.to_string(), dst)
    }
}

const ABOUT: &str =
    "A key-value store over a line protocol of typed commands (GET k, SET k v,\nDEL k, QUIT).";

/// What the command line asks for.
enum Mode {
    Server(common::ServerArgs),
    Client(String, u16),
}

fn main() -> ExitCode {
    match parse_args(std::env::args_os().skip(1).collect()).unwrap_or_else(|stop| stop.exit()) {
        Mode::Server(args) => server(&args),
        Mode::Client(host, port) => client(&host, port),
    }
}

fn server_cli() -> (Cli, common::ServerArgSpec) {
    let mut cli = Cli::new(
        "kvstore server",
        "Serves the store: listens on PORT (IPv6 and IPv4) and prints \"listening on ADDR\".",
    );
    let spec = common::ServerArgs::declare(&mut cli);
    (cli, spec)
}

fn client_cli() -> (Cli, Arg<String>, Arg<NonZeroU16>) {
    let mut cli = Cli::new(
        "kvstore client",
        "Sends each command typed on stdin, one a line, and prints each reply.",
    );
    let host = cli.positional("HOST", "the server's name or address (localhost, ::1)");
    let port = cli.positional("PORT", "the server's port");
    (cli, host, port)
}

/// The help for `kvstore` itself: both synopses, then where to look.
fn top_help() -> String {
    format!(
        "usage: {}\n       {}\n\n{ABOUT}\n`kvstore server --help` and `kvstore client --help` list the arguments.\n",
        server_cli().0.synopsis(),
        client_cli().0.synopsis()
    )
}

/// Parses `server [--pool N] [PORT]` or `client HOST PORT`.
fn parse_args(args: Vec<OsString>) -> Result<Mode, Stop> {
    let mut args = args.into_iter();
    let mode = args.next();
    let bad = |message: String| {
        Stop::Bad(format!(
            "kvstore: {message}\nusage: {}\n       {}\n(`kvstore --help` says more)\n",
            server_cli().0.synopsis(),
            client_cli().0.synopsis()
        ))
    };
    match mode.as_ref().map(|m| m.to_str()) {
        Some(Some("server")) => {
            let (cli, spec) = server_cli();
            Ok(Mode::Server(spec.take(&mut cli.parse_os(args.collect())?)))
        }
        Some(Some("client")) => {
            let (cli, host, port) = client_cli();
            let mut m = cli.parse_os(args.collect())?;
            Ok(Mode::Client(m.take(host), m.take(port).get()))
        }
        Some(Some("-h" | "--help")) => Err(Stop::Help(top_help())),
        Some(Some(other)) => Err(bad(format!(
            "unknown mode {other:?} (expected server or client)"
        ))),
        Some(None) => Err(bad(format!(
            "unknown mode {:?} (expected server or client)",
            mode.unwrap_or_default().to_string_lossy()
        ))),
        None => Err(bad("missing mode (server or client)".into())),
    }
}

type Store = Arc<Mutex<BTreeMap<String, String>>>;

fn server(args: &common::ServerArgs) -> ! {
    let store = Store::default();
    common::serve("kvstore", args, move |stream, peer| {
        session(stream, peer, &store)
    })
}

/// Serves one client until it quits, closes, or breaks the protocol.
fn session(stream: TimedStream, peer: SocketAddr, store: &Store) {
    common::log(format_args!("{peer}: connected"));
    let mut conn = Framed::new(stream, KvCodec::<Request, Reply>::new(Request::parse));
    let mut served = 0u64;
    let end = loop {
        // `recv` first sends the replies buffered by `send`.
        let reply = match conn.recv() {
            Ok(Some(request)) => {
                served += 1;
                answer(request, store)
            }
            Ok(None) => break "closed".to_string(),
            Err(err) if err.is_recoverable() => Reply::Error(err.to_string()),
            Err(err) => break format!("dropped ({err})"),
        };
        let bye = reply == Reply::Bye;
        if let Err(err) = conn.send(&reply) {
            break format!("gone ({err})");
        }
        if bye {
            break "quit".to_string();
        }
    };
    let flushed = conn.flush();
    common::log(format_args!(
        "{peer}: {end}; {served} requests{}",
        flushed
            .err()
            .map_or(String::new(), |err| format!(", last reply lost ({err})"))
    ));
}

fn answer(request: Request, store: &Store) -> Reply {
    let mut store = store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match request {
        Request::Get(key) => store
            .get(&key)
            .cloned()
            .map_or(Reply::NotFound, Reply::Value),
        Request::Set(key, value) => {
            store.insert(key, value);
            Reply::Ok
        }
        Request::Del(key) => store.remove(&key).map_or(Reply::NotFound, |_| Reply::Ok),
        Request::Quit => Reply::Bye,
    }
}

fn client(host: &str, port: u16) -> ExitCode {
    let program = "kvstore";
    let stream = rionet::open_clientfd(host, port).unwrap_or_else(|err| common::fail(program, err));
    if let Err(err) = stream.set_read_timeout(Some(common::IDLE_TIMEOUT)) {
        common::fail(program, err);
    }
    let mut conn = Framed::new(stream, KvCodec::<Reply, Request>::new(Reply::parse));
    let mut stdout = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let line =
            line.unwrap_or_else(|err| common::fail(program, format_args!("reading stdin: {err}")));
        if line.trim().is_empty() {
            continue;
        }
        // Typed on this side too: a line that is no command is not sent.
        let request = match Request::parse(line.trim_end()) {
            Ok(request) => request,
            Err(err) => {
                eprintln!("{program}: {err}; commands: GET k, SET k v, DEL k, QUIT");
                continue;
            }
        };
        if let Err(err) = conn.send(&request) {
            common::fail(program, format_args!("sending to the server: {err}"));
        }
        let reply = match conn.recv() {
            Ok(Some(reply)) => reply,
            Ok(None) => common::fail(program, "the server closed the connection"),
            Err(err) => common::fail(program, format_args!("reading from the server: {err}")),
        };
        if let Err(err) = writeln!(stdout, "{reply}").and_then(|()| stdout.flush()) {
            common::fail(program, format_args!("writing stdout: {err}"));
        }
        if reply == Reply::Bye {
            break;
        }
    }
    ExitCode::SUCCESS
}
