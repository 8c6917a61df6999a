//! The length-prefix framer: [`LengthPrefix`] and its builder.

use bytes::{BufMut, Bytes, BytesMut};

use super::borrow::{Found, Scan};
use crate::frame::{BorrowDecoder, Decoded, Decoder, Encoder, FrameError, Oversize};

type Result<T, E = FrameError> = std::result::Result<T, E>;

/// Default maximum frame length: 8 MiB, counted on the decoded frame.
const DEFAULT_MAX_FRAME_LEN: usize = 8 * 1024 * 1024;

/// The longest canonical LEB128 encoding of a `u64`.
const VARINT_MAX_LEN: usize = 10;

/// The most bytes `build()` accepts before the length field or as `strip`:
/// 64 KiB, whatever the maximum. The encoder writes those bytes for real on
/// every frame.
const MAX_HEADER_LEN: usize = 64 * 1024;

/// A length-prefix codec: each frame carries its own length in a header.
///
/// The cure for "sticky packets" that most binary protocols use. The default
/// layout (a 4-byte big-endian length of the payload, then the payload) is
/// byte for byte the one of tokio-util's `LengthDelimitedCodec`; the
/// [builder](LengthPrefix::builder) covers Netty's
/// `LengthFieldBasedFrameDecoder` (field offset, signed adjustment, bytes to
/// strip, length counting the header) and protobuf's varint
/// length-delimited messages.
///
/// ```text
/// default: 4-byte big-endian length of the payload, header stripped
///
///   +---------------------+---------------------+
///   | length (u32, BE)    | payload             |
///   | 00 00 00 05         | 68 65 6c 6c 6f      |   decodes to b"hello"
///   +---------------------+---------------------+
/// ```
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, LengthPrefix};
///
/// let mut codec = LengthPrefix::new();
/// let mut src = BytesMut::from(&b"\0\0\0\x05hello\0\0\0\x02hi\0\0"[..]);
/// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"hello"[..]));
/// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"hi"[..]));
/// assert_eq!(codec.decode(&mut src)?, None); // 2 bytes of the next header
/// assert_eq!(&src[..], b"\0\0");
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// ```text
/// varint(): protobuf-style LEB128 length of the payload, header stripped
///
///   +------------------------+-----------------------+
///   | length (LEB128, 1..10) | payload (300 bytes)   |
///   | ac 02                  | 2a 2a 2a ... 2a       |   300 = 0b10_0101100
///   +------------------------+-----------------------+
/// ```
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, LengthPrefix};
///
/// let mut codec = LengthPrefix::builder().varint().build();
/// let mut src = BytesMut::from(&[0xac, 0x02][..]);
/// src.extend_from_slice(&[b'*'; 300]);
/// assert_eq!(codec.decode(&mut src)?.map(|f| f.len()), Some(300));
///
/// // Overlong forms are rejected: 0x85 0x00 would also mean 5.
/// let mut codec = LengthPrefix::builder().varint().build();
/// assert!(codec.decode(&mut BytesMut::from(&[0x85, 0x00][..])).is_err());
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// ```text
/// Netty-style: length_field_offset(1), field_len(2), length_adjustment(1),
/// strip(3): the length counts the content only, a 1-byte header follows it
///
///   offset 0   1         3      4
///   +--------+---------+------+----------------+
///   | HDR1   | length  | HDR2 | content        |   16 bytes on the wire
///   | ca     | 00 0c   | fe   | "HELLO, WORLD" |
///   +--------+---------+------+----------------+
///   \____ stripped ___/ \___ decoded frame ___/    13 bytes: fe "HELLO, WORLD"
/// ```
///
/// ```
/// use bytes::BytesMut;
/// use rionet::frame::{Decoder, LengthPrefix};
///
/// let mut codec = LengthPrefix::builder()
///     .length_field_offset(1)
///     .field_len(2)
///     .length_adjustment(1)
///     .strip(3)
///     .build();
/// let mut src = BytesMut::from(&b"\xca\x00\x0c\xfeHELLO, WORLD"[..]);
/// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"\xfeHELLO, WORLD"[..]));
/// # Ok::<(), rionet::frame::FrameError>(())
/// ```
///
/// # Decoding
///
/// The whole frame on the wire is `offset bytes ++ length field ++ body`,
/// where the body is `length + adjustment` bytes, minus the header (offset
/// and field) when [`length_includes_header`](LengthPrefixBuilder::length_includes_header)
/// is set. The decoded frame is the whole frame without its first `strip`
/// bytes, split off the buffer as [`Bytes`] without copying. The decoder
/// never reserves memory: a declared length costs nothing until its bytes
/// have arrived, so a 4-byte header claiming 4 GiB allocates nothing.
///
/// The [maximum frame length](LengthPrefixBuilder::max_frame_len) (8 MiB by
/// default) counts the decoded frame, the bytes the decoder hands back (the
/// payload, with the default strip), and is checked as soon as the header
/// has arrived. What happens then is the [`Oversize`] policy:
///
/// - [`Oversize::Error`] (default): [`FrameError::FrameTooLarge`], not
///   recoverable. A length stream cannot be resynchronised (nothing marks
///   where the next frame starts once a header is distrusted), so the
///   decoder stays failed: every later `decode` returns the same error
///   instead of misparsing the rest. Malformed headers
///   ([`FrameError::InvalidLength`]) leave it failed the same way. Drop the
///   connection.
/// - [`Oversize::Skip`]: no error. The frame's bytes are discarded as they
///   arrive, counted by [`skipped_frames`](LengthPrefix::skipped_frames) and
///   [`skipped_bytes`](LengthPrefix::skipped_bytes), and decoding carries on
///   with the next frame. A declared frame over `u64::MAX` bytes is
///   malformed, not skipped: [`FrameError::InvalidLength`].
///
/// At end of stream, [`decode_eof`](Decoder::decode_eof) reports a partial
/// frame as [`FrameError::PartialFrame`] with its bytes and, once its
/// header had arrived, its length on the wire ("10 of 104 bytes"; no bytes
/// when the stream ended inside a frame being skipped).
///
/// # Encoding
///
/// The encoder writes the exact layout the decoder reads: the item is what
/// the decoder would return, and the encoder rebuilds the stripped bytes.
/// The length field is computed from the item; the stripped bytes that are
/// not the length field (bytes before the field, or body bytes when `strip`
/// goes past the header) are written as zeros. When `strip` keeps the
/// length field in the decoded frame, the item carries it too, and the
/// encoder overwrites it with the right value (any placeholder will do; a
/// varint placeholder must be a valid varint, e.g. `0`). A real varint
/// wider than its placeholder makes the decoded frame longer than the item:
/// the encoder checks that frame against the maximum too, so it never
/// writes a frame its decoder would refuse.
///
/// Items: anything `AsRef<[u8]>` (`&[u8]`, `&str`, `Vec<u8>`, [`Bytes`],
/// [`BytesMut`]...). With
/// [`Encoder::encode_parts`], the header comes out apart from the payload, so
/// [`FrameWriter`](crate::frame::FrameWriter) sends large payloads without
/// copying them.
///
/// # Errors
///
/// Decoding: [`FrameError::FrameTooLarge`], [`FrameError::InvalidLength`]
/// (overlong varint, varint over 64 bits or over 10 bytes, a frame shorter
/// than its header or than `strip`, a frame too long to hold in memory, a
/// declared frame over `u64::MAX` bytes, which no policy can skip), all
/// fatal; [`FrameError::PartialFrame`] at end of stream. Encoding
/// (recoverable, nothing is written): [`FrameError::FrameTooLarge`] when the
/// item is over the maximum, or when the frame would decode to more than
/// the maximum (a kept varint length field wider than the item's
/// placeholder), [`FrameError::LengthFieldOverflow`] when the
/// length does not fit the field, [`FrameError::InvalidLength`] when the
/// length would be negative or the item is too short to carry the header
/// bytes it must carry. Nothing is written to
/// the destination on error.
#[derive(Debug, Clone)]
pub struct LengthPrefix {
    layout: Layout,
    /// `Some(max)` for the plain layout (a 4-byte big-endian payload
    /// length, nothing before or after it, header stripped), worked out at
    /// `build`: frames of at most `max` bytes then take a fast path, one
    /// bound check and a `u32` read.
    plain_max: Option<usize>,
    state: State,
    skipped_frames: u64,
    skipped_bytes: u64,
}

