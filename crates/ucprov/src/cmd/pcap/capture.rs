//! From a capture file to the UDP datagrams on the DHCP ports.
//!
//! `pcap-parser` frames the records (classic pcap in either byte order, micro- or nanosecond
//! stamps, and pcapng sections of either byte order); `etherparse` peels the link, VLAN, IPv4
//! and UDP headers. Nothing here reads DHCP: payloads go to `ucprov-wire` untouched.
//!
//! The whole file is held in memory: DHCP captures are small, and one slice lets every error
//! name its byte offset in the file.

use std::net::SocketAddrV4;

use etherparse::{EtherType, LinkExtSlice, NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::nom;
use pcap_parser::pcapng::Block;
use pcap_parser::{Linktype, PcapError};
use serde::Serialize;

/// DHCP server and client ports (RFC 2131 §4.1).
pub const SERVER_PORT: u16 = 67;
pub const CLIENT_PORT: u16 = 68;

/// The SLL2 header is fixed at 20 bytes; its first two bytes are the EtherType.
const SLL2_HEADER_LEN: usize = 20;

const PCAPNG_SHB: [u8; 4] = [0x0A, 0x0D, 0x0D, 0x0A];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pcap,
    Pcapng,
}

/// Seconds and nanoseconds since the Unix epoch, as the capture recorded them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Timestamp {
    pub secs: u64,
    pub nanos: u32,
}

impl Timestamp {
    /// Seconds from `earlier` to `self`, for the "time since the first frame" column.
    pub fn since(self, earlier: Timestamp) -> f64 {
        // In integer nanoseconds first: epoch seconds as f64 would eat the microseconds.
        let nanos = |t: Timestamp| i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos);
        (nanos(self) - nanos(earlier)) as f64 / 1e9
    }

    /// `units` ticks of `1/per_second` each, plus whole seconds of `offset`. Saturating: a
    /// corrupt stamp must show as a strange time, never as a panic.
    fn from_ticks(units: u64, per_second: u64, offset: i64) -> Self {
        let per_second = per_second.max(1);
        let secs = (units / per_second).saturating_add_signed(offset);
        let frac = u128::from(units % per_second) * 1_000_000_000 / u128::from(per_second);
        Timestamp {
            secs,
            nanos: u32::try_from(frac).unwrap_or(999_999_999),
        }
    }
}

/// A UDP datagram to or from a DHCP port, with where and when it was seen.
#[derive(Debug, Clone)]
pub struct Datagram<'a> {
    /// 1-based, counting every packet record, as Wireshark numbers frames.
    pub frame: u64,
    pub time: Timestamp,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    /// The innermost 802.1Q tag, when the frame carried one.
    pub vlan: Option<u16>,
    pub payload: &'a [u8],
}

/// A frame that could not be followed down to UDP, or could not be reassembled.
#[derive(Debug, Clone, Serialize)]
pub struct FrameNote {
    pub frame: u64,
    pub message: String,
}

/// The capture's framing could not be read past some point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("not a pcap or pcapng file: it starts with {found} (pcap starts with A1B2C3D4 or D4C3B2A1, pcapng with 0A0D0D0A)")]
    NotACapture { found: String },
    #[error("{unit} {number} at byte {offset} is cut short: the file ends before the {unit} does (a capture still being written, or a truncated copy)")]
    Truncated {
        unit: &'static str,
        number: u64,
        offset: usize,
    },
    #[error("{unit} {number} at byte {offset} is corrupt: {detail}")]
    Corrupt {
        unit: &'static str,
        number: u64,
        offset: usize,
        detail: String,
    },
}

/// Everything read from one file: the DHCP-port datagrams, and what was skipped and why.
#[derive(Debug, Clone)]
pub struct Capture<'a> {
    pub format: Format,
    /// Link types in use, in order of first appearance (one for pcap, one per interface for
    /// pcapng).
    pub link_types: Vec<u16>,
    /// Packet records read.
    pub frames: u64,
    pub first_time: Option<Timestamp>,
    pub datagrams: Vec<Datagram<'a>>,
    /// Frames on the DHCP ports, or possibly so, that could not be read to their payload.
    pub notes: Vec<FrameNote>,
    /// Frames on link types this reader does not follow, by link type.
    pub unsupported: Vec<(u16, u64)>,
    /// Where reading stopped early. What was read before it is still reported.
    pub error: Option<CaptureError>,
}

