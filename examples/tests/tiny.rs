//! The `tiny` example end to end: the real binary on a loopback port,
//! against raw sockets (hostile input), Python's `http.client` and `urllib`,
//! `curl` and `ab` (each skipped, saying so, when not installed).

mod util;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use util::{IO_TIMEOUT, example, with_timeouts};

/// The head deadline the tests run Tiny with.
const HEAD_TIMEOUT: &str = "1";
/// How long an outside client (python, curl, ab) may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);
/// The secret next to (not under) the served root.
const SECRET: &[u8] = b"top secret, outside the root\n";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tiny-e2e-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A running Tiny over a fresh root, killed on drop.
struct Tiny {
    child: Child,
    port: u16,
    tmp: TempDir,
}

impl Drop for Tiny {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 1 MiB + 3 bytes file, so the body takes the `io::copy` (sendfile) path.
fn big_file() -> Vec<u8> {
    (0..(1 << 20) + 3)
        .map(|i: u32| (i * 7 % 251) as u8)
        .collect()
}

/// Writes the test site: `www/index.html`, `www/docs/` (with its own
/// index), `www/hello.txt`, `www/big.bin`, a symlink out of the root, and
/// `secret` next to `www`.
fn site(tmp: &Path) -> PathBuf {
    let www = tmp.join("www");
    fs::create_dir_all(www.join("docs")).unwrap();
    fs::create_dir_all(www.join("empty")).unwrap();
    fs::write(www.join("index.html"), "<h1>tiny</h1>\n").unwrap();
    fs::write(www.join("docs/index.html"), "<p>docs</p>\n").unwrap();
    fs::write(www.join("hello.txt"), "hello, world\n").unwrap();
    fs::write(www.join("big.bin"), big_file()).unwrap();
    fs::write(tmp.join("secret"), SECRET).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.join("secret"), www.join("leak")).unwrap();
    #[cfg(unix)]
    cgi_programs(&www.join("cgi-bin"));
    www
}

