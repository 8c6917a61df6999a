//! How an echoed line differs from the line that was sent.

/// Bytes that did not come back as sent, for one line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Damage {
    /// Bytes sent that are missing from the echo.
    pub lost: u64,
    /// Bytes in the echo that differ from what was sent, or were never
    /// sent at all.
    pub corrupted: u64,
}

impl Damage {
    /// Whether the echo was exact.
    pub fn is_none(&self) -> bool {
        self.lost == 0 && self.corrupted == 0
    }
}

/// Compares the echo `got` with the line `sent`.
///
/// Same length: every differing byte is corrupted. A shorter echo lost
/// the difference, a longer one has that many corrupted (extra) bytes;
/// beyond the common prefix and suffix, what is left of the echo counts
/// as corrupted too. So one dropped, inserted or altered run of bytes is
/// counted exactly, and several are an upper bound.
pub fn compare(sent: &[u8], got: &[u8]) -> Damage {
    if sent == got {
        return Damage::default();
    }
    if sent.len() == got.len() {
        let differ = sent.iter().zip(got).filter(|(a, b)| a != b).count();
        return Damage {
            lost: 0,
            corrupted: differ as u64,
        };
    }
    let shorter = sent.len().min(got.len());
    let prefix = sent.iter().zip(got).take_while(|(a, b)| a == b).count();
    let suffix = sent
        .iter()
        .rev()
        .zip(got.iter().rev())
        .take(shorter - prefix)
        .take_while(|(a, b)| a == b)
        .count();
    let unmatched = (got.len() - prefix - suffix) as u64;
    if got.len() < sent.len() {
        Damage {
            lost: (sent.len() - got.len()) as u64,
            corrupted: unmatched,
        }
    } else {
        // `unmatched` already includes the extra bytes.
        Damage {
            lost: 0,
            corrupted: unmatched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn damage(sent: &str, got: &str) -> (u64, u64) {
        let d = compare(sent.as_bytes(), got.as_bytes());
        (d.lost, d.corrupted)
    }

    #[test]
    fn single_edits_are_counted_exactly() {
        assert_eq!(damage("hello\n", "hello\n"), (0, 0));
        assert_eq!(damage("hello\n", "hallo\n"), (0, 1));
        assert_eq!(damage("hello\n", "hXllY\n"), (0, 2));
        assert_eq!(damage("hello\n", "helo\n"), (1, 0));
        assert_eq!(damage("hello\n", "he\n"), (3, 0));
        assert_eq!(damage("hello\n", "ello\n"), (1, 0));
        assert_eq!(damage("hello\n", "hello"), (1, 0));
        assert_eq!(damage("hello\n", ""), (6, 0));
        assert_eq!(damage("hello\n", "helXXlo\n"), (0, 2));
        assert_eq!(damage("hello\n", "hello\nhello\n"), (0, 6));
        // Dropped and altered in one: an upper bound.
        assert_eq!(damage("hello\n", "hXlo\n"), (1, 1));
    }

    #[test]
    fn repeated_bytes_do_not_overlap_prefix_and_suffix() {
        assert_eq!(damage("aaaa\n", "aaa\n"), (1, 0));
        assert_eq!(damage("aaa\n", "aaaa\n"), (0, 1));
        assert_eq!(damage("\n", "\n\n"), (0, 1));
    }
}