impl<'a> Capture<'a> {
    fn new(format: Format) -> Self {
        Capture {
            format,
            link_types: Vec::new(),
            frames: 0,
            first_time: None,
            datagrams: Vec::new(),
            notes: Vec::new(),
            unsupported: Vec::new(),
            error: None,
        }
    }

    fn note_link_type(&mut self, link: Linktype) {
        let lt = link_type_number(link);
        if !self.link_types.contains(&lt) {
            self.link_types.push(lt);
        }
    }

    /// One packet record: count it, then follow its link layer down to UDP.
    fn frame(&mut self, link: Linktype, time: Timestamp, data: &'a [u8], origlen: u32) {
        self.frames += 1;
        let frame = self.frames;
        self.first_time.get_or_insert(time);
        let sliced = match link {
            Linktype::ETHERNET => SlicedPacket::from_ethernet(data),
            Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data),
            Linktype::LINUX_SLL2 => match data {
                [a, b, ..] if data.len() >= SLL2_HEADER_LEN => SlicedPacket::from_ether_type(
                    EtherType(u16::from_be_bytes([*a, *b])),
                    &data[SLL2_HEADER_LEN..],
                ),
                _ => {
                    self.notes.push(FrameNote {
                        frame,
                        message: format!(
                            "{} bytes: shorter than the 20-byte Linux cooked (SLL2) header",
                            data.len()
                        ),
                    });
                    return;
                }
            },
            Linktype::RAW | Linktype::IPV4 => SlicedPacket::from_ip(data),
            other => {
                let lt = link_type_number(other);
                match self.unsupported.iter_mut().find(|(t, _)| *t == lt) {
                    Some((_, n)) => *n += 1,
                    None => self.unsupported.push((lt, 1)),
                }
                return;
            }
        };
        let packet = match sliced {
            Ok(p) => p,
            Err(e) => {
                let cut = usize::try_from(origlen).is_ok_and(|o| o > data.len());
                self.notes.push(FrameNote {
                    frame,
                    message: if cut {
                        format!("captured {} of {origlen} bytes (snap length), so its headers could not be read: {e}", data.len())
                    } else {
                        format!("link/IP/UDP headers could not be read: {e}")
                    },
                });
                return;
            }
        };
        let vlan = packet.link_exts.iter().rev().find_map(|x| match x {
            LinkExtSlice::Vlan(v) => Some(v.vlan_identifier().value()),
            LinkExtSlice::Macsec(_) => None,
        });
        let Some(NetSlice::Ipv4(ip)) = &packet.net else {
            return;
        };
        let header = ip.header();
        if ip.is_payload_fragmented() {
            // Only UDP fragments can hold DHCP; etherparse leaves the transport unread.
            if header.protocol() == etherparse::IpNumber::UDP {
                self.notes.push(FrameNote {
                    frame,
                    message: format!(
                        "IPv4 fragment {} -> {} (id {}, offset {} bytes): fragments are not reassembled, so a DHCP message split across them is not decoded",
                        header.source_addr(),
                        header.destination_addr(),
                        header.identification(),
                        u32::from(header.fragments_offset().value()) * 8,
                    ),
                });
            }
            return;
        }
        let Some(TransportSlice::Udp(udp)) = &packet.transport else {
            return;
        };
        let (sport, dport) = (udp.source_port(), udp.destination_port());
        let dhcp_port = |p: u16| p == SERVER_PORT || p == CLIENT_PORT;
        if !dhcp_port(sport) && !dhcp_port(dport) {
            return;
        }
        self.datagrams.push(Datagram {
            frame,
            time,
            src: SocketAddrV4::new(header.source_addr(), sport),
            dst: SocketAddrV4::new(header.destination_addr(), dport),
            vlan,
            payload: udp.payload(),
        });
    }
}

fn link_type_number(link: Linktype) -> u16 {
    u16::try_from(link.0).unwrap_or(u16::MAX)
}

/// Human name of a link type number, for the report.
pub fn link_type_name(lt: u16) -> String {
    match i32::from(lt) {
        x if x == Linktype::ETHERNET.0 => "Ethernet".into(),
        x if x == Linktype::LINUX_SLL.0 => "Linux cooked (SLL)".into(),
        x if x == Linktype::LINUX_SLL2.0 => "Linux cooked v2 (SLL2)".into(),
        x if x == Linktype::RAW.0 => "raw IP".into(),
        x if x == Linktype::IPV4.0 => "raw IPv4".into(),
        _ => format!("link type {lt}"),
    }
}

