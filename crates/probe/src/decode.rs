//! Step 2: read each server's answer through `ucprov-inspect`, pick the one a device would use, and
//! compare servers: two servers provisioning different values is a rogue or a mistake.

use std::net::{Ipv4Addr, SocketAddr};

use serde::Serialize;
use ucprov_inspect::rules::agreement;
use ucprov_inspect::{Kind, ReplyInspection, Vendor};
use ucprov_wire::hex::HexStyle;
use ucprov_wire::message::{code, Packet};
use ucprov_wire::options::OptionSet;
use ucprov_wire::profile::MsUcProfile;

use crate::dhcp::RawReply;
use crate::step::{plural, Failure, Problem};

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
    /// Why this answer cannot be used as is: the error findings of `inspect`.
    pub errors: Vec<String>,
    /// The reply as `inspect` read it: what the agreement rule compares.
    #[serde(skip)]
    pub inspection: Option<ReplyInspection>,
}

impl ServerAnswer {
    /// Whether this server provisions UC devices at all (a plain DHCP server answering the
    /// INFORM with only router/DNS options is normal and not a conflict).
    pub fn provisions(&self) -> bool {
        self.option43.is_some() || self.option120.is_some()
    }
}

fn option_data(set: &OptionSet<'_>, code: u8) -> Option<OptionData> {
    let value = set.get(code)?;
    let parts: Vec<_> = set.parts(code).collect();
    Some(OptionData {
        hex: HexStyle::CONTIGUOUS.format(&value),
        packet_offset: match parts.as_slice() {
            [one] => Some(one.offset + 2),
            _ => None,
        },
        parts: parts.len(),
        bytes: value.into_owned(),
    })
}

/// Decode one reply: `inspect` reads it as the answer to an MS-UC-Client INFORM, which is
/// what the probe sent.
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
        inspection: None,
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
    let r = ReplyInspection::of(&packet, Vendor::MsUcClient);
    let set = packet.read_options().set;
    a.message_type = r.message_type.clone();
    if let Some(id) = r.server_id {
        a.server_id = Some(id);
        a.server = id.to_string();
    }
    a.option43 = option_data(&set, code::VENDOR_SPECIFIC);
    a.option120 = option_data(&set, code::SIP_SERVERS);
    a.profile = r.profile().cloned();
    a.provisioning_url = r.provisioning_url.clone();
    a.registrars = r.registrars.clone();
    let labelled = r
        .findings
        .iter()
        .map(|f| ("the reply", f))
        .chain(
            r.option43
                .iter()
                .flat_map(|o| &o.findings)
                .map(|f| ("option 43", f)),
        )
        .chain(
            r.option120
                .iter()
                .flat_map(|o| &o.findings)
                .map(|f| ("option 120", f)),
        );
    a.errors = labelled
        .filter(|(_, f)| f.is_error() || f.kind == Kind::UnusableSipServer)
        .map(|(what, f)| {
            format!(
                "{what}: {} (offsets count from the first byte of the reply)",
                f.message
            )
        })
        .collect();
    a.inspection = Some(r);
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

/// What differs between two answers, by `inspect`'s agreement rule: sub-option order, an end
/// byte, compression and host-name case aside; extra sub-options reported but no conflict.
pub fn differences(a: &ServerAnswer, b: &ServerAnswer) -> Vec<String> {
    let (Some(x), Some(y)) = (&a.inspection, &b.inspection) else {
        return vec!["a reply that is not a DHCP message".into()];
    };
    agreement::compare(&x.provisions(), &y.provisions())
        .conflicts
        .iter()
        .map(|d| format!("{}: {:?} vs {:?}", d.field, d.first, d.second))
        .collect()
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
    // No option 120 is not a failure here: the device falls back to the DNS SRV record,
    // which step 3 looks up (exit 41 when that is missing too).
    problems.sort_by_key(|p| p.exit_code);
    Verdict { chosen, problems }
}

#[cfg(test)]
mod tests;
