//! Model settings -> rionet codecs, and the decoder rules each documents.

use rionet::bytes::{Bytes, BytesMut};
use rionet::frame::{
    Decoder, Delimited, Encoder, FixedLength, FrameError, LengthPrefix, Lines, Oversize,
};

use crate::drive::{Rules, Skips};
use crate::input::Input;
use crate::model::{DelimitedModel, LengthModel, LinesModel, Width};
use crate::settings;

fn oversize(skip: bool) -> Oversize {
    if skip {
        Oversize::Skip
    } else {
        Oversize::Error
    }
}

/// The `LengthPrefix` of these settings, which [`settings::length`] drew
/// among those `build()` accepts.
pub fn length(m: &LengthModel) -> LengthPrefix {
    let mut b = LengthPrefix::builder();
    match m.width {
        Width::Fixed(n) => b.field_len(n),
        Width::Varint => b.varint(),
    };
    if m.little_endian {
        b.little_endian();
    }
    b.length_field_offset(m.offset)
        .length_adjustment(m.adjustment)
        .length_includes_header(m.includes_header)
        .max_frame_len(m.max)
        .oversize(oversize(m.skip));
    if let Some(s) = m.strip {
        b.strip(s);
    }
    let codec = b.build();
    assert_eq!(codec.max_frame_len(), m.max, "max_frame_len()");
    codec
}

/// What a `LengthPrefix` documents: decoding errors are fatal; waiting, it
/// holds at most a decoded frame within the maximum plus the bytes it
/// strips, or an unfinished header.
///
/// The module docs say "the maximum plus a header": that is the bound
/// unless `strip` reaches past the header into the body, when the stripped
/// body bytes are buffered too.
pub fn length_rules(m: &LengthModel) -> Rules {
    let head = m.offset.saturating_add(10);
    Rules {
        fatal_errors: true,
        max_buffered: m.max.saturating_add(head.max(m.strip.unwrap_or(0))),
        max: m.max,
    }
}

/// The `Delimited` of these settings.
pub fn delimited(m: &DelimitedModel) -> Delimited {
    let mut b = Delimited::builder();
    for d in &m.delimiters {
        b.delimiter(d);
    }
    let codec = b
        .strip_delimiter(m.strip)
        .max_frame_len(m.max)
        .oversize(oversize(m.skip))
        .build();
    assert_eq!(codec.max_frame_len(), m.max, "max_frame_len()");
    codec
}

/// What a `Delimited` documents: an oversized frame is recoverable; waiting,
/// it looks at most the maximum plus the longest delimiter into a frame.
pub fn delimited_rules(m: &DelimitedModel) -> Rules {
    let longest = m.delimiters.iter().map(Vec::len).max().unwrap_or(0);
    Rules {
        fatal_errors: false,
        max_buffered: m.max.saturating_add(longest),
        max: m.max,
    }
}

/// The `Lines` of these settings.
pub fn lines(m: &LinesModel) -> Lines {
    let codec = Lines::builder()
        .crlf(m.crlf)
        .max_frame_len(m.max)
        .oversize(oversize(m.skip))
        .build();
    assert_eq!(codec.max_frame_len(), m.max, "max_frame_len()");
    codec
}

/// As for `Delimited`, with `\r\n` the longest ending.
pub fn lines_rules(m: &LinesModel) -> Rules {
    Rules {
        fatal_errors: false,
        max_buffered: m.max.saturating_add(2),
        max: m.max,
    }
}

/// The `FixedLength` of `n`-byte frames.
pub fn fixed(n: usize) -> FixedLength {
    FixedLength::new(n)
}

/// What a `FixedLength` documents: waiting, less than a frame is buffered.
pub fn fixed_rules(n: usize) -> Rules {
    Rules {
        fatal_errors: false,
        max_buffered: n - 1,
        max: n,
    }
}

impl Skips for LengthPrefix {
    fn skips(&self) -> (u64, u64) {
        (self.skipped_frames(), self.skipped_bytes())
    }
}

impl Skips for Delimited {
    fn skips(&self) -> (u64, u64) {
        (self.skipped_frames(), self.skipped_bytes())
    }
}

impl Skips for Lines {
    fn skips(&self) -> (u64, u64) {
        (self.skipped_frames(), self.skipped_bytes())
    }
}

