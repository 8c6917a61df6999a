//! `Delimited`: frames ended by one of several delimiters.

use bytes::{Bytes, BytesMut};

use super::scan::{Scanner, Search};
use super::{BorrowDecoder, Decoded, Decoder, Encoder, FrameError, Oversize};

type Result<T, E = FrameError> = std::result::Result<T, E>;

/// The default maximum frame length of [`Delimited`] and
/// [`Lines`](super::Lines): 64 KiB.
pub(crate) const DEFAULT_MAX_FRAME_LENGTH: usize = 64 * 1024;

/// A codec for frames ended by a delimiter: one or more delimiters, each of
/// one or more bytes.
///
/// ```text
/// +------------ frame ------------+-- delimiter --+
/// | payload (no delimiter inside) |  e.g. "\r\n"  |  next frame ...
/// +-------------------------------+---------------+
/// ```
///
/// # Decoding
///
/// A frame ends at the **earliest** delimiter in the stream; when several
/// delimiters match at that same offset, the **longest** wins (with
/// delimiters `"\r"` and `"\r\n"`, the bytes `a\r\nb` give the frame `a`,
/// then `b...`). When a shorter delimiter has matched but the bytes so far
/// could still be the start of a longer one, the decoder waits for the next
/// byte (or the end of the stream) before deciding, so the frames never
/// depend on how the stream was chunked.
///
/// The delimiter is stripped from the frame by default, or kept at its end
/// ([`DelimitedBuilder::strip_delimiter`]). Frames are split off the buffer
/// as [`Bytes`] without copying.
///
/// The search resumes where it stopped: bytes already searched are not
/// searched again (except the last delimiter-length-minus-one bytes, which
/// may begin a delimiter), so decoding costs time linear in the input
/// however it is chunked. A single one-byte delimiter is searched as
/// [`Lines`](super::Lines) searches for `\n` (a 128-byte window, then
/// `memchr`), two or three with `memchr2` / `memchr3`, longer delimiters with
/// `memchr::memmem` finders built once, at construction. With several
/// delimiters of mixed lengths, the one that matched last is searched first
/// and the others only up to its match, so a delimiter that never comes does
/// not make every frame search the whole buffer.
///
/// # Maximum frame length
///
/// A decoded frame (the payload, plus the delimiter when it is kept: the
/// bytes the decoder hands back) may be at most
/// [`max_frame_len`](DelimitedBuilder::max_frame_len) bytes, 64 KiB by
/// default. The decoder looks at most the maximum plus the longest
/// delimiter into a frame: by then the frame is either complete or known to
/// be too long. A frame that is too long is dropped from the buffer as its
/// bytes arrive, up to and including its delimiter (only the last
/// delimiter-length-minus-one bytes stay, in case they begin the
/// delimiter), so the buffer never holds more of it than the caller
/// appended since the last `decode` call; and:
///
/// - with [`Oversize::Error`] (the default), `decode` fails with a
///   recoverable [`FrameError::FrameTooLarge`] as soon as the
///   frame is known to be over the maximum. Its `len` is the number of bytes
///   of the frame seen by then: the exact size if the delimiter was already
///   buffered, otherwise a lower bound (more than `max`). The decoder stays
///   usable: later calls silently drop the rest of that frame, up to and
///   including its delimiter, then decode the next frame. A caller that
///   treats the error as fatal just drops the decoder.
/// - with [`Oversize::Skip`], no error: the frame's bytes are dropped as
///   above, counted by [`skipped_frames`](Delimited::skipped_frames) and
///   [`skipped_bytes`](Delimited::skipped_bytes), and `decode` goes on with
///   the next frame.
///
/// # End of stream
///
/// [`decode_eof`](Decoder::decode_eof) returns the frames still buffered;
/// bytes after the last delimiter are a [`FrameError::PartialFrame`] that
/// carries them. An
/// oversized frame cut by the end of the stream is reported as above (once),
/// with the number of bytes that arrived.
///
/// # Encoding
///
/// The encoder writes the payload then the **first** delimiter given. It
/// refuses, writing nothing, a payload whose decoded frame would be longer
/// than the maximum ([`FrameError::FrameTooLarge`]) and a payload the
/// decoder would not read back whole ([`FrameError::DelimiterInFrame`], with the
/// offset where a delimiter starts): one that contains a delimiter, or whose
/// end together with the written delimiter begins a delimiter earlier. The
/// item is always the payload: in keep mode the decoder yields it followed
/// by its delimiter. Items: anything `AsRef<[u8]>`. [`Encoder::encode_parts`] checks the same way and
/// returns the payload borrowed and the delimiter apart, so a
/// [`FrameWriter`](super::FrameWriter) sends a large payload uncopied.
///
/// # Examples
///
/// Frames ended by `"\r\n"`, arriving stuck together and cut in pieces:
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Delimited, Encoder};
///
/// let mut codec = Delimited::new(b"\r\n");
/// let mut buf = BytesMut::from(&b"HELO a\r\nMAIL b\r\nRC"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"HELO a"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"MAIL b"[..]);
/// assert_eq!(codec.decode(&mut buf)?, None); // "RC" waits for the rest
/// buf.extend_from_slice(b"PT c\r\n");
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"RCPT c"[..]);
///
/// let mut out = BytesMut::new();
/// codec.encode(&b"QUIT"[..], &mut out)?;
/// assert_eq!(&out[..], b"QUIT\r\n");
/// assert!(codec.encode(&b"two\r\nlines"[..], &mut out).is_err());
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Delimited {
    delimiters: Vec<Vec<u8>>,
    scanner: Scanner<false>,
}

