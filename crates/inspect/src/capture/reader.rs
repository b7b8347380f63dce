//! Capture files as a stream of packet records, from any `BufRead`: a file, or standard input.
//!
//! The framing is read here, one record or block at a time into one reused buffer, so memory
//! stays flat whatever the file size and every error names the byte offset in the file where
//! it happened. `pcap-parser` then reads that one record's fields (either byte order, micro-
//! or nanosecond pcap, the modified format, and pcapng sections of either byte order).

use std::io::{self, BufRead};

use pcap_parser::nom;
use pcap_parser::pcapng::Block;
use pcap_parser::{Linktype, PcapError};
use serde::Serialize;

use super::time::Timestamp;

const PCAPNG_SHB: [u8; 4] = [0x0A, 0x0D, 0x0D, 0x0A];
/// The byte-order magic inside a pcapng section header, as written on a little-endian host.
const PCAPNG_BOM_LE: [u8; 4] = [0x4D, 0x3C, 0x2B, 0x1A];
/// No link layer has frames this large; a record claiming more is corrupt, not big.
const MAX_RECORD: usize = 1 << 20;
/// A pcapng block larger than this is corrupt (interface statistics and name tables are small).
const MAX_BLOCK: usize = 16 << 20;
/// pcap's link-type field: bit 26 says an FCS of `bits 28-31` 16-bit words ends every frame,
/// bits 16-25 are reserved, the low 16 bits are the link type (pcap file format, §8.1).
const PCAP_FCS_PRESENT: u32 = 1 << 26;
/// pcapng's `if_fcslen` interface option (pcapng §4.2).
const IF_FCSLEN: u16 = 13;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pcap,
    Pcapng,
}

/// The capture's framing could not be read past some point.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("not a pcap or pcapng file: it starts with {found} (pcap starts with A1B2C3D4 or D4C3B2A1, pcapng with 0A0D0D0A)")]
    NotACapture { found: String },
    #[error("{unit} {number} at byte {offset} is cut short: the file ends before the {unit} does (a capture still being written, or a truncated copy)")]
    Truncated {
        unit: &'static str,
        number: u64,
        offset: u64,
    },
    #[error("{unit} {number} at byte {offset} is corrupt: {detail}")]
    Corrupt {
        unit: &'static str,
        number: u64,
        offset: u64,
        detail: String,
    },
    #[error("reading the capture at byte {offset}: {source}")]
    Io { offset: u64, source: io::Error },
}

/// One packet record: where it sits, its link layer, and the bytes as captured.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// 1-based, counting every packet record, as Wireshark numbers frames.
    pub frame: u64,
    pub time: Timestamp,
    /// The link type, without pcap's FCS bits.
    pub link: u16,
    /// Bytes of frame check sequence at the end of each complete frame.
    pub fcs_len: usize,
    pub data: &'a [u8],
    /// The frame's length on the wire; more than `data.len()` when the snap length cut it.
    pub original_len: usize,
}

/// What a pcapng section says about one interface.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: u16,
    fcs_len: usize,
    per_second: u64,
    offset: i64,
}

/// pcap-parser's reader of one pcap record, for the file's byte order and format.
type ParseRecord =
    fn(&[u8]) -> nom::IResult<&[u8], pcap_parser::LegacyPcapBlock<'_>, PcapError<&[u8]>>;

