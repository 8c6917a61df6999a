//! What a decoder run produces, codec-neutral, for comparison with a model.

/// One outcome of a decoder run over a whole stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A decoded frame.
    Frame(Vec<u8>),
    /// A frame over the maximum under the error policy. Its reported length
    /// may be a lower bound, so it is not compared.
    TooLarge,
    /// A frame over the maximum, skipped; its exact length.
    Skipped(u64),
    /// A malformed length header (fatal).
    Invalid,
    /// End of stream inside a frame; the pending bytes.
    Partial(Vec<u8>),
}
