//! Model of `Delimited`: earliest delimiter, longest on a tie.

use super::{Event, Outcome};

/// Every setting of a `Delimited`.
#[derive(Debug, Clone)]
pub struct DelimitedModel {
    /// The delimiters; the first is the one the encoder writes.
    pub delimiters: Vec<Vec<u8>>,
    /// Frames come without their delimiter.
    pub strip: bool,
    /// Maximum frame handed back: the payload, and the delimiter if kept.
    pub max: usize,
    /// `Oversize::Skip` rather than `Oversize::Error`.
    pub skip: bool,
}

/// The earliest delimiter in `src` (the longest of those starting there):
/// its offset and length.
pub fn find(delimiters: &[Vec<u8>], src: &[u8]) -> Option<(usize, usize)> {
    (0..src.len()).find_map(|i| {
        delimiters
            .iter()
            .filter(|d| src[i..].starts_with(d))
            .map(|d| d.len())
            .max()
            .map(|len| (i, len))
    })
}

/// The outcome of decoding `data` whole, then end of stream. Shared with
/// the lines model, whose line endings are delimiters too. The maximum
/// counts the frame handed back: the payload, plus the delimiter when kept.
pub fn split_events(
    delimiters: &[Vec<u8>],
    strip: bool,
    max: usize,
    skip: bool,
    data: &[u8],
) -> Outcome {
    let mut out = Outcome::default();
    let mut pos = 0;
    while let Some((at, len)) = find(delimiters, &data[pos..]) {
        let frame = if strip { at } else { at + len };
        if frame <= max {
            out.events
                .push(Event::Frame(data[pos..pos + frame].to_vec()));
        } else if skip {
            out.skip((at + len) as u64);
        } else {
            out.events.push(Event::TooLarge);
        }
        pos += at + len;
    }
    let rest = &data[pos..];
    if rest.len() > max {
        if skip {
            out.skip(rest.len() as u64);
        } else {
            out.events.push(Event::TooLarge);
        }
    } else if !rest.is_empty() {
        out.events.push(Event::Partial(rest.to_vec()));
    }
    out
}

/// The outcome of decoding `data` whole, then end of stream.
pub fn delimited_events(model: &DelimitedModel, data: &[u8]) -> Outcome {
    split_events(&model.delimiters, model.strip, model.max, model.skip, data)
}
