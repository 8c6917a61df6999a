//! Status codes, response heads and error replies.

use std::io::Write;
use std::time::SystemTime;

use crate::date::http_date;

/// The statuses Tiny sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 200: the file follows.
    Ok,
    /// 400: the head is malformed.
    BadRequest,
    /// 403: the target tries to leave ROOT, or is not a regular file.
    Forbidden,
    /// 404: nothing there.
    NotFound,
    /// 408: the head did not arrive in time.
    RequestTimeout,
    /// 413: a request body larger than Tiny will skip.
    PayloadTooLarge,
    /// 414: the request line is too long.
    UriTooLong,
    /// 431: too many or too large header fields.
    HeadersTooLarge,
    /// 500: the file could not be read.
    InternalError,
    /// 501: a method (or transfer coding) Tiny does not implement.
    NotImplemented,
    /// 502: a CGI program failed or answered garbage.
    BadGateway,
    /// 503: too many connections.
    ServiceUnavailable,
    /// 504: a CGI program ran out of time.
    GatewayTimeout,
    /// 505: not HTTP/1.x.
    VersionNotSupported,
}

impl Status {
    /// The status code and its reason phrase.
    pub fn line(self) -> (u16, &'static str) {
        match self {
            Status::Ok => (200, "OK"),
            Status::BadRequest => (400, "Bad Request"),
            Status::Forbidden => (403, "Forbidden"),
            Status::NotFound => (404, "Not Found"),
            Status::RequestTimeout => (408, "Request Timeout"),
            Status::PayloadTooLarge => (413, "Content Too Large"),
            Status::UriTooLong => (414, "URI Too Long"),
            Status::HeadersTooLarge => (431, "Request Header Fields Too Large"),
            Status::InternalError => (500, "Internal Server Error"),
            Status::NotImplemented => (501, "Not Implemented"),
            Status::BadGateway => (502, "Bad Gateway"),
            Status::ServiceUnavailable => (503, "Service Unavailable"),
            Status::GatewayTimeout => (504, "Gateway Timeout"),
            Status::VersionNotSupported => (505, "HTTP Version Not Supported"),
        }
    }

    /// Whether the connection can carry on after this reply: only when the
    /// request was read whole and understood.
    pub fn keeps_connection(self) -> bool {
        matches!(
            self,
            Status::Ok | Status::Forbidden | Status::NotFound | Status::InternalError
        )
    }
}

/// A response head.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// The status.
    pub status: Status,
    /// The `Content-Type`.
    pub content_type: &'a str,
    /// The `Content-Length`: the body's size (for `HEAD` too).
    pub content_length: u64,
    /// The `Last-Modified` time, if known.
    pub last_modified: Option<SystemTime>,
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
    /// The request's minor version: an HTTP/1.0 client is told about
    /// keep-alive explicitly.
    pub minor: u8,
}

/// Appends `head` to `out`, blank line included.
pub fn write_head(out: &mut Vec<u8>, head: &Head<'_>) {
    write_head_at(out, head, Some(SystemTime::now()));
}

/// As [`write_head`], with `Date` set to `date`, or left out for `None`.
fn write_head_at(out: &mut Vec<u8>, head: &Head<'_>, date: Option<SystemTime>) {
    let (code, reason) = head.status.line();
    // Writing to a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {code} {reason}\r\nServer: tiny (rionet)\r\n");
    if let Some(date) = date {
        let _ = write!(out, "Date: {}\r\n", http_date(date));
    }
    if let Some(time) = head.last_modified {
        let _ = write!(out, "Last-Modified: {}\r\n", http_date(time));
    }
    let _ = write!(
        out,
        "Content-Type: {}\r\nContent-Length: {}\r\n",
        head.content_type, head.content_length
    );
    if !head.keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if head.minor == 0 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    if head.status == Status::ServiceUnavailable {
        out.extend_from_slice(b"Retry-After: 1\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends an error reply for `status` to `out`: a short HTML page, its
/// `Content-Length` exact, the page itself left out when `with_body` is
/// false (a `HEAD` request).
pub fn write_error(
    out: &mut Vec<u8>,
    status: Status,
    with_body: bool,
    keep_alive: bool,
    minor: u8,
) {
    write_error_at(
        out,
        status,
        with_body,
        keep_alive,
        minor,
        Some(SystemTime::now()),
    );
}

/// The complete reply to a connection over the limit, made once at start-up
/// and sent by the Server's accept loop (`Overload::RefuseWith`): 503 with
/// `Retry-After`, an exact `Content-Length` and `Connection: close`. It has
/// no `Date`: one fixed at start-up would be false on every later refusal.
pub fn busy_reply() -> Vec<u8> {
    let mut out = Vec::new();
    write_error_at(&mut out, Status::ServiceUnavailable, true, false, 1, None);
    out
}

/// As [`write_error`], with `Date` set to `date`, or left out for `None`.
fn write_error_at(
    out: &mut Vec<u8>,
    status: Status,
    with_body: bool,
    keep_alive: bool,
    minor: u8,
    date: Option<SystemTime>,
) {
    let (code, reason) = status.line();
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\
         <body><h1>{code} {reason}</h1><p>tiny (rionet)</p></body></html>\n"
    );
    write_head_at(
        out,
        &Head {
            status,
            content_type: "text/html; charset=utf-8",
            content_length: body.len() as u64,
            last_modified: None,
            keep_alive: keep_alive && status.keeps_connection(),
            minor,
        },
        date,
    );
    if with_body {
        out.extend_from_slice(body.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_reply_content_length_is_exact() {
        for status in [
            Status::BadRequest,
            Status::NotFound,
            Status::HeadersTooLarge,
            Status::ServiceUnavailable,
        ] {
            let mut out = Vec::new();
            write_error(&mut out, status, true, true, 1);
            let text = String::from_utf8(out).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(length, body.len(), "{status:?}");
            assert_eq!(
                head.contains("Connection: close"),
                !status.keeps_connection()
            );
            let mut bodiless = Vec::new();
            write_error(&mut bodiless, status, false, true, 1);
            assert!(bodiless.ends_with(b"\r\n\r\n"));
            assert!(
                String::from_utf8(bodiless)
                    .unwrap()
                    .contains(&format!("Content-Length: {length}\r\n"))
            );
        }
    }

    #[test]
    fn http_1_0_keep_alive_is_announced() {
        let mut out = Vec::new();
        let head = Head {
            status: Status::Ok,
            content_type: "text/plain",
            content_length: 3,
            last_modified: Some(SystemTime::UNIX_EPOCH),
            keep_alive: true,
            minor: 0,
        };
        write_head(&mut out, &head);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Connection: keep-alive\r\n"));
        assert!(text.contains("Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
    }

    #[test]
    fn the_busy_reply_is_a_complete_closing_503_without_a_date() {
        let text = String::from_utf8(busy_reply()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(head.contains("\r\nRetry-After: 1"));
        assert!(head.contains("\r\nConnection: close"));
        assert!(head.contains(&format!("\r\nContent-Length: {}", body.len())));
        assert!(!head.contains("Date:"));
    }
}
