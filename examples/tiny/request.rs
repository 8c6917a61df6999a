//! The request head: request line and header fields, read through a
//! [`RioReader`] with every size bounded (RFC 9112 sections 2 to 5).

use std::io::{self, Read};

use rionet::{RioError, RioReader};

use crate::limits::{MAX_HEADER_BYTES, MAX_HEADER_LINES, MAX_IGNORED_BODY, MAX_REQUEST_LINE};
use crate::response::Status;

/// Empty lines tolerated before a request line (RFC 9112 section 2.2).
const MAX_LEADING_EMPTY_LINES: usize = 4;

/// The methods Tiny serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: headers and body.
    Get,
    /// `HEAD`: the headers `GET` would send, no body.
    Head,
}

/// A request head Tiny will answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` or `HEAD`.
    pub method: Method,
    /// The request target as sent (origin form, or the path of an absolute
    /// form), still percent-encoded.
    pub target: String,
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x).
    pub minor: u8,
    /// Whether the client wants the connection kept open after the reply.
    pub keep_alive: bool,
    /// The body's declared length (Tiny reads and ignores it); at most
    /// [`MAX_IGNORED_BODY`].
    pub content_length: u64,
}

/// Why no [`Request`] came.
#[derive(Debug)]
pub enum HeadError {
    /// The stream ended before any byte of a request: the client is done.
    Closed,
    /// The head did not arrive by the deadline; `started` says whether any
    /// of its bytes had.
    TimedOut {
        /// Some bytes of this head had arrived.
        started: bool,
    },
    /// The connection failed (reset, or another I/O error): nothing can be
    /// sent.
    Io,
    /// A broken or refused head: reply with this status, then close.
    Reject(Status),
    /// As `Reject`, for a `HEAD` request: the reply has no body.
    RejectHead(Status),
}

/// Reads one request head. Over-long lines, too many or too large header
/// fields, malformed syntax and unsupported methods or versions come back
/// as [`HeadError::Reject`] with the status to send.
pub fn read_head<R: Read>(rio: &mut RioReader<R>) -> Result<Request, HeadError> {
    // The CRLF is not counted against the request line's limit.
    rio.max_line(MAX_REQUEST_LINE + 2);
    let mut empty_lines = 0;
    let line = loop {
        let started = !rio.buffer().is_empty() || empty_lines > 0;
        let line = match rio.read_line_slice() {
            Ok([]) if !started => return Err(HeadError::Closed),
            Ok(line) => line,
            Err(RioError::LineTooLong { .. }) => return Err(HeadError::Reject(Status::UriTooLong)),
            Err(err) => return Err(io_error(err, started)),
        };
        let Some(line) = strip_eol(line) else {
            return Err(HeadError::Reject(Status::BadRequest));
        };
        if line.len() > MAX_REQUEST_LINE {
            return Err(HeadError::Reject(Status::UriTooLong));
        }
        if !line.is_empty() {
            break parse_request_line(line)?;
        }
        empty_lines += 1;
        if empty_lines > MAX_LEADING_EMPTY_LINES {
            return Err(HeadError::Reject(Status::BadRequest));
        }
    };
    let (method, target, minor) = line;
    match read_fields(rio, method, target, minor) {
        // A HEAD request's error reply has no body either.
        Err(HeadError::Reject(status)) if method == Method::Head => {
            Err(HeadError::RejectHead(status))
        }
        other => other,
    }
}

