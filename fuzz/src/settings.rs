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

/// Every `LengthPrefix` setting, offsets and strips of any size included;
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
    // Mostly small; sometimes huge (the decoder waits for bytes that never
    // come, the encoder refuses frames that overflow 64 bits).
    let offset = match input.u8() % 16 {
        0 => 1 << 62,
        1 => usize::MAX - input.range(0, 16),
        2 => input.range(0, 4096),
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

/// `LengthPrefixBuilder::build()`'s documented rule: a varint's strip is
/// the whole header or at most the offset; the header (a varint counting 1
/// byte) and the strip each fit under the maximum.
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
}

/// One to three delimiters of one to three bytes, from a small alphabet so
/// that they overlap often, and the other `Delimited` settings. `None` for
/// a set `build()` refuses (the first a prefix of a longer one).
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
    Some(DelimitedModel {
        delimiters,
        strip: input.bool(),
        max: max_len(input, 64 * 1024),
        skip: input.bool(),
    })
}

/// Every `Lines` setting.
pub fn lines(input: &mut Input<'_>) -> LinesModel {
    LinesModel {
        crlf: input.bool(),
        max: max_len(input, 64 * 1024),
        skip: input.bool(),
    }
}
