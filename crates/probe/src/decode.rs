//! Step 2: decode each server's answer with the codec, pick the one a device would use, and
//! compare servers: two servers provisioning different values is a rogue or a mistake.

use std::net::{Ipv4Addr, SocketAddr};

use serde::Serialize;
use ucprov_wire::hex::HexStyle;
use ucprov_wire::message::{code, MessageType, Packet};
use ucprov_wire::profile::MsUcProfile;
use ucprov_wire::sip_servers::{parse_detail, ENCODING_ADDRESSES};
use ucprov_wire::vendor::VendorOptions;

use crate::dhcp::RawReply;
use crate::report::{Failure, Problem};

/// One option's data as it arrived.
#[derive(Debug, Clone, Serialize)]
pub struct OptionData {
    pub hex: String,
    /// Where the data starts in the reply, when it came in one piece (offsets in findings
    /// are then positions in the packet).
    pub packet_offset: Option<usize>,
    pub parts: usize,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Everything one server said.
#[derive(Debug, Clone, Serialize)]
pub struct ServerAnswer {
    /// Option 54 when present, else the datagram's source address.
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Ipv4Addr>,
    pub source: SocketAddr,
    pub replies: usize,
    pub message_type: String,
    /// Index into the exchange's `replies` of the reply decoded here (the first one).
    pub reply_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option43: Option<OptionData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<OptionData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<MsUcProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub registrars: Vec<String>,
    /// Why this answer cannot be used as is (already worded for the report).
    pub errors: Vec<String>,
}

impl ServerAnswer {
    /// Whether this server provisions UC devices at all (a plain DHCP server answering the
    /// INFORM with only router/DNS options is normal and not a conflict).
    pub fn provisions(&self) -> bool {
        self.option43.is_some() || self.option120.is_some()
    }
}

fn option_data(p: &Packet<&[u8]>, code: u8) -> Option<OptionData> {
    let set = p.options().ok()?;
    let value = set.get(code)?;
    let parts: Vec<_> = set.parts(code).collect();
    Some(OptionData {
        hex: HexStyle::CONTIGUOUS.format(&value),
        packet_offset: (parts.len() == 1).then(|| parts[0].offset + 2),
        parts: parts.len(),
        bytes: value.into_owned(),
    })
}

fn where_(d: &OptionData, offset: usize) -> String {
    match d.packet_offset {
        Some(base) => format!(
            "byte {} of the reply (byte {offset} of the option data)",
            base + offset
        ),
        None => format!("byte {offset} of the joined option data"),
    }
}

/// Decode one reply.
pub fn decode(index: usize, reply: &RawReply) -> ServerAnswer {
    let mut a = ServerAnswer {
        server: reply.from.ip().to_string(),
        server_id: None,
        source: reply.from,
        replies: 1,
        message_type: "unknown".into(),
        reply_index: index,
        option43: None,
        option120: None,
        profile: None,
        provisioning_url: None,
        registrars: Vec::new(),
        errors: Vec::new(),
    };
    let bytes: &[u8] = &reply.bytes;
    let packet = match Packet::new_checked(bytes) {
        Ok(p) => p,
        Err(e) => {
            a.errors
                .push(format!("the reply is not a DHCP message: {e}"));
            return a;
        }
    };
    let set = match packet.options() {
        Ok(s) => s,
        Err(e) => {
            a.errors.push(format!(
                "the reply's options are malformed at {e} (offsets count from the first byte of the reply)"
            ));
            return a;
        }
    };
    if let Some([t]) = set.get(code::MESSAGE_TYPE).as_deref() {
        a.message_type = MessageType::from_u8(*t).name().to_string();
    }
    if let Some([w, x, y, z]) = set.get(code::SERVER_ID).as_deref() {
        let id = Ipv4Addr::new(*w, *x, *y, *z);
        a.server_id = Some(id);
        a.server = id.to_string();
    }
    a.option43 = option_data(&packet, code::VENDOR_SPECIFIC);
    a.option120 = option_data(&packet, code::SIP_SERVERS);
    if let Some(d) = &a.option43 {
        let v = VendorOptions::parse(&d.bytes);
        match (&v.error, MsUcProfile::from_vendor_options(&v)) {
            (Some(e), _) => a.errors.push(format!(
                "option 43 is malformed at {}: {}: {}",
                where_(d, e.offset),
                e.field,
                e.kind
            )),
            (None, Ok(p)) => {
                a.provisioning_url = Some(p.provisioning_url());
                a.profile = Some(p);
            }
            (None, Err(e)) => a.errors.push(match e.offset() {
                Some(o) => format!(
                    "option 43 is not a valid MS-UC-Client profile at {}: {e}",
                    where_(d, o)
                ),
                None => format!("option 43 is not a valid MS-UC-Client profile: {e}"),
            }),
        }
    }
    if let Some(d) = &a.option120 {
        match parse_detail(&d.bytes) {
            Ok(detail) => {
                a.registrars = detail.entries.iter().map(|e| e.text.clone()).collect();
                if detail.encoding == ENCODING_ADDRESSES {
                    a.errors.push(
                        "option 120 lists IPv4 addresses (encoding 1); devices need the registrar FQDN because TLS checks the name"
                            .into(),
                    );
                }
            }
            Err(e) => a.errors.push(format!(
                "option 120 is malformed at {}: {}: {}",
                where_(d, e.offset),
                e.field,
                e.kind
            )),
        }
    }
    a
}

/// One answer per server, in the order servers first answered. Retransmissions make a
/// server answer more than once; only its first reply is decoded.
pub fn group(replies: &[RawReply]) -> Vec<ServerAnswer> {
    let mut out: Vec<ServerAnswer> = Vec::new();
    for (i, r) in replies.iter().enumerate() {
        let a = decode(i, r);
        match out
            .iter_mut()
            .find(|o| o.server == a.server && o.source.ip() == a.source.ip())
        {
            Some(o) => o.replies += 1,
            None => out.push(a),
        }
    }
    out
}

/// What differs between two answers, field by field, compared semantically: sub-option
/// order and a trailing end byte aside (dnsmasq reverses the order and adds 0xFF).
pub fn differences(a: &ServerAnswer, b: &ServerAnswer) -> Vec<String> {
    let mut out = Vec::new();
    match (&a.profile, &b.profile) {
        (Some(p), Some(q)) => {
            // Host names compare case-insensitively (DNS); the rest byte for byte.
            let fields = [
                (
                    "sub-option 1 (UCIdentifier)",
                    &p.uc_identifier,
                    &q.uc_identifier,
                    false,
                ),
                (
                    "sub-option 3 (WebServerFqdn)",
                    &p.web_fqdn,
                    &q.web_fqdn,
                    true,
                ),
                ("sub-option 5 (CertProvRelPath)", &p.path, &q.path, false),
            ];
            for (name, x, y, fold) in fields {
                let same = if fold {
                    x.eq_ignore_ascii_case(y)
                } else {
                    x == y
                };
                if !same {
                    out.push(format!("option 43 {name}: {x:?} vs {y:?}"));
                }
            }
            if p.scheme != q.scheme {
                out.push(format!(
                    "option 43 sub-option 2 (URLScheme): {:?} vs {:?}",
                    p.scheme.as_str(),
                    q.scheme.as_str()
                ));
            }
            if p.port != q.port {
                out.push(format!(
                    "option 43 sub-option 4 (WebServerPort): {} vs {}",
                    p.port, q.port
                ));
            }
        }
        (None, None)
            if a.option43.as_ref().map(|d| &d.bytes) == b.option43.as_ref().map(|d| &d.bytes) => {}
        _ => out.push(format!("option 43: {} vs {}", describe43(a), describe43(b))),
    }
    let names = |s: &ServerAnswer| -> Vec<String> {
        s.registrars
            .iter()
            .map(|r| r.to_ascii_lowercase())
            .collect()
    };
    if names(a) != names(b) || a.option120.is_some() != b.option120.is_some() {
        out.push(format!(
            "option 120: {} vs {}",
            describe120(a),
            describe120(b)
        ));
    }
    out
}

fn describe43(a: &ServerAnswer) -> String {
    match (&a.option43, &a.provisioning_url) {
        (None, _) => "absent".into(),
        (Some(_), Some(url)) => url.clone(),
        (Some(d), None) => format!("invalid ({})", d.hex),
    }
}

fn describe120(a: &ServerAnswer) -> String {
    match &a.option120 {
        None => "absent".into(),
        Some(_) if a.registrars.is_empty() => "invalid".into(),
        Some(_) => a.registrars.join(", "),
    }
}

/// The step-2 verdict: the answer a device would use (the first valid one that carries an
/// FQDN) and the problems, most fundamental first.
pub struct Verdict {
    pub chosen: Option<usize>,
    pub problems: Vec<Problem>,
}

pub fn judge(answers: &[ServerAnswer]) -> Verdict {
    let mut problems = Vec::new();
    let provisioning: Vec<&ServerAnswer> = answers.iter().filter(|a| a.provisions()).collect();
    let chosen = answers.iter().position(|a| a.profile.is_some());
    let any_43 = answers.iter().any(|a| a.option43.is_some());
    let broken = answers
        .iter()
        .any(|a| !a.errors.is_empty() && a.option43.is_none() && a.option120.is_none());
    if !any_43 && !broken {
        problems.push(Problem::new(
            Failure::Option43Missing,
            format!(
                "{} answered, but no answer carried option 43; the device falls back to DNS and cannot find the certificate provisioning service",
                plural(answers.len(), "server")
            ),
            "configure option 43 for vendor class MS-UC-Client (sub-options 1-5) on the DHCP server; `ucprov config` writes it for dnsmasq, Kea, ISC and others, `ucprov encode` shows the bytes",
        ));
    }
    for a in answers {
        for e in &a.errors {
            problems.push(Problem::new(
                Failure::Malformed,
                format!("server {}: {e}", a.server),
                "regenerate the option with `ucprov encode` (or `ucprov config`) and replace the value on that server; `ucprov decode` explains the bytes",
            ));
        }
    }
    if let Some(first) = provisioning.first() {
        for other in &provisioning[1..] {
            let diff = differences(first, other);
            if !diff.is_empty() {
                problems.push(Problem::new(
                    Failure::ConflictingServers,
                    format!(
                        "servers {} and {} answer differently: {}; a device uses whichever answers first",
                        first.server,
                        other.server,
                        diff.join("; ")
                    ),
                    format!(
                        "make both servers send the same options 43 and 120, or remove the rogue one (is {} supposed to answer DHCPINFORM on this network?)",
                        other.server
                    ),
                ));
            }
        }
    }
    if let Some(c) = chosen.map(|i| &answers[i]) {
        if c.option120.is_none() {
            problems.push(Problem::new(
                Failure::Option120Missing,
                format!(
                    "server {} sent option 43 but no option 120; the device has no registrar to sign in to",
                    c.server
                ),
                "configure option 120 (SIP servers, RFC 3361) with the registrar pool FQDN, encoding 0",
            ));
        }
    }
    problems.sort_by_key(|p| p.exit_code);
    Verdict { chosen, problems }
}

pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests;
