//! Model of `Delimited`: earliest delimiter, longest on a tie.

use super::Event;

/// Every setting of a `Delimited`.
#[derive(Debug, Clone)]
pub struct DelimitedModel {
    /// The delimiters; the first is the one the encoder writes.
    pub delimiters: Vec<Vec<u8>>,
    /// Frames come without their delimiter.
    pub strip: bool,
    /// Maximum payload, delimiter excluded.
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

/// The event for a frame over the maximum, or `None`.
fn oversize(skip: bool, len: usize, max: usize) -> Option<Event> {
    (len > max).then_some(if skip {
        Event::Skipped(len as u64)
    } else {
        Event::TooLarge
    })
}

/// The events of decoding `data` whole, then end of stream. Shared with the
/// lines model, whose line endings are delimiters too.
pub fn split_events(
    delimiters: &[Vec<u8>],
    strip: bool,
    max: usize,
    skip: bool,
    data: &[u8],
) -> Vec<Event> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some((at, len)) = find(delimiters, &data[pos..]) {
        let end = if strip { pos + at } else { pos + at + len };
        out.push(oversize(skip, at, max).unwrap_or_else(|| Event::Frame(data[pos..end].to_vec())));
        pos += at + len;
    }
    let rest = &data[pos..];
    if !rest.is_empty() {
        out.push(oversize(skip, rest.len(), max).unwrap_or_else(|| Event::Partial(rest.to_vec())));
    }
    out
}

/// The events of decoding `data` whole, then end of stream.
pub fn delimited_events(model: &DelimitedModel, data: &[u8]) -> Vec<Event> {
    split_events(&model.delimiters, model.strip, model.max, model.skip, data)
}