/// Builds a [`LengthPrefix`]; every setting has a default, listed on
/// [`LengthPrefix::builder`].
///
/// # Examples
///
/// ```
/// use rionet::frame::{LengthPrefix, Oversize};
///
/// let codec = LengthPrefix::builder()
///     .field_len(2)
///     .little_endian()
///     .max_frame_len(64 * 1024)
///     .oversize(Oversize::Skip)
///     .build();
/// assert_eq!(codec.max_frame_len(), 64 * 1024);
/// ```
///
/// # Panics
///
/// [`build`](LengthPrefixBuilder::build) panics on settings that no frame
/// can satisfy: they are programming errors, found on the first run.
#[derive(Debug, Clone)]
pub struct LengthPrefixBuilder {
    layout: Layout,
}

/// The wire layout and limits, shared by decoder and encoder.
#[derive(Debug, Clone, Copy)]
struct Layout {
    width: Width,
    little_endian: bool,
    offset: usize,
    adjustment: i64,
    /// `None`: strip the whole header (offset bytes and length field).
    strip: Option<usize>,
    includes_header: bool,
    max_frame_len: usize,
    oversize: Oversize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    Fixed(usize),
    Varint,
}

/// Where the decoder is in the stream.
#[derive(Debug, Clone)]
enum State {
    /// Waiting for a header.
    Head,
    /// Header parsed: waiting for `whole` bytes, of which `strip` are dropped.
    Body { whole: usize, strip: usize },
    /// Discarding the rest of an oversized frame of `whole` bytes.
    Skip { whole: u64, remaining: u64 },
    /// A fatal error: repeated on every later call.
    Failed(Fault),
}

#[derive(Debug, Clone)]
enum Fault {
    TooLarge { len: u64 },
    Invalid(String),
}

/// A parsed header: where the frame at the front of a buffer ends.
#[derive(Debug, Clone, Copy)]
struct Head {
    /// The whole frame's length on the wire, header included; may exceed
    /// what a buffer can hold.
    whole: i128,
    /// Bytes at the front of the frame that are not handed back.
    strip: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            width: Width::Fixed(4),
            little_endian: false,
            offset: 0,
            adjustment: 0,
            strip: None,
            includes_header: false,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            oversize: Oversize::Error,
        }
    }
}

impl LengthPrefix {
    /// A codec with the default layout: a 4-byte big-endian length of the
    /// payload, header stripped, frames up to 8 MiB, oversize is an error.
    ///
    /// This is tokio-util's `LengthDelimitedCodec::new()`, on the wire and
    /// in what it accepts: both maximums count the payload, 8 MiB.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use rionet::frame::{Encoder, LengthPrefix};
    ///
    /// let mut dst = BytesMut::new();
    /// LengthPrefix::new().encode(Bytes::from_static(b"hi"), &mut dst)?;
    /// assert_eq!(&dst[..], b"\0\0\0\x02hi");
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn new() -> Self {
        LengthPrefix::builder().build()
    }

