//! `Lines`: frames ended by a line break.

use bytes::{Bytes, BytesMut};

use super::delimiter::DEFAULT_MAX_FRAME_LENGTH;
use super::scan::{Scanner, Search};
use super::{BorrowDecoder, Decoded, Decoder, Encoder, FrameError, Oversize};

type Result<T, E = FrameError> = std::result::Result<T, E>;

/// A codec for lines: frames ended by `\n`, with one `\r` before it taken as
/// part of the line ending; or, in strict CRLF mode, ended by `\r\n` only.
///
/// ```text
/// default:  | line bytes (no '\n') | ['\r'] '\n' |  next line ...
/// CRLF:     | line bytes (no "\r\n") | '\r' '\n' |  next line ...
/// ```
///
/// # Decoding
///
/// Lines come out as [`Bytes`], without their line ending, split off the
/// buffer without copying. They are raw bytes: rionet does not check UTF-8
/// (a peer may send any bytes); a caller that wants text validates with
/// [`std::str::from_utf8`] and decides what a bad line means. In the default
/// mode the line ending is `\n` and one `\r` just before it is stripped too
/// (`a\r\r\n` gives `a\r`), as tokio-util's `LinesCodec` does; a lone `\r`
/// is an ordinary byte. In CRLF mode ([`Lines::crlf`]) only `\r\n` ends a
/// line and a bare `\n` is an ordinary byte, as in HTTP/1.1, SMTP or Redis.
///
/// In the default mode the search for `\n` compares the next 128 bytes at
/// once (SSE2, or AVX2 where the CPU has it), then goes on with `memchr`;
/// in CRLF mode it is `memchr` alone. Either way it resumes where it
/// stopped, so decoding costs time linear in the input however it is
/// chunked.
///
/// # Maximum line length
///
/// A line as handed back (line ending excluded) may be at most
/// [`max_frame_len`](LinesBuilder::max_frame_len) bytes, 64 KiB by
/// default. A longer line is dropped as its bytes arrive (memory stays
/// bounded by the maximum), and handled according to the [`Oversize`]
/// policy exactly as for [`Delimited`](super::Delimited): a recoverable
/// [`FrameError::FrameTooLarge`] as soon as it is known (the decoder then
/// drops the rest of the line silently and carries on), or, under
/// [`Oversize::Skip`], no error at all: the line is counted by
/// [`skipped_frames`](Lines::skipped_frames) and
/// [`skipped_bytes`](Lines::skipped_bytes).
///
/// # End of stream
///
/// An unterminated last line is a [`FrameError::PartialFrame`] that carries
/// its bytes
/// (a trailing `\r` included), so a caller that accepts such a line can take
/// it from the error. tokio-util's `LinesCodec` returns it as a line instead.
///
/// # Encoding
///
/// The encoder appends `\n` (`\r\n` in CRLF mode) and refuses, writing
/// nothing, a line longer than the maximum ([`FrameError::FrameTooLarge`])
/// or one the decoder would not read back whole
/// ([`FrameError::DelimiterInFrame`]): in the
/// default mode a line containing `\n` or ending in `\r`; in CRLF mode a line
/// containing `\r\n`. Items: anything `AsRef<[u8]>` (`&str`, `String`,
/// `&[u8]`, `Bytes`...). [`Encoder::encode_parts`] checks the same way and
/// returns the line borrowed and its ending apart, so a
/// [`FrameWriter`](super::FrameWriter) sends a long line uncopied.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Encoder, FrameError, Lines};
///
/// let mut lines = Lines::new();
/// let mut buf = BytesMut::from(&b"GET / HTTP/1.0\r\nHost: example\nunfinished"[..]);
/// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"GET / HTTP/1.0"[..]);
/// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"Host: example"[..]);
/// assert_eq!(lines.decode(&mut buf)?, None);
/// match lines.decode_eof(&mut buf) {
///     Err(FrameError::PartialFrame { pending, .. }) => assert_eq!(pending, &b"unfinished"[..]),
///     other => panic!("{other:?}"),
/// }
///
/// let mut out = BytesMut::new();
/// lines.encode("hello", &mut out)?;
/// assert_eq!(&out[..], b"hello\n");
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Lines {
    crlf: bool,
    scanner: Scanner<true>,
}

impl Default for Lines {
    fn default() -> Self {
        Lines::new()
    }
}

