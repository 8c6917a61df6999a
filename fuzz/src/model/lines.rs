//! Model of `Lines`: `\n` (one `\r` before it stripped too), or `\r\n` only.

use super::Outcome;
use super::delimited::split_events;

/// Every setting of a `Lines`.
#[derive(Debug, Clone, Copy)]
pub struct LinesModel {
    /// Strict CRLF mode.
    pub crlf: bool,
    /// Maximum line, ending excluded.
    pub max: usize,
    /// `Oversize::Skip` rather than `Oversize::Error`.
    pub skip: bool,
}

/// The outcome of decoding `data` whole, then end of stream. A line ending
/// is `\r\n` or (outside CRLF mode) `\n`: the delimiter model's rule
/// "earliest, longest on a tie" gives exactly that.
pub fn lines_events(model: &LinesModel, data: &[u8]) -> Outcome {
    let endings: Vec<Vec<u8>> = if model.crlf {
        vec![b"\r\n".to_vec()]
    } else {
        vec![b"\r\n".to_vec(), b"\n".to_vec()]
    };
    split_events(&endings, true, model.max, model.skip, data)
}
