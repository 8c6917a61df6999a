//! [`FrameWriter`]: frames to any blocking [`Write`].

use std::io::{self, Write};

use bytes::BytesMut;

use super::write_buf::WriteBuf;
use crate::frame::Encoder;

/// Default buffer capacity, and the payload size from which a frame goes out
/// with a vectored write instead of through the buffer: 8 KiB.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// Writes frames to a blocking [`Write`] with an [`Encoder`], buffered.
///
/// Any encoder works, a codec of your own included:
/// [`send`](FrameWriter::send) fails with the encoder's error type
/// (`E::Error`, [`FrameError`](super::FrameError) for the built-in codecs),
/// [`flush`](FrameWriter::flush) with an [`io::Error`].
///
/// Small frames are encoded into a buffer of `capacity` bytes (8 KiB by
/// default) that goes out on [`flush`](FrameWriter::flush), or together
/// with the first frame that does not fit it any more. A frame whose
/// encoder splits it with [`Encoder::encode_parts`] is not copied when it
/// goes out that way, nor when its payload is at least `capacity` bytes
/// (a large frame): buffered bytes, the frame's head, its payload and its
/// tail go out together in one vectored write (`writev`), continued as
/// needed when the OS takes only part of it. So while writes succeed the
/// buffer holds at most `capacity` bytes, and its allocation, `capacity`
/// plus 64 bytes of room for the head of the frame being sent, never grows
/// (for every built-in codec: only a [`LengthPrefix`](super::LengthPrefix)
/// with a `length_field_offset` over 54 bytes, or a `strip` over 64 bytes
/// whose stripped body bytes the encoder writes back as zeros, has a longer
/// head). A failed write leaves in it the bytes not taken, the rest of the
/// frame being sent among them (see below), until a later write takes them. Any
/// plain encoder works too; its frames go through the buffer, which is
/// written out once it holds `capacity` bytes.
///
/// [`Interrupted`](std::io::ErrorKind::Interrupted) is retried; a write of 0
/// bytes is [`WriteZero`](std::io::ErrorKind::WriteZero). When a write fails,
/// nothing is lost or sent twice: the bytes not yet accepted by the writer
/// (including the rest of a large payload, copied then) stay in the buffer,
/// and the next [`flush`](FrameWriter::flush) or
/// [`send`](FrameWriter::send) carries on from there.
///
/// Frames still in the buffer when the writer is dropped are discarded (a
/// destructor cannot report errors): call [`flush`](FrameWriter::flush) or
/// [`into_inner`](FrameWriter::into_inner) first.
///
/// Bytes go out through [`writen`](crate::writen) and
/// [`writen_vectored`](crate::writen_vectored).
///
/// # Examples
///
/// ```
/// use bytes::Bytes;
/// use rionet::frame::{FrameWriter, LengthPrefix};
///
/// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
/// out.send("hello")?; // any AsRef<[u8]>
/// out.send(Bytes::from_static(b"world"))?;
/// assert_eq!(out.into_inner()?, b"\0\0\0\x05hello\0\0\0\x05world");
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// Over TCP:
///
/// ```no_run
/// use std::net::TcpStream;
/// use rionet::frame::{FrameWriter, LengthPrefix};
///
/// fn main() -> Result<(), rionet::frame::FrameError> {
///     let stream = TcpStream::connect("127.0.0.1:15213")?;
///     let mut out = FrameWriter::new(stream, LengthPrefix::new());
///     for word in ["one", "two", "three"] {
///         out.send(word)?;
///     }
///     out.flush()?;
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// See [`send`](FrameWriter::send) and [`flush`](FrameWriter::flush).
#[derive(Debug)]
pub struct FrameWriter<W, E> {
    inner: W,
    encoder: E,
    out: WriteBuf,
}

impl<W: Write, E> FrameWriter<W, E> {
    /// A writer over `inner` encoding with `encoder`, with an 8 KiB buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// assert_eq!(out.capacity(), 8192);
    /// ```
    pub fn new(inner: W, encoder: E) -> Self {
        FrameWriter::with_capacity(DEFAULT_CAPACITY, inner, encoder)
    }