impl Lines {
    /// A codec for lines ended by `\n` or `\r\n`, with the defaults of
    /// [`LinesBuilder::new`]: maximum line length 64 KiB, [`Oversize::Error`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Lines};
    ///
    /// let mut buf = BytesMut::from(&b"unix\nwindows\r\n"[..]);
    /// let mut lines = Lines::new();
    /// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"unix"[..]);
    /// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"windows"[..]);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn new() -> Lines {
        LinesBuilder::new().build()
    }

    /// A codec for lines ended by `\r\n` only (a bare `\n` is part of the
    /// line), otherwise with the defaults of [`LinesBuilder::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Lines};
    ///
    /// let mut buf = BytesMut::from(&b"a\nb\r\n"[..]);
    /// assert_eq!(Lines::crlf().decode(&mut buf)?.unwrap(), &b"a\nb"[..]);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn crlf() -> Lines {
        LinesBuilder::new().crlf(true).build()
    }

    /// A builder to choose the line ending, the maximum line length and the
    /// oversize policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{Lines, Oversize};
    ///
    /// let lines = Lines::builder().max_frame_len(1024).oversize(Oversize::Skip).build();
    /// assert_eq!(lines.max_frame_len(), 1024);
    /// ```
    pub fn builder() -> LinesBuilder {
        LinesBuilder::new()
    }

    /// Whether only `\r\n` ends a line.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(rionet::frame::Lines::crlf().is_crlf());
    /// ```
    pub fn is_crlf(&self) -> bool {
        self.crlf
    }

    /// The longest line, in bytes (line ending excluded), the codec accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rionet::frame::Lines::new().max_frame_len(), 64 * 1024);
    /// ```
    pub fn max_frame_len(&self) -> usize {
        self.scanner.max_frame_len()
    }

    /// How many lines over the maximum were dropped under [`Oversize::Skip`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Lines, Oversize};
    ///
    /// let mut lines = Lines::builder().max_frame_len(2).oversize(Oversize::Skip).build();
    /// let mut src = BytesMut::from(&b"long\nok\n"[..]);
    /// assert_eq!(lines.decode(&mut src)?.as_deref(), Some(&b"ok"[..]));
    /// assert_eq!(lines.skipped_frames(), 1);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn skipped_frames(&self) -> u64 {
        self.scanner.skipped_frames()
    }

    /// How many bytes of lines over the maximum (line endings included)
    /// were dropped under [`Oversize::Skip`].
    pub fn skipped_bytes(&self) -> u64 {
        self.scanner.skipped_bytes()
    }

    /// What the decoder does with a line over the maximum.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{Lines, Oversize};
    ///
    /// assert_eq!(Lines::new().oversize(), Oversize::Error);
    /// ```
    pub fn oversize(&self) -> Oversize {
        self.scanner.oversize()
    }

    /// How many bytes the line-ending search has examined since the codec
    /// was built: a work counter that grows with the input, not with the
    /// number of `decode` calls (see
    /// [`Delimited::bytes_examined`](super::Delimited::bytes_examined)).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Lines};
    ///
    /// let mut lines = Lines::new();
    /// let mut buf = BytesMut::new();
    /// for &b in b"hello\n" {
    ///     buf.extend_from_slice(&[b]);
    ///     lines.decode(&mut buf)?;
    /// }
    /// assert_eq!(lines.bytes_examined(), 6);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn bytes_examined(&self) -> u64 {
        self.scanner.bytes_examined()
    }

    fn encode_slice(&mut self, line: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.scanner.encode(line, self.ending(), dst)
    }

    fn encode_tail(&mut self, line: &[u8], tail: &mut BytesMut) -> Result<()> {
        self.scanner.encode_tail(line, self.ending(), tail)
    }

    /// The line ending the encoder writes.
    fn ending(&self) -> &'static [u8] {
        if self.crlf { b"\r\n" } else { b"\n" }
    }
}

impl Decoder for Lines {
    type Item = Bytes;
    type Error = FrameError;

    /// Takes the next line off `src`, without its line ending.
    ///
    /// # Errors
    ///
    /// [`FrameError::FrameTooLarge`] for a line over the maximum under
    /// [`Oversize::Error`]; recoverable: the decoder goes on with the next
    /// line.
    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scanner.scan(src, false);
        scan.into_bytes(src)
    }

    /// Like `decode`, once the stream has ended.
    ///
    /// # Errors
    ///
    /// As `decode`, and [`FrameError::PartialFrame`] with the bytes of an
    /// unterminated last line.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scanner.scan(src, true);
        scan.into_bytes(src)
    }
}

