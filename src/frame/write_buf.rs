//! The send buffer behind [`FrameWriter`](super::FrameWriter) and
//! [`Framed`](super::Framed): frames encoded into one buffer, large payloads
//! sent with a vectored write instead of copied.

use std::io::{self, IoSlice, Write};

use bytes::{Buf, BytesMut};

use super::Encoder;
use crate::{writen, writen_vectored};

/// Room past `capacity` in the buffer's allocation for the head of the
/// frame being sent: `encode_parts` appends the head before `send` checks
/// whether the frame fits, so without it a head that does not fit would
/// grow the allocation (`bytes` doubles it). 64 bytes hold every
/// `LengthPrefix` head but those behind a `length_field_offset` over 54
/// bytes (an offset plus a varint of at most 10 bytes) and those of a
/// `strip` over 64 bytes (a head is as long as the larger of the header and
/// the strip).
const HEAD_ROOM: usize = 64;

/// Encoded frames not yet written, and the scratch tail of a large frame.
#[derive(Debug)]
pub(crate) struct WriteBuf {
    buf: BytesMut,
    tail: BytesMut,
    capacity: usize,
}

impl WriteBuf {
    /// A buffer of `capacity` bytes (at least 1), allocated with
    /// [`HEAD_ROOM`] more; payloads of `capacity` bytes or more bypass it.
    pub(crate) fn new(capacity: usize) -> WriteBuf {
        let capacity = capacity.max(1);
        WriteBuf {
            buf: BytesMut::with_capacity(capacity.saturating_add(HEAD_ROOM)),
            tail: BytesMut::new(),
            capacity,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn buffer(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn into_buffer(self) -> BytesMut {
        self.buf
    }

    /// Encodes `item` into the buffer, or sends it at once with a vectored
    /// write (after what is buffered) if its payload is at least `capacity`
    /// bytes or it does not fit the buffer any more; writes the buffer out
    /// once it holds `capacity` bytes. On an encoder error nothing is
    /// buffered; on an I/O error the bytes not taken stay buffered.
    ///
    /// Inlined, with everything but appending a frame that fits kept out of
    /// line (`send_parts`, `write_out`): 64 B frames through `LengthPrefix`
    /// (whose `encode_parts` inlines too) cost 56 instructions a frame
    /// instead of 141 (callgrind, `benches/profile.rs frame-write rionet
    /// 64`, `memcpy` left out; a `BufWriter` by hand costs 27).
    #[inline]
    pub(crate) fn send<W, E, I>(
        &mut self,
        inner: &mut W,
        encoder: &mut E,
        item: I,
    ) -> Result<(), E::Error>
    where
        W: Write,
        E: Encoder<I>,
    {
        let before = self.buf.len();
        self.tail.clear();
        match encoder.encode_parts(&item, &mut self.buf, &mut self.tail) {
            // A large payload, or a frame that would overflow the buffer:
            // the buffered frames and this one go out together, so the
            // buffer never holds more than `capacity` bytes and a head,
            // and its allocation never grows (growing it would copy
            // everything buffered, and `bytes` would copy it back to the
            // front again later).
            Ok(Some(payload))
                if payload.len() >= self.capacity
                    || self.buf.len() + payload.len() + self.tail.len() > self.capacity =>
            {
                return self.send_parts(inner, payload).map_err(E::Error::from);
            }
            Ok(Some(payload)) => {
                self.buf.extend_from_slice(payload);
                if !self.tail.is_empty() {
                    self.buf.extend_from_slice(&self.tail);
                }
            }
            Ok(None) => encoder.encode(item, &mut self.buf)?,
            Err(err) => {
                self.buf.truncate(before);
                return Err(err);
            }
        }
        if self.buf.len() >= self.capacity {
            self.write_out(inner)?;
        }
        Ok(())
    }

    /// Writes the buffer, then `payload`, then the frame's tail, with
    /// vectored writes: the slow path of [`send`](WriteBuf::send).
    #[cold]
    #[inline(never)]
    fn send_parts<W: Write>(&mut self, inner: &mut W, payload: &[u8]) -> io::Result<()> {
        let mut tail = std::mem::take(&mut self.tail);
        let sent = write_parts(inner, &mut self.buf, payload, &mut tail);
        self.tail = tail;
        sent
    }

    /// Writes the buffer out, then flushes `inner`.
    pub(crate) fn flush<W: Write>(&mut self, inner: &mut W) -> io::Result<()> {
        self.write_out(inner)?;
        inner.flush()
    }

    /// Writes the buffer out, keeping what the writer did not take.
    #[inline(never)]
    pub(crate) fn write_out<W: Write>(&mut self, inner: &mut W) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut counted = Counted::new(inner);
        let result = writen(&mut counted, &self.buf).map_err(io::Error::from);
        let written = counted.written.min(self.buf.len());
        if written == self.buf.len() {
            // Not `advance`: the next frames start at the front of the
            // allocation again, with no copy to get there.
            self.buf.clear();
        } else {
            self.buf.advance(written);
        }
        result
    }
}

/// Writes `buf ++ payload ++ tail` with vectored writes until all of it is
/// taken. `buf` ends empty on success; on error it holds exactly the bytes
/// not taken (copying the rest of `payload` there).
fn write_parts<W: Write>(
    inner: &mut W,
    buf: &mut BytesMut,
    payload: &[u8],
    tail: &mut BytesMut,
) -> io::Result<()> {
    let total = buf.len() + payload.len() + tail.len();
    let mut slices = [IoSlice::new(buf), IoSlice::new(payload), IoSlice::new(tail)];
    let mut counted = Counted::new(inner);
    let result = writen_vectored(&mut counted, &mut slices).map_err(io::Error::from);
    if result.is_ok() {
        buf.clear();
        return Ok(());
    }
    // Keep exactly the bytes not taken, in order.
    let written = counted.written.min(total);
    let from_buf = written.min(buf.len());
    buf.advance(from_buf);
    let written = written - from_buf;
    let from_payload = written.min(payload.len());
    buf.extend_from_slice(&payload[from_payload..]);
    buf.extend_from_slice(&tail[written - from_payload..]);
    result
}

/// A writer that counts the bytes its inner writer accepted, so the send
/// buffer keeps exactly the rest whatever error the robust write reports.
struct Counted<'a, W> {
    inner: &'a mut W,
    written: usize,
}

impl<'a, W: Write> Counted<'a, W> {
    fn new(inner: &'a mut W) -> Self {
        Counted { inner, written: 0 }
    }
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n.min(buf.len());
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
