//! `ucprov decode`: any hex dump of option 43, option 120, a run of options or a whole DHCP
//! message, annotated, with every problem at its byte offset.

use std::io::Read;

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use ucprov_inspect::frame::{dhcp_in, Stripped};
use ucprov_wire::dump::{parse_dump, DumpForm, MAX_DECODED_BYTES};
use ucprov_wire::hex::parse_hex;
use ucprov_wire::message::{code, Packet};
use ucprov_wire::options::{OptionSet, Region};
use ucprov_wire::tlv::{Layer, Tlv, TlvIter};

use crate::exit::{CliError, CliResult};
use ucprov_inspect::option120::{self, Option120Inspection};
use ucprov_inspect::option43::{self, Option43Inspection, Vendor};
use ucprov_inspect::options::{self as inspect_options, OptionRow};
use ucprov_inspect::render::options as text;
use ucprov_inspect::{has_error, Finding, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecodeAs {
    /// Option 43: `2B LL` + sub-options, or bare sub-options.
    Option43,
    /// Option 120: `78 LL` + data, or bare data (encoding byte first).
    Option120,
    /// A run of DHCP options (code, length, value …).
    Options,
    /// A whole DHCP message (BOOTP header, magic cookie, options).
    Message,
    /// An Ethernet, IPv4 or UDP frame around a DHCP message.
    Frame,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ucprov decode 2B5A010C4D532D55432D436C69656E74...\n  echo 00046C796E63077363686572747A056C6F63616C00 | ucprov decode -\n  ucprov decode --as options --json 350105..."
)]
pub struct DecodeArgs {
    /// Hex to decode, in any common notation; `-` or nothing reads standard input.
    #[arg(value_name = "HEX|-")]
    pub input: Vec<String>,

    /// Decode as this instead of detecting it.
    #[arg(long = "as", value_enum, value_name = "KIND")]
    pub kind: Option<DecodeAs>,

