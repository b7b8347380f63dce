//! Option 120, SIP servers (RFC 3361): an encoding byte, then DNS names (0) or IPv4
//! addresses (1). Never both: a server MUST NOT mix encodings.

use std::net::Ipv4Addr;

use crate::dns_name::{read_name, Label, NameWriter};
use crate::error::{DecodeError, DecodeErrorKind, Field};
use crate::hostname::HostnameError;

pub const CODE: u8 = 120;
pub const ENCODING_NAMES: u8 = 0;
pub const ENCODING_ADDRESSES: u8 = 1;

/// The option's meaning, without wire layout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "encoding", content = "servers", rename_all = "snake_case")
)]
pub enum SipServers {
    Names(Vec<String>),
    Addresses(Vec<Ipv4Addr>),
}

/// Whether to share name suffixes through compression pointers when emitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Every name in full: what DHCPUtil writes, and what every client reads.
    #[default]
    Off,
    /// Suffixes shared as dnsmasq and ISC dhcpd do; the bytes match theirs.
    On,
}

/// One server as it sat in the option, for annotated output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SipServerEntry {
    /// Offset from the start of the option data (the encoding byte is offset 0).
    pub offset: usize,
    /// Bytes the entry occupies in place.
    pub wire_len: usize,
    /// The name or address as text.
    pub text: String,
    /// Whether this name ends in a compression pointer.
    pub compressed: bool,
    /// The name's labels, offsets from the start of the option data; empty for addresses.
    pub labels: Vec<Label>,
}

/// Decoded option 120 with every entry's position.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SipServersDetail {
    pub encoding: u8,
    pub entries: Vec<SipServerEntry>,
}

impl SipServersDetail {
    pub fn servers(&self) -> SipServers {
        if self.encoding == ENCODING_ADDRESSES {
            SipServers::Addresses(
                self.entries
                    .iter()
                    .filter_map(|e| e.text.parse().ok())
                    .collect(),
            )
        } else {
            SipServers::Names(self.entries.iter().map(|e| e.text.clone()).collect())
        }
    }
}

/// Decode option 120's data (encoding byte first). Error offsets count from that byte.
pub fn parse_detail(data: &[u8]) -> Result<SipServersDetail, DecodeError> {
    let err = |offset, kind| DecodeError::new(offset, Field::SipServers, kind);
    let Some((&encoding, rest)) = data.split_first() else {
        return Err(err(0, DecodeErrorKind::EmptySipServers));
    };
    if rest.is_empty() && encoding <= ENCODING_ADDRESSES {
        return Err(err(0, DecodeErrorKind::EmptyServerList));
    }
    let mut entries = Vec::new();
    match encoding {
        ENCODING_NAMES => {
            let mut pos = 0;
            while pos < rest.len() {
                let name = read_name(rest, pos).map_err(|e| e.shifted(1))?;
                entries.push(SipServerEntry {
                    offset: pos + 1,
                    wire_len: name.wire_len,
                    text: name.text,
                    compressed: name.compressed,
                    labels: name
                        .labels
                        .into_iter()
                        .map(|l| Label {
                            offset: l.offset + 1,
                            bytes: l.bytes,
                        })
                        .collect(),
                });
                pos += name.wire_len;
            }
        }
        ENCODING_ADDRESSES => {
            if !rest.len().is_multiple_of(4) {
                return Err(err(
                    1 + rest.len() - rest.len() % 4,
                    DecodeErrorKind::AddressListLength { len: rest.len() },
                ));
            }
            for (i, quad) in rest.chunks_exact(4).enumerate() {
                entries.push(SipServerEntry {
                    offset: 1 + 4 * i,
                    wire_len: 4,
                    text: Ipv4Addr::new(quad[0], quad[1], quad[2], quad[3]).to_string(),
                    compressed: false,
                    labels: Vec::new(),
                });
            }
        }
        other => return Err(err(0, DecodeErrorKind::UnknownEncoding { encoding: other })),
    }
    Ok(SipServersDetail { encoding, entries })
}

impl SipServers {
    /// Decode option 120's data.
    pub fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        parse_detail(data).map(|d| d.servers())
    }

    /// Append option 120's data (encoding byte first). May exceed 255 bytes; the option
    /// writer splits it per RFC 3396.
    pub fn emit(&self, compression: Compression, out: &mut Vec<u8>) -> Result<(), SipServersError> {
        match self {
            SipServers::Names(names) => {
                if names.is_empty() {
                    return Err(SipServersError::Empty);
                }
                out.push(ENCODING_NAMES);
                let mut area = Vec::new();
                let mut writer = NameWriter::new(compression == Compression::On);
                for name in names {
                    writer
                        .write(name, &mut area)
                        .map_err(|source| SipServersError::Name {
                            name: name.clone(),
                            source,
                        })?;
                }
                out.extend_from_slice(&area);
            }
            SipServers::Addresses(addrs) => {
                if addrs.is_empty() {
                    return Err(SipServersError::Empty);
                }
                out.push(ENCODING_ADDRESSES);
                for a in addrs {
                    out.extend_from_slice(&a.octets());
                }
            }
        }
        Ok(())
    }

    pub fn to_bytes(&self, compression: Compression) -> Result<Vec<u8>, SipServersError> {
        let mut out = Vec::new();
        self.emit(compression, &mut out)?;
        Ok(out)
    }
}