    /// Like [`new`](FrameWriter::new) with a buffer of `capacity` bytes (at
    /// least 1); payloads of `capacity` bytes or more bypass the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let out = FrameWriter::with_capacity(64 * 1024, Vec::new(), LengthPrefix::new());
    /// assert_eq!(out.capacity(), 65536);
    /// ```
    pub fn with_capacity(capacity: usize, inner: W, encoder: E) -> Self {
        FrameWriter {
            inner,
            encoder,
            out: WriteBuf::new(capacity),
        }
    }

    /// Encodes `item` and buffers it, or sends it at once, after the
    /// buffered frames, with a vectored write if its payload is at least
    /// [`capacity`](FrameWriter::capacity) bytes or it does not fit the
    /// buffer any more.
    ///
    /// # Errors
    ///
    /// The encoder's error (the item cannot be framed; nothing is buffered),
    /// or an I/O error from the writer converted into it
    /// ([`FrameError::Io`](super::FrameError::Io) for the built-in codecs):
    /// the frame is then buffered in full and the bytes the writer did not
    /// take are kept, to go out with the next `flush`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let codec = LengthPrefix::builder().field_len(1).build();
    /// let mut out = FrameWriter::new(Vec::new(), codec);
    /// assert!(out.send([0u8; 300]).is_err()); // 300 does not fit a byte
    /// out.send(b"ok")?;
    /// assert_eq!(out.into_inner()?, b"\x02ok");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    #[inline]
    pub fn send<I>(&mut self, item: I) -> Result<(), E::Error>
    where
        E: Encoder<I>,
    {
        self.out.send(&mut self.inner, &mut self.encoder, item)
    }

    /// Writes out the buffer, then flushes the underlying writer.
    ///
    /// # Errors
    ///
    /// The writer's [`io::Error`]: the bytes not yet written stay buffered;
    /// call again to carry on.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// out.send(b"!")?;
    /// assert!(out.get_ref().is_empty());
    /// out.flush()?;
    /// assert_eq!(out.get_ref().len(), 5);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush(&mut self.inner)
    }

    /// The buffer size, which is also the payload size from which frames
    /// bypass the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// assert_eq!(FrameWriter::new(Vec::new(), LengthPrefix::new()).capacity(), 8192);
    /// ```
    pub fn capacity(&self) -> usize {
        self.out.capacity()
    }

    /// The bytes encoded but not yet written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// out.send(b"!")?;
    /// assert_eq!(out.buffer(), b"\0\0\0\x01!");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn buffer(&self) -> &[u8] {
        self.out.buffer()
    }

    /// The underlying writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let out = FrameWriter::new(Vec::<u8>::new(), LengthPrefix::new());
    /// assert!(out.get_ref().is_empty());
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The underlying writer, mutably. Writing to it directly puts bytes
    /// before the frames still buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// out.get_mut().extend_from_slice(b"HELLO\n"); // a preamble
    /// out.send(b"!")?;
    /// assert_eq!(out.into_inner()?, b"HELLO\n\0\0\0\x01!");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The encoder.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// assert_eq!(out.encoder().max_frame_len(), 8 << 20);
    /// ```
    pub fn encoder(&self) -> &E {
        &self.encoder
    }

    /// The encoder, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// *out.encoder_mut() = LengthPrefix::builder().varint().build();
    /// ```
    pub fn encoder_mut(&mut self) -> &mut E {
        &mut self.encoder
    }

    /// Flushes, then returns the underlying writer.
    ///
    /// # Errors
    ///
    /// The [`io::Error`] of the flush; the writer and the unsent bytes are
    /// dropped then (use [`flush`](FrameWriter::flush) first to keep them on
    /// error).
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::new(), LengthPrefix::new());
    /// out.send(b"!")?;
    /// assert_eq!(out.into_inner()?.len(), 5);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    /// The underlying writer, the encoder and the bytes not yet written,
    /// without writing anything.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{FrameWriter, LengthPrefix};
    ///
    /// let mut out = FrameWriter::new(Vec::<u8>::new(), LengthPrefix::new());
    /// out.send(b"!")?;
    /// let (inner, _codec, unsent) = out.into_parts();
    /// assert!(inner.is_empty());
    /// assert_eq!(&unsent[..], b"\0\0\0\x01!");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn into_parts(self) -> (W, E, BytesMut) {
        (self.inner, self.encoder, self.out.into_buffer())
    }
}
