//! Option 43's data as a list of sub-options (RFC 2132 §8.4), kept in wire order with
//! offsets, unknown codes included: the decoder reports, it does not filter.

use crate::error::DecodeError;
use crate::tlv::{emit_tlv, EncodeError, Layer, Tlv, TlvIter};

/// One sub-option as found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SubOption {
    /// Offset of the code byte from the start of option 43's data.
    pub offset: usize,
    pub code: u8,
    pub value: Vec<u8>,
}

/// Everything read from option 43's data, including what stopped the walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VendorOptions {
    pub items: Vec<SubOption>,
    /// Offset of the end sub-option (255), if present.
    pub end: Option<usize>,
    /// Number of pad bytes (0) seen.
    pub pads: usize,
    /// Bytes after the end sub-option that are not pads.
    pub trailing: usize,
    /// The error that stopped the walk; `items` holds what came before it.
    pub error: Option<DecodeError>,
}

impl VendorOptions {
    /// Walk option 43's data. Never fails as a whole: a bad length ends the walk with an error
    /// recorded at its offset, so callers can still show what was good.
    pub fn parse(data: &[u8]) -> Self {
        let mut out = VendorOptions::default();
        let mut iter = TlvIter::new(data, Layer::SubOptions);
        for item in iter.by_ref() {
            match item {
                Ok(Tlv::Data {
                    offset,
                    code,
                    value,
                }) => out.items.push(SubOption {
                    offset,
                    code,
                    value: value.to_vec(),
                }),
                Ok(Tlv::Pad { .. }) => out.pads += 1,
                Ok(Tlv::End { offset }) => out.end = Some(offset),
                Err(e) => out.error = Some(e),
            }
        }
        if out.end.is_some() {
            out.trailing = iter.remainder().iter().filter(|&&b| b != 0).count();
        }
        out
    }

    pub fn get(&self, code: u8) -> Option<&SubOption> {
        self.items.iter().find(|s| s.code == code)
    }

    /// Re-emit the sub-options in their order (no pads, no end).
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        for s in &self.items {
            emit_tlv(s.code, &s.value, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{DecodeErrorKind, Field};

    #[test]
    fn keeps_unknown_codes_in_order_and_counts_pads() {
        let data = [0, 0xDC, 3, b'N', b'A', b'P', 1, 1, b'x', 255, 0, 0];
        let v = VendorOptions::parse(&data);
        let codes: Vec<u8> = v.items.iter().map(|s| s.code).collect();
        assert_eq!(codes, vec![0xDC, 1]);
        assert_eq!(v.items[0].offset, 1);
        assert_eq!((v.pads, v.end, v.trailing), (1, Some(9), 0));
        let mut out = Vec::new();
        v.emit(&mut out).unwrap();
        assert_eq!(out, &data[1..9]);
    }

    #[test]
    fn a_bad_length_stops_the_walk_with_what_came_before() {
        let v = VendorOptions::parse(&[1, 1, b'a', 5, 0x25, b'/']);
        assert_eq!(v.items.len(), 1);
        assert_eq!(
            v.error,
            Some(DecodeError::new(
                4,
                Field::SubOption { code: 5 },
                DecodeErrorKind::LengthPastEnd {
                    declared: 37,
                    available: 1
                }
            ))
        );
    }

    #[test]
    fn an_error_is_not_mistaken_for_trailing_bytes() {
        let v = VendorOptions::parse(&[1, 1, b'a', 5, 9, b'x']);
        assert_eq!((v.trailing, v.end), (0, None));
        assert!(v.error.is_some());
    }

    #[test]
    fn non_pad_bytes_after_end_are_counted() {
        let v = VendorOptions::parse(&[1, 1, b'a', 255, 7, 7]);
        assert_eq!(v.trailing, 2);
    }
}
