//! Shared pieces of rionet's fuzz targets.
//!
//! Kept apart so that a change of rionet's API touches one place:
//!
//! - [`input`]: turns the fuzzer's bytes into settings, payloads and chunk
//!   splits (no rionet call in it);
//! - [`model`]: naive reference models, written from the documentation
//!   only (no rionet call in them);
//! - [`settings`]: codec settings drawn from the input, as model values;
//! - [`codecs`]: model settings -> rionet codecs and their documented rules;
//! - [`encode`]: the calls into rionet's encoders, `encode` vs `encode_parts`;
//! - [`faulty`]: `Read` / `Write` mocks with short transfers, `Interrupted`
//!   and `WouldBlock`;
//! - [`drive`]: the only module that calls rionet's decoders and maps their
//!   results to the models' [`model::Event`]s.

pub mod codecs;
pub mod drive;
pub mod encode;
pub mod faulty;
pub mod input;
pub mod model;
pub mod settings;
