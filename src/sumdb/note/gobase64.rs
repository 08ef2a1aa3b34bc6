//! Standard base64 decoding with the leniencies of Go's `base64.StdEncoding`.
//!
//! Keys and signatures are decoded by Go with `StdEncoding.DecodeString`, which differs
//! from a strict RFC 4648 decoder in two ways that decide whether an input is accepted:
//! it skips every `\r` and `\n` wherever they stand, and it ignores non-zero bits left
//! over in the last character. Padding is still required and must be exact. Decoding
//! anything Go decodes (and nothing else) keeps our accept/reject answers equal to
//! Go's.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Go's `StdEncoding` decoding rules (padding required, trailing bits ignored).
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Decodes `text` as Go's `base64.StdEncoding.DecodeString` does; `None` where Go
/// reports an error.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    if text.contains(['\r', '\n']) {
        let kept: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        GO_STD.decode(kept).ok()
    } else {
        GO_STD.decode(text).ok()
    }
}

/// Standard base64 with padding (Go's `StdEncoding.EncodeToString`).
pub(crate) fn encode(bytes: &[u8]) -> String {
    GO_STD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_go_accepts() {
        assert_eq!(decode("").as_deref(), Some(&b""[..]));
        assert_eq!(decode("QQ==").as_deref(), Some(&b"A"[..]));
        // Go ignores the bits left over in the last character.
        assert_eq!(decode("QR==").as_deref(), Some(&b"A"[..]));
        // Go skips newlines and carriage returns anywhere, padding included.
        assert_eq!(decode("Q\nQ=\r\n=\n").as_deref(), Some(&b"A"[..]));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "Q", "QQ", "QQ=", "QQ===", "QQ==QQ==", "====", "Q Q==", "QQ-_", "\t",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn encodes_with_padding() {
        assert_eq!(encode(b"A"), "QQ==");
        assert_eq!(encode(b""), "");
    }
}
