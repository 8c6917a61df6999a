//! CS:APP's dynamic content, done safely: `/cgi-bin/NAME?QUERY` runs the
//! executable `ROOT/cgi-bin/NAME` (found as any file is, so it cannot be
//! outside ROOT) with no shell, no arguments and a fixed environment (CGI/1.1's
//! `QUERY_STRING`, `REQUEST_METHOD`, ... and a fixed `PATH`), stdin closed,
//! stderr discarded, its output bounded ([`MAX_CGI_OUTPUT`]) and its time too
//! (`--cgi-timeout`, then it is killed).
//!
//! The program writes CGI header lines (`Content-Type` is required), a blank
//! line, then the body. Tiny sends `200` with that `Content-Type` and the
//! body's exact `Content-Length`; other header lines (a `Status` too) are
//! ignored, so a program cannot break the response's framing.
//!
//! Limitation: only the program itself is killed at the timeout; a child it
//! started that keeps its stdout open keeps one Tiny thread waiting until it
//! exits.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::limits::MAX_CGI_OUTPUT;
use crate::response::Status;

/// The target prefix that names a CGI program.
pub const PREFIX: &str = "/cgi-bin/";

/// What a CGI program produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    /// Its `Content-Type`.
    pub content_type: String,
    /// Its body.
    pub body: Vec<u8>,
}

/// Runs `program` for a request with `method` (`GET` or `HEAD`), `query`
/// (after the `?`, still encoded) and `script_name` (the target's path).
///
/// # Errors
///
/// 403 if `program` is not executable; 502 if it cannot be started, exits
/// with a failure, writes more than [`MAX_CGI_OUTPUT`] bytes or a head
/// without `Content-Type`; 504 if it has not finished within `timeout`.
pub fn run(
    program: &Path,
    method: &str,
    query: &str,
    script_name: &str,
    minor: u8,
    timeout: Duration,
) -> Result<Output, Status> {
    if !is_executable(program) {
        return Err(Status::Forbidden);
    }
    let mut child = Command::new(program)
        .env_clear()
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_SOFTWARE", "tiny (rionet)")
        .env("SERVER_PROTOCOL", format!("HTTP/1.{minor}"))
        .env("REQUEST_METHOD", method)
        .env("QUERY_STRING", query)
        .env("SCRIPT_NAME", script_name)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .current_dir(program.parent().unwrap_or(Path::new("/")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| Status::BadGateway)?;
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Status::BadGateway);
    };
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut output = Vec::new();
        let read = stdout.take(MAX_CGI_OUTPUT + 1).read_to_end(&mut output);
        let _ = tx.send(read.map(|_| output));
    });
    let received = rx.recv_timeout(timeout);
    let finished = match child.try_wait() {
        Ok(Some(status)) => Some(status.success()),
        _ => None,
    };
    if finished.is_none() {
        // Still running: past the timeout, or over the limit, or it closed
        // stdout and went on. Its output (if complete) stands.
        let _ = child.kill();
        let _ = child.wait();
    }
    let output = match received {
        Ok(Ok(output)) => output,
        Ok(Err(_)) => return Err(Status::BadGateway),
        Err(_) => return Err(Status::GatewayTimeout),
    };
    if finished == Some(false) || output.len() as u64 > MAX_CGI_OUTPUT {
        return Err(Status::BadGateway);
    }
    parse(&output).ok_or(Status::BadGateway)
}

/// Splits CGI output into its `Content-Type` and body.
fn parse(output: &[u8]) -> Option<Output> {
    let mut rest = output;
    let mut content_type = None;
    loop {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        rest = &rest[end + 1..];
        if line.is_empty() {
            break;
        }
        let (name, value) = std::str::from_utf8(line).ok()?.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-type") {
            // A value with control characters would break the head.
            if value.is_empty() || value.chars().any(|c| c.is_control()) {
                return None;
            }
            content_type = Some(value.to_string());
        }
    }
    Some(Output {
        content_type: content_type?,
        body: rest.to_vec(),
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_splits_into_type_and_body() {
        let out = parse(b"Content-Type: text/plain\r\nX-Other: 1\r\n\r\nbody\n").unwrap();
        assert_eq!(out.content_type, "text/plain");
        assert_eq!(out.body, b"body\n");
        let out = parse(b"content-type: text/html\n\n").unwrap();
        assert_eq!(
            (out.content_type.as_str(), out.body.len()),
            ("text/html", 0)
        );
        assert_eq!(parse(b"X-Only: 1\n\nbody"), None);
        assert_eq!(parse(b"Content-Type: text/plain\n"), None, "no blank line");
        assert_eq!(parse(b"Content-Type: a\x01b\n\n"), None);
    }
}