enum Framing {
    Pcap {
        parse: ParseRecord,
        header_len: usize,
        big_endian: bool,
        link: u16,
        fcs_len: usize,
        per_second: u64,
    },
    Pcapng {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// A capture read record by record.
pub struct Reader<R> {
    input: R,
    framing: Framing,
    buf: Vec<u8>,
    /// A second buffer reads go through, kept to spare an allocation per record.
    spare: Vec<u8>,
    /// `buf` holds the first bytes of the next unit already (the file header, for pcapng).
    carry: bool,
    /// Bytes of the file consumed so far.
    offset: u64,
    /// Records (pcap) or blocks (pcapng) read, for error messages.
    units: u64,
    frames: u64,
    link_types: Vec<u16>,
    last_time: Timestamp,
}

/// Fill `buf` with exactly `n` bytes, or say how many there were before the end.
fn read_exact_or_eof(input: &mut impl BufRead, buf: &mut Vec<u8>, n: usize) -> io::Result<usize> {
    buf.clear();
    buf.reserve(n);
    let mut got = 0;
    while got < n {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let take = chunk.len().min(n - got);
        buf.extend_from_slice(&chunk[..take]);
        input.consume(take);
        got += take;
    }
    Ok(got)
}

fn describe(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "it ends before its own length says".into(),
        nom::Err::Error(p) | nom::Err::Failure(p) => match p {
            PcapError::NomError(_, kind) => format!("its fields do not parse ({kind:?})"),
            PcapError::HeaderNotRecognized => "unrecognised header".into(),
            other => format!("{other:?}"),
        },
    }
}

fn u32_at(b: &[u8], at: usize, big_endian: bool) -> u32 {
    let mut x = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        x.copy_from_slice(s);
    }
    if big_endian {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    }
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

fn link_number(link: Linktype) -> u16 {
    // pcap keeps FCS information in the upper bits; the link type is the low 16 bits.
    (link.0 as u32 & 0xFFFF) as u16
}

impl<R: BufRead> Reader<R> {
    /// Start reading: the file header says which format, byte order and link type follow.
    pub fn new(mut input: R) -> Result<Self, CaptureError> {
        let mut buf = Vec::new();
        let got = read_exact_or_eof(&mut input, &mut buf, 24)
            .map_err(|source| CaptureError::Io { offset: 0, source })?;
        let head = &buf[..got];
        let not_capture = || CaptureError::NotACapture {
            found: if head.is_empty() {
                "nothing (the file is empty)".into()
            } else {
                head.iter().take(4).map(|b| format!("{b:02X}")).collect()
            },
        };
        let magic = head.get(..4).ok_or_else(not_capture)?;
        let mut reader = Reader {
            input,
            framing: Framing::Pcapng {
                big_endian: false,
                interfaces: Vec::new(),
            },
            buf: Vec::new(),
            spare: Vec::new(),
            carry: false,
            offset: 0,
            units: 0,
            frames: 0,
            link_types: Vec::new(),
            last_time: Timestamp::default(),
        };
        if magic == PCAPNG_SHB {
            // The section header is read again as the first block.
            reader.buf = buf;
            reader.buf.truncate(got);
            reader.carry = true;
            return Ok(reader);
        }
        let pcap = matches!(
            magic,
            [0xA1, 0xB2, 0xC3, 0xD4]
                | [0xD4, 0xC3, 0xB2, 0xA1]
                | [0xA1, 0xB2, 0x3C, 0x4D]
                | [0x4D, 0x3C, 0xB2, 0xA1]
                | [0xA1, 0xB2, 0xCD, 0x34]
                | [0x34, 0xCD, 0xB2, 0xA1]
        );
        if !pcap {
            return Err(not_capture());
        }
        if got < 24 {
            return Err(CaptureError::Truncated {
                unit: "pcap global header",
                number: 1,
                offset: 0,
            });
        }
        let (_, header) =
            pcap_parser::parse_pcap_header(&buf).map_err(|e| CaptureError::Corrupt {
                unit: "pcap global header",
                number: 1,
                offset: 0,
                detail: describe(&e),
            })?;
        let raw = header.network.0 as u32;
        let fcs_len = if raw & PCAP_FCS_PRESENT != 0 {
            usize::try_from((raw >> 28) * 2).unwrap_or(0)
        } else {
            0
        };
        let (parse, header_len): (ParseRecord, usize) = if header.is_modified_format() {
            (pcap_parser::parse_pcap_frame_modified, 24)
        } else if header.is_bigendian() {
            (pcap_parser::parse_pcap_frame_be, 16)
        } else {
            (pcap_parser::parse_pcap_frame, 16)
        };
        let link = link_number(header.network);
        reader.framing = Framing::Pcap {
            parse,
            header_len,
            big_endian: header.is_bigendian(),
            link,
            fcs_len,
            per_second: if header.is_nanosecond_precision() {
                1_000_000_000
            } else {
                1_000_000
            },
        };
        reader.link_types.push(link);
        reader.offset = 24;
        Ok(reader)
    }

