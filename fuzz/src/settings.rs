//! Codec settings drawn from the fuzzer's input, as model values (no rionet
//! call here: [`crate::codecs`] turns them into codecs).

use crate::input::Input;
use crate::model::{DelimitedModel, LengthModel, LinesModel, Width};

/// A maximum frame length: mostly small, sometimes a default or extreme.
fn max_len(input: &mut Input<'_>, default: usize) -> usize {
    match input.u8() % 8 {
        0 => default,
        1 => usize::MAX,
        2 => input.range(0, 4096),
        _ => input.range(0, 64),
    }
}

/// Every `LengthPrefix` setting, offsets and strips at `build()`'s 64 KiB
/// limit and far past it included;
/// `None` for settings `LengthPrefixBuilder::build()` refuses.
///
/// `build()` panics on those (programming errors, not bad input), and
/// libFuzzer's panic hook aborts before `catch_unwind` could catch it, so
/// the harness mirrors the documented rule instead ([`length_builds`]).
/// A mirror that let a refused setting through would abort the target: the
/// rule and its documentation are checked too.
pub fn length(input: &mut Input<'_>) -> Option<LengthModel> {
    let b = input.u8();
    let width = if b % 9 == 8 {
        Width::Varint
    } else {
        Width::Fixed(usize::from(b % 9) + 1)
    };
    let little_endian = input.bool();
    // Mostly small; sometimes at `build()`'s 64 KiB limit or huge (refused
    // by the mirrored rule, which is checked: a setting it let through
    // that `build()` refuses aborts the target).
    let offset = match input.u8() % 16 {
        0 => 1 << 62,
        1 => usize::MAX - input.range(0, 16),
        2 => input.range(0, 4096),
        3 => MAX_HEADER_LEN - input.range(0, 16),
        4 => MAX_HEADER_LEN + input.range(1, 16),
        _ => input.range(0, 8),
    };
    let adjustment = match input.u8() % 8 {
        0 => isize::MIN,
        1 => isize::MAX,
        2 => isize::from(input.u16() as i16),
        _ => isize::from(input.u8() as i8) / 4,
    };
    let includes_header = input.bool();
    let head = offset.saturating_add(if let Width::Fixed(n) = width { n } else { 1 });
    let strip = match (input.u8() % 4, width) {
        (0 | 1, _) => None,
        (_, Width::Varint) => Some(input.range(0, offset)),
        (_, Width::Fixed(_)) => Some(input.range(0, head.saturating_add(4))),
    };
    let max = max_len(input, 8 << 20);
    let skip = input.bool();
    let m = LengthModel {
        width,
        little_endian,
        offset,
        adjustment,
        includes_header,
        strip,
        max,
        skip,
    };
    length_builds(&m).then_some(m)
}

/// The most bytes `build()` takes before the length field or as a strip.
const MAX_HEADER_LEN: usize = 64 * 1024;

/// `LengthPrefixBuilder::build()`'s documented rule: a varint's strip is
/// the whole header or at most the offset; the header (a varint counting 1
/// byte) and the strip each fit under the maximum; the offset and the
/// strip are at most 64 KiB, whatever the maximum.
pub fn length_builds(m: &LengthModel) -> bool {
    let width = match m.width {
        Width::Fixed(n) => n,
        Width::Varint => 1,
    };
    let varint_strip = match (m.width, m.strip) {
        (Width::Varint, Some(s)) => s <= m.offset,
        _ => true,
    };
    varint_strip
        && m.offset
            .checked_add(width)
            .is_some_and(|head| head <= m.max)
        && m.strip.is_none_or(|s| s <= m.max)
        && m.offset <= MAX_HEADER_LEN
        && m.strip.is_none_or(|s| s <= MAX_HEADER_LEN)
}

/// One to three delimiters of one to three bytes, from a small alphabet so
/// that they overlap often, and the other `Delimited` settings. `None` for
/// settings `build()` refuses (the first delimiter a prefix of a longer
/// one, or kept and longer than the maximum: [`delimited_builds`]).
pub fn delimited(input: &mut Input<'_>) -> Option<DelimitedModel> {
    const ALPHABET: &[u8] = b"ab\r\n;\0";
    let count = input.range(1, 3);
    let mut delimiters: Vec<Vec<u8>> = Vec::new();
    for _ in 0..count {
        let len = input.range(1, 3);
        let d: Vec<u8> = (0..len)
            .map(|_| ALPHABET[usize::from(input.u8()) % ALPHABET.len()])
            .collect();
        if !delimiters.contains(&d) {
            delimiters.push(d);
        }
    }
    let first = &delimiters[0];
    if delimiters
        .iter()
        .any(|d| d.len() > first.len() && d.starts_with(first))
    {
        return None;
    }
    let m = DelimitedModel {
        delimiters,
        strip: input.bool(),
        max: max_len(input, 64 * 1024),
        skip: input.bool(),
    };
    delimited_builds(&m).then_some(m)
}

/// `DelimitedBuilder::build()`'s documented rule for a set it takes: a
/// kept delimiter (the first, which the encoder writes) fits under the
/// maximum. `build()` panics otherwise, so the harness mirrors the rule.
pub fn delimited_builds(m: &DelimitedModel) -> bool {
    m.strip || m.max >= m.delimiters[0].len()
}

/// Every `Lines` setting.
pub fn lines(input: &mut Input<'_>) -> LinesModel {
    LinesModel {
        crlf: input.bool(),
        max: max_len(input, 64 * 1024),
        skip: input.bool(),
    }
}