/// Reads the header fields after a request line and checks them.
fn read_fields<R: Read>(
    rio: &mut RioReader<R>,
    method: Method,
    target: String,
    minor: u8,
) -> Result<Request, HeadError> {
    let mut fields = Fields::default();
    let mut used = 0;
    let mut lines = 0;
    loop {
        let left = MAX_HEADER_BYTES - used;
        if left == 0 {
            return Err(HeadError::Reject(Status::HeadersTooLarge));
        }
        rio.max_line(left);
        let line = match rio.read_line_slice() {
            Ok(line) => line,
            Err(RioError::LineTooLong { .. }) => {
                return Err(HeadError::Reject(Status::HeadersTooLarge));
            }
            Err(err) => return Err(io_error(err, true)),
        };
        used += line.len();
        let Some(line) = strip_eol(line) else {
            return Err(HeadError::Reject(Status::BadRequest));
        };
        if line.is_empty() {
            break;
        }
        lines += 1;
        if lines > MAX_HEADER_LINES {
            return Err(HeadError::Reject(Status::HeadersTooLarge));
        }
        fields.add(line)?;
    }
    if minor >= 1 && fields.hosts != 1 || fields.hosts > 1 {
        return Err(HeadError::Reject(Status::BadRequest));
    }
    if fields.transfer_encoding {
        return Err(HeadError::Reject(Status::NotImplemented));
    }
    let content_length = fields.content_length.unwrap_or(0);
    if content_length > MAX_IGNORED_BODY {
        return Err(HeadError::Reject(Status::PayloadTooLarge));
    }
    let keep_alive = !fields.close && (minor >= 1 || fields.keep_alive);
    Ok(Request {
        method,
        target,
        minor,
        keep_alive,
        content_length,
    })
}

/// A read error as a [`HeadError`]: the deadline, or a failed connection.
fn io_error(err: RioError, started: bool) -> HeadError {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HeadError::TimedOut { started },
        _ => HeadError::Io,
    }
}

/// The line without its `\r\n` (or bare `\n`); `None` if it has no `\n`
/// (the stream ended mid-line) or holds another CR.
fn strip_eol(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    (!line.contains(&b'\r')).then_some(line)
}

/// `METHOD SP target SP HTTP/1.x`, single spaces, nothing else.
fn parse_request_line(line: &[u8]) -> Result<(Method, String, u8), HeadError> {
    let bad = || HeadError::Reject(Status::BadRequest);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad());
    }
    let minor = match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            if *major != b'1' {
                return Err(HeadError::Reject(Status::VersionNotSupported));
            }
            (minor - b'0').min(1)
        }
        _ => return Err(bad()),
    };
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ => return Err(HeadError::Reject(Status::NotImplemented)),
    };
    if target.is_empty() || !target.iter().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    let target = String::from_utf8(target.to_vec()).map_err(|_| bad())?;
    let target = origin_form(target).ok_or_else(bad)?;
    Ok((method, target, minor))
}

/// The path and query of a target: an origin form as it is, the part after
/// the authority of an `http://` or `https://` absolute form.
fn origin_form(target: String) -> Option<String> {
    if target.starts_with('/') {
        return Some(target);
    }
    let lower = target.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))?;
    let start = target.len() - rest.len();
    match rest.find('/') {
        Some(slash) => Some(target[start + slash..].to_string()),
        None => Some("/".to_string()),
    }
}

/// RFC 9110 `tchar`: the bytes of a method or a field name.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// What Tiny needs from the header fields.
#[derive(Debug, Default)]
struct Fields {
    hosts: usize,
    close: bool,
    keep_alive: bool,
    transfer_encoding: bool,
    content_length: Option<u64>,
}

impl Fields {
    /// Checks one `name: value` line and notes what matters.
    fn add(&mut self, line: &[u8]) -> Result<(), HeadError> {
        let bad = || HeadError::Reject(Status::BadRequest);
        let colon = line.iter().position(|&b| b == b':').ok_or_else(bad)?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // No space before the colon, no obsolete line folding (RFC 9112 5.1, 5.2).
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(bad());
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(bad());
        }
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case(b"host") {
            self.hosts += 1;
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in value.split(|&b| b == b',') {
                let option = option.trim_ascii();
                self.close |= option.eq_ignore_ascii_case(b"close");
                self.keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = true;
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let length = parse_length(value).ok_or_else(bad)?;
            if self.content_length.is_some_and(|seen| seen != length) {
                return Err(bad());
            }
            self.content_length = Some(length);
        }
        Ok(())
    }
}