/// Read `data` as a pcap or pcapng file. Fails only when the file is not a capture at all;
/// a capture that breaks off later keeps what came before in [`Capture::error`].
pub fn read(data: &[u8]) -> Result<Capture<'_>, CaptureError> {
    match data.get(..4) {
        Some(m) if m == PCAPNG_SHB => Ok(read_pcapng(data)),
        Some([0xA1, 0xB2, 0xC3, 0xD4] | [0xD4, 0xC3, 0xB2, 0xA1])
        | Some([0xA1, 0xB2, 0x3C, 0x4D] | [0x4D, 0x3C, 0xB2, 0xA1])
        | Some([0x34, 0xCD, 0xB2, 0xA1]) => read_pcap(data),
        _ => Err(CaptureError::NotACapture {
            found: if data.is_empty() {
                "nothing (the file is empty)".into()
            } else {
                data.iter()
                    .take(4)
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>()
            },
        }),
    }
}

fn describe(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "the file ends inside it".into(),
        nom::Err::Error(p) | nom::Err::Failure(p) => match p {
            PcapError::NomError(_, kind) => format!("its framing does not parse ({kind:?})"),
            PcapError::HeaderNotRecognized => "unrecognised header".into(),
            other => format!("{other:?}"),
        },
    }
}

fn stop(
    e: &nom::Err<PcapError<&[u8]>>,
    unit: &'static str,
    number: u64,
    offset: usize,
) -> CaptureError {
    match e {
        nom::Err::Incomplete(_) => CaptureError::Truncated {
            unit,
            number,
            offset,
        },
        _ => CaptureError::Corrupt {
            unit,
            number,
            offset,
            detail: describe(e),
        },
    }
}

fn read_pcap(data: &[u8]) -> Result<Capture<'_>, CaptureError> {
    let (mut rest, header) = pcap_parser::parse_pcap_header(data).map_err(|e| match e {
        nom::Err::Incomplete(_) => CaptureError::Truncated {
            unit: "pcap global header",
            number: 1,
            offset: 0,
        },
        other => CaptureError::Corrupt {
            unit: "pcap global header",
            number: 1,
            offset: 0,
            detail: describe(&other),
        },
    })?;
    let mut capture = Capture::new(Format::Pcap);
    capture.note_link_type(header.network);
    let per_second = if header.is_nanosecond_precision() {
        1_000_000_000
    } else {
        1_000_000
    };
    let parse = if header.is_modified_format() {
        pcap_parser::parse_pcap_frame_modified
    } else if header.is_bigendian() {
        pcap_parser::parse_pcap_frame_be
    } else {
        pcap_parser::parse_pcap_frame
    };
    let mut record = 0u64;
    while !rest.is_empty() {
        record += 1;
        let offset = data.len() - rest.len();
        match parse(rest) {
            Ok((next, block)) => {
                let time = Timestamp::from_ticks(
                    u64::from(block.ts_usec),
                    per_second,
                    i64::from(block.ts_sec),
                );
                // `ts_usec` may exceed one second in odd writers; from_ticks carries it over.
                capture.frame(header.network, time, block.data, block.origlen);
                rest = next;
            }
            Err(e) => {
                capture.error = Some(stop(&e, "record", record, offset));
                break;
            }
        }
    }
    Ok(capture)
}

/// What a pcapng section says about one interface.
struct Interface {
    link: Linktype,
    per_second: u64,
    offset: i64,
}

/// `if_tsresol`: bit 7 picks a power of two, otherwise a power of ten (pcapng §4.2). Read
/// here rather than through `build_ts_resolution`, which rejects every power-of-two value.
fn resolution(tsresol: u8) -> u64 {
    let exp = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(exp).unwrap_or(1_000_000)
    } else {
        10u64.checked_pow(exp).unwrap_or(1_000_000)
    }
}