    /// A builder, starting from these defaults:
    ///
    /// | setting | default |
    /// |---|---|
    /// | [`field_len`](LengthPrefixBuilder::field_len) | 4 bytes |
    /// | byte order | [big-endian](LengthPrefixBuilder::big_endian) |
    /// | [`length_field_offset`](LengthPrefixBuilder::length_field_offset) | 0 |
    /// | [`length_adjustment`](LengthPrefixBuilder::length_adjustment) | 0 |
    /// | [`length_includes_header`](LengthPrefixBuilder::length_includes_header) | false |
    /// | bytes to strip | the whole header ([`strip_header`](LengthPrefixBuilder::strip_header)) |
    /// | [`max_frame_len`](LengthPrefixBuilder::max_frame_len) | 8 MiB, of decoded frame |
    /// | [`oversize`](LengthPrefixBuilder::oversize) | [`Oversize::Error`] |
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// // A 2-byte length that counts itself: 00 04 means 2 payload bytes.
    /// let mut codec = LengthPrefix::builder()
    ///     .field_len(2)
    ///     .length_includes_header(true)
    ///     .build();
    /// let mut src = BytesMut::from(&b"\x00\x04ok"[..]);
    /// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"ok"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn builder() -> LengthPrefixBuilder {
        LengthPrefixBuilder::new()
    }

    /// The maximum length of a decoded frame (what the decoder hands back).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rionet::frame::LengthPrefix::new().max_frame_len(), 8 << 20);
    /// ```
    pub fn max_frame_len(&self) -> usize {
        self.layout.max_frame_len
    }

    /// What the decoder does with a frame over the maximum.
    ///
    /// # Examples
    ///
    /// ```
    /// use rionet::frame::{LengthPrefix, Oversize};
    ///
    /// assert_eq!(LengthPrefix::new().oversize(), Oversize::Error);
    /// ```
    pub fn oversize(&self) -> Oversize {
        self.layout.oversize
    }

    /// How many oversized frames were skipped under [`Oversize::Skip`],
    /// counted when their header arrives.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix, Oversize};
    ///
    /// let mut codec = LengthPrefix::builder()
    ///     .field_len(1)
    ///     .max_frame_len(4)
    ///     .oversize(Oversize::Skip)
    ///     .build();
    /// let mut src = BytesMut::from(&b"\x05hello\x02ok"[..]);
    /// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"ok"[..]));
    /// assert_eq!((codec.skipped_frames(), codec.skipped_bytes()), (1, 6));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn skipped_frames(&self) -> u64 {
        self.skipped_frames
    }

    /// How many bytes of skipped frames (headers included) were discarded
    /// so far; see [`skipped_frames`](LengthPrefix::skipped_frames).
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped_bytes
    }

    /// Appends `item` framed to `dst`; nothing is appended on error.
    #[inline(always)]
    fn encode_slice(&self, item: &[u8], dst: &mut BytesMut) -> Result<()> {
        if let Some(max) = self.plain_max {
            if item.len() <= max {
                dst.reserve(4 + item.len());
                dst.extend_from_slice(&(item.len() as u32).to_be_bytes());
                dst.extend_from_slice(item);
                return Ok(());
            }
        }
        self.encode_any(item, dst)
    }

    /// [`encode_slice`](LengthPrefix::encode_slice) for every layout.
    fn encode_any(&self, item: &[u8], dst: &mut BytesMut) -> Result<()> {
        let consumed = self.layout.head_into(item, dst, item.len())?;
        dst.extend_from_slice(&item[consumed..]);
        Ok(())
    }

    /// The head goes to `head`; returns the payload borrowed from `item`.
    ///
    /// Inlined, with the plain header appended in place (`put_u32` is a
    /// call into `bytes` and a `memcpy` of 4 bytes): `FrameWriter::send`
    /// of 64 B frames costs 67 instructions a frame instead of 132
    /// (callgrind, `benches/profile.rs frame-write rionet 64`, `memcpy`
    /// included).
    #[inline(always)]
    fn split_slice<'i>(&self, item: &'i [u8], head: &mut BytesMut) -> Result<&'i [u8]> {
        if let Some(max) = self.plain_max {
            if item.len() <= max {
                head.extend_from_slice(&(item.len() as u32).to_be_bytes());
                return Ok(item);
            }
        }
        let consumed = self.layout.head_into(item, head, 0)?;
        Ok(&item[consumed..])
    }

    fn fail(&mut self, fault: Fault) -> FrameError {
        let err = fault.to_error(self.layout.max_frame_len);
        self.state = State::Failed(fault);
        err
    }
}

impl Default for LengthPrefix {
    /// The same as [`LengthPrefix::new`].
    fn default() -> Self {
        LengthPrefix::new()
    }
}

impl Default for LengthPrefixBuilder {
    fn default() -> Self {
        LengthPrefixBuilder::new()
    }
}

impl LengthPrefixBuilder {
    /// A builder with the defaults listed on [`LengthPrefix::builder`]
    /// (which is the same as this).
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::LengthPrefixBuilder::new().field_len(2).build();
    /// assert_eq!(codec.max_frame_len(), 8 << 20);
    /// ```
    pub fn new() -> LengthPrefixBuilder {
        LengthPrefixBuilder {
            layout: Layout::default(),
        }
    }

