//! The calls into rionet's encoders: one item through `encode` and
//! `encode_parts` under several `AsRef<[u8]>` item types, checked against
//! each other.

use rionet::bytes::{Bytes, BytesMut};
use rionet::frame::{Encoder, FrameError};

use crate::codecs::Codec;

/// What encoding one item gave: its wire bytes, or the error's message.
pub type Encoded = Result<Vec<u8>, String>;

/// Encodes `item` with `encode` and with `encode_parts` and checks that the
/// two agree: `head ++ payload ++ tail` is exactly what `encode` appends;
/// both fail on the same items, with a recoverable error; a failure writes
/// nothing.
fn both<E, I>(codec: &mut E, item: I) -> Encoded
where
    E: Encoder<I, Error = FrameError>,
{
    let mut dst = BytesMut::from(&b"prior"[..]);
    let (mut head, mut tail) = (BytesMut::new(), BytesMut::new());
    let parts = codec
        .encode_parts(&item, &mut head, &mut tail)
        .map(|p| p.map(<[u8]>::to_vec));
    let whole = codec.encode(item, &mut dst);
    match (whole, parts) {
        (Ok(()), Ok(parts)) => {
            assert_eq!(&dst[..5], b"prior", "encode changed what was in dst");
            let wire = dst[5..].to_vec();
            if let Some(payload) = parts {
                let joined = [&head[..], &payload[..], &tail[..]].concat();
                assert_eq!(joined, wire, "encode_parts differs from encode");
            } else {
                assert!(head.is_empty() && tail.is_empty(), "Ok(None) wrote parts");
            }
            Ok(wire)
        }
        (Err(err), Err(parts_err)) => {
            assert!(err.is_recoverable(), "an encoder error is fatal: {err:?}");
            assert_eq!(&dst[..], b"prior", "a failed encode wrote {dst:?}");
            assert!(
                head.is_empty() && tail.is_empty(),
                "a failed encode_parts wrote"
            );
            assert_eq!(
                err.to_string(),
                parts_err.to_string(),
                "encode and encode_parts disagree"
            );
            Err(err.to_string())
        }
        (whole, parts) => panic!("encode gave {whole:?}, encode_parts {parts:?}"),
    }
}

/// All results must be the same whatever the item type.
fn same(results: Vec<Encoded>) -> Encoded {
    for r in &results[1..] {
        assert_eq!(r, &results[0], "item types encode differently");
    }
    results.into_iter().next().expect("at least one item type")
}

impl Codec {
    /// Encodes `item` as `&[u8]`, `Bytes`, `BytesMut`, `Vec<u8>` and, when
    /// it is UTF-8, `&str` and `String`: they must all agree, with `encode`
    /// and `encode_parts` alike.
    pub fn encode(&mut self, item: &[u8]) -> Encoded {
        let mut all = vec![
            both(self, item),
            both(self, Bytes::copy_from_slice(item)),
            both(self, BytesMut::from(item)),
            both(self, item.to_vec()),
        ];
        if let Ok(text) = std::str::from_utf8(item) {
            all.push(both(self, text));
            all.push(both(self, text.to_owned()));
        }
        same(all)
    }
}
