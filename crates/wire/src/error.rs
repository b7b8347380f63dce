//! Decode errors that say what was wrong, where, and how to fix it.
//!
//! Every error carries the byte offset at which the problem starts, counted from the first byte
//! of the buffer the caller handed in. Callers that decode a slice of a larger buffer rebase the
//! offset with [`DecodeError::shifted`] so the user always sees positions in *their* dump.

use core::fmt;

/// Which structure a problem was found in. Kept small and `Copy` so errors stay cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Field {
    /// A DHCP option in the options field (or `file`/`sname` when overloaded).
    Option { code: u8 },
    /// A sub-option inside option 43.
    SubOption { code: u8 },
    /// The data of option 120.
    SipServers,
    /// The fixed BOOTP header of a DHCP message.
    Header,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Option { code } => write!(f, "option {code}"),
            Field::SubOption { code } => write!(f, "sub-option {code}"),
            Field::SipServers => f.write_str("option 120"),
            Field::Header => f.write_str("DHCP header"),
        }
    }
}

/// What exactly was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum DecodeErrorKind {
    /// A code byte is the last byte: its length byte is missing.
    MissingLength,
    /// A length byte claims more bytes than remain.
    LengthPastEnd { declared: usize, available: usize },
    /// Option 120 with no data at all (not even the encoding byte).
    EmptySipServers,
    /// Option 120 encoding byte other than 0 (names) or 1 (addresses).
    UnknownEncoding { encoding: u8 },
    /// Option 120 encoding 1 whose address list is not a whole number of 4-byte addresses.
    AddressListLength { len: usize },
    /// Option 120 carries an encoding byte and nothing else.
    EmptyServerList,
    /// A label length byte with the reserved top bits `01` or `10` (RFC 1035 §4.1.4, RFC 6891).
    ReservedLabelType { byte: u8 },
    /// A name runs off the end of the data without its root label.
    UnterminatedName,
    /// A name longer than 255 bytes on the wire (RFC 1035 §2.3.4).
    NameTooLong,
    /// A compression pointer split across the end of the data.
    TruncatedPointer,
    /// A compression pointer to itself or further on: that is how loops are built.
    ForwardPointer { target: usize },
    /// A DHCP message shorter than the fixed header plus the magic cookie.
    MessageTooShort { len: usize },
    /// The 4 bytes after the fixed header are not `63 82 53 63`.
    BadMagicCookie { found: [u8; 4] },
    /// The options field ends without option 255.
    MissingEnd,
    /// Option 52 (overload) with a value other than 1, 2 or 3, or a wrong length.
    BadOverload,
}