    /// A length field of `n` bytes (1 to 8), in the byte order set by
    /// [`big_endian`](Self::big_endian) / [`little_endian`](Self::little_endian).
    /// Default 4. Replaces [`varint`](Self::varint).
    ///
    /// # Panics
    ///
    /// If `n` is not in `1..=8`: a programming error, not bad input.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder().field_len(1).build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x02hi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"hi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn field_len(&mut self, n: usize) -> &mut Self {
        assert!(
            (1..=8).contains(&n),
            "length field must be 1 to 8 bytes, not {n}"
        );
        self.layout.width = Width::Fixed(n);
        self
    }

    /// The length field is big-endian (network byte order). The default.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder().field_len(2).big_endian().build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x00\x01!"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"!"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn big_endian(&mut self) -> &mut Self {
        self.layout.little_endian = false;
        self
    }

    /// The length field is little-endian.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder().field_len(2).little_endian().build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x01\x00!"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"!"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn little_endian(&mut self) -> &mut Self {
        self.layout.little_endian = true;
        self
    }

    /// The length field is an unsigned LEB128 varint, as protobuf's
    /// length-delimited messages use: 7 bits a byte, least significant
    /// first, high bit set on every byte but the last. At most 10 bytes;
    /// overlong encodings (a zero last byte after the first) and values over
    /// 64 bits are [`FrameError::InvalidLength`]. Replaces
    /// [`field_len`](Self::field_len).
    ///
    /// With a varint, [`strip`](Self::strip) must be the whole header (the
    /// default) or at most the [offset](Self::length_field_offset): the
    /// header's width varies from frame to frame.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::{Bytes, BytesMut};
    /// use rionet::frame::{Encoder, LengthPrefix};
    ///
    /// let mut dst = BytesMut::new();
    /// let mut codec = LengthPrefix::builder().varint().build();
    /// codec.encode(Bytes::from(vec![0u8; 200]), &mut dst)?;
    /// assert_eq!(&dst[..2], &[0xc8, 0x01]);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn varint(&mut self) -> &mut Self {
        self.layout.width = Width::Varint;
        self
    }

    /// How many bytes come before the length field. Default 0; at most
    /// 64 KiB and at most the maximum less the field (see
    /// [`build`](Self::build)).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// // A 1-byte message type, then a 2-byte length: keep the type.
    /// let mut codec = LengthPrefix::builder()
    ///     .length_field_offset(1)
    ///     .field_len(2)
    ///     .strip(0)
    ///     .build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"T\x00\x02hi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"T\x00\x02hi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn length_field_offset(&mut self, n: usize) -> &mut Self {
        self.layout.offset = n;
        self
    }

    /// A signed number added to the length field's value to get the number
    /// of bytes after the field. Default 0. Use it when the length also
    /// counts (negative) or leaves out (positive) some header bytes.
    ///
    /// This is Netty's `lengthAdjustment`. tokio-util's `length_adjustment`
    /// counts from the end of its `num_skip` bytes instead, so when its
    /// `num_skip` is not the whole header, rionet's adjustment is
    /// tokio-util's + `num_skip` − (offset + field length), with
    /// [`strip`](Self::strip)`(num_skip)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// // The length leaves out a 2-byte header that follows it.
    /// let mut codec = LengthPrefix::builder()
    ///     .field_len(1)
    ///     .length_adjustment(2)
    ///     .build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x02HDhi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"HDhi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn length_adjustment(&mut self, adjustment: isize) -> &mut Self {
        self.layout.adjustment = adjustment as i64;
        self
    }

    /// Whether the length counts the header (offset bytes and length field)
    /// as well as the body. Default false. Applies on top of
    /// [`length_adjustment`](Self::length_adjustment), and works with a
    /// varint, whose width varies.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder()
    ///     .varint()
    ///     .length_includes_header(true)
    ///     .build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x03hi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"hi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn length_includes_header(&mut self, includes: bool) -> &mut Self {
        self.layout.includes_header = includes;
        self
    }

    /// Drop the first `n` bytes of every frame from the decoded frame (the
    /// encoder writes them back, see [`LengthPrefix`]'s "Encoding").
    /// Default: the whole header, see [`strip_header`](Self::strip_header).
    /// At most 64 KiB and at most the maximum (see [`build`](Self::build)).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// // Keep the length field in the frame.
    /// let mut codec = LengthPrefix::builder().field_len(1).strip(0).build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"\x02hi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"\x02hi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn strip(&mut self, n: usize) -> &mut Self {
        self.layout.strip = Some(n);
        self
    }

    /// Drop the whole header (offset bytes and length field) from decoded
    /// frames, whatever its width. The default.
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder()
    ///     .length_field_offset(1)
    ///     .varint()
    ///     .strip_header()
    ///     .build();
    /// let frame = codec.decode(&mut BytesMut::from(&b"T\x02hi"[..]))?;
    /// assert_eq!(frame.as_deref(), Some(&b"hi"[..]));
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn strip_header(&mut self) -> &mut Self {
        self.layout.strip = None;
        self
    }

    /// The longest frame the decoder hands back and the encoder takes as an
    /// item (the payload, with the default strip; the header counts only as
    /// far as it is kept, see [`strip`](Self::strip)). Default 8 MiB. Any
    /// value works, `usize::MAX` included: a header declaring more is
    /// [`FrameError::FrameTooLarge`].
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, FrameError, LengthPrefix};
    ///
    /// let mut codec = LengthPrefix::builder().max_frame_len(16).build();
    /// // a 17-byte payload
    /// let err = codec.decode(&mut BytesMut::from(&b"\0\0\0\x11"[..])).unwrap_err();
    /// assert!(matches!(err, FrameError::FrameTooLarge { len: 17, max: 16, .. }));
    /// ```
    pub fn max_frame_len(&mut self, max: usize) -> &mut Self {
        self.layout.max_frame_len = max;
        self
    }

    /// What the decoder does with a frame over the maximum. Default
    /// [`Oversize::Error`]; see [`LengthPrefix`]'s "Decoding".
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use rionet::frame::{Decoder, LengthPrefix, Oversize};
    ///
    /// let mut codec = LengthPrefix::builder()
    ///     .field_len(1)
    ///     .max_frame_len(4)
    ///     .oversize(Oversize::Skip)
    ///     .build();
    /// let mut src = BytesMut::from(&b"\x05hello\x02ok"[..]);
    /// // "hello" is over the maximum: skipped, not an error.
    /// assert_eq!(codec.decode(&mut src)?.as_deref(), Some(&b"ok"[..]));
    /// assert_eq!(codec.skipped_frames(), 1);
    /// # Ok::<(), rionet::frame::FrameError>(())
    /// ```
    pub fn oversize(&mut self, policy: Oversize) -> &mut Self {
        self.layout.oversize = policy;
        self
    }

    /// The codec, in its initial state.
    ///
    /// # Panics
    ///
    /// On settings no frame can satisfy, programming errors rather than bad
    /// input (so `build` panics instead of returning a `Result`, as
    /// [`field_len`](Self::field_len) does):
    ///
    /// - a [varint](Self::varint) field with a [`strip`](Self::strip) past
    ///   the [offset](Self::length_field_offset): the number of header bytes
    ///   varies with the varint's width;
    /// - a header (offset and length field, a varint counting 1 byte) longer
    ///   than [`max_frame_len`](Self::max_frame_len), or a `strip` longer than
    ///   it: the decoder would buffer that many bytes before it could check a
    ///   length, so memory would not be bounded by the maximum;
    /// - an offset or a `strip` over 64 KiB, whatever the maximum (even
    ///   `usize::MAX`): the encoder writes those bytes on every frame, so
    ///   a huge one could only fail (or abort the process) allocating them.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = rionet::frame::LengthPrefix::builder().field_len(2).build();
    /// # let _ = codec;
    /// ```
    ///
    /// ```should_panic
    /// // 64 MiB before the length field, under an 8 MiB maximum.
    /// rionet::frame::LengthPrefix::builder().length_field_offset(64 << 20).build();
    /// ```
    pub fn build(&self) -> LengthPrefix {
        let layout = &self.layout;
        if let (Width::Varint, Some(strip)) = (layout.width, layout.strip) {
            assert!(
                strip <= layout.offset,
                "with a varint length field, strip the whole header or at most the {} bytes before it, not {strip}",
                layout.offset
            );
        }
        let width = match layout.width {
            Width::Fixed(n) => n,
            Width::Varint => 1,
        };
        let max = layout.max_frame_len;
        assert!(
            layout
                .offset
                .checked_add(width)
                .is_some_and(|head| head <= max),
            "a header of {} + {width} bytes cannot fit under the maximum frame length of {max} bytes",
            layout.offset
        );
        assert!(
            layout.offset <= MAX_HEADER_LEN,
            "a length field offset of {} bytes is over the limit of {MAX_HEADER_LEN} bytes",
            layout.offset
        );
        if let Some(strip) = layout.strip {
            assert!(
                strip <= max,
                "a strip of {strip} bytes cannot fit under the maximum frame length of {max} bytes"
            );
            assert!(
                strip <= MAX_HEADER_LEN,
                "a strip of {strip} bytes is over the limit of {MAX_HEADER_LEN} bytes"
            );
        }
        let plain = layout.width == Width::Fixed(4)
            && !layout.little_endian
            && layout.offset == 0
            && layout.adjustment == 0
            && matches!(layout.strip, None | Some(4))
            && !layout.includes_header;
        LengthPrefix {
            layout: self.layout,
            plain_max: plain.then(|| max.min(u32::MAX as usize)),
            state: State::Head,
            skipped_frames: 0,
            skipped_bytes: 0,
        }
    }
}

