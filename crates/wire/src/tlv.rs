//! The `code(1) len(1) value(len)` layout shared by DHCP options (RFC 2132 §2) and the
//! vendor sub-options inside option 43 (RFC 2132 §8.4). Code 0 is a one-byte pad, code 255 ends
//! the list. The walker borrows, never allocates, and never reads past a bad length.

use crate::error::{DecodeError, DecodeErrorKind, Field};

pub const PAD: u8 = 0;
pub const END: u8 = 255;
/// The most a single TLV can carry; longer values need RFC 3396 splitting.
pub const MAX_VALUE_LEN: usize = 255;

/// Which layer a TLV list belongs to, so errors name an option or a sub-option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Options,
    SubOptions,
}

impl Layer {
    fn field(self, code: u8) -> Field {
        match self {
            Layer::Options => Field::Option { code },
            Layer::SubOptions => Field::SubOption { code },
        }
    }
}

/// One item of a TLV list. `offset` is where its code byte sits in the walked buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlv<'a> {
    Pad {
        offset: usize,
    },
    End {
        offset: usize,
    },
    Data {
        offset: usize,
        code: u8,
        value: &'a [u8],
    },
}

/// Walks a TLV list. Yields the first error and then stops: nothing after a bad length can be
/// trusted, because the length is what tells where the next code is.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    data: &'a [u8],
    pos: usize,
    layer: Layer,
    stopped: bool,
}

impl<'a> TlvIter<'a> {
    pub fn new(data: &'a [u8], layer: Layer) -> Self {
        TlvIter {
            data,
            pos: 0,
            layer,
            stopped: false,
        }
    }

    /// The bytes after an end option (normally pads), once the walk has reached it.
    pub fn remainder(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        let offset = self.pos;
        let code = *self.data.get(offset)?;
        match code {
            PAD => {
                self.pos += 1;
                Some(Ok(Tlv::Pad { offset }))
            }
            END => {
                self.pos += 1;
                self.stopped = true;
                Some(Ok(Tlv::End { offset }))
            }
            _ => {
                self.stopped = true;
                let field = self.layer.field(code);
                let Some(&len) = self.data.get(offset + 1) else {
                    return Some(Err(DecodeError::new(
                        offset,
                        field,
                        DecodeErrorKind::MissingLength,
                    )));
                };
                let start = offset + 2;
                let declared = usize::from(len);
                let Some(value) = self.data.get(start..start + declared) else {
                    return Some(Err(DecodeError::new(
                        offset + 1,
                        field,
                        DecodeErrorKind::LengthPastEnd {
                            declared,
                            available: self.data.len() - start,
                        },
                    )));
                };
                self.pos = start + declared;
                self.stopped = false;
                Some(Ok(Tlv::Data {
                    offset,
                    code,
                    value,
                }))
            }
        }
    }
}

/// Why a TLV could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("code {code} is reserved (0 is pad, 255 is end); pick a code from 1 to 254")]
    ReservedCode { code: u8 },
    #[error(
        "value of code {code} is {len} bytes; one TLV holds at most 255 (shorten it, or split the option per RFC 3396)"
    )]
    ValueTooLong { code: u8, len: usize },
}

/// Append one TLV. Refuses what cannot be represented instead of truncating it.
pub fn emit_tlv(code: u8, value: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if code == PAD || code == END {
        return Err(EncodeError::ReservedCode { code });
    }
    let len = u8::try_from(value.len()).map_err(|_| EncodeError::ValueTooLong {
        code,
        len: value.len(),
    })?;
    out.reserve(2 + value.len());
    out.push(code);
    out.push(len);
    out.extend_from_slice(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(data: &[u8]) -> Vec<Result<Tlv<'_>, DecodeError>> {
        TlvIter::new(data, Layer::SubOptions).collect()
    }

    #[test]
    fn walks_pad_data_end_in_order() {
        let data = [0, 1, 2, b'h', b'i', 255, 0, 0];
        let items = walk(&data);
        assert_eq!(
            items,
            vec![
                Ok(Tlv::Pad { offset: 0 }),
                Ok(Tlv::Data {
                    offset: 1,
                    code: 1,
                    value: b"hi"
                }),
                Ok(Tlv::End { offset: 5 }),
            ]
        );
    }

    #[test]
    fn end_is_optional() {
        assert_eq!(walk(&[3, 1, b'x']).len(), 1);
    }

    #[test]
    fn zero_length_value_is_fine() {
        assert_eq!(
            walk(&[7, 0]),
            vec![Ok(Tlv::Data {
                offset: 0,
                code: 7,
                value: b""
            })]
        );
    }

    #[test]
    fn length_past_end_points_at_the_length_byte_and_stops() {
        let data = [1, 2, b'o', b'k', 5, 9, b'a', b'b', b'c'];
        let items = walk(&data);
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[1],
            Err(DecodeError::new(
                5,
                Field::SubOption { code: 5 },
                DecodeErrorKind::LengthPastEnd {
                    declared: 9,
                    available: 3
                }
            ))
        );
    }

    #[test]
    fn missing_length_points_at_the_code() {
        let items: Vec<_> = TlvIter::new(&[1, 0, 43], Layer::Options).collect();
        assert_eq!(
            items[1],
            Err(DecodeError::new(
                2,
                Field::Option { code: 43 },
                DecodeErrorKind::MissingLength
            ))
        );
    }

    #[test]
    fn emit_refuses_reserved_codes_and_long_values() {
        let mut out = Vec::new();
        assert_eq!(
            emit_tlv(0, b"", &mut out),
            Err(EncodeError::ReservedCode { code: 0 })
        );
        assert_eq!(
            emit_tlv(3, &[0; 256], &mut out),
            Err(EncodeError::ValueTooLong { code: 3, len: 256 })
        );
        assert!(out.is_empty());
        emit_tlv(3, &[0xAA; 255], &mut out).unwrap();
        assert_eq!(&out[..2], &[3, 255]);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_walk_without_panic_and_stay_in_bounds(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            for item in TlvIter::new(&data, Layer::Options) {
                match item {
                    Ok(Tlv::Data { offset, value, .. }) => proptest::prop_assert!(offset + 2 + value.len() <= data.len()),
                    Ok(_) => {}
                    Err(e) => proptest::prop_assert!(e.offset < data.len()),
                }
            }
        }
    }
}
