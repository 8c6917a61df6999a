//! Model of `LengthPrefix`, straight from its "Decoding" section.

use super::{Event, Outcome};

/// The length field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// `n` bytes, 1 to 8.
    Fixed(usize),
    /// LEB128, at most 10 bytes, canonical.
    Varint,
}

/// Every setting of a `LengthPrefix`.
#[derive(Debug, Clone, Copy)]
pub struct LengthModel {
    /// Field width.
    pub width: Width,
    /// Byte order of a fixed field.
    pub little_endian: bool,
    /// Bytes before the field.
    pub offset: usize,
    /// Added to the length value.
    pub adjustment: isize,
    /// The value counts offset and field too.
    pub includes_header: bool,
    /// Bytes to strip; `None`: the whole header.
    pub strip: Option<usize>,
    /// Maximum decoded frame: the whole frame less the bytes stripped.
    pub max: usize,
    /// `Oversize::Skip` rather than `Oversize::Error`.
    pub skip: bool,
}

/// Reads a field at the start of `src`: `Ok(None)` needs more bytes,
/// `Err(())` is malformed, else the value and the field's width.
fn field(model: &LengthModel, src: &[u8]) -> Result<Option<(u128, usize)>, ()> {
    match model.width {
        Width::Fixed(n) => {
            let Some(bytes) = src.get(..n) else {
                return Ok(None);
            };
            let mut v = 0u128;
            for i in 0..n {
                let b = if model.little_endian {
                    bytes[n - 1 - i]
                } else {
                    bytes[i]
                };
                v = (v << 8) | u128::from(b);
            }
            Ok(Some((v, n)))
        }
        Width::Varint => {
            let mut v = 0u128;
            for i in 0..10 {
                let Some(&b) = src.get(i) else {
                    return Ok(None);
                };
                v |= u128::from(b & 0x7f) << (7 * i);
                if b & 0x80 == 0 {
                    if i > 0 && b == 0 {
                        return Err(()); // overlong
                    }
                    if v > u128::from(u64::MAX) {
                        return Err(()); // over 64 bits
                    }
                    return Ok(Some((v, i + 1)));
                }
            }
            Err(()) // over 10 bytes
        }
    }
}

/// The outcome of decoding `data` whole, then end of stream.
pub fn length_events(model: &LengthModel, data: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let mut pos = 0;
    loop {
        let src = &data[pos..];
        if src.is_empty() {
            return out;
        }
        let parsed = match src.get(model.offset..) {
            None => Ok(None),
            Some(rest) => field(model, rest),
        };
        let (value, width) = match parsed {
            Err(()) => {
                out.events.push(Event::Invalid);
                return out;
            }
            Ok(None) => {
                out.events.push(Event::Partial(src.to_vec()));
                return out;
            }
            Ok(Some(v)) => v,
        };
        let head = model.offset as i128 + width as i128;
        let whole =
            value as i128 + model.adjustment as i128 + if model.includes_header { 0 } else { head };
        let strip = model.strip.map_or(head, |s| s as i128);
        if whole < head || whole < strip {
            out.events.push(Event::Invalid);
            return out;
        }
        if whole > u64::MAX as i128 {
            // A declared frame over 64 bits: malformed, whatever the
            // oversize policy.
            out.events.push(Event::Invalid);
            return out;
        }
        // The maximum counts the decoded frame: the whole frame less the
        // bytes stripped.
        if whole - strip > model.max as i128 {
            if !model.skip {
                out.events.push(Event::TooLarge);
                return out;
            }
            if whole > src.len() as i128 {
                // Cut by the end of the stream while skipping: everything
                // left was dropped, and the end reported with no bytes.
                out.skip(src.len() as u64);
                out.events.push(Event::Partial(Vec::new()));
                return out;
            }
            out.skip(whole as u64);
            pos += whole as usize;
            continue;
        }
        if whole > usize::MAX as i128 {
            // Within the maximum, but no buffer can hold it.
            out.events.push(Event::Invalid);
            return out;
        }
        if whole > src.len() as i128 {
            out.events.push(Event::Partial(src.to_vec()));
            return out;
        }
        let whole = whole as usize;
        out.events
            .push(Event::Frame(src[strip as usize..whole].to_vec()));
        pos += whole;
    }
}
