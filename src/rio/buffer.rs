//! The read buffer behind `RioReader`, with the narrow API that keeps its
//! invariants (std's `BufReader` buffer is the model).

use std::io::Read;

use super::readn::read_retrying;

/// [`Buffer::take_into`] appends up to this many bytes as one copy of
/// exactly this length, then truncates. A copy of a constant length is a
/// few vector moves; `extend_from_slice` of a varying length calls
/// `memcpy`, whose branches on the length mispredict when short lines of
/// mixed lengths follow each other (`readlineb` over 1..127-byte lines:
/// about 10% of its time).
const FIXED_COPY: usize = 128;

/// A fixed-capacity read buffer that grows only on request.
///
/// Invariants: `pos <= filled <= buf.len()`; `buf[pos..filled]` are the
/// bytes read from the inner reader and not yet consumed, in stream order;
/// all of `buf` is initialised (so no `unsafe` is needed to read into it).
#[derive(Debug)]
pub(super) struct Buffer {
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
}

impl Buffer {
    /// An empty buffer of `capacity` bytes (at least 1).
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Buffer {
            buf: vec![0; capacity.max(1)],
            pos: 0,
            filled: 0,
        }
    }

    /// The unconsumed bytes.
    #[inline(always)]
    pub(super) fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.filled]
    }

    /// How many bytes are unconsumed.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.filled - self.pos
    }

    /// Whether every byte read has been consumed.
    #[inline(always)]
    pub(super) fn is_empty(&self) -> bool {
        self.pos == self.filled
    }

    /// The buffer's size in bytes.
    pub(super) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Marks `n` bytes (at most what is buffered) as consumed.
    #[inline(always)]
    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n.min(self.len());
    }

    /// Consumes the first `n` buffered bytes (at most what is buffered) and
    /// returns them.
    #[inline(always)]
    pub(super) fn take(&mut self, n: usize) -> &[u8] {
        let start = self.pos;
        self.consume(n);
        &self.buf[start..self.pos]
    }

    /// Consumes the first `n` buffered bytes (at most what is buffered) and
    /// appends them to `dst`. A run of at most [`FIXED_COPY`] bytes, with
    /// that many bytes of buffer from its start, is appended as one copy of
    /// exactly that length, then truncated: `dst` may gain up to that much
    /// spare capacity, never length.
    #[inline(always)]
    pub(super) fn take_into(&mut self, n: usize, dst: &mut Vec<u8>) {
        let start = self.pos;
        self.consume(n);
        let taken = self.pos - start;
        match self.buf.get(start..start + FIXED_COPY) {
            Some(run) if taken <= FIXED_COPY => {
                let len = dst.len() + taken;
                dst.extend_from_slice(run);
                dst.truncate(len);
            }
            _ => dst.extend_from_slice(&self.buf[start..self.pos]),
        }
    }

    /// Reads once from `inner` into the free end of the buffer, retrying
    /// `Interrupted`. To make room it moves the unconsumed bytes to the
    /// front, or, when they fill the whole buffer, grows it by doubling up
    /// to `limit` bytes (and by at least one byte, so the read always has
    /// room). Returns the count read, 0 at end of stream.
    pub(super) fn fill_more<R: Read + ?Sized>(
        &mut self,
        inner: &mut R,
        limit: usize,
    ) -> std::io::Result<usize> {
        if self.is_empty() {
            self.pos = 0;
            self.filled = 0;
        }
        if self.filled == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.filled, 0);
                self.filled -= self.pos;
                self.pos = 0;
            } else {
                let len = self.buf.len();
                let grown = len.saturating_mul(2).min(limit).max(len + 1);
                self.buf.resize(grown, 0);
            }
        }
        let n = read_retrying(inner, &mut self.buf[self.filled..])?;
        self.filled += n;
        Ok(n)
    }

    /// The unconsumed bytes, reading once first if there are none.
    pub(super) fn fill_if_empty<R: Read + ?Sized>(
        &mut self,
        inner: &mut R,
    ) -> std::io::Result<&[u8]> {
        if self.is_empty() {
            // An empty buffer always has room: no growth happens.
            self.fill_more(inner, self.buf.len())?;
        }
        Ok(self.buffer())
    }

    /// The unconsumed bytes, as an owned vector (reusing the allocation).
    pub(super) fn into_vec(self) -> Vec<u8> {
        let mut buf = self.buf;
        buf.truncate(self.filled);
        buf.drain(..self.pos);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::Buffer;

    #[test]
    fn compacts_before_it_grows_and_grows_only_to_the_limit() {
        let mut buf = Buffer::with_capacity(4);
        let mut input: &[u8] = b"abcdefghij";
        assert_eq!(buf.fill_more(&mut input, 8).unwrap(), 4);
        assert_eq!(buf.take(2), b"ab");
        // Full: the two unconsumed bytes move to the front, no growth.
        assert_eq!(buf.fill_more(&mut input, 8).unwrap(), 2);
        assert_eq!((buf.buffer(), buf.capacity()), (&b"cdef"[..], 4));
        // Full from the front: grows, doubling, capped by the limit.
        assert_eq!(buf.fill_more(&mut input, 6).unwrap(), 2);
        assert_eq!((buf.buffer(), buf.capacity()), (&b"cdefgh"[..], 6));
        // At the limit and full: still grows by one so the read has room.
        assert_eq!(buf.fill_more(&mut input, 6).unwrap(), 1);
        assert_eq!(buf.capacity(), 7);
        buf.consume(100);
        assert!(buf.is_empty());
        assert_eq!(buf.fill_if_empty(&mut input).unwrap(), b"j");
        assert_eq!(buf.into_vec(), b"j");
    }

    #[test]
    fn take_into_appends_exactly_the_bytes_taken() {
        let input: Vec<u8> = (0..=255).cycle().take(600).collect();
        // (capacity, bytes read, bytes consumed first, bytes taken): the
        // fixed copy within what was read, past it (still in the buffer),
        // and the plain copy for long runs and at the end of the buffer.
        let cases = [
            (600, 600, 0, 1),
            (600, 600, 10, 128),
            (600, 400, 300, 100),
            (600, 600, 500, 90),
            (600, 600, 0, 129),
            (600, 600, 0, 600),
            (600, 400, 390, 50),
            (100, 100, 20, 50),
        ];
        for (capacity, read, start, n) in cases {
            let mut buf = Buffer::with_capacity(capacity);
            let mut from = &input[..read];
            while buf.fill_more(&mut from, capacity).unwrap() > 0 {}
            buf.consume(start);
            let mut dst = b"head".to_vec();
            buf.take_into(n, &mut dst);
            let end = read.min(start + n);
            assert_eq!(&dst[..4], b"head");
            assert_eq!(
                &dst[4..],
                &input[start..end],
                "case {capacity} {read} {start} {n}"
            );
            assert_eq!(buf.buffer(), &input[end..read]);
        }
    }
}
