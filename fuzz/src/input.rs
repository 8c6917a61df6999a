//! Reads settings, payloads and chunk splits out of the fuzzer's input.

/// A cursor over the fuzzer's bytes; past the end every read gives zeros,
/// so any input decodes to something.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// The next byte, 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }

    /// The next byte's low bit.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A number in `lo..=hi` (modulo: good enough for a fuzzer); any
    /// bounds, `0..=usize::MAX` included.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + usize::from(self.u16()) % (hi - lo).saturating_add(1)
    }

    /// Up to `n` next bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    /// Splits the rest in two at a position drawn from its first byte: the
    /// payload and the bytes that drive chunking / faults.
    pub fn split_rest(&mut self) -> (&'a [u8], &'a [u8]) {
        let ratio = usize::from(self.u8());
        let rest = self.rest();
        let at = rest.len() * (ratio + 1) / 257;
        rest.split_at(at.min(rest.len()))
    }
}

/// Cuts `data` into chunks whose sizes come from `sizes` (each byte a chunk
/// of 0 to 255 bytes; 0-byte chunks are kept: an empty read-append must be
/// harmless). When `sizes` runs out the rest is one chunk.
pub fn chunks<'a>(data: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    for &size in sizes {
        if rest.is_empty() {
            break;
        }
        // Small chunks are the interesting ones: mostly 0..=15 bytes.
        let n = if size & 0x80 == 0 {
            usize::from(size & 0x0f)
        } else {
            usize::from(size & 0x7f) * 4
        };
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}
