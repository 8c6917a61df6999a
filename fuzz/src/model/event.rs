//! What a decoder run produces, codec-neutral, for comparison with a model.

/// One outcome of a decoder run over a whole stream. A frame skipped under
/// `Oversize::Skip` is not an event: it is counted (see [`Outcome`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A decoded frame.
    Frame(Vec<u8>),
    /// A frame over the maximum under the error policy. Its reported length
    /// may be a lower bound, so it is not compared.
    TooLarge,
    /// A malformed length header (fatal).
    Invalid,
    /// End of stream inside a frame; the pending bytes.
    Partial(Vec<u8>),
}

/// Everything a run over a whole stream produces: its events and what the
/// codec's `skipped_frames()` / `skipped_bytes()` say at the end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Frames and errors, in order.
    pub events: Vec<Event>,
    /// Frames skipped under `Oversize::Skip`.
    pub skipped_frames: u64,
    /// Bytes of those frames dropped (headers and delimiters included).
    pub skipped_bytes: u64,
}

impl Outcome {
    /// Counts one skipped frame of which `bytes` were dropped.
    pub fn skip(&mut self, bytes: u64) {
        self.skipped_frames += 1;
        self.skipped_bytes += bytes;
    }
}