/// A `Content-Length` value: decimal digits only, no sign, no overflow.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Result<Request, HeadError> {
        read_head(&mut RioReader::new(bytes))
    }

    fn status(bytes: &[u8]) -> Status {
        match head(bytes) {
            Err(HeadError::Reject(status)) => status,
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(bytes)),
        }
    }

    #[test]
    fn parses_get_and_head_with_keep_alive_rules() {
        let req = head(b"GET /a/b?c HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(
            (req.method, req.target.as_str(), req.minor, req.keep_alive),
            (Method::Get, "/a/b?c", 1, true)
        );
        let req = head(b"HEAD / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(
            (req.method, req.minor, req.keep_alive),
            (Method::Head, 0, false)
        );
        let req = head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert!(req.keep_alive);
        let req = head(b"GET / HTTP/1.1\nHost: x\nConnection: foo, close\n\n").unwrap();
        assert!(!req.keep_alive);
        let req = head(b"\r\nGET http://example.com/x HTTP/1.1\r\nHost: e\r\n\r\n").unwrap();
        assert_eq!(req.target, "/x");
    }

    #[test]
    fn pipelined_heads_come_one_at_a_time() {
        let mut rio = RioReader::new(
            &b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        );
        assert_eq!(read_head(&mut rio).unwrap().target, "/1");
        assert_eq!(read_head(&mut rio).unwrap().target, "/2");
        assert!(matches!(read_head(&mut rio), Err(HeadError::Closed)));
    }

    #[test]
    fn refusals_carry_the_right_status() {
        let long_target = format!(
            "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE)
        );
        assert_eq!(status(long_target.as_bytes()), Status::UriTooLong);
        let many: String = (0..=MAX_HEADER_LINES)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect();
        assert_eq!(
            status(format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes()),
            Status::HeadersTooLarge
        );
        let big = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
            "v".repeat(MAX_HEADER_BYTES)
        );
        assert_eq!(status(big.as_bytes()), Status::HeadersTooLarge);
        assert_eq!(
            status(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"),
            Status::NotImplemented
        );
        assert_eq!(
            status(b"GET / HTTP/2.0\r\n\r\n"),
            Status::VersionNotSupported
        );
        for broken in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
            b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ] {
            assert_eq!(
                status(broken),
                Status::BadRequest,
                "{:?}",
                String::from_utf8_lossy(broken)
            );
        }
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Status::NotImplemented
        );
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"),
            Status::PayloadTooLarge
        );
        assert!(matches!(
            head(b"HEAD / HTTP/1.1\r\n\r\n"),
            Err(HeadError::RejectHead(Status::BadRequest))
        ));
    }

    /// Hands out its input in chunks of the sizes given (cycled), so a head
    /// arrives split at chosen points.
    struct Chunked<'a> {
        input: &'a [u8],
        sizes: &'a [usize],
        next: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.next % self.sizes.len()]
                .min(buf.len())
                .min(self.input.len());
            self.next += 1;
            buf[..size].copy_from_slice(&self.input[..size]);
            self.input = &self.input[size..];
            Ok(size)
        }
    }

    #[test]
    fn pipelined_heads_split_at_every_point_parse_the_same() {
        let input: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n\
                             HEAD /b HTTP/1.0\nConnection: keep-alive\n\n\
                             GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let expect = [
            ("/a", Method::Get, true),
            ("/b", Method::Head, true),
            ("/c", Method::Get, false),
        ];
        for split in 1..input.len() {
            for sizes in [&[split, input.len()][..], &[1][..], &[split, 1, 2]] {
                let mut rio = RioReader::with_capacity(
                    16,
                    Chunked {
                        input,
                        sizes,
                        next: 0,
                    },
                );
                for (target, method, keep_alive) in expect {
                    let req = read_head(&mut rio)
                        .unwrap_or_else(|e| panic!("split {split} {sizes:?}: {e:?}"));
                    assert_eq!(
                        (req.target.as_str(), req.method, req.keep_alive),
                        (target, method, keep_alive)
                    );
                }
                assert!(matches!(read_head(&mut rio), Err(HeadError::Closed)));
            }
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let target = format!(
            "/{}",
            "a".repeat(MAX_REQUEST_LINE - "GET  HTTP/1.1".len() - 1)
        );
        let line = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(head(line.as_bytes()).unwrap().target, target);
        let many: String = (1..MAX_HEADER_LINES)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect();
        assert!(head(format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes()).is_ok());
    }
}