/// Why option 120 could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SipServersError {
    #[error("option 120 needs at least one SIP server")]
    Empty,
    #[error("SIP server {name:?}: {source}")]
    Name {
        name: String,
        #[source]
        source: HostnameError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> SipServers {
        SipServers::Names(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn dhcputil_form_is_len_plus_three() {
        let bytes = names(&["lync.schertz.local"])
            .to_bytes(Compression::Off)
            .unwrap();
        assert_eq!(bytes, b"\x00\x04lync\x07schertz\x05local\x00");
        assert_eq!(bytes.len(), "lync.schertz.local".len() + 3);
    }

    #[test]
    fn compressed_two_names_match_peers() {
        let bytes = names(&["pool.contoso.com", "sip.contoso.com"])
            .to_bytes(Compression::On)
            .unwrap();
        assert_eq!(
            bytes,
            b"\x00\x04pool\x07contoso\x03com\x00\x03sip\xc0\x05".to_vec()
        );
        assert_eq!(bytes.len(), 25);
        assert_eq!(
            SipServers::parse(&bytes).unwrap(),
            names(&["pool.contoso.com", "sip.contoso.com"])
        );
    }

    #[test]
    fn detail_reports_offsets_from_encoding_byte() {
        let d = parse_detail(b"\x00\x04pool\x07contoso\x03com\x00\x03sip\xc0\x05").unwrap();
        assert_eq!(d.entries[0].offset, 1);
        assert_eq!(d.entries[1].offset, 19);
        assert!(d.entries[1].compressed);
    }

    #[test]
    fn addresses_round_trip() {
        let s = SipServers::Addresses(vec![
            Ipv4Addr::new(192, 0, 2, 5),
            Ipv4Addr::new(192, 0, 2, 6),
        ]);
        let bytes = s.to_bytes(Compression::Off).unwrap();
        assert_eq!(bytes, [1, 192, 0, 2, 5, 192, 0, 2, 6]);
        assert_eq!(SipServers::parse(&bytes).unwrap(), s);
    }

    #[test]
    fn errors_point_into_the_option() {
        assert_eq!(
            SipServers::parse(&[]).unwrap_err().kind,
            DecodeErrorKind::EmptySipServers
        );
        assert_eq!(
            SipServers::parse(&[0]).unwrap_err().kind,
            DecodeErrorKind::EmptyServerList
        );
        assert_eq!(
            SipServers::parse(&[2, 1]).unwrap_err().kind,
            DecodeErrorKind::UnknownEncoding { encoding: 2 }
        );
        assert_eq!(
            SipServers::parse(&[1, 192, 0, 2, 5, 7]).unwrap_err(),
            DecodeError::new(
                5,
                Field::SipServers,
                DecodeErrorKind::AddressListLength { len: 5 }
            )
        );
        // Name runs off the end: reported at the label that does not fit, counted with the
        // encoding byte.
        assert_eq!(
            SipServers::parse(b"\x00\x04lync\x07sch").unwrap_err(),
            DecodeError::new(6, Field::SipServers, DecodeErrorKind::UnterminatedName)
        );
        // A pointer must point back, and the base is the byte after the encoding byte.
        assert_eq!(
            SipServers::parse(&[0, 0xC0, 0x00]).unwrap_err(),
            DecodeError::new(
                1,
                Field::SipServers,
                DecodeErrorKind::ForwardPointer { target: 0 }
            )
        );
    }

    #[test]
    fn emit_refuses_bad_names_and_empty_lists() {
        assert_eq!(
            names(&[]).to_bytes(Compression::Off),
            Err(SipServersError::Empty)
        );
        assert!(matches!(
            names(&["bad_name.example"]).to_bytes(Compression::Off),
            Err(SipServersError::Name { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_detail(&data);
        }

        #[test]
        fn names_round_trip_either_way(
            list in proptest::collection::vec("[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9]{0,10}){0,3}", 1..5),
            compress in proptest::bool::ANY,
        ) {
            let s = SipServers::Names(list);
            let c = if compress { Compression::On } else { Compression::Off };
            let bytes = s.to_bytes(c).unwrap();
            proptest::prop_assert_eq!(SipServers::parse(&bytes).unwrap(), s);
        }
    }
}
