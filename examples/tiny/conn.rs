//! One connection: request heads in, responses out, in order, until the
//! client closes, asks to close, breaks the protocol or runs out of time.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use rionet::{RioReader, TimedStream};

use crate::cgi;
use crate::limits::{LINGER, LINGER_BYTES, Limits};
use crate::mime::content_type;
use crate::path::Root;
use crate::request::{HeadError, Method, Request, read_head};
use crate::response::{Head, Status, write_error, write_head};

/// A body up to this size is read into the response buffer and leaves with
/// its head in one write; a larger one goes by `io::copy` from the file to
/// the socket, in pieces of [`COPY_CHUNK`].
const COPY_MAX: u64 = 64 * 1024;
/// The piece size for large bodies: one `read` and one `send` each.
const COPY_CHUNK: usize = 128 * 1024;
/// Responses waiting for a pipelined batch are written once they pass this.
const FLUSH_AT: usize = 64 * 1024;

/// What every connection shares: the root and the limits.
#[derive(Debug)]
pub struct Site {
    root: Root,
    limits: Limits,
}

impl Site {
    /// A site serving `root` within `limits`.
    pub fn new(root: Root, limits: Limits) -> Site {
        Site { root, limits }
    }
}

/// Serves requests on `stream` until it is done. Each request head must
/// have arrived in full by a read deadline (`TimedStream::set_read_deadline`)
/// set [`Limits::head_timeout`] after the connection opened or the previous
/// response was sent, so a trickling client cannot extend it; a request body
/// is read under the same deadline.
pub fn serve(site: &Site, stream: TimedStream) {
    // A response's last partial segment must not wait for the client's
    // delayed ACK.
    if stream.get_ref().set_nodelay(true).is_err() || !head_deadline(&stream, &site.limits) {
        return;
    }
    let stream = &stream;
    let mut rio = RioReader::new(stream);
    let mut out = Vec::with_capacity(16 * 1024);
    let mut first = true;
    loop {
        if !out.is_empty() && (out.len() >= FLUSH_AT || !has_complete_head(rio.buffer())) {
            if (&*stream).write_all(&out).is_err() {
                return;
            }
            out.clear();
        }
        let request = match read_head(&mut rio) {
            Ok(request) => request,
            Err(HeadError::Closed) => return close(stream, &out, Duration::ZERO),
            Err(HeadError::Io) => return,
            Err(HeadError::TimedOut { started }) => {
                if started || first {
                    write_error(&mut out, Status::RequestTimeout, true, false, 1);
                }
                return close(stream, &out, LINGER);
            }
            Err(HeadError::Reject(status)) => {
                write_error(&mut out, status, true, false, 1);
                return close(stream, &out, LINGER);
            }
            Err(HeadError::RejectHead(status)) => {
                write_error(&mut out, status, false, false, 1);
                return close(stream, &out, LINGER);
            }
        };
        first = false;
        if request.content_length > 0 {
            if (rio.buffer().len() as u64) < request.content_length {
                if (&*stream).write_all(&out).is_err() {
                    return;
                }
                out.clear();
            }
            if !skip_body(&mut rio, request.content_length) {
                return;
            }
        }
        let keep_alive = respond(site, &request, &mut out, stream);
        if !keep_alive {
            return close(stream, &out, LINGER);
        }
        if !head_deadline(stream, &site.limits) {
            return;
        }
    }
}

/// Sets the deadline for the next request head; false if the socket
/// refused its timeout.
fn head_deadline(stream: &TimedStream, limits: &Limits) -> bool {
    stream
        .set_read_deadline(Some(Instant::now() + limits.head_timeout))
        .is_ok()
}

