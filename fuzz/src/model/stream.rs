//! Model of a byte stream read through `RioReader`: a position in the
//! bytes, and the line rule of `readlineb` / `read_line_slice`.

/// The next line, as `RioReader` documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// End of stream.
    Eof,
    /// A line within the maximum, its `\n` included (the last line of the
    /// stream may lack it).
    Whole(Vec<u8>),
    /// A line over the maximum under `LinePolicy::Error`: its full length.
    TooLong(u64),
    /// A line over the maximum under `LinePolicy::Truncate`: its first
    /// `max` bytes and its full length.
    Truncated(Vec<u8>, u64),
}

/// The bytes of a stream and how far a reader got.
#[derive(Debug)]
pub struct StreamModel<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> StreamModel<'a> {
    /// A stream of `data`, nothing read yet.
    pub fn new(data: &'a [u8]) -> Self {
        StreamModel { data, pos: 0 }
    }

    /// The next `n` bytes (fewer at the end), used up.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len() - self.pos);
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        out
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// The next line under maximum `max` (the `\n` counted), used up.
    pub fn line(&mut self, max: usize, truncate: bool) -> Line {
        let rest = self.remaining();
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        let line = self.take(len);
        if line.is_empty() {
            Line::Eof
        } else if line.len() <= max {
            Line::Whole(line.to_vec())
        } else if truncate {
            Line::Truncated(line[..max].to_vec(), line.len() as u64)
        } else {
            Line::TooLong(line.len() as u64)
        }
    }
}
