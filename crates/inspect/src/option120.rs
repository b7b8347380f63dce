//! Option 120 explained (RFC 3361), and the rule for names a device cannot use: a registrar
//! name goes into a TLS host-name check and a SIP URI, so it must be an RFC 1123 host name
//! (`docs/wire.md` §4). The encoder refuses such names; this says why and where when another
//! server sent one.

use serde::Serialize;
use ucprov_wire::dns_name::Label;
use ucprov_wire::sip_servers::{parse_detail, SipServerEntry, ENCODING_ADDRESSES};

use crate::finding::{Finding, Kind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SipServerRow {
    pub offset: usize,
    pub length: usize,
    pub server: String,
    pub compressed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Option120Inspection {
    pub data_offset: usize,
    pub data_length: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<u8>,
    pub servers: Vec<SipServerRow>,
    pub findings: Vec<Finding>,
}

impl Option120Inspection {
    /// The registrars a device can sign in to: the names, when none is unusable.
    pub fn registrars(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.server.clone()).collect()
    }
}

/// Explain option 120's `data` (encoding byte first), which starts at `base` in the user's bytes.
pub fn inspect(data: &[u8], base: usize) -> Option120Inspection {
    let mut report = Option120Inspection {
        data_offset: base,
        data_length: data.len(),
        encoding: data.first().copied(),
        servers: Vec::new(),
        findings: Vec::new(),
    };
    let detail = match parse_detail(data) {
        Ok(d) => d,
        Err(e) => {
            report.findings.push(Finding::from_decode(
                Kind::MalformedOption120,
                &e.shifted(base),
            ));
            return report;
        }
    };
    report.servers = detail
        .entries
        .iter()
        .map(|e| SipServerRow {
            offset: base + e.offset,
            length: e.wire_len,
            server: e.text.clone(),
            compressed: e.compressed,
        })
        .collect();
    if detail.encoding == ENCODING_ADDRESSES {
        report.findings.push(
            Finding::warning(
                Kind::UnusableSipServer,
                "encoding 1 (IPv4 addresses): Lync / Skype for Business devices need FQDNs here, because TLS checks the name",
            )
            .at(base)
            .field("option 120")
            .fix("send the registrar FQDN with encoding 0 (`ucprov encode`)"),
        );
        return report;
    }
    for entry in &detail.entries {
        if let Some(f) = unusable_name(entry) {
            report.findings.push(f.shifted_by(base));
        }
    }
    report
}

impl Finding {
    /// Move the finding's offset by `base`: a rule judged a value, the user sees a message.
    fn shifted_by(mut self, base: usize) -> Self {
        self.offset = self.offset.map(|o| o + base);
        self
    }
}

const FIX: &str =
    "send the registrar's DNS host name, as `ucprov encode --sip-server` writes it (letters, digits and hyphens, labels joined by dots)";

/// Why a device cannot use this name, at the byte that says so (offsets in the option data).
pub fn unusable_name(entry: &SipServerEntry) -> Option<Finding> {
    let bad = |offset: usize, length: usize, why: String| {
        Some(
            Finding::error(
                Kind::UnusableSipServer,
                format!("option 120 server \"{}\": {why}", entry.text),
            )
            .span(offset, length)
            .field("option 120")
            .fix(FIX),
        )
    };
    if entry.labels.is_empty() {
        return bad(
            entry.offset,
            1,
            "the root name alone (a single 00 byte) names no server".into(),
        );
    }
    for label in &entry.labels {
        if let Some(why) = label_problem(label) {
            return bad(why.0, why.1, why.2);
        }
    }
    None
}

/// The first thing in a label that RFC 1123 §2.1 forbids in a host name: offset, length, why.
fn label_problem(label: &Label) -> Option<(usize, usize, String)> {
    let start = label.offset + 1;
    let text = String::from_utf8_lossy(&label.bytes);
    for (i, &b) in label.bytes.iter().enumerate() {
        let why = match b {
            b'.' => format!(
                "the label \"{text}\" holds a dot: on the wire it is one label, so it is not the name its text suggests"
            ),
            b' ' => format!("the label \"{text}\" holds a space"),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => continue,
            other => format!(
                "the label holds byte 0x{other:02X}, which is not a letter, digit or hyphen (RFC 1123)"
            ),
        };
        return Some((start + i, 1, why));
    }
    let edge = |b: Option<&u8>| b == Some(&b'-');
    if edge(label.bytes.first()) || edge(label.bytes.last()) {
        return Some((
            start,
            label.bytes.len(),
            format!("the label \"{text}\" starts or ends with a hyphen (RFC 1123)"),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(data: &[u8]) -> Vec<Finding> {
        inspect(data, 2)
            .findings
            .into_iter()
            .filter(Finding::is_error)
            .collect()
    }

    #[test]
    fn a_plain_registrar_name_is_usable() {
        let r = inspect(b"\x00\x04lync\x07schertz\x05local\x00", 2);
        assert_eq!(r.registrars(), ["lync.schertz.local"]);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn the_root_name_alone_is_an_error_at_its_byte() {
        let e = errors(b"\x00\x00");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].offset, Some(3));
        assert!(e[0].message.contains("root name alone"));
    }

    #[test]
    fn a_label_holding_a_dot_is_named_where_the_dot_is() {
        // One label "lync.local": its text looks like two labels.
        let e = errors(b"\x00\x0alync.local\x00");
        assert_eq!(e[0].offset, Some(2 + 2 + 4));
        assert!(e[0].message.contains("holds a dot"), "{}", e[0].message);
    }

    #[test]
    fn spaces_odd_bytes_and_edge_hyphens_are_errors() {
        assert!(errors(b"\x00\x04ly c\x00")[0].message.contains("space"));
        assert!(errors(b"\x00\x04ly\x01c\x00")[0].message.contains("0x01"));
        assert!(errors(b"\x00\x05-lync\x00")[0].message.contains("hyphen"));
        assert!(errors(b"\x00\x04lync\x00").is_empty());
    }

    #[test]
    fn addresses_are_a_warning_and_bad_framing_an_error() {
        let r = inspect(&[1, 192, 0, 2, 1], 0);
        assert_eq!(r.findings[0].kind, Kind::UnusableSipServer);
        assert!(!r.findings[0].is_error());
        assert_eq!(errors(&[0, 4, b'l'])[0].kind, Kind::MalformedOption120);
    }
}
