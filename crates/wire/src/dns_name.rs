//! RFC 1035 §3.1 domain names on the wire, with §4.1.4 compression, as option 120 carries them.
//!
//! Offsets in a compression pointer count from the first byte of the name area, which for
//! option 120 is the byte *after* the encoding byte (dnsmasq 2.90, ISC dhcpd 4.4.3 and
//! Wireshark 4.0 agree). Callers pass exactly that area.

use crate::error::{DecodeError, DecodeErrorKind, Field};
use crate::hostname::{validate_hostname, HostnameError};

/// Longest name on the wire, root label included.
pub const MAX_WIRE_LEN: usize = 255;
const POINTER: u8 = 0xC0;
const MAX_POINTER_TARGET: usize = 0x3FFF;

/// A name read from the wire, with where it sat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireName {
    /// Dotted text; `.` for the root name. Bytes outside `!`..`~`, and `.` or `\` inside a
    /// label, are escaped as `\DDD` so a strange label can never pass for a normal one.
    pub text: String,
    /// Offset of the name's first byte in the name area.
    pub offset: usize,
    /// Bytes the name occupies in place (up to and including its root label or pointer).
    pub wire_len: usize,
    /// Whether the name ends in a compression pointer.
    pub compressed: bool,
    /// Every label in reading order, pointers followed, with where its length byte sits.
    pub labels: Vec<Label>,
}

/// One label of a name as it sat on the wire: judges check its bytes and point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Label {
    /// Offset of the label's length byte in the name area.
    pub offset: usize,
    pub bytes: Vec<u8>,
}

/// Read the name that starts at `start` in `area`. Errors carry offsets within `area`.
pub fn read_name(area: &[u8], start: usize) -> Result<WireName, DecodeError> {
    let err = |offset, kind| DecodeError::new(offset, Field::SipServers, kind);
    let mut text = String::new();
    let mut pos = start;
    // Every pointer must land before everything this name has read so far; targets strictly
    // decrease, so a walk always ends and no loop can be built, however the bytes are arranged.
    let mut lowest_read = start;
    let mut end_in_place: Option<usize> = None;
    let mut compressed = false;
    let mut wire_len = 0usize;
    let mut labels = Vec::new();
    loop {
        let Some(&len_byte) = area.get(pos) else {
            return Err(err(pos, DecodeErrorKind::UnterminatedName));
        };
        match len_byte & POINTER {
            0 => {}
            POINTER => {
                let Some(&low) = area.get(pos + 1) else {
                    return Err(err(pos, DecodeErrorKind::TruncatedPointer));
                };
                let target = (usize::from(len_byte & 0x3F) << 8) | usize::from(low);
                if target >= lowest_read {
                    return Err(err(pos, DecodeErrorKind::ForwardPointer { target }));
                }
                if end_in_place.is_none() {
                    end_in_place = Some(pos + 2);
                    compressed = true;
                }
                lowest_read = target;
                pos = target;
                continue;
            }
            _ => {
                return Err(err(
                    pos,
                    DecodeErrorKind::ReservedLabelType { byte: len_byte },
                ))
            }
        }
        let len = usize::from(len_byte);
        wire_len += 1 + len;
        if wire_len > MAX_WIRE_LEN {
            return Err(err(pos, DecodeErrorKind::NameTooLong));
        }
        if len == 0 {
            end_in_place.get_or_insert(pos + 1);
            break;
        }
        let Some(label) = area.get(pos + 1..pos + 1 + len) else {
            return Err(err(pos, DecodeErrorKind::UnterminatedName));
        };
        if !text.is_empty() {
            text.push('.');
        }
        push_label_text(&mut text, label);
        labels.push(Label {
            offset: pos,
            bytes: label.to_vec(),
        });
        pos += 1 + len;
    }
    if text.is_empty() {
        text.push('.');
    }
    let end = end_in_place.unwrap_or(pos + 1);
    Ok(WireName {
        text,
        offset: start,
        wire_len: end - start,
        compressed,
        labels,
    })
}

fn push_label_text(text: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'.' | b'\\' => {
                text.push('\\');
                text.push(b as char);
            }
            0x21..=0x7E => text.push(b as char),
            _ => {
                text.push('\\');
                text.push_str(&format!("{b:03}"));
            }
        }
    }
}

/// Writes names into a name area, optionally compressing shared suffixes the way dnsmasq and
/// ISC dhcpd do: the longest suffix already written becomes a pointer to its first occurrence.
#[derive(Debug, Default)]
pub struct NameWriter {
    compress: bool,
    /// Every suffix written so far and where it starts. Matching is byte-exact, so a decoded name
    /// always reads back exactly as given.
    suffixes: Vec<(usize, String)>,
}

impl NameWriter {
    pub fn new(compress: bool) -> Self {
        NameWriter {
            compress,
            suffixes: Vec::new(),
        }
    }

