//! `readn`: fill a buffer from any reader, CS:APP's `rio_readn`.

use std::io::{self, Read};

use super::error::RioError;

/// Reads until `buf` is full or the stream ends; returns how many bytes were
/// read.
///
/// This is CS:APP's `rio_readn`. A short count (less than `buf.len()`)
/// happens only at end of stream; [`io::ErrorKind::Interrupted`] is retried.
/// An empty `buf` returns `Ok(0)` without calling the reader.
///
/// Where it differs from `rio_readn` and from std's
/// [`read_exact`](Read::read_exact): when an error comes after some bytes
/// were read, both lose the count of bytes already in `buf`. Here the error
/// is [`RioError::PartialIo`], whose `transferred` field says how many bytes
/// at the front of `buf` are valid. A nonblocking reader's
/// [`WouldBlock`](io::ErrorKind::WouldBlock) comes back the same way: read
/// `transferred` bytes, then call again with the rest of the buffer.
///
/// # Examples
///
/// ```
/// let mut stream: &[u8] = b"hello, world";
/// let mut buf = [0u8; 5];
/// assert_eq!(rionet::readn(&mut stream, &mut buf)?, 5);
/// assert_eq!(&buf, b"hello");
///
/// // At end of stream the count is short.
/// let mut rest = [0u8; 16];
/// assert_eq!(rionet::readn(&mut stream, &mut rest)?, 7);
/// assert_eq!(&rest[..7], b", world");
/// # Ok::<(), rionet::RioError>(())
/// ```
///
/// Keeping the bytes that arrived before an error:
///
/// ```
/// use rionet::RioError;
/// # fn demo(socket: &mut impl std::io::Read) -> Result<(), RioError> {
/// let mut header = [0u8; 8];
/// match rionet::readn(socket, &mut header) {
///     Ok(n) => println!("read {n} bytes"),
///     Err(RioError::PartialIo { transferred, source }) => {
///         println!("got {:?} before {source}", &header[..transferred]);
///     }
///     Err(other) => return Err(other),
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// Every error from the reader other than `Interrupted` comes back as
/// [`RioError::PartialIo`] carrying the bytes read before it (possibly 0) and
/// the reader's error, whose kind [`RioError::kind`] reports. A reader that
/// claims to have read more bytes than it was given fails the same way with
/// [`io::ErrorKind::InvalidData`].
pub fn readn<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> Result<usize, RioError> {
    let mut done = 0;
    while done < buf.len() {
        match read_retrying(reader, &mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(source) => {
                return Err(RioError::PartialIo {
                    transferred: done,
                    source,
                });
            }
        }
    }
    Ok(done)
}

/// One `read` call, retried on `Interrupted`, whose count is checked against
/// `buf.len()` so a misbehaving reader cannot make the caller index out of
/// bounds.
pub(super) fn read_retrying<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Ok(n) if n <= buf.len() => return Ok(n),
            Ok(n) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("reader claimed {n} bytes into a buffer of {}", buf.len()),
                ));
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
}