impl Fault {
    fn to_error(&self, max: usize) -> FrameError {
        match self {
            Fault::TooLarge { len } => FrameError::FrameTooLarge {
                len: *len,
                max,
                recoverable: false,
            },
            Fault::Invalid(detail) => FrameError::InvalidLength {
                detail: detail.clone(),
                recoverable: false,
            },
        }
    }
}

/// How the encoder lays out one item.
#[derive(Debug)]
struct Plan {
    /// Bytes of the item that belong to the header (before the payload).
    consumed: usize,
    /// Bytes of the item copied into the head (the rest of `consumed` is an
    /// old length field, replaced).
    carried: usize,
    /// Zero bytes before the carried ones.
    zeros_before: usize,
    /// Zero bytes after the length field (stripped body bytes).
    zeros_after: usize,
    value: u64,
    head_len: usize,
}

impl Layout {
    /// With a fixed-width field: `(whole, strip)` when a whole valid frame
    /// within the maximum is at the front of `src`; `None` for anything else
    /// (left to the full parser).
    #[inline(always)]
    fn whole_frame(&self, src: &[u8], width: usize) -> Option<(usize, usize)> {
        let head_len = self.offset.saturating_add(width);
        let field = src.get(self.offset..head_len)?;
        let value = read_uint(field, self.little_endian);
        let header = if self.includes_header { 0 } else { head_len };
        let whole = i128::from(value) + i128::from(self.adjustment) + header as i128;
        let strip = self.strip.unwrap_or(head_len);
        if whole < head_len.max(strip) as i128
            || whole > src.len() as i128
            || whole - strip as i128 > self.max_frame_len as i128
        {
            return None;
        }
        Some((whole as usize, strip))
    }

    /// Parses a header at the front of `src`: `Ok(None)` until it is whole.
    #[inline]
    fn parse_head(&self, src: &[u8]) -> Result<Option<Head>, String> {
        let off = self.offset;
        let (value, head_len) = match self.width {
            Width::Fixed(n) => {
                let Some(field) = src.get(off..off.saturating_add(n)) else {
                    return Ok(None);
                };
                (read_uint(field, self.little_endian), off.saturating_add(n))
            }
            Width::Varint => match src.get(off..).map(decode_varint) {
                None | Some(Ok(None)) => return Ok(None),
                Some(Err(detail)) => return Err(detail),
                Some(Ok(Some((value, n)))) => (value, off.saturating_add(n)),
            },
        };
        let header = if self.includes_header {
            0
        } else {
            head_len as i128
        };
        let whole = i128::from(value) + i128::from(self.adjustment) + header;
        if whole < head_len as i128 {
            return Err(format!(
                "length {value} with adjustment {}{} gives a frame of {whole} bytes, \
                 shorter than its {head_len}-byte header",
                self.adjustment,
                if self.includes_header {
                    " (length counts the header)"
                } else {
                    ""
                },
            ));
        }
        let strip = self.strip.unwrap_or(head_len);
        if whole < strip as i128 {
            return Err(format!(
                "frame of {whole} bytes is shorter than the {strip} bytes to strip"
            ));
        }
        if whole > i128::from(u64::MAX) {
            return Err(format!(
                "declared length overflows 64 bits: length {value} with adjustment {} \
                 gives a frame of {whole} bytes, more than u64::MAX",
                self.adjustment
            ));
        }
        Ok(Some(Head { whole, strip }))
    }