impl Delimited {
    /// A codec for frames ended by `delimiter`, with the defaults of
    /// [`DelimitedBuilder::new`]: delimiter stripped, maximum frame length
    /// 64 KiB, [`Oversize::Error`].
    ///
    /// # Panics
    ///
    /// If `delimiter` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Delimited};
    ///
    /// let mut codec = Delimited::new(b"\0");
    /// let mut buf = BytesMut::from(&b"one\0two\0"[..]);
    /// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"one"[..]);
    /// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"two"[..]);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn new(delimiter: impl AsRef<[u8]>) -> Delimited {
        DelimitedBuilder::new().delimiter(delimiter).build()
    }

    /// A builder to choose the delimiters, whether they are stripped, the
    /// maximum frame length and the oversize policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::Delimited;
    ///
    /// let codec = Delimited::builder().delimiter(b"\r\n").delimiter(b"\n").build();
    /// assert_eq!(codec.delimiters().count(), 2);
    /// ```
    pub fn builder() -> DelimitedBuilder {
        DelimitedBuilder::new()
    }

    /// The delimiters, in the order given; the encoder writes the first.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::Delimited::new(b";");
    /// assert_eq!(codec.delimiters().next(), Some(&b";"[..]));
    /// ```
    pub fn delimiters(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.delimiters.iter().map(Vec::as_slice)
    }

    /// Whether decoded frames have their delimiter stripped.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(rionet::frame::Delimited::new(b";").strips_delimiter());
    /// ```
    pub fn strips_delimiter(&self) -> bool {
        self.scanner.strips()
    }

    /// The largest payload, in bytes, a frame may have.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rionet::frame::Delimited::new(b";").max_frame_len(), 64 * 1024);
    /// ```
    pub fn max_frame_len(&self) -> usize {
        self.scanner.max_frame_len()
    }

    /// How many oversized frames were dropped under [`Oversize::Skip`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Delimited, Oversize};
    ///
    /// let mut codec = Delimited::builder()
    ///     .delimiter(b";")
    ///     .max_frame_len(3)
    ///     .oversize(Oversize::Skip)
    ///     .build();
    /// let mut src = BytesMut::from(&b"toolong;ok;"[..]);
    /// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"ok"[..]));
    /// assert_eq!((codec.skipped_frames(), codec.skipped_bytes()), (1, 8));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn skipped_frames(&self) -> u64 {
        self.scanner.skipped_frames()
    }

    /// How many bytes of oversized frames (delimiters included) were dropped
    /// under [`Oversize::Skip`].
    pub fn skipped_bytes(&self) -> u64 {
        self.scanner.skipped_bytes()
    }

    /// What the decoder does with a frame over the maximum.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{Delimited, Oversize};
    ///
    /// assert_eq!(Delimited::new(b";").oversize(), Oversize::Error);
    /// ```
    pub fn oversize(&self) -> Oversize {
        self.scanner.oversize()
    }

    /// How many bytes the delimiter search has examined since the codec was
    /// built: a work counter.
    ///
    /// It grows with the input, not with the number of `decode` calls:
    /// feeding a frame one byte at a time examines each byte once, plus per
    /// call a few bytes that may begin a delimiter (fewer than the square of
    /// the longest delimiter's length). Useful to check that no caller
    /// pattern makes decoding quadratic.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, Delimited};
    ///
    /// let mut codec = Delimited::new(b"\n");
    /// let mut buf = BytesMut::new();
    /// for &b in b"0123456789" {
    ///     buf.extend_from_slice(&[b]);
    ///     assert_eq!(codec.decode(&mut buf)?, None);
    /// }
    /// assert_eq!(codec.bytes_examined(), 10);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn bytes_examined(&self) -> u64 {
        self.scanner.bytes_examined()
    }

    fn encode_slice(&mut self, payload: &[u8], dst: &mut BytesMut) -> Result<()> {
        self.scanner.encode(payload, &self.delimiters[0], dst)
    }

    fn encode_tail(&mut self, payload: &[u8], tail: &mut BytesMut) -> Result<()> {
        self.scanner.encode_tail(payload, &self.delimiters[0], tail)
    }
}

