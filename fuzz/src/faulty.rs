//! `Read` / `Write` mocks that move few bytes at a time and fail with
//! `Interrupted` or `WouldBlock`, driven by the fuzzer's bytes.

use std::io::{self, Read, Write};

/// What one call of a faulty reader or writer does, decoded from one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Move at most this many bytes (at least 1).
    Short(usize),
    /// Fail with `Interrupted`.
    Interrupted,
    /// Fail with `WouldBlock`.
    WouldBlock,
}

impl Fault {
    /// Decodes one script byte; `would_block` allows `WouldBlock`.
    pub fn from_byte(b: u8, would_block: bool) -> Fault {
        match b >> 5 {
            0 => Fault::Interrupted,
            1 if would_block => Fault::WouldBlock,
            7 => Fault::Short(usize::from(b & 0x1f) * 64 + 1),
            _ => Fault::Short(usize::from(b & 0x1f) + 1),
        }
    }
}

/// Cycles over a script of faults; an empty script moves everything. A
/// failed call is always followed by one that moves bytes, so a harness
/// that retries makes progress.
#[derive(Debug)]
struct Script {
    bytes: Vec<u8>,
    next: usize,
    would_block: bool,
    failed: bool,
}

impl Script {
    fn new(bytes: &[u8], would_block: bool) -> Self {
        Script {
            bytes: bytes.to_vec(),
            next: 0,
            would_block,
            failed: false,
        }
    }

    fn next(&mut self) -> Fault {
        if self.bytes.is_empty() {
            return Fault::Short(usize::MAX);
        }
        let b = self.bytes[self.next % self.bytes.len()];
        self.next += 1;
        let fault = match Fault::from_byte(b, self.would_block) {
            Fault::Short(n) => Fault::Short(n),
            _ if self.failed => Fault::Short(usize::from(b & 0x1f) + 1),
            fault => fault,
        };
        self.failed = !matches!(fault, Fault::Short(_));
        fault
    }
}

/// A reader over `data` whose calls follow a fault script, then end of
/// stream. Counts the faults it injected, so a harness can bound retries.
#[derive(Debug)]
pub struct FaultyReader<'a> {
    data: &'a [u8],
    script: Script,
    /// Calls that failed with `WouldBlock`.
    pub would_blocks: usize,
}

impl<'a> FaultyReader<'a> {
    /// A reader of `data` following `script` (cycled).
    pub fn new(data: &'a [u8], script: &[u8], would_block: bool) -> Self {
        FaultyReader {
            data,
            script: Script::new(script, would_block),
            would_blocks: 0,
        }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }
}

impl Read for FaultyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.script.next() {
            Fault::Interrupted => Err(io::ErrorKind::Interrupted.into()),
            Fault::WouldBlock => {
                self.would_blocks += 1;
                Err(io::ErrorKind::WouldBlock.into())
            }
            Fault::Short(max) => {
                let n = max.min(buf.len()).min(self.data.len());
                buf[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                Ok(n)
            }
        }
    }
}

/// A writer into a `Vec` whose calls follow a fault script.
#[derive(Debug)]
pub struct FaultyWriter {
    /// Everything written so far.
    pub written: Vec<u8>,
    script: Script,
}

impl FaultyWriter {
    /// A writer following `script` (cycled).
    pub fn new(script: &[u8], would_block: bool) -> Self {
        FaultyWriter {
            written: Vec::new(),
            script: Script::new(script, would_block),
        }
    }
}

impl Write for FaultyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.script.next() {
            Fault::Interrupted => Err(io::ErrorKind::Interrupted.into()),
            Fault::WouldBlock => Err(io::ErrorKind::WouldBlock.into()),
            Fault::Short(max) => {
                let n = max.min(buf.len());
                self.written.extend_from_slice(&buf[..n]);
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