    /// Appends the head of `item`'s frame to `dst`, with room for `extra`
    /// more bytes; returns how many bytes of `item` the head replaces.
    /// Nothing is written on error.
    #[inline]
    fn head_into(&self, item: &[u8], dst: &mut BytesMut, extra: usize) -> Result<usize> {
        // Fast path: a fixed-width field, the item is the body, and the
        // frame fits. Anything else (errors included) takes the long way.
        if let (None, Width::Fixed(width)) = (self.strip, self.width) {
            let head_len = self.offset.saturating_add(width);
            let header = if self.includes_header { head_len } else { 0 };
            let value = item.len() as i128 - i128::from(self.adjustment) + header as i128;
            let field_max = if width == 8 {
                u64::MAX
            } else {
                (1 << (8 * width)) - 1
            };
            // A saturated `head_len` (the offset overflows) takes the long
            // way, which reports it.
            if (0..=i128::from(field_max)).contains(&value)
                && head_len < usize::MAX
                && item.len() <= self.max_frame_len
            {
                dst.reserve(head_len + extra);
                if self.offset > 0 {
                    dst.put_bytes(0, self.offset);
                }
                self.put_field(value as u64, dst);
                return Ok(0);
            }
        }
        self.head_into_slow(item, dst, extra)
    }

    /// [`head_into`](Layout::head_into) for every layout. An item the
    /// length field cannot describe is refused as such, whatever the
    /// maximum; one it can, over the maximum, is `FrameTooLarge`.
    fn head_into_slow(&self, item: &[u8], dst: &mut BytesMut, extra: usize) -> Result<usize> {
        let too_large = || {
            if item.len() > self.max_frame_len {
                return Err(FrameError::FrameTooLarge {
                    len: item.len() as u64,
                    max: self.max_frame_len,
                    recoverable: true,
                });
            }
            Ok(())
        };
        if let Some(strip) = self.strip {
            let plan = self.plan(item)?;
            too_large()?;
            // The frame the decoder hands back is the wire frame less the
            // strip. A kept varint can be wider than the item's
            // placeholder, so that frame can outgrow the item: refuse it
            // when it would decode as `FrameTooLarge`.
            let decoded = (plan.head_len - strip) as u64 + (item.len() - plan.consumed) as u64;
            if decoded > self.max_frame_len as u64 {
                return Err(FrameError::FrameTooLarge {
                    len: decoded,
                    max: self.max_frame_len,
                    recoverable: true,
                });
            }
            dst.reserve(plan.head_len + extra);
            self.write_head(&plan, item, dst);
            return Ok(plan.consumed);
        }
        // The usual case: the item is the body, the head is the offset
        // bytes (zeros) and the length field.
        let body = item.len() as u64;
        let (width, value) = self.field_value(body)?;
        let head_len = self.check_whole(width, body)?;
        too_large()?;
        dst.reserve(head_len + extra);
        if self.offset > 0 {
            dst.put_bytes(0, self.offset);
        }
        self.put_field(value, dst);
        Ok(0)
    }

    #[inline]
    fn put_field(&self, value: u64, dst: &mut BytesMut) {
        match self.width {
            Width::Fixed(4) if !self.little_endian => dst.put_u32(value as u32),
            Width::Fixed(n) if self.little_endian => dst.put_uint_le(value, n),
            Width::Fixed(n) => dst.put_uint(value, n),
            Width::Varint => put_varint(value, dst),
        }
    }

    /// Works out the header for `item`, checking everything before anything
    /// is written.
    #[inline]
    fn plan(&self, item: &[u8]) -> Result<Plan> {
        let off = self.offset;
        let short = |needed: usize| FrameError::InvalidLength {
            detail: format!(
                "an item of {} bytes cannot carry the {needed} header bytes the decoder keeps",
                item.len()
            ),
            recoverable: true,
        };
        // (zeros before, carried prefix, old field width, zeros after)
        let (zeros_before, carried, old_field, zeros_after) = match (self.strip, self.width) {
            (None, _) => (off, 0, 0, 0),
            (Some(s), width) if s <= off => {
                let carried = off - s;
                let old_field = match width {
                    Width::Fixed(n) => n,
                    Width::Varint => match item.get(carried..).map(decode_varint) {
                        Some(Ok(Some((_, n)))) => n,
                        _ => {
                            return Err(FrameError::InvalidLength {
                                detail: format!(
                                    "an item of {} bytes does not carry a valid varint \
                                     placeholder at byte {carried}",
                                    item.len()
                                ),
                                recoverable: true,
                            });
                        }
                    },
                };
                (s, carried, old_field, 0)
            }
            (Some(s), Width::Fixed(n)) if s < off.saturating_add(n) => {
                (off, 0, off.saturating_add(n) - s, 0)
            }
            (Some(s), Width::Fixed(n)) => (off, 0, 0, s - off.saturating_add(n)),
            // Rejected by `build`.
            (Some(_), Width::Varint) => unreachable!("varint strip past the offset"),
        };
        let consumed = carried.saturating_add(old_field);
        if item.len() < consumed {
            return Err(short(consumed));
        }
        let body = ((item.len() - consumed) as u64).saturating_add(zeros_after as u64);
        let (width, value) = self.field_value(body)?;
        self.check_whole(width, body)?;
        Ok(Plan {
            consumed,
            carried,
            zeros_before,
            zeros_after,
            value,
            head_len: zeros_before + carried + width + zeros_after,
        })
    }