impl Skips for FixedLength {
    fn skips(&self) -> (u64, u64) {
        (0, 0)
    }
}

/// A codec of one of the built-in kinds, for the targets that take any.
#[derive(Debug, Clone)]
pub enum Codec {
    /// A length-prefix codec.
    Length(LengthPrefix),
    /// A delimiter codec.
    Delimited(Delimited),
    /// A line codec.
    Lines(Lines),
    /// A fixed-length codec.
    Fixed(FixedLength),
}

impl Decoder for Codec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self {
            Codec::Length(c) => c.decode(src),
            Codec::Delimited(c) => c.decode(src),
            Codec::Lines(c) => c.decode(src),
            Codec::Fixed(c) => c.decode(src),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self {
            Codec::Length(c) => c.decode_eof(src),
            Codec::Delimited(c) => c.decode_eof(src),
            Codec::Lines(c) => c.decode_eof(src),
            Codec::Fixed(c) => c.decode_eof(src),
        }
    }
}

impl Skips for Codec {
    fn skips(&self) -> (u64, u64) {
        match self {
            Codec::Length(c) => c.skips(),
            Codec::Delimited(c) => c.skips(),
            Codec::Lines(c) => c.skips(),
            Codec::Fixed(c) => c.skips(),
        }
    }
}

/// How an encoded item comes back from the decoder.
#[derive(Debug, Clone)]
pub enum Back {
    /// As it went in.
    Same,
    /// Followed by this delimiter (`Delimited` keeping its delimiters).
    WithDelimiter(Vec<u8>),
    /// With header bytes the encoder rewrote (a `LengthPrefix` that keeps
    /// part of its header, the first `strip` bytes stripped): encoding the
    /// frame again gives the same wire.
    Reencoded {
        /// Bytes stripped from the front of each frame.
        strip: usize,
    },
}

/// A codec of a kind and settings drawn from the input, its decoder rules
/// and how items come back; `None` for settings `build()` refuses.
pub fn pick(input: &mut Input<'_>) -> Option<(Codec, Rules, Back)> {
    Some(match input.u8() % 4 {
        0 => {
            let m = settings::length(input)?;
            // Any setting `build()` takes: it refuses offsets and strips
            // over 64 KiB, which the encoder writes on every frame (in
            // round 2 an offset of 1 << 62 under `max_frame_len(usize::MAX)`
            // built, and the first `encode` aborted allocating 4 EiB).
            let head = m
                .offset
                .saturating_add(if let Width::Fixed(n) = m.width { n } else { 1 });
            let back = match m.strip {
                Some(strip) if strip < head => Back::Reencoded { strip },
                _ => Back::Same,
            };
            (Codec::Length(length(&m)), length_rules(&m), back)
        }
        1 => {
            let m = settings::delimited(input)?;
            let back = if m.strip {
                Back::Same
            } else {
                Back::WithDelimiter(m.delimiters[0].clone())
            };
            (Codec::Delimited(delimited(&m)), delimited_rules(&m), back)
        }
        2 => {
            let m = settings::lines(input);
            (Codec::Lines(lines(&m)), lines_rules(&m), Back::Same)
        }
        _ => {
            let n = input.range(1, 40);
            (Codec::Fixed(fixed(n)), fixed_rules(n), Back::Same)
        }
    })
}

/// Passes any item type through to the codec's own `impl<T: AsRef<[u8]>>`.
impl<T: AsRef<[u8]>> Encoder<T> for Codec {
    type Error = FrameError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), FrameError> {
        match self {
            Codec::Length(c) => c.encode(item, dst),
            Codec::Delimited(c) => c.encode(item, dst),
            Codec::Lines(c) => c.encode(item, dst),
            Codec::Fixed(c) => c.encode(item, dst),
        }
    }

    fn encode_parts<'i>(
        &mut self,
        item: &'i T,
        head: &mut BytesMut,
        tail: &mut BytesMut,
    ) -> Result<Option<&'i [u8]>, FrameError> {
        match self {
            Codec::Length(c) => c.encode_parts(item, head, tail),
            Codec::Delimited(c) => c.encode_parts(item, head, tail),
            Codec::Lines(c) => c.encode_parts(item, head, tail),
            Codec::Fixed(c) => c.encode_parts(item, head, tail),
        }
    }
}