    /// Append `name` to `area`. The name must be a valid RFC 1123 host name: nothing is ever
    /// truncated to fit.
    pub fn write(&mut self, name: &str, area: &mut Vec<u8>) -> Result<(), HostnameError> {
        validate_hostname(name)?;
        let labels: Vec<&str> = name.split('.').collect();
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".");
            if self.compress {
                if let Some((target, _)) = self.suffixes.iter().find(|(_, s)| *s == suffix) {
                    let target = *target;
                    area.push(POINTER | (target >> 8) as u8);
                    area.push((target & 0xFF) as u8);
                    return Ok(());
                }
            }
            let offset = area.len();
            if offset <= MAX_POINTER_TARGET {
                self.suffixes.push((offset, suffix));
            }
            let label = labels[i].as_bytes();
            // validate_hostname bounds every label to 63 bytes.
            area.push(label.len() as u8);
            area.extend_from_slice(label);
        }
        area.push(0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_all(names: &[&str], compress: bool) -> Vec<u8> {
        let mut w = NameWriter::new(compress);
        let mut area = Vec::new();
        for n in names {
            w.write(n, &mut area).unwrap();
        }
        area
    }

    #[test]
    fn uncompressed_name_is_labels_and_root() {
        assert_eq!(
            write_all(&["lync.schertz.local"], false),
            b"\x04lync\x07schertz\x05local\x00"
        );
    }

    #[test]
    fn compression_matches_dnsmasq_and_isc_bytes() {
        // docs/wire.md §4: both servers emit exactly this for two names sharing a suffix.
        let area = write_all(&["pool.contoso.com", "sip.contoso.com"], true);
        assert_eq!(
            area,
            b"\x04pool\x07contoso\x03com\x00\x03sip\xc0\x05".to_vec()
        );
        let second = read_name(&area, 18).unwrap();
        assert_eq!(second.text, "sip.contoso.com");
        assert!(second.compressed);
        assert_eq!(second.wire_len, 6);
    }

    #[test]
    fn reads_plain_name_with_its_extent() {
        let area = b"\x04lync\x07schertz\x05local\x00";
        let name = read_name(area, 0).unwrap();
        assert_eq!(
            name,
            WireName {
                text: "lync.schertz.local".into(),
                offset: 0,
                wire_len: 20,
                compressed: false,
                labels: vec![
                    Label {
                        offset: 0,
                        bytes: b"lync".to_vec()
                    },
                    Label {
                        offset: 5,
                        bytes: b"schertz".to_vec()
                    },
                    Label {
                        offset: 13,
                        bytes: b"local".to_vec()
                    },
                ],
            }
        );
        // A compressed name's labels are where the pointer led.
        let area = b"\x04pool\x07contoso\x03com\x00\x03sip\xc0\x05";
        let sip = read_name(area, 18).unwrap();
        let at: Vec<usize> = sip.labels.iter().map(|l| l.offset).collect();
        assert_eq!(at, [18, 5, 13]);
    }

    #[test]
    fn rejects_pointer_to_itself_and_forward() {
        let self_loop = [0xC0, 0x00];
        assert_eq!(
            read_name(&self_loop, 0).unwrap_err().kind,
            DecodeErrorKind::ForwardPointer { target: 0 }
        );
        let forward = [0xC0, 0x02, 0x01, b'a', 0x00];
        assert_eq!(
            read_name(&forward, 0).unwrap_err().kind,
            DecodeErrorKind::ForwardPointer { target: 2 }
        );
    }

    #[test]
    fn rejects_backward_loop() {
        // name at 0 reads "a", then a pointer at 2 back to 0: it would read "a" forever.
        let area = [0x01, b'a', 0xC0, 0x00];
        let err = read_name(&area, 0).unwrap_err();
        assert_eq!(err.offset, 2);
        assert_eq!(err.kind, DecodeErrorKind::ForwardPointer { target: 0 });
        // Through a second name: x -> pointer to 0 ("a" -> pointer to 0 again) is refused too.
        let area = [0x01, b'a', 0xC0, 0x04, 0x01, b'x', 0xC0, 0x00];
        assert!(read_name(&area, 4).is_err());
    }

    #[test]
    fn truncations_are_precise() {
        assert_eq!(
            read_name(&[0x04, b'l', b'y'], 0).unwrap_err(),
            DecodeError::new(0, Field::SipServers, DecodeErrorKind::UnterminatedName)
        );
        assert_eq!(
            read_name(&[0x01, b'a'], 0).unwrap_err(),
            DecodeError::new(2, Field::SipServers, DecodeErrorKind::UnterminatedName)
        );
        assert_eq!(
            read_name(&[0x00, 0xC0], 1).unwrap_err().kind,
            DecodeErrorKind::TruncatedPointer
        );
        assert_eq!(
            read_name(&[0x40, 0x00], 0).unwrap_err().kind,
            DecodeErrorKind::ReservedLabelType { byte: 0x40 }
        );
    }

    #[test]
    fn odd_bytes_are_escaped_not_hidden() {
        let name = read_name(b"\x03a.b\x02\x01z\x00", 0).unwrap();
        assert_eq!(name.text, "a\\.b.\\001z");
    }

    #[test]
    fn too_long_name_is_refused() {
        let mut area = Vec::new();
        for _ in 0..5 {
            area.push(63);
            area.extend_from_slice(&[b'a'; 63]);
        }
        area.push(0);
        assert_eq!(
            read_name(&area, 0).unwrap_err().kind,
            DecodeErrorKind::NameTooLong
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_or_loops(area in proptest::collection::vec(proptest::num::u8::ANY, 0..300), start in 0usize..300) {
            let _ = read_name(&area, start);
        }
    }
}