    /// Checks that a frame whose length field is `width` bytes and whose
    /// body is `body` bytes can be laid out (its size fits a `u64`); returns
    /// the header's length (offset and field). The item was checked against
    /// the maximum already.
    fn check_whole(&self, width: usize, body: u64) -> Result<usize> {
        self.offset
            .checked_add(width)
            .filter(|&head| (head as u64).checked_add(body).is_some())
            .ok_or_else(|| FrameError::InvalidLength {
                detail: format!(
                    "a frame of {} + {width} + {body} bytes does not fit 64 bits",
                    self.offset
                ),
                recoverable: true,
            })
    }

    /// The length field's width and value for a body of `body` bytes.
    #[inline]
    fn field_value(&self, body: u64) -> Result<(usize, u64)> {
        let header_extra = |width: usize| {
            if self.includes_header {
                (self.offset.saturating_add(width)) as i128
            } else {
                0
            }
        };
        let base = i128::from(body) - i128::from(self.adjustment);
        let check = |width: usize, max: u64, value: i128| -> Result<u64> {
            if value < 0 {
                return Err(FrameError::InvalidLength {
                    detail: format!(
                        "a body of {body} bytes with adjustment {} needs a negative length {value}",
                        self.adjustment
                    ),
                    recoverable: true,
                });
            }
            u64::try_from(value)
                .ok()
                .filter(|&v| v <= max)
                .ok_or_else(|| FrameError::LengthFieldOverflow {
                    len: u64::try_from(value).unwrap_or(u64::MAX),
                    field_len: width,
                    max,
                })
        };
        match self.width {
            Width::Fixed(n) => {
                let max = if n == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n)) - 1
                };
                Ok((n, check(n, max, base + header_extra(n))?))
            }
            Width::Varint if !self.includes_header => {
                let value = check(VARINT_MAX_LEN, u64::MAX, base)?;
                Ok((varint_len(value), value))
            }
            Width::Varint => {
                // The value depends on the varint's own width: take the
                // narrowest width that holds the value it implies.
                let mut last = None;
                for width in 1..=VARINT_MAX_LEN {
                    match check(VARINT_MAX_LEN, u64::MAX, base + header_extra(width)) {
                        Ok(value) if varint_len(value) == width => return Ok((width, value)),
                        Ok(_) => {}
                        Err(err) => last = Some(err),
                    }
                }
                Err(last.unwrap_or_else(|| FrameError::InvalidLength {
                    detail: format!("no varint width fits a body of {body} bytes"),
                    recoverable: true,
                }))
            }
        }
    }

    /// Appends the head described by `plan` to `dst`.
    #[inline]
    fn write_head(&self, plan: &Plan, item: &[u8], dst: &mut BytesMut) {
        if plan.zeros_before + plan.carried > 0 {
            dst.put_bytes(0, plan.zeros_before);
            dst.extend_from_slice(&item[..plan.carried]);
        }
        self.put_field(plan.value, dst);
        if plan.zeros_after > 0 {
            dst.put_bytes(0, plan.zeros_after);
        }
    }
}

/// Reads a fixed-width unsigned integer of 1 to 8 bytes.
#[inline]
fn read_uint(field: &[u8], little_endian: bool) -> u64 {
    match (field.len(), little_endian) {
        (4, false) => u64::from(u32::from_be_bytes([field[0], field[1], field[2], field[3]])),
        (2, false) => u64::from(u16::from_be_bytes([field[0], field[1]])),
        (_, false) => field.iter().fold(0, |v, &b| (v << 8) | u64::from(b)),
        (_, true) => field.iter().rev().fold(0, |v, &b| (v << 8) | u64::from(b)),
    }
}

/// Decodes a canonical LEB128 varint: `Ok(None)` if it is not complete yet.
fn decode_varint(src: &[u8]) -> Result<Option<(u64, usize)>, String> {
    let mut value = 0u64;
    for (i, &byte) in src.iter().take(VARINT_MAX_LEN).enumerate() {
        if i == VARINT_MAX_LEN - 1 && byte > 1 {
            return Err(format!(
                "varint does not fit 64 bits: byte {} is {byte:#04x}",
                i + 1
            ));
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return Err(format!(
                    "overlong varint: {} bytes for the value {value}",
                    i + 1
                ));
            }
            return Ok(Some((value, i + 1)));
        }
    }
    Ok(None)
}