fn read_pcapng(data: &[u8]) -> Capture<'_> {
    let mut capture = Capture::new(Format::Pcapng);
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut big_endian = false;
    let mut rest = data;
    let mut number = 0u64;
    while !rest.is_empty() {
        number += 1;
        let offset = data.len() - rest.len();
        let parsed = if big_endian {
            pcap_parser::pcapng::parse_block_be(rest)
        } else {
            pcap_parser::pcapng::parse_block_le(rest)
        };
        let (next, block) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                capture.error = Some(stop(&e, "block", number, offset));
                break;
            }
        };
        rest = next;
        match block {
            Block::SectionHeader(shb) => {
                // Interface ids are per section (pcapng §4.1).
                big_endian = shb.big_endian();
                interfaces.clear();
            }
            Block::InterfaceDescription(idb) => {
                capture.note_link_type(idb.linktype);
                interfaces.push(Interface {
                    link: idb.linktype,
                    per_second: resolution(idb.if_tsresol),
                    offset: idb.if_tsoffset,
                });
            }
            Block::EnhancedPacket(epb) => {
                let Some(iface) = usize::try_from(epb.if_id)
                    .ok()
                    .and_then(|i| interfaces.get(i))
                else {
                    capture.error = Some(CaptureError::Corrupt {
                        unit: "block",
                        number,
                        offset,
                        detail: format!(
                            "packet names interface {} but its section describes {}",
                            epb.if_id,
                            interfaces.len()
                        ),
                    });
                    break;
                };
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let time = Timestamp::from_ticks(ticks, iface.per_second, iface.offset);
                let len = usize::try_from(epb.caplen)
                    .unwrap_or(usize::MAX)
                    .min(epb.data.len());
                capture.frame(iface.link, time, &epb.data[..len], epb.origlen);
            }
            Block::SimplePacket(spb) => {
                // Simple packets belong to interface 0 and carry no time stamp.
                let Some(iface) = interfaces.first() else {
                    capture.error = Some(CaptureError::Corrupt {
                        unit: "block",
                        number,
                        offset,
                        detail: "simple packet block before any interface description".into(),
                    });
                    break;
                };
                let len = usize::try_from(spb.origlen)
                    .unwrap_or(usize::MAX)
                    .min(spb.data.len());
                let time = capture.first_time.unwrap_or_default();
                capture.frame(iface.link, time, &spb.data[..len], spb.origlen);
            }
            _ => {}
        }
    }
    capture
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_captures_are_named_by_their_first_bytes() {
        assert_eq!(
            read(b"GIF89a").unwrap_err().to_string(),
            "not a pcap or pcapng file: it starts with 47494638 (pcap starts with A1B2C3D4 or D4C3B2A1, pcapng with 0A0D0D0A)"
        );
        assert!(read(b"")
            .unwrap_err()
            .to_string()
            .contains("the file is empty"));
    }

    #[test]
    fn a_cut_global_header_is_truncation_not_a_panic() {
        let e = read(&[0xD4, 0xC3, 0xB2, 0xA1, 2, 0]).unwrap_err();
        assert!(
            matches!(e, CaptureError::Truncated { offset: 0, .. }),
            "{e}"
        );
    }

    #[test]
    fn resolutions_in_both_bases() {
        assert_eq!(resolution(6), 1_000_000);
        assert_eq!(resolution(9), 1_000_000_000);
        assert_eq!(resolution(0x80 | 10), 1024);
        assert_eq!(
            Timestamp::from_ticks(1_500_000, 1_000_000, 10),
            Timestamp {
                secs: 11,
                nanos: 500_000_000
            }
        );
        // Corrupt stamps saturate rather than overflow.
        assert_eq!(Timestamp::from_ticks(u64::MAX, 1, i64::MAX).secs, u64::MAX);
    }

    fn pcap_header(link: u32) -> Vec<u8> {
        let mut v = vec![0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0];
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&link.to_le_bytes());
        v
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_files_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = read(&data);
        }

        #[test]
        fn arbitrary_records_never_panic(
            link in proptest::sample::select(vec![1u32, 113, 276, 101, 228, 105]),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        ) {
            let mut data = pcap_header(link);
            data.extend_from_slice(&body);
            let _ = read(&data);
        }

        #[test]
        fn arbitrary_pcapng_blocks_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            // A valid little-endian section header, then noise.
            let mut data = vec![0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0];
            data.extend_from_slice(&[0xFF; 8]);
            data.extend_from_slice(&[28, 0, 0, 0]);
            data.extend_from_slice(&body);
            let _ = read(&data);
        }
    }
}