impl BorrowDecoder for Lines {
    /// The [`decode`](Decoder::decode) / [`decode_eof`](Decoder::decode_eof)
    /// framing, in place: the same lines, skips and errors.
    #[inline]
    fn decode_slice(&mut self, src: &[u8], eof: bool) -> Decoded {
        self.scanner.scan_slice(src, eof)
    }

    /// The lines `decode_slice` would give, found with the search state in
    /// registers between frames.
    #[inline]
    fn decode_slices<F: FnMut(&[u8])>(
        &mut self,
        src: &[u8],
        eof: bool,
        mut each: F,
    ) -> Decoded<FrameError, ()> {
        self.scanner
            .scan_each(src, eof, |frame| each(&src[frame]))
            .into_decoded_rest(src)
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for Lines {
    type Error = FrameError;

    /// Appends `item` and the line ending to `dst`.
    ///
    /// # Errors
    ///
    /// [`FrameError::FrameTooLarge`] over the maximum,
    /// [`FrameError::DelimiterInFrame`] when the decoder would not read
    /// `item` back whole. `dst` is unchanged.
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(item.as_ref(), dst)
    }

    /// An empty head, `item` borrowed, and the line ending as the tail.
    fn encode_parts<'i>(
        &mut self,
        item: &'i T,
        _head: &mut BytesMut,
        tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        let line = item.as_ref();
        self.encode_tail(line, tail).map(|()| Some(line))
    }
}

/// Builds a [`Lines`] codec.
///
/// Defaults, from [`new`](LinesBuilder::new): `\n` with an optional `\r`
/// (not strict CRLF), maximum line length 64 KiB, [`Oversize::Error`].
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Lines, Oversize};
///
/// let mut lines = Lines::builder().crlf(true).max_frame_len(4).oversize(Oversize::Skip).build();
/// let mut buf = BytesMut::from(&b"PING\r\nTOO LONG\r\nPONG\r\n"[..]);
/// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"PING"[..]);
/// // "TOO LONG" is skipped, no error.
/// assert_eq!(lines.decode(&mut buf)?.unwrap(), &b"PONG"[..]);
/// assert_eq!((lines.skipped_frames(), lines.skipped_bytes()), (1, 10));
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinesBuilder {
    crlf: bool,
    max: usize,
    oversize: Oversize,
}

impl Default for LinesBuilder {
    fn default() -> Self {
        LinesBuilder::new()
    }
}

impl LinesBuilder {
    /// A builder for `\n` lines with an optional `\r`, a maximum line length
    /// of 64 KiB and [`Oversize::Error`].
    ///
    /// # Examples
    ///
    /// ```
    /// let lines = rionet::frame::LinesBuilder::new().build();
    /// assert!(!lines.is_crlf());
    /// ```
    pub fn new() -> LinesBuilder {
        LinesBuilder {
            crlf: false,
            max: DEFAULT_MAX_FRAME_LENGTH,
            oversize: Oversize::Error,
        }
    }

    /// Whether only `\r\n` ends a line (`false` by default).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(rionet::frame::Lines::builder().crlf(true).build().is_crlf());
    /// ```
    pub fn crlf(&mut self, strict: bool) -> &mut Self {
        self.crlf = strict;
        self
    }

    /// The longest line the decoder hands back, in bytes (line ending
    /// excluded); 64 KiB by default. Any value works, `usize::MAX` included.
    ///
    /// # Examples
    ///
    /// ```
    /// let lines = rionet::frame::Lines::builder().max_frame_len(80).build();
    /// assert_eq!(lines.max_frame_len(), 80);
    /// ```
    pub fn max_frame_len(&mut self, max: usize) -> &mut Self {
        self.max = max;
        self
    }

    /// What the decoder does with a line over the maximum;
    /// [`Oversize::Error`] by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{Lines, Oversize};
    ///
    /// assert_eq!(Lines::builder().oversize(Oversize::Skip).build().oversize(), Oversize::Skip);
    /// ```
    pub fn oversize(&mut self, policy: Oversize) -> &mut Self {
        self.oversize = policy;
        self
    }

    /// Builds the codec.
    ///
    /// # Examples
    ///
    /// ```
    /// let lines = rionet::frame::Lines::builder().build();
    /// assert_eq!(lines.max_frame_len(), 64 * 1024);
    /// ```
    pub fn build(&self) -> Lines {
        let search = if self.crlf {
            Search::CrLf
        } else {
            Search::Newline
        };
        Lines {
            crlf: self.crlf,
            scanner: Scanner::new(search, true, self.max, self.oversize),
        }
    }
}