    pub fn format(&self) -> Format {
        match self.framing {
            Framing::Pcap { .. } => Format::Pcap,
            Framing::Pcapng { .. } => Format::Pcapng,
        }
    }

    /// Link types in use, in order of first appearance.
    pub fn link_types(&self) -> &[u16] {
        &self.link_types
    }

    /// Packet records read so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes of the file read so far, for a progress bar.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next packet record, `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        match self.framing {
            Framing::Pcap { .. } => self.next_pcap(),
            Framing::Pcapng { .. } => self.next_pcapng(),
        }
    }

    /// Make `buf` hold the first `n` bytes of the unit that starts at `self.offset`, reading
    /// what it does not hold yet. `false` when the input ended cleanly before the unit.
    fn fill(&mut self, n: usize, unit: &'static str) -> Result<bool, CaptureError> {
        let have = self.buf.len();
        if have < n {
            let mut tail = std::mem::take(&mut self.spare);
            let got =
                read_exact_or_eof(&mut self.input, &mut tail, n - have).map_err(|source| {
                    CaptureError::Io {
                        offset: self.offset + have as u64,
                        source,
                    }
                })?;
            self.buf.extend_from_slice(&tail[..got]);
            self.spare = tail;
        }
        if self.buf.is_empty() {
            return Ok(false);
        }
        if self.buf.len() < n {
            return Err(CaptureError::Truncated {
                unit,
                number: self.units + 1,
                offset: self.offset,
            });
        }
        Ok(true)
    }

    fn next_pcap(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        let Framing::Pcap {
            parse,
            header_len,
            big_endian,
            link,
            fcs_len,
            per_second,
        } = self.framing
        else {
            return Ok(None);
        };
        let start = self.offset;
        self.buf.clear();
        if !self.fill(header_len, "record")? {
            return Ok(None);
        }
        let caplen = usize::try_from(u32_at(&self.buf, 8, big_endian)).unwrap_or(usize::MAX);
        if caplen > MAX_RECORD {
            return Err(CaptureError::Corrupt {
                unit: "record",
                number: self.units + 1,
                offset: start,
                detail: format!("it claims {caplen} captured bytes, more than any link carries"),
            });
        }
        self.fill(header_len + caplen, "record")?;
        self.units += 1;
        self.offset += (header_len + caplen) as u64;
        let (_, block) = parse(&self.buf).map_err(|e| CaptureError::Corrupt {
            unit: "record",
            number: self.units,
            offset: start,
            detail: describe(&e),
        })?;
        self.frames += 1;
        // `ts_usec` may exceed one second in odd writers; from_ticks carries it over.
        let time = Timestamp::from_ticks(
            u64::from(block.ts_usec),
            per_second,
            i64::from(block.ts_sec),
        );
        self.last_time = time;
        Ok(Some(Record {
            frame: self.frames,
            time,
            link,
            fcs_len,
            data: block.data,
            original_len: usize::try_from(block.origlen).unwrap_or(usize::MAX),
        }))
    }

    fn next_pcapng(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        let Some(found) = self.next_pcapng_packet()? else {
            return Ok(None);
        };
        self.frames += 1;
        Ok(Some(Record {
            frame: self.frames,
            time: found.time,
            link: found.iface.link,
            fcs_len: found.iface.fcs_len,
            data: &self.buf[found.data],
            original_len: found.original_len,
        }))
    }

    /// Blocks up to the next packet block, which stays in `buf`: where its data sits.
    fn next_pcapng_packet(&mut self) -> Result<Option<Found>, CaptureError> {
        loop {
            let start = self.offset;
            // The file's first bytes, read to tell the format, already sit in the buffer.
            if !std::mem::take(&mut self.carry) {
                self.buf.clear();
            }
            if !self.fill(12, "block")? {
                return Ok(None);
            }
            let Framing::Pcapng { big_endian, .. } = &mut self.framing else {
                return Ok(None);
            };
            if self.buf[..4] == PCAPNG_SHB {
                // A section header sets the byte order of everything up to the next one.
                *big_endian = self.buf[8..12] != PCAPNG_BOM_LE;
            }
            let big = *big_endian;
            let total = usize::try_from(u32_at(&self.buf, 4, big)).unwrap_or(usize::MAX);
            let least = if self.buf[..4] == PCAPNG_SHB { 28 } else { 12 };
            if !(least..=MAX_BLOCK).contains(&total) || total % 4 != 0 {
                return Err(CaptureError::Corrupt {
                    unit: "block",
                    number: self.units + 1,
                    offset: start,
                    detail: format!("its length field says {total} bytes; a block is at least {least}, a multiple of 4"),
                });
            }
            self.fill(total, "block")?;
            self.units += 1;
            self.offset += total as u64;
            let number = self.units;
            let corrupt = |detail: String| CaptureError::Corrupt {
                unit: "block",
                number,
                offset: start,
                detail,
            };
            let parsed = if big {
                pcap_parser::pcapng::parse_block_be(&self.buf)
            } else {
                pcap_parser::pcapng::parse_block_le(&self.buf)
            };
            let (_, block) = parsed.map_err(|e| corrupt(describe(&e)))?;
            let Framing::Pcapng { interfaces, .. } = &mut self.framing else {
                return Ok(None);
            };
            match block {
                Block::SectionHeader(_) => interfaces.clear(),
                Block::InterfaceDescription(idb) => {
                    let link = link_number(idb.linktype);
                    let fcs_len = idb
                        .options
                        .iter()
                        .find(|o| o.code.0 == IF_FCSLEN)
                        .and_then(|o| o.value().first().copied())
                        .map_or(0, usize::from);
                    interfaces.push(Interface {
                        link,
                        fcs_len,
                        per_second: resolution(idb.if_tsresol),
                        offset: idb.if_tsoffset,
                    });
                    if !self.link_types.contains(&link) {
                        self.link_types.push(link);
                    }
                }
                Block::EnhancedPacket(epb) => {
                    let Some(iface) = usize::try_from(epb.if_id)
                        .ok()
                        .and_then(|i| interfaces.get(i))
                        .copied()
                    else {
                        return Err(corrupt(format!(
                            "packet names interface {} but its section describes {}",
                            epb.if_id,
                            interfaces.len()
                        )));
                    };
                    let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                    let time = Timestamp::from_ticks(ticks, iface.per_second, iface.offset);
                    let len = usize::try_from(epb.caplen)
                        .unwrap_or(usize::MAX)
                        .min(epb.data.len());
                    self.last_time = time;
                    return Ok(Some(Found {
                        iface,
                        time,
                        data: EPB_DATA..EPB_DATA + len,
                        original_len: usize::try_from(epb.origlen).unwrap_or(usize::MAX),
                    }));
                }
                Block::SimplePacket(spb) => {
                    // Simple packets belong to interface 0 and carry no time stamp.
                    let Some(iface) = interfaces.first().copied() else {
                        return Err(corrupt(
                            "simple packet block before any interface description".into(),
                        ));
                    };
                    let len = usize::try_from(spb.origlen)
                        .unwrap_or(usize::MAX)
                        .min(spb.data.len());
                    return Ok(Some(Found {
                        iface,
                        time: self.last_time,
                        data: SPB_DATA..SPB_DATA + len,
                        original_len: usize::try_from(spb.origlen).unwrap_or(usize::MAX),
                    }));
                }
                _ => {}
            }
        }
    }
}

