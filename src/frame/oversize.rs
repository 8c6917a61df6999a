//! What a framer does with a frame over its maximum size.

/// What a decoder does when a frame is larger than its maximum frame size.
///
/// Either way the oversized frame is never buffered whole: memory stays
/// bounded by the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Oversize {
    /// Fail with [`Error::FrameTooLarge`](crate::Error::FrameTooLarge). The
    /// default: a peer that breaks the protocol is told so.
    #[default]
    Error,
    /// Discard the frame's bytes as they arrive, report it once with
    /// [`Error::FrameSkipped`](crate::Error::FrameSkipped), then carry on
    /// with the next frame.
    Skip,
}
