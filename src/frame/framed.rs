//! [`Framed`]: one value over a stream for request/response.

use std::io::{self, Read, Write};

use bytes::BytesMut;

use super::write_buf::WriteBuf;
use super::{Decoder, Encoder, FrameReader};

/// Default send buffer, as [`FrameWriter`](super::FrameWriter)'s: 8 KiB.
const DEFAULT_CAPACITY: usize = 8 * 1024;

/// A [`FrameReader`] and a [`FrameWriter`](super::FrameWriter) over one
/// stream with one codec: [`send`](Framed::send) requests,
/// [`recv`](Framed::recv) replies.
///
/// `recv` first flushes whatever `send` buffered, so a request never sits
/// unsent while its sender waits for the reply. Reading and writing behave
/// exactly as in `FrameReader` and `FrameWriter` (no copy of large
/// payloads, nothing lost on a timeout).
///
/// # Examples
///
/// A request/response client and its server, over loopback:
///
/// ```
/// use std::net::TcpListener;
/// use std::thread;
/// use rionet::frame::{FrameError, Framed, Lines};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// let server = thread::spawn(move || -> Result<(), FrameError> {
///     let (stream, _) = listener.accept()?;
///     let mut conn = Framed::new(stream, Lines::new());
///     while let Some(request) = conn.recv()? {
///         conn.send(request.to_ascii_uppercase())?;
///     }
///     conn.flush()?;
///     Ok(())
/// });
///
/// let mut client = Framed::new(std::net::TcpStream::connect(addr)?, Lines::new());
/// client.send("ping")?;
/// assert_eq!(client.recv()?.as_deref(), Some(&b"PING"[..]));
/// client.get_ref().shutdown(std::net::Shutdown::Write)?;
/// assert_eq!(client.recv()?, None);
/// server.join().unwrap()?;
/// # Ok::<(), FrameError>(())
/// ```
///
/// # One reader thread, one writer thread
///
/// `Framed` is for one thread that alternates sends and receives. To read
/// and write at the same time, split the stream instead: `&TcpStream` is
/// `Read` and `Write` too, so a [`FrameReader`] over `&stream` in one thread
/// and a [`FrameWriter`](super::FrameWriter) over `&stream` in another (each
/// with its own codec value) share one socket without a lock; use
/// [`TcpStream::try_clone`](std::net::TcpStream::try_clone) when a thread
/// must own its half.
///
/// ```no_run
/// use std::net::TcpStream;
/// use std::thread;
/// use rionet::frame::{FrameReader, FrameWriter, Lines};
///
/// # fn main() -> Result<(), rionet::frame::FrameError> {
/// let stream = TcpStream::connect("127.0.0.1:15213")?;
/// thread::scope(|s| {
///     s.spawn(|| {
///         for line in FrameReader::new(&stream, Lines::new()) {
///             println!("{:?}", line);
///         }
///     });
///     let mut out = FrameWriter::new(&stream, Lines::new());
///     for i in 0..10 {
///         out.send(format!("message {i}"))?;
///     }
///     out.flush()?;
///     stream.shutdown(std::net::Shutdown::Write)?;
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug)]
pub struct Framed<S, C> {
    reader: FrameReader<S, C>,
    out: WriteBuf,
}

impl<S: Read + Write, C: Decoder> Framed<S, C> {
    /// `codec` over `stream`, reading up to 64 KiB at a time and buffering
    /// up to 8 KiB of frames to send.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// use rionet::frame::{Framed, LengthPrefix};
    ///
    /// let framed = Framed::new(Cursor::new(Vec::new()), LengthPrefix::new());
    /// assert!(framed.write_buffer().is_empty());
    /// ```
    pub fn new(stream: S, codec: C) -> Self {
        Framed {
            reader: FrameReader::new(stream, codec),
            out: WriteBuf::new(DEFAULT_CAPACITY),
        }
    }

    /// Encodes `item` and buffers it (or sends a large payload at once), as
    /// [`FrameWriter::send`](super::FrameWriter::send) does.
    ///
    /// # Errors
    ///
    /// The encoder's error (nothing is buffered), or an I/O error converted
    /// into it (the bytes not taken stay buffered).
    pub fn send<I>(&mut self, item: I) -> Result<(), <C as Encoder<I>>::Error>
    where
        C: Encoder<I>,
    {
        let (stream, codec) = self.reader.parts_mut();
        self.out.send(stream, codec, item)
    }

    /// Writes out what [`send`](Framed::send) buffered, then flushes the
    /// stream.
    ///
    /// # Errors
    ///
    /// The stream's [`io::Error`]; the bytes not written stay buffered.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush(self.reader.get_mut())
    }

    /// Flushes what `send` buffered, then reads the next frame: `Ok(None)`
    /// at a clean end of stream.
    ///
    /// # Errors
    ///
    /// As [`flush`](Framed::flush) (converted into `C::Error`) and
    /// [`FrameReader::read_frame`].
    pub fn recv(&mut self) -> Result<Option<C::Item>, C::Error> {
        if !self.out.buffer().is_empty() {
            self.flush()?;
        }
        self.reader.read_frame()
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        self.reader.get_ref()
    }

    /// The stream, mutably. Reading or writing it directly bypasses the
    /// buffers ([`read_buffer`](Framed::read_buffer),
    /// [`write_buffer`](Framed::write_buffer)).
    pub fn get_mut(&mut self) -> &mut S {
        self.reader.get_mut()
    }

    /// The codec.
    pub fn codec(&self) -> &C {
        self.reader.decoder()
    }

    /// The codec, mutably.
    pub fn codec_mut(&mut self) -> &mut C {
        self.reader.decoder_mut()
    }

    /// Bytes read but not yet decoded.
    pub fn read_buffer(&self) -> &[u8] {
        self.reader.buffer()
    }

    /// Frames encoded but not yet written.
    pub fn write_buffer(&self) -> &[u8] {
        self.out.buffer()
    }

    /// The stream, the codec, the bytes read but not yet decoded and the
    /// bytes encoded but not yet written, without writing anything.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// use rionet::frame::{Framed, Lines};
    ///
    /// let mut framed = Framed::new(Cursor::new(Vec::new()), Lines::new());
    /// framed.send("unsent")?;
    /// let (_stream, _codec, read_ahead, unsent) = framed.into_parts();
    /// assert!(read_ahead.is_empty());
    /// assert_eq!(&unsent[..], b"unsent\n");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn into_parts(self) -> (S, C, BytesMut, BytesMut) {
        let (stream, codec, read_ahead) = self.reader.into_parts();
        (stream, codec, read_ahead, self.out.into_buffer())
    }
}