/// CS:APP's `adder` and programs that misbehave, as `sh` scripts.
#[cfg(unix)]
fn cgi_programs(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir).unwrap();
    let programs = [
        (
            "adder",
            "#!/bin/sh\n\
             a=${QUERY_STRING%%&*}\n\
             b=${QUERY_STRING#*&}\n\
             case \"$a$b\" in *[!0-9]*|'') echo 'Content-Type: text/plain'; echo; echo 'not two numbers'; exit 0;; esac\n\
             printf 'Content-Type: text/plain\\r\\nContent-Length: 1\\r\\n\\r\\n%s + %s = %s (%s)\\n' \"$a\" \"$b\" \"$((a + b))\" \"$REQUEST_METHOD\"\n",
            0o755,
        ),
        (
            "env",
            "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv | sort\n",
            0o755,
        ),
        ("slow", "#!/bin/sh\nexec sleep 30\n", 0o755),
        ("fails", "#!/bin/sh\nexit 3\n", 0o755),
        ("headless", "#!/bin/sh\necho 'no head here'\n", 0o755),
        (
            "plain",
            "#!/bin/sh\necho 'Content-Type: text/plain'\n",
            0o644,
        ),
    ];
    for (name, text, mode) in programs {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn start(extra: &[&str]) -> Tiny {
    let tmp = TempDir::new();
    let www = site(&tmp.0);
    let mut args = vec!["--head-timeout", HEAD_TIMEOUT];
    args.extend_from_slice(extra);
    let mut child = Command::new(example("tiny"))
        .args(&args)
        .arg("0")
        .arg(&www)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run tiny");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(IO_TIMEOUT).expect("tiny printed nothing");
    assert!(line.starts_with("listening on "), "first line: {line:?}");
    let port = line
        .split_whitespace()
        .nth(2)
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Tiny { child, port, tmp }
}

impl Tiny {
    fn connect(&self) -> TcpStream {
        with_timeouts(TcpStream::connect(("127.0.0.1", self.port)).unwrap())
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// One parsed response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads one response; a `HEAD` response has no body whatever its
/// `Content-Length` says.
fn read_response(reader: &mut impl BufRead, head: bool) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    for _ in 0..100 {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let field = line.strip_suffix("\r\n").expect("header line ends in CRLF");
        if field.is_empty() {
            break;
        }
        let (name, value) = field.split_once(": ").expect("name: value");
        headers.push((name.to_string(), value.to_string()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let length: usize = response
        .header("content-length")
        .expect("every reply has a Content-Length")
        .parse()
        .unwrap();
    if !head {
        response.body = vec![0; length];
        reader.read_exact(&mut response.body).unwrap();
    }
    response
}

/// Sends `request` on a new connection, reads one reply.
fn exchange(tiny: &Tiny, request: &[u8]) -> (Response, BufReader<TcpStream>) {
    let mut stream = tiny.connect();
    stream.write_all(request).unwrap();
    let mut reader = BufReader::new(stream);
    let response = read_response(&mut reader, request.starts_with(b"HEAD"));
    (response, reader)
}

/// After a reply that says `Connection: close`, the server closes: the
/// next read sees end of stream (not a reset, not a timeout).
fn assert_closed(mut reader: BufReader<TcpStream>) {
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("a clean close");
    assert!(rest.is_empty(), "bytes after the reply: {rest:?}");
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").into_bytes()
}

#[test]
fn serves_files_with_the_headers_http_asks_for() {
    let tiny = start(&[]);
    let mut stream = tiny.connect();
    stream
        .write_all(b"GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let hello = read_response(&mut reader, false);
    assert_eq!(hello.status, 200);
    assert_eq!(hello.body, b"hello, world\n");
    assert_eq!(
        hello.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(hello.header("date").is_some_and(|d| d.ends_with(" GMT")));
    assert!(
        hello
            .header("last-modified")
            .is_some_and(|d| d.ends_with(" GMT"))
    );
    let index = read_response(&mut reader, false);
    assert_eq!(index.body, b"<h1>tiny</h1>\n");
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    stream
        .write_all(
            b"HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
        )
        .unwrap();
    let head = read_response(&mut reader, true);
    assert_eq!(head.header("content-length"), Some("1048579"));
    assert_eq!(
        head.header("content-type"),
        Some("application/octet-stream")
    );
    let big = read_response(&mut reader, false);
    assert!(big.body == big_file(), "the 1 MiB body differs");
    stream
        .write_all(b"GET /docs/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let docs = read_response(&mut reader, false);
    assert_eq!(docs.body, b"<p>docs</p>\n");
    assert!(docs.closes());
    assert_closed(reader);
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let tiny = start(&[]);
    let (reply, reader) = exchange(&tiny, b"GET /hello.txt HTTP/1.0\r\n\r\n");
    assert_eq!(reply.status, 200);
    assert!(reply.closes());
    assert_closed(reader);
    let (reply, mut reader) = exchange(
        &tiny,
        b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    );
    assert_eq!(reply.header("connection"), Some("keep-alive"));
    reader
        .get_mut()
        .write_all(b"HEAD /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader, true).status, 200);
}

#[test]
fn no_target_escapes_the_root() {
    let tiny = start(&[]);
    let secret_path = tiny.tmp.0.join("secret");
    let absolute = format!("/{}", secret_path.display());
    let targets = [
        "/../secret",
        "/docs/../../secret",
        "/%2e%2e/secret",
        "/%2E%2E%2Fsecret",
        "/docs%2f..%2f..%2fsecret",
        "/..%5csecret",
        "/hello.txt%00.html",
        "/leak",
        absolute.as_str(),
        "http://evil/../secret",
    ];
    for target in targets {
        let (reply, _) = exchange(&tiny, &get(target));
        assert!(
            matches!(reply.status, 403 | 404),
            "{target}: {}",
            reply.status
        );
        assert!(
            !reply.body.windows(SECRET.len()).any(|w| w == SECRET),
            "{target} leaked"
        );
    }
    // A raw NUL in the target is malformed.
    let (reply, reader) = exchange(&tiny, b"GET /hello.txt\0 HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(reply.status, 400);
    assert_closed(reader);
    let (reply, _) = exchange(&tiny, &get("/empty/"));
    assert_eq!(reply.status, 404, "a directory without index.html");
}

#[test]
fn error_replies_to_head_have_a_length_but_no_body() {
    let tiny = start(&[]);
    let (reply, mut reader) = exchange(&tiny, b"HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(reply.status, 404);
    assert!(reply.header("content-length").is_some_and(|n| n != "0"));
    // No body bytes came: the next reply on the connection parses.
    reader.get_mut().write_all(&get("/hello.txt")).unwrap();
    assert_eq!(read_response(&mut reader, false).body, b"hello, world\n");
    let (reply, reader) = exchange(&tiny, b"HEAD / HTTP/1.1\r\n\r\n");
    assert_eq!(reply.status, 400);
    assert!(reply.closes());
    assert_closed(reader);
}

#[test]
fn oversized_and_malformed_heads_get_their_status_and_a_close() {
    let tiny = start(&[]);
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(8 * 1024));
    let many_lines: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    let many_lines = format!("GET / HTTP/1.1\r\nHost: t\r\n{many_lines}\r\n");
    let big_fields: String = (0..20)
        .map(|i| format!("X-{i}: {}\r\n", "v".repeat(4000)))
        .collect();
    let big_fields = format!("GET / HTTP/1.1\r\nHost: t\r\n{big_fields}\r\n");
    let cases: [(&[u8], u16); 8] = [
        (long_line.as_bytes(), 414),
        (many_lines.as_bytes(), 431),
        (big_fields.as_bytes(), 431),
        (b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", 501),
        (b"GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\nHost: t\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ];
    for (request, status) in cases {
        let (reply, reader) = exchange(&tiny, request);
        let shown = String::from_utf8_lossy(&request[..request.len().min(40)]).into_owned();
        assert_eq!(reply.status, status, "{shown}");
        assert!(reply.closes(), "{shown}");
        assert_eq!(
            reply.header("content-length"),
            Some(reply.body.len().to_string().as_str())
        );
        assert_closed(reader);
    }
    // The server is still fine.
    assert_eq!(exchange(&tiny, &get("/hello.txt")).0.status, 200);
}

#[test]
fn a_head_that_trickles_in_is_cut_at_the_deadline_with_408() {
    let tiny = start(&[]);
    let stream = tiny.connect();
    let mut writer = stream.try_clone().unwrap();
    let started = Instant::now();
    // One byte every 100 ms, for at most 5 s: the 1 s deadline must not move.
    let trickler = thread::spawn(move || {
        for &byte in b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
            if writer.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let mut reader = BufReader::new(stream);
    let reply = read_response(&mut reader, false);
    let took = started.elapsed();
    assert_eq!(reply.status, 408);
    assert!(reply.closes());
    assert!(took < Duration::from_secs(4), "cut after {took:?}");
    let _ = trickler.join();
}

#[test]
fn a_silent_connection_gets_408_and_an_idle_keep_alive_one_is_closed() {
    let tiny = start(&[]);
    let mut reader = BufReader::new(tiny.connect());
    let reply = read_response(&mut reader, false);
    assert_eq!(reply.status, 408);
    assert_closed(reader);
    let (reply, reader) = exchange(&tiny, &get("/hello.txt"));
    assert_eq!(reply.status, 200);
    assert_closed(reader); // after the head timeout, without a reply
}

#[test]
fn over_the_connection_limit_gets_503() {
    // A head timeout long enough that the first connection is still held,
    // however slow the machine, when the second one arrives.
    let tiny = start(&["--max-connections", "1", "--head-timeout", "30"]);
    let (first, _held) = exchange(&tiny, &get("/hello.txt"));
    assert_eq!(first.status, 200);
    let (busy, reader) = exchange(&tiny, &get("/hello.txt"));
    assert_eq!(busy.status, 503);
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_closed(reader);
}

#[cfg(unix)]
#[test]
fn cgi_programs_run_without_a_shell_bounded_in_time() {
    let tiny = start(&["--cgi-timeout", "1"]);
    let (reply, mut reader) = exchange(&tiny, &get("/cgi-bin/adder?15213&18213"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    // The program's own Content-Length is ignored; Tiny's is exact.
    assert_eq!(reply.body, b"15213 + 18213 = 33426 (GET)\n");
    reader
        .get_mut()
        .write_all(b"HEAD /cgi-bin/adder?1&2 HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let head = read_response(&mut reader, true);
    assert_eq!(head.header("content-length"), Some("17")); // "1 + 2 = 3 (HEAD)\n"
    // A fixed environment: nothing of Tiny's own leaks through.
    let (reply, _) = exchange(&tiny, &get("/cgi-bin/env?x=1"));
    let env = String::from_utf8(reply.body).unwrap();
    assert!(env.contains("QUERY_STRING=x=1\n"), "{env}");
    assert!(env.contains("GATEWAY_INTERFACE=CGI/1.1\n"), "{env}");
    assert!(!env.contains("CARGO"), "{env}");
    let started = Instant::now();
    assert_eq!(exchange(&tiny, &get("/cgi-bin/slow")).0.status, 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(exchange(&tiny, &get("/cgi-bin/fails")).0.status, 502);
    assert_eq!(exchange(&tiny, &get("/cgi-bin/headless")).0.status, 502);
    assert_eq!(exchange(&tiny, &get("/cgi-bin/plain")).0.status, 403);
    assert_eq!(exchange(&tiny, &get("/cgi-bin/missing")).0.status, 404);
    assert_eq!(
        exchange(&tiny, &get("/cgi-bin/%2e%2e/%2e%2e/secret"))
            .0
            .status,
        403
    );
}

#[test]
fn help_and_bad_arguments() {
    let run = |args: &[&str]| -> Output {
        Command::new(example("tiny"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("usage: tiny"));
    for (args, named) in [
        (&["99999"][..], "PORT"),
        (&["0", "/nonexistent/tiny/root"][..], "ROOT"),
        (&["--head-timeout", "soon"][..], "--head-timeout"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(named),
            "{args:?}"
        );
    }
}

/// Runs `program` with `args`, at most [`CLIENT_TIMEOUT`]; `None` if the
/// program is not installed.
fn run_client(program: &str, args: &[&str]) -> Option<Output> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: {program} is not installed");
            return None;
        }
        Err(err) => panic!("cannot run {program}: {err}"),
    };
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(CLIENT_TIMEOUT) {
        Ok(output) => Some(output.unwrap()),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("{program} ran over {CLIENT_TIMEOUT:?}");
        }
    }
}

fn assert_ok(program: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{program} failed: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Python's own HTTP clients: `http.client` keep-alive and HEAD, `urllib`,
/// and pipelining over a raw socket.
const PYTHON_CLIENTS: &str = r#"
import http.client, socket, sys, urllib.error, urllib.request
port = int(sys.argv[1])

conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
conn.request("GET", "/hello.txt")
r = conn.getresponse()
assert r.status == 200 and r.read() == b"hello, world\n", r.status
sock = conn.sock
conn.request("HEAD", "/big.bin")
r = conn.getresponse()
assert r.status == 200 and r.getheader("Content-Length") == "1048579", r.getheaders()
assert r.read() == b""
conn.request("GET", "/big.bin")
r = conn.getresponse()
body = r.read()
assert len(body) == 1048579 and body[:3] == bytes([0, 7, 14]), len(body)
assert conn.sock is sock, "keep-alive: the same socket serves every request"
conn.request("GET", "/nope")
r = conn.getresponse()
assert r.status == 404 and len(r.read()) == int(r.getheader("Content-Length"))
conn.close()

with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs/", timeout=10) as r:
    assert r.read() == b"<p>docs</p>\n"
    assert r.headers["Content-Type"].startswith("text/html")
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/%2e%2e/secret", timeout=10)
    raise AssertionError("escape served")
except urllib.error.HTTPError as e:
    assert e.code in (403, 404), e.code

s = socket.create_connection(("127.0.0.1", port), timeout=10)
paths = ["/hello.txt", "/", "/nope", "/docs/index.html"]
reqs = b"".join(b"GET " + p.encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n" for p in paths)
s.sendall(reqs + b"GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
statuses = []
bodies = []
while data:
    head, _, data = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    statuses.append(int(lines[0].split()[1]))
    length = next(int(l.split(b":")[1]) for l in lines if l.lower().startswith(b"content-length:"))
    bodies.append(data[:length])
    data = data[length:]
assert statuses == [200, 200, 404, 200, 200], statuses
assert bodies[0] == b"hello, world\n" and bodies[1] == b"<h1>tiny</h1>\n" and bodies[3] == b"<p>docs</p>\n"
print("ok")
"#;

#[test]
fn python_http_client_urllib_and_pipelining() {
    let tiny = start(&[]);
    let port = tiny.port.to_string();
    let Some(out) = run_client("python3", &["-c", PYTHON_CLIENTS, &port]) else {
        return;
    };
    assert_ok("python3", &out);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

#[test]
fn curl_fetches_files_and_is_refused_escapes() {
    let tiny = start(&[]);
    let url = tiny.url("/big.bin");
    let Some(out) = run_client("curl", &["-sS", "--fail", "--max-time", "20", &url]) else {
        return;
    };
    assert_ok("curl", &out);
    assert!(
        out.stdout == big_file(),
        "curl got {} bytes",
        out.stdout.len()
    );
    let two = [tiny.url("/hello.txt"), tiny.url("/docs/")];
    let out = run_client(
        "curl",
        &["-sS", "--fail", "--max-time", "20", &two[0], &two[1]],
    )
    .unwrap();
    assert_ok("curl", &out);
    assert_eq!(out.stdout, b"hello, world\n<p>docs</p>\n");
    let escape = tiny.url("/../secret");
    let out = run_client(
        "curl",
        &[
            "-s",
            "--path-as-is",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "20",
            &escape,
        ],
    )
    .unwrap();
    assert_eq!(out.stdout, b"403");
}

#[test]
fn ab_with_100_keep_alive_connections_has_no_failures() {
    let tiny = start(&[]);
    let url = tiny.url("/hello.txt");
    let Some(out) = run_client(
        "ab",
        &["-q", "-k", "-c", "100", "-n", "5000", "-s", "20", &url],
    ) else {
        return;
    };
    assert_ok("ab", &out);
    let report = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Option<String> {
        report
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    assert_eq!(
        field("Complete requests:").as_deref(),
        Some("5000"),
        "{report}"
    );
    assert_eq!(field("Failed requests:").as_deref(), Some("0"), "{report}");
    assert_eq!(
        field("Keep-Alive requests:").as_deref(),
        Some("5000"),
        "{report}"
    );
    assert_eq!(field("Non-2xx responses:"), None, "{report}");
}
