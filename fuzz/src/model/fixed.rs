//! Model of `FixedLength`: `n`-byte frames, the rest is partial.

use super::{Event, Outcome};

/// The outcome of decoding `data` whole with frames of `n` bytes.
pub fn fixed_events(n: usize, data: &[u8]) -> Outcome {
    let mut out: Vec<Event> = data
        .chunks_exact(n)
        .map(|c| Event::Frame(c.to_vec()))
        .collect();
    let rest = data.len() % n;
    if rest > 0 {
        out.push(Event::Partial(data[data.len() - rest..].to_vec()));
    }
    Outcome {
        events: out,
        ..Outcome::default()
    }
}