impl Decoder for Delimited {
    type Item = Bytes;
    type Error = FrameError;

    /// Takes the next frame off `src`, as described on [`Delimited`].
    ///
    /// # Errors
    ///
    /// [`FrameError::FrameTooLarge`] for a frame over the maximum under
    /// [`Oversize::Error`]; recoverable: the decoder goes on with the next
    /// frame.
    #[inline]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scanner.scan(src, false);
        scan.into_bytes(src)
    }

    /// Like `decode`, once the stream has ended: a shorter delimiter that
    /// was waiting for a possible longer one is taken as it is.
    ///
    /// # Errors
    ///
    /// As `decode`, and [`FrameError::PartialFrame`] with the bytes after
    /// the last delimiter, if any.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scanner.scan(src, true);
        scan.into_bytes(src)
    }
}

impl BorrowDecoder for Delimited {
    /// The [`decode`](Decoder::decode) / [`decode_eof`](Decoder::decode_eof)
    /// framing, in place: the same frames, skips and errors.
    #[inline]
    fn decode_slice(&mut self, src: &[u8], eof: bool) -> Decoded {
        self.scanner.scan_slice(src, eof)
    }

    /// The frames `decode_slice` would give; for one single-byte delimiter,
    /// found with the search state in registers between frames.
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

impl<T: AsRef<[u8]>> Encoder<T> for Delimited {
    type Error = FrameError;

    /// Appends `item` and the first delimiter to `dst`.
    ///
    /// # Errors
    ///
    /// [`FrameError::FrameTooLarge`] over the maximum,
    /// [`FrameError::DelimiterInFrame`] when the decoder would not read
    /// `item` back whole. `dst` is unchanged.
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(item.as_ref(), dst)
    }

    /// An empty head, `item` borrowed, and the first delimiter as the tail.
    fn encode_parts<'i>(
        &mut self,
        item: &'i T,
        _head: &mut BytesMut,
        tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        let payload = item.as_ref();
        self.encode_tail(payload, tail).map(|()| Some(payload))
    }
}

/// Builds a [`Delimited`] codec.
///
/// Defaults, from [`new`](DelimitedBuilder::new): no delimiter yet (add at
/// least one), delimiter stripped, maximum frame length 64 KiB,
/// [`Oversize::Error`].
///
/// # Examples
///
/// Records ended by `;` or by a line break, CRLF or LF, with the delimiter
/// kept and oversized records skipped:
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, Delimited, Oversize};
///
/// let mut codec = Delimited::builder()
///     .delimiter(b";")
///     .delimiter(b"\r\n")
///     .delimiter(b"\n")
///     .strip_delimiter(false)
///     .max_frame_len(8)
///     .oversize(Oversize::Skip)
///     .build();
/// let mut buf = BytesMut::from(&b"a=1;b=2\r\nway-too-long;c=3\n"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"a=1;"[..]);
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"b=2\r\n"[..]);
/// // "way-too-long;" is skipped, no error.
/// assert_eq!(codec.decode(&mut buf)?.unwrap(), &b"c=3\n"[..]);
/// assert_eq!(codec.skipped_frames(), 1);
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DelimitedBuilder {
    delimiters: Vec<Vec<u8>>,
    strip: bool,
    max: usize,
    oversize: Oversize,
}

impl Default for DelimitedBuilder {
    fn default() -> Self {
        DelimitedBuilder::new()
    }
}

