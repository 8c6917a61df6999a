//! `writen` and `writen_vectored`: write everything to any writer, CS:APP's
//! `rio_writen`.

use std::io::{self, IoSlice, Write};

use super::error::RioError;

/// Writes all of `buf`, retrying short writes and `Interrupted`.
///
/// This is CS:APP's `rio_writen`, and like std's
/// [`write_all`](Write::write_all) it loops until every byte is accepted.
/// An empty `buf` returns at once without calling the writer.
///
/// Where it differs: `rio_writen` spins forever on a `write` that returns 0,
/// and neither it nor `write_all` tells how much was written before an
/// error. Here a write that accepts 0 bytes is an
/// [`io::ErrorKind::WriteZero`] error, and every error is
/// [`RioError::PartialIo`] with the count of bytes already written, so the
/// caller can resume (after [`WouldBlock`](io::ErrorKind::WouldBlock) on a
/// nonblocking socket, say) from `&buf[transferred..]`.
///
/// # Examples
///
/// ```
/// let mut out = Vec::new();
/// rionet::writen(&mut out, b"hello\n")?;
/// assert_eq!(out, b"hello\n");
/// # Ok::<(), rionet::RioError>(())
/// ```
///
/// # Errors
///
/// [`RioError::PartialIo`], carrying the bytes written before the failure
/// (possibly 0) and the writer's error, or a `WriteZero` error when the
/// writer accepts nothing; [`RioError::kind`] is that error's kind.
pub fn writen<W: Write + ?Sized>(writer: &mut W, buf: &[u8]) -> Result<(), RioError> {
    let mut done = 0;
    while done < buf.len() {
        done += progress(writer.write(&buf[done..]), buf.len() - done, done)?;
    }
    Ok(())
}

/// Writes every byte of `bufs`, in order, with as few `writev` calls as the
/// writer allows.
///
/// This is [`writen`] for several buffers at once, the way to send a frame
/// header and its payload without first copying them into one buffer:
/// [`Write::write_vectored`] becomes one `writev(2)` on a `TcpStream` or a
/// `File`. A partial write that ends anywhere, even inside a buffer, is
/// resumed from the next unwritten byte; empty buffers are skipped;
/// `Interrupted` is retried; a write that accepts 0 bytes is
/// [`io::ErrorKind::WriteZero`]. A writer without a real vectored write
/// (the default [`Write::write_vectored`]) still works, one buffer per call.
///
/// `bufs` is advanced in place as bytes go out (as with std's unstable
/// `write_all_vectored`), so its contents afterwards are unspecified; build
/// it afresh for every call.
///
/// CS:APP has no vectored counterpart.
///
/// # Examples
///
/// ```
/// use std::io::IoSlice;
///
/// let payload = b"hello";
/// let header = (payload.len() as u32).to_be_bytes();
/// let mut out = Vec::new();
/// rionet::writen_vectored(&mut out, &mut [IoSlice::new(&header), IoSlice::new(payload)])?;
/// assert_eq!(out, b"\0\0\0\x05hello");
/// # Ok::<(), rionet::RioError>(())
/// ```
///
/// # Errors
///
/// As [`writen`]: [`RioError::PartialIo`], whose `transferred` counts bytes
/// across all of `bufs` (header and payload together) written before the
/// failure.
pub fn writen_vectored<W: Write + ?Sized>(
    writer: &mut W,
    mut bufs: &mut [IoSlice<'_>],
) -> Result<(), RioError> {
    // Drop leading empty buffers, so an empty first slice cannot look like
    // a writer that accepts nothing.
    IoSlice::advance_slices(&mut bufs, 0);
    let mut remaining: usize = bufs.iter().map(|b| b.len()).sum();
    let mut done = 0;
    while remaining > 0 {
        let n = progress(writer.write_vectored(bufs), remaining, done)?;
        IoSlice::advance_slices(&mut bufs, n);
        remaining -= n;
        done += n;
    }
    Ok(())
}

/// The bytes one write call moved (0 after `Interrupted`, to retry), or the
/// error that ends the loop, carrying the `done` bytes written so far.
fn progress(result: io::Result<usize>, remaining: usize, done: usize) -> Result<usize, RioError> {
    let source = match result {
        Ok(n) if n > 0 && n <= remaining => return Ok(n),
        Ok(0) => io::Error::new(
            io::ErrorKind::WriteZero,
            format!("writer accepted 0 of {remaining} bytes"),
        ),
        Ok(n) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("writer claimed {n} bytes of {remaining}"),
        ),
        Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(0),
        Err(err) => err,
    };
    Err(RioError::PartialIo {
        transferred: done,
        source,
    })
}