/// The width of `value` as a LEB128 varint.
fn varint_len(value: u64) -> usize {
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

fn put_varint(mut value: u64, dst: &mut BytesMut) {
    while value >= 0x80 {
        dst.put_u8((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    dst.put_u8(value as u8);
}

impl LengthPrefix {
    /// Finds the next frame at the front of `src`; `eof` says no more bytes
    /// will be appended: the framing behind both the `Bytes` and the
    /// borrowed path.
    ///
    /// Fast paths, small enough to inline into the caller's loop: a
    /// fixed-width header and its whole frame are buffered, and the frame
    /// is valid and within the maximum.
    #[inline(always)]
    fn scan(&mut self, src: &[u8], eof: bool) -> Scan {
        if let State::Head = self.state {
            if let Some(max) = self.plain_max {
                if let Some(&[a, b, c, d]) = src.first_chunk::<4>() {
                    let len = u32::from_be_bytes([a, b, c, d]) as usize;
                    if len <= max && len <= src.len() - 4 {
                        return Scan::frame(4..4 + len, 4 + len);
                    }
                }
            } else if let Width::Fixed(width) = self.layout.width {
                if let Some((whole, strip)) = self.layout.whole_frame(src, width) {
                    return Scan::frame(strip..whole, whole);
                }
            }
        }
        self.scan_slow(src, eof)
    }

    /// Everything [`scan`](LengthPrefix::scan) does but its fast paths.
    ///
    /// The headers are parsed on the slice ([`Layout::parse_head`]); this
    /// layer keeps the state between calls.
    fn scan_slow(&mut self, src: &[u8], eof: bool) -> Scan {
        let mut off = 0;
        loop {
            let rest = src.len() - off;
            match self.state {
                State::Head => {
                    let head = match self.layout.parse_head(&src[off..]) {
                        Ok(Some(head)) => head,
                        Ok(None) => return self.wait(src, off, eof),
                        Err(detail) => return self.fault(off, Fault::Invalid(detail)),
                    };
                    let max = self.layout.max_frame_len;
                    let len = head.whole - head.strip as i128;
                    if len > max as i128 {
                        match self.layout.oversize {
                            // `parse_head` refused a frame over 64 bits.
                            Oversize::Error => {
                                let len = len as u64;
                                return self.fault(off, Fault::TooLarge { len });
                            }
                            Oversize::Skip => {
                                let whole = head.whole as u64;
                                self.skipped_frames += 1;
                                self.state = State::Skip {
                                    whole,
                                    remaining: whole,
                                };
                                continue;
                            }
                        }
                    }
                    let Ok(whole) = usize::try_from(head.whole) else {
                        let detail =
                            format!("a frame of {} bytes cannot be held in memory", head.whole);
                        return self.fault(off, Fault::Invalid(detail));
                    };
                    if rest < whole {
                        self.state = State::Body {
                            whole,
                            strip: head.strip,
                        };
                        return self.wait(src, off, eof);
                    }
                    return Scan::frame(off + head.strip..off + whole, off + whole);
                }
                State::Body { whole, strip } => {
                    if rest < whole {
                        return self.wait(src, off, eof);
                    }
                    self.state = State::Head;
                    return Scan::frame(off + strip..off + whole, off + whole);
                }
                State::Skip { whole, remaining } => {
                    let now = remaining.min(rest as u64);
                    off += now as usize;
                    self.skipped_bytes += now;
                    if now < remaining {
                        self.state = State::Skip {
                            whole,
                            remaining: remaining - now,
                        };
                        return self.wait(src, off, eof);
                    }
                    self.state = State::Head;
                }
                State::Failed(ref fault) => {
                    let err = fault.to_error(self.layout.max_frame_len);
                    return Scan {
                        consumed: off,
                        found: Found::Fail(err),
                    };
                }
            }
        }
    }

    /// A fatal error after `off` consumed bytes; repeated on later calls.
    fn fault(&mut self, off: usize, fault: Fault) -> Scan {
        Scan {
            consumed: off,
            found: Found::Fail(self.fail(fault)),
        }
    }

    /// No whole frame after `off` consumed bytes: wait for more, or, at end
    /// of stream, report the unfinished frame once and start over.
    fn wait(&mut self, src: &[u8], off: usize, eof: bool) -> Scan {
        if !eof {
            return Scan::wait(off);
        }
        let (had, expected) = match self.state {
            State::Head if src.len() == off => return Scan::wait(off),
            State::Head => (None, None),
            State::Body { whole, .. } => (None, Some(whole as u64)),
            State::Skip { whole, remaining } => (Some(whole - remaining), Some(whole)),
            State::Failed(_) => unreachable!("a failed stream reports its fault"),
        };
        self.state = State::Head;
        Scan {
            consumed: off,
            found: Found::Partial { had, expected },
        }
    }
}

impl Decoder for LengthPrefix {
    type Item = Bytes;
    type Error = FrameError;

    #[inline(always)]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scan(src, false);
        scan.into_bytes(src)
    }

    /// The frame whose header has been parsed (state `Body`); `None`
    /// while a header is incomplete or an oversized frame is skipped.
    fn frame_len_hint(&self, _src: &[u8]) -> Option<usize> {
        match self.state {
            State::Body { whole, .. } => Some(whole),
            _ => None,
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>> {
        let scan = self.scan(src, true);
        scan.into_bytes(src)
    }
}

impl BorrowDecoder for LengthPrefix {
    /// The [`decode`](Decoder::decode) / [`decode_eof`](Decoder::decode_eof)
    /// framing, in place: the same frames, skips and errors.
    #[inline(always)]
    fn decode_slice(&mut self, src: &[u8], eof: bool) -> Decoded {
        self.scan(src, eof).into_decoded(src)
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for LengthPrefix {
    type Error = FrameError;

    #[inline]
    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<()> {
        self.encode_slice(item.as_ref(), dst)
    }

    #[inline(always)]
    fn encode_parts<'i>(
        &mut self,
        item: &'i T,
        head: &mut BytesMut,
        _tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>> {
        self.split_slice(item.as_ref(), head).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_widths() {
        for (value, width) in [(0, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3)] {
            assert_eq!(varint_len(value), width, "{value}");
        }
        assert_eq!(varint_len(u64::MAX), VARINT_MAX_LEN);
        let mut dst = BytesMut::new();
        put_varint(u64::MAX, &mut dst);
        assert_eq!(decode_varint(&dst), Ok(Some((u64::MAX, VARINT_MAX_LEN))));
    }

    #[test]
    fn varint_rejects_overflow_and_overlong() {
        // 11 bytes: ten with the high bit set.
        assert!(decode_varint(&[0xff; 11]).is_err());
        // 10th byte of 2 overflows 64 bits.
        let mut over = [0x80u8; 10];
        over[9] = 0x02;
        assert!(decode_varint(&over).is_err());
        assert!(decode_varint(&[0x80, 0x00]).is_err());
        assert_eq!(decode_varint(&[0x00]), Ok(Some((0, 1))));
        assert_eq!(decode_varint(&[0x80, 0x80]), Ok(None));
    }
}