impl DelimitedBuilder {
    /// A builder with no delimiter yet, delimiters stripped, a maximum frame
    /// length of 64 KiB and [`Oversize::Error`].
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::DelimitedBuilder::new().delimiter(b"|").build();
    /// assert_eq!(codec.max_frame_len(), 64 * 1024);
    /// ```
    pub fn new() -> DelimitedBuilder {
        DelimitedBuilder {
            delimiters: Vec::new(),
            strip: true,
            max: DEFAULT_MAX_FRAME_LENGTH,
            oversize: Oversize::Error,
        }
    }

    /// Adds a delimiter. The first one added is the one the encoder writes;
    /// adding one twice has no further effect.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::Delimited::builder().delimiter("\r\n").delimiter([0u8]).build();
    /// assert_eq!(codec.delimiters().collect::<Vec<_>>(), [&b"\r\n"[..], &b"\0"[..]]);
    /// ```
    pub fn delimiter(&mut self, delimiter: impl AsRef<[u8]>) -> &mut Self {
        let delimiter = delimiter.as_ref();
        if !self.delimiters.iter().any(|d| d == delimiter) {
            self.delimiters.push(delimiter.to_vec());
        }
        self
    }

    /// Whether decoded frames have their delimiter stripped (`true`, the
    /// default) or keep it at their end (`false`).
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::Delimited::builder().delimiter(b";").strip_delimiter(false).build();
    /// assert!(!codec.strips_delimiter());
    /// ```
    pub fn strip_delimiter(&mut self, strip: bool) -> &mut Self {
        self.strip = strip;
        self
    }

    /// The longest frame the decoder hands back, in bytes: the payload, plus
    /// the delimiter when it is [kept](Self::strip_delimiter); 64 KiB by
    /// default. Any value works, `usize::MAX` included.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::Delimited::builder().delimiter(b";").max_frame_len(512).build();
    /// assert_eq!(codec.max_frame_len(), 512);
    /// ```
    pub fn max_frame_len(&mut self, max: usize) -> &mut Self {
        self.max = max;
        self
    }

    /// What the decoder does with a frame over the maximum;
    /// [`Oversize::Error`] by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{Delimited, Oversize};
    ///
    /// let codec = Delimited::builder().delimiter(b";").oversize(Oversize::Skip).build();
    /// assert_eq!(codec.oversize(), Oversize::Skip);
    /// ```
    pub fn oversize(&mut self, policy: Oversize) -> &mut Self {
        self.oversize = policy;
        self
    }

    /// Builds the codec, compiling the delimiter search once.
    ///
    /// # Panics
    ///
    /// These are programming errors, not input errors: if no delimiter was
    /// added, if a delimiter is empty, or if the first delimiter (the one the
    /// encoder writes) is a proper prefix of another one: the decoder would
    /// read a written delimiter followed by some payloads as the longer
    /// delimiter. Add the longer delimiter first. Also if delimiters are
    /// [kept](Self::strip_delimiter) and the maximum frame length is shorter
    /// than the first delimiter: no frame the encoder writes would fit.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::Delimited::builder().delimiter(b"\r\n").delimiter(b"\r").build();
    /// assert_eq!(codec.delimiters().len(), 2);
    /// ```
    ///
    /// ```should_panic
    /// // A kept "\r\n" alone is 2 bytes, over a maximum of 1.
    /// rionet::frame::Delimited::builder()
    ///     .delimiter(b"\r\n")
    ///     .strip_delimiter(false)
    ///     .max_frame_len(1)
    ///     .build();
    /// ```
    pub fn build(&self) -> Delimited {
        let first = self
            .delimiters
            .first()
            .expect("Delimited needs at least one delimiter");
        assert!(
            self.delimiters.iter().all(|d| !d.is_empty()),
            "a Delimited delimiter cannot be empty"
        );
        assert!(
            !self
                .delimiters
                .iter()
                .any(|d| d.len() > first.len() && d.starts_with(first)),
            "the first delimiter, which the encoder writes, is a prefix of another delimiter; add the longer one first"
        );
        assert!(
            self.strip || self.max >= first.len(),
            "a kept delimiter of {} bytes cannot fit under the maximum frame length of {} bytes",
            first.len(),
            self.max
        );
        let search = Search::for_delimiters(&self.delimiters);
        Delimited {
            delimiters: self.delimiters.clone(),
            scanner: Scanner::new(search, self.strip, self.max, self.oversize),
        }
    }
}