/// A decode failure at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DecodeError {
    /// Offset of the first offending byte, from the start of the caller's buffer.
    pub offset: usize,
    /// The structure being decoded.
    pub field: Field,
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    pub const fn new(offset: usize, field: Field, kind: DecodeErrorKind) -> Self {
        DecodeError {
            offset,
            field,
            kind,
        }
    }

    /// The same error with its offset moved by `base` bytes, for data that sits inside a
    /// larger buffer (option data inside a DHCP message, option 43 after its `2B LL` header).
    #[must_use]
    pub const fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }

    /// A sentence telling the user how to repair the input.
    pub fn fix(&self) -> &'static str {
        use DecodeErrorKind::*;
        match self.kind {
            MissingLength => "the dump ends after a code byte; paste the complete option",
            LengthPastEnd { .. } => match self.field {
                Field::SubOption { .. } => {
                    "the value is shorter than its length byte says: it was cut (Cisco IOS \
                     truncates `option 43 hex` at 180 hex digits) or the length was miscounted; \
                     regenerate it with `ucprov encode`"
                }
                _ => "the data is shorter than its length byte says; paste the complete option",
            },
            EmptySipServers => "option 120 needs an encoding byte (0 for names, 1 for addresses)",
            UnknownEncoding { .. } => {
                "RFC 3361 defines encoding 0 (DNS names) and 1 (IPv4 addresses); Lync needs 0"
            }
            AddressListLength { .. } => "encoding 1 carries whole IPv4 addresses, 4 bytes each",
            EmptyServerList => "add at least one SIP server after the encoding byte",
            ReservedLabelType { .. } => {
                "label lengths are 0-63; 0xC0 and above start a compression pointer"
            }
            UnterminatedName => "every name ends with the root label 00",
            NameTooLong => "a DNS name is at most 255 bytes on the wire",
            TruncatedPointer => "a compression pointer is two bytes (C0 xx)",
            ForwardPointer { .. } => {
                "compression pointers must point back to an earlier name (RFC 1035 §4.1.4)"
            }
            MessageTooShort { .. } => "a DHCP message has 236 header bytes and the magic cookie",
            BadMagicCookie { .. } => "DHCP options start with the magic cookie 63 82 53 63",
            MissingEnd => "the options field must end with option 255",
            BadOverload => "option 52 is one byte: 1 (file), 2 (sname) or 3 (both)",
        }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeErrorKind::*;
        match self {
            MissingLength => f.write_str("length byte missing"),
            LengthPastEnd {
                declared,
                available,
            } => write!(
                f,
                "length {declared} (0x{declared:02X}) runs past the end: only {available} bytes remain"
            ),
            EmptySipServers => f.write_str("no data"),
            UnknownEncoding { encoding } => write!(f, "unknown encoding byte 0x{encoding:02X}"),
            AddressListLength { len } => {
                write!(f, "{len} address bytes is not a multiple of 4")
            }
            EmptyServerList => f.write_str("encoding byte but no servers"),
            ReservedLabelType { byte } => write!(f, "label length 0x{byte:02X} uses a reserved label type"),
            UnterminatedName => f.write_str("name has no root label (00) before the end"),
            NameTooLong => f.write_str("name longer than 255 bytes"),
            TruncatedPointer => f.write_str("compression pointer cut off"),
            ForwardPointer { target } => write!(
                f,
                "compression pointer to offset {target} does not point backwards"
            ),
            MessageTooShort { len } => write!(f, "message is {len} bytes, shorter than 240"),
            BadMagicCookie { found } => write!(
                f,
                "magic cookie is {:02X} {:02X} {:02X} {:02X}",
                found[0], found[1], found[2], found[3]
            ),
            MissingEnd => f.write_str("no end option (255)"),
            BadOverload => f.write_str("malformed option 52 (overload)"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}: {}", self.offset, self.field, self.kind)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_offset_field_and_problem() {
        let e = DecodeError::new(
            48,
            Field::SubOption { code: 5 },
            DecodeErrorKind::LengthPastEnd {
                declared: 37,
                available: 33,
            },
        );
        assert_eq!(
            e.to_string(),
            "byte 48: sub-option 5: length 37 (0x25) runs past the end: only 33 bytes remain"
        );
        assert!(e.fix().contains("180 hex digits"));
    }

    #[test]
    fn every_kind_has_its_wording_and_a_fix() {
        use DecodeErrorKind::*;
        let cases = [
            (MissingLength, "length byte missing"),
            (
                LengthPastEnd {
                    declared: 9,
                    available: 3,
                },
                "length 9 (0x09) runs past the end: only 3 bytes remain",
            ),
            (EmptySipServers, "no data"),
            (
                UnknownEncoding { encoding: 2 },
                "unknown encoding byte 0x02",
            ),
            (
                AddressListLength { len: 5 },
                "5 address bytes is not a multiple of 4",
            ),
            (EmptyServerList, "encoding byte but no servers"),
            (
                ReservedLabelType { byte: 0x40 },
                "label length 0x40 uses a reserved label type",
            ),
            (
                UnterminatedName,
                "name has no root label (00) before the end",
            ),
            (NameTooLong, "name longer than 255 bytes"),
            (TruncatedPointer, "compression pointer cut off"),
            (
                ForwardPointer { target: 7 },
                "compression pointer to offset 7 does not point backwards",
            ),
            (
                MessageTooShort { len: 9 },
                "message is 9 bytes, shorter than 240",
            ),
            (
                BadMagicCookie {
                    found: [1, 2, 3, 4],
                },
                "magic cookie is 01 02 03 04",
            ),
            (MissingEnd, "no end option (255)"),
            (BadOverload, "malformed option 52 (overload)"),
        ];
        for (kind, wording) in cases {
            let e = DecodeError::new(12, Field::Option { code: 43 }, kind);
            assert_eq!(e.to_string(), format!("byte 12: option 43: {wording}"));
            assert!(!e.fix().is_empty());
        }
        assert_eq!(Field::Header.to_string(), "DHCP header");
        assert_eq!(Field::SipServers.to_string(), "option 120");
        assert_eq!(Field::SubOption { code: 5 }.to_string(), "sub-option 5");
    }

    #[test]
    fn shifted_rebases_offset() {
        let e = DecodeError::new(3, Field::SipServers, DecodeErrorKind::UnterminatedName);
        assert_eq!(e.shifted(2).offset, 5);
    }
}