/// Appends the response to `request` to `out` (or sends it, for a large
/// body); returns whether the connection can carry on.
fn respond(site: &Site, request: &Request, out: &mut Vec<u8>, stream: &TimedStream) -> bool {
    let with_body = request.method == Method::Get;
    let (keep_alive, minor) = (request.keep_alive, request.minor);
    let refuse = |out: &mut Vec<u8>, status: Status| {
        write_error(out, status, with_body, keep_alive, minor);
        keep_alive && status.keeps_connection()
    };
    let path = match site.root.resolve(&request.target) {
        Ok(path) => path,
        Err(status) => return refuse(out, status),
    };
    let (script_name, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    if script_name.starts_with(cgi::PREFIX) {
        let method = if with_body { "GET" } else { "HEAD" };
        return match cgi::run(
            &path,
            method,
            query,
            script_name,
            minor,
            site.limits.cgi_timeout,
        ) {
            Ok(output) => {
                let head = Head {
                    status: Status::Ok,
                    content_type: &output.content_type,
                    content_length: output.body.len() as u64,
                    last_modified: None,
                    keep_alive,
                    minor,
                };
                write_head(out, &head);
                if with_body {
                    out.extend_from_slice(&output.body);
                }
                keep_alive
            }
            Err(status) => refuse(out, status),
        };
    }
    let opened = File::open(&path).and_then(|file| Ok((file.metadata()?, file)));
    let (meta, file) = match opened {
        Ok(opened) => opened,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return refuse(out, Status::NotFound),
        Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
            return refuse(out, Status::Forbidden);
        }
        Err(_) => return refuse(out, Status::InternalError),
    };
    let len = meta.len();
    let head = Head {
        status: Status::Ok,
        content_type: content_type(&path),
        content_length: len,
        last_modified: meta.modified().ok(),
        keep_alive,
        minor,
    };
    let start = out.len();
    write_head(out, &head);
    if !with_body {
        return keep_alive;
    }
    if len <= COPY_MAX {
        let read = (&file).take(len).read_to_end(out);
        if read.ok() != Some(len as usize) {
            // The file changed or failed under us: the head is wrong.
            out.truncate(start);
            write_error(out, Status::InternalError, true, false, minor);
            return false;
        }
        return keep_alive;
    }
    // std's io::copy declines sendfile from a File to a socket (checked on
    // Rust 1.95 with strace: a file changed after the call would change
    // bytes already "sent"), so it copies; through a BufWriter it copies in COPY_CHUNK
    // pieces straight into the writer's buffer instead of 8 KiB ones, and the
    // head leaves with the first piece.
    let mut writer = BufWriter::with_capacity(COPY_CHUNK, stream);
    let sent = writer
        .write_all(out)
        .and_then(|()| io::copy(&mut (&file).take(len), &mut writer))
        .and_then(|sent| writer.flush().map(|()| sent));
    out.clear();
    match sent {
        Ok(sent) if sent == len => keep_alive,
        // A short body (the file shrank) breaks the framing: close.
        _ => false,
    }
}

/// Reads and drops a request body of `len` bytes; false if it did not
/// arrive (the deadline still applies).
fn skip_body<R: Read>(rio: &mut RioReader<R>, len: u64) -> bool {
    let mut scratch = [0u8; 8 * 1024];
    let mut left = len;
    while left > 0 {
        let want = scratch.len().min(left as usize);
        match rio.readnb(&mut scratch[..want]) {
            Ok(n) if n == want => left -= n as u64,
            _ => return false,
        }
    }
    true
}

/// Whether `buffered` holds a whole request head, so the next read will
/// not block and pending responses can wait to leave together.
fn has_complete_head(buffered: &[u8]) -> bool {
    buffered.windows(2).any(|w| w == b"\n\n") || buffered.windows(3).any(|w| w == b"\n\r\n")
}

/// Sends `out`, then closes gracefully: half-close, and drain what the
/// client still sends (for at most `linger` and [`LINGER_BYTES`]) so that
/// closing with unread bytes does not reset the connection and destroy the
/// reply before the client reads it.
fn close(stream: &TimedStream, out: &[u8], linger: Duration) {
    let mut stream = stream;
    if !out.is_empty() && stream.write_all(out).is_err() {
        return;
    }
    if stream.shutdown(Shutdown::Write).is_err() || linger.is_zero() {
        return;
    }
    if stream
        .set_read_deadline(Some(Instant::now() + linger))
        .is_ok()
    {
        let _ = io::copy(&mut stream.take(LINGER_BYTES), &mut io::sink());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_head_is_recognised() {
        assert!(has_complete_head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert!(has_complete_head(b"GET / HTTP/1.0\n\n"));
        assert!(!has_complete_head(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        assert!(!has_complete_head(b""));
    }
}