    /// Emit the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
pub struct DecodeReport {
    pub input_length: usize,
    pub decoded_as: DecodeAs,
    pub detection: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option43: Option<Option43Inspection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<Option120Inspection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionRow>>,
    /// The dump layout the paste was read in, when it was a dump.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pasted_as: Option<DumpForm>,
    /// The layers stripped from a frame to reach the DHCP message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<Stripped>,
    pub findings: Vec<Finding>,
}

impl DecodeReport {
    /// Every finding, the nested reports' too: any error means the data is malformed.
    pub fn all_findings(&self) -> Vec<Finding> {
        let nested = self
            .option43
            .iter()
            .flat_map(|r| &r.findings)
            .chain(self.option120.iter().flat_map(|r| &r.findings))
            .chain(inspect_options::findings(
                self.options.as_deref().unwrap_or_default(),
            ));
        self.findings.iter().chain(nested).cloned().collect()
    }
}

pub fn run(args: &DecodeArgs) -> CliResult {
    let text = read_input(&args.input)?;
    let (bytes, form) = read_paste(&text).map_err(CliError::invalid)?;
    let mut report = decode(&bytes, args.kind);
    report.pasted_as = form;
    if args.json {
        crate::output::write_json(&report)?;
    } else {
        crate::output::write_stdout(&render(&report))?;
    }
    if has_error(&report.all_findings()) {
        return Err(CliError::invalid(
            "the data is malformed; see the errors above",
        ));
    }
    Ok(())
}

/// The bytes of a paste: a tool's hex dump when it has one's layout, else plain hex. The dump
/// reader's frame bound applies to plain hex too: annotating more, row by row, would cost
/// hundreds of bytes of memory per input byte.
pub fn read_paste(text: &str) -> Result<(Vec<u8>, Option<DumpForm>), String> {
    let (bytes, form) = match parse_dump(text) {
        Some(Ok(d)) => (d.bytes, Some(d.form)),
        Some(Err(e)) => return Err(e.to_string()),
        None => (parse_hex(text).map_err(|e| e.to_string())?, None),
    };
    if bytes.len() > MAX_DECODED_BYTES {
        return Err(format!(
            "the paste holds {} bytes, over the {MAX_DECODED_BYTES} an Ethernet frame with the \
             largest UDP datagram can have: it is not one option, message or frame (fix: paste \
             just one; give a capture to `ucprov pcap`)",
            bytes.len()
        ));
    }
    Ok((bytes, form))
}

/// The most text `decode` reads. The largest DHCP message a UDP datagram can carry (65,507
/// bytes) is under 450 KiB in the widest dump form (`od -A x -t x1z`), so anything larger is
/// not one paste; an error says so rather than decoding a cut-off part.
pub const MAX_PASTE_BYTES: usize = 1024 * 1024;

fn read_input(args: &[String]) -> CliResult<String> {
    let text = if args.is_empty() || (args.len() == 1 && args[0] == "-") {
        let mut s = String::new();
        // One byte past the limit tells "exactly at the limit" from "over it".
        std::io::stdin()
            .take(MAX_PASTE_BYTES as u64 + 1)
            .read_to_string(&mut s)
            .map_err(|e| CliError::env(format!("reading standard input: {e}")))?;
        s
    } else {
        args.join(" ")
    };
    if text.len() > MAX_PASTE_BYTES {
        return Err(CliError::invalid(format!(
            "the input is over {} KiB: decode reads one option, run of options, DHCP message or \
             frame (fix: paste just that, or give a capture to `ucprov pcap`)",
            MAX_PASTE_BYTES / 1024
        )));
    }
    Ok(text)
}

/// Decode `bytes` as `kind`, or as what they look like.
pub fn decode(bytes: &[u8], kind: Option<DecodeAs>) -> DecodeReport {
    let (kind, detection) = match kind {
        Some(k) => (k, "as requested with --as".to_string()),
        None => detect(bytes),
    };
    let mut report = DecodeReport {
        input_length: bytes.len(),
        decoded_as: kind,
        detection,
        option43: None,
        option120: None,
        options: None,
        pasted_as: None,
        frame: None,
        findings: Vec::new(),
    };
    match kind {
        DecodeAs::Option43 => {
            let (data, base, header) = strip_header(bytes, code::VENDOR_SPECIFIC, &mut report);
            report.option43 = Some(option43::inspect(data, base, header, Vendor::MsUcClient));
        }
        DecodeAs::Option120 => {
            let (data, base, _) = strip_header(bytes, code::SIP_SERVERS, &mut report);
            report.option120 = Some(option120::inspect(data, base));
        }
        DecodeAs::Options => {
            let walk = OptionSet::walk(bytes, 0, Region::Options);
            if let Some(e) = &walk.error {
                report
                    .findings
                    .push(Finding::from_decode(Kind::MalformedPacket, e));
            }
            report.options = Some(inspect_options::rows_as_named(&walk.set));
        }
        DecodeAs::Message => message(bytes, &mut report),
        DecodeAs::Frame => match dhcp_in(bytes) {
            Some(s) => {
                let inner = &bytes[s.dhcp_offset..];
                report.frame = Some(s);
                message(inner, &mut report);
            }
            None => report.findings.push(Finding::error(
                Kind::MalformedPacket,
                "not an Ethernet, IPv4 or UDP frame holding a DHCP message on port 67 or 68",
            )),
        },
    }
    report
}

/// A whole DHCP message, options read as far as they go.
fn message(bytes: &[u8], report: &mut DecodeReport) {
    match Packet::new_checked(bytes) {
        Err(e) => report
            .findings
            .push(Finding::from_decode(Kind::MalformedPacket, &e)),
        Ok(p) => {
            let read = p.read_options();
            if let Some(e) = &read.error {
                report
                    .findings
                    .push(Finding::from_decode(Kind::MalformedPacket, e));
            } else if read.missing_end {
                report.findings.push(
                        Finding::warning(
                            Kind::MissingEnd,
                            "the options field ends without the end option (255); devices read the options anyway, but RFC 2131 §4.1 requires it",
                        )
                        .at(bytes.len()),
                    );
            }
            report.options = Some(inspect_options::rows_as_named(&read.set));
        }
    }
}

/// Split off a `CODE LL` header when the bytes start with one; check LL against what is there.
fn strip_header<'a>(
    bytes: &'a [u8],
    code: u8,
    report: &mut DecodeReport,
) -> (&'a [u8], usize, Option<usize>) {
    match bytes {
        [c, len, rest @ ..] if *c == code && looks_like_header(code, *len, rest) => {
            let declared = usize::from(*len);
            if rest.len() < declared {
                let kind = if code == code::SIP_SERVERS {
                    Kind::MalformedOption120
                } else {
                    Kind::MalformedOption43
                };
                report.findings.push(Finding::from_decode(
                    kind,
                    &ucprov_wire::DecodeError::new(
                        1,
                        ucprov_wire::Field::Option { code },
                        ucprov_wire::DecodeErrorKind::LengthPastEnd {
                            declared,
                            available: rest.len(),
                        },
                    ),
                ));
                (rest, 2, Some(declared))
            } else {
                if rest.len() > declared {
                    report.findings.push(
                        Finding::warning(
                            Kind::TrailingBytes,
                            format!(
                                "{} bytes follow the end of option {code} (length {declared}); decode them with --as options",
                                rest.len() - declared
                            ),
                        )
                        .at(2 + declared),
                    );
                }
                (&rest[..declared], 2, Some(declared))
            }
        }
        _ => (bytes, 0, None),
    }
}