/// Where a packet block's data starts: after type, length, interface id, time stamp, captured
/// and original length (EPB, pcapng §4.3), or after type, length and original length (SPB §4.4).
const EPB_DATA: usize = 28;
const SPB_DATA: usize = 12;

/// A packet block found in the buffer.
struct Found {
    iface: Interface,
    time: Timestamp,
    data: std::ops::Range<usize>,
    original_len: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8]) -> Result<u64, CaptureError> {
        let mut r = Reader::new(data)?;
        let mut n = 0;
        while r.next_record()?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    #[test]
    fn non_captures_are_named_by_their_first_bytes() {
        let e = Reader::new(&b"GIF89a"[..]).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("not a pcap or pcapng file: it starts with 47494638 (pcap starts with A1B2C3D4 or D4C3B2A1, pcapng with 0A0D0D0A)")
        );
        let e = Reader::new(&b""[..])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("the file is empty"));
    }

    #[test]
    fn a_cut_global_header_is_truncation_not_a_panic() {
        let e = Reader::new(&[0xD4, 0xC3, 0xB2, 0xA1, 2, 0][..]).err();
        assert!(
            matches!(e, Some(CaptureError::Truncated { offset: 0, .. })),
            "{e:?}"
        );
    }

    pub(crate) fn pcap_header(link: u32) -> Vec<u8> {
        let mut v = vec![0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0];
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&link.to_le_bytes());
        v
    }

    fn record(data: &[u8], origlen: u32) -> Vec<u8> {
        let mut v = vec![0; 8];
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&origlen.to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn fcs_bits_in_the_link_type_name_the_link_and_the_fcs_length() {
        // Ethernet (1) with the F bit and 2 words (4 bytes) of FCS.
        let mut file = pcap_header(1 | PCAP_FCS_PRESENT | (2 << 28));
        file.extend(record(&[0xAA; 20], 20));
        let mut r = Reader::new(&file[..]).unwrap();
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!((rec.link, rec.fcs_len, rec.data.len()), (1, 4, 20));
        assert_eq!(r.link_types(), [1]);
    }

    #[test]
    fn a_record_cut_by_the_file_end_is_truncation_at_its_offset() {
        let mut file = pcap_header(1);
        file.extend(record(&[0; 40], 40));
        file.truncate(24 + 16 + 10);
        match read_all(&file) {
            Err(CaptureError::Truncated {
                unit: "record",
                number: 1,
                offset: 24,
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_absurd_record_length_is_corrupt_not_an_allocation() {
        let mut file = pcap_header(1);
        let mut rec = record(&[], 0);
        rec[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        file.extend(rec);
        assert!(matches!(read_all(&file), Err(CaptureError::Corrupt { .. })));
    }

    #[test]
    fn resolutions_in_both_bases() {
        assert_eq!(resolution(6), 1_000_000);
        assert_eq!(resolution(9), 1_000_000_000);
        assert_eq!(resolution(0x80 | 10), 1024);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_files_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = read_all(&data);
        }

        #[test]
        fn arbitrary_records_never_panic(
            link in proptest::sample::select(vec![1u32, 113, 276, 101, 228, 105]),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        ) {
            let mut data = pcap_header(link);
            data.extend_from_slice(&body);
            let _ = read_all(&data);
        }

        #[test]
        fn arbitrary_pcapng_blocks_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut data = vec![0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0, 0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0];
            data.extend_from_slice(&[0xFF; 8]);
            data.extend_from_slice(&[28, 0, 0, 0]);
            data.extend_from_slice(&body);
            let _ = read_all(&data);
        }
    }
}
