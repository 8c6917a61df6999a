//! What a framer does with a frame over its maximum size.

/// What a decoder does when a frame is larger than its maximum frame size.
///
/// Either way the oversized frame is never buffered whole: memory stays
/// bounded by the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Oversize {
    /// Fail with [`FrameError::FrameTooLarge`](super::FrameError::FrameTooLarge)
    /// (recoverable for delimiter and line codecs, fatal for a length
    /// prefix). The default: a peer that breaks the protocol is told so.
    #[default]
    Error,
    /// Discard the frame's bytes as they arrive, count it (the codecs'
    /// `skipped_frames` / `skipped_bytes`), and carry on with the next
    /// frame. Not an error: `decode` just goes on to the next frame.
    Skip,
}