fn looks_like_header(code: u8, len: u8, rest: &[u8]) -> bool {
    match code {
        // Bare sub-options never start with code 43 in the MS-UC-Client space, so 2B is a header.
        43 => true,
        // Bare option 120 data starts with encoding 0 or 1; 78 would be an unknown encoding.
        _ => usize::from(len) <= rest.len() + 16 && matches!(rest.first(), Some(0 | 1)),
    }
}

/// Guess what was pasted, and say why.
fn detect(bytes: &[u8]) -> (DecodeAs, String) {
    if Packet::new_checked(bytes).is_ok() {
        return (
            DecodeAs::Message,
            "a DHCP message: magic cookie 63 82 53 63 at byte 236".into(),
        );
    }
    if let Some(s) = dhcp_in(bytes) {
        return (
            DecodeAs::Frame,
            format!(
                "a frame around a DHCP message at byte {}: stripped {}; offsets below count from the DHCP message",
                s.dhcp_offset,
                s.layers.join(", ")
            ),
        );
    }
    match bytes {
        [0x2B, len, rest @ ..] if usize::from(*len) >= rest.len() => {
            return (
                DecodeAs::Option43,
                format!("option 43 with its header: 2B, length {len}"),
            )
        }
        [0x78, len, enc @ (0 | 1), ..] if usize::from(*len) + 2 == bytes.len() => {
            return (
                DecodeAs::Option120,
                format!("option 120 with its header: 78, length {len}, encoding {enc}"),
            )
        }
        _ => {}
    }
    if walks_cleanly(bytes, Layer::Options) && is_option_run(bytes) {
        return (
            DecodeAs::Options,
            "a run of DHCP options: the TLVs cover the input exactly".into(),
        );
    }
    if bytes.first() == Some(&0) {
        return (
            DecodeAs::Option120,
            "option 120 data: encoding byte 0 (names) first".into(),
        );
    }
    if bytes.first() == Some(&1)
        && !walks_cleanly(bytes, Layer::SubOptions)
        && !starts_with_text_tlv(bytes)
    {
        return (
            DecodeAs::Option120,
            "option 120 data: encoding byte 1 (addresses) first".into(),
        );
    }
    (
        DecodeAs::Option43,
        "bare option 43 sub-options (code, length, value …)".into(),
    )
}

/// `01 LL <printable text>`: sub-option 1 (even when a later one is cut), not addresses.
fn starts_with_text_tlv(bytes: &[u8]) -> bool {
    match bytes {
        [_, len, rest @ ..] => rest
            .get(..usize::from(*len))
            .is_some_and(|v| !v.is_empty() && v.iter().all(|b| (0x20..=0x7E).contains(b))),
        _ => false,
    }
}

fn walks_cleanly(bytes: &[u8], layer: Layer) -> bool {
    TlvIter::new(bytes, layer).all(|i| i.is_ok())
}

/// Whether a clean TLV walk looks like DHCP options rather than sub-options: it has an option
/// only a message carries (message type), or 43 or 120 with further options.
fn is_option_run(bytes: &[u8]) -> bool {
    let codes: Vec<u8> = TlvIter::new(bytes, Layer::Options)
        .filter_map(|i| match i {
            Ok(Tlv::Data { code, .. }) => Some(code),
            _ => None,
        })
        .collect();
    codes.contains(&code::MESSAGE_TYPE)
        || (codes.len() >= 2
            && (codes.contains(&code::VENDOR_SPECIFIC) || codes.contains(&code::SIP_SERVERS)))
}

pub fn render(r: &DecodeReport) -> String {
    let mut out = String::new();
    if let Some(form) = r.pasted_as {
        out.push_str(&format!("Read the paste as {}.\n", form.name()));
    }
    out.push_str(&format!(
        "Decoded {} bytes as {}.\n\n",
        r.input_length, r.detection
    ));
    if let Some(o) = &r.option43 {
        out.push_str(&text::option43(o));
    }
    if let Some(o) = &r.option120 {
        out.push_str(&text::option120(o));
    }
    if let Some(rows) = &r.options {
        out.push_str(&text::options(rows));
    }
    out.push_str(&text::findings(&r.findings));
    out
}
