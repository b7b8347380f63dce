//! What an exchange and a client mean to a phone. Findings belong to the exchange they came
//! from. A client's verdict reads its MS-UC-Client INFORMs when it sent any: a Lync Phone
//! Edition device first asks as `CPE-OCPHONE` for its voice VLAN and then sends MS-UC-Client
//! INFORMs (`docs/wire.md` §7), and whatever the first exchanges carried, a device whose
//! INFORM got a valid option 43 and 120 is provisioned.

use std::net::Ipv4Addr;

use ucprov_wire::message::MessageType;
use ucprov_wire::profile::VENDOR_CLASS;

use super::report::{ClientReport, Exchange, Reply, Verdict};
use crate::finding::{Finding, Kind, Severity};
use crate::rules::agreement;
use crate::rules::destination::{expected_destination, Route};

/// Whether an exchange is a phone asking for its provisioning.
fn is_ms_uc_inform(e: &Exchange) -> bool {
    let r = &e.request.message;
    r.kind == Some(MessageType::Inform)
        && r.vendor_class_bytes.as_deref() == Some(VENDOR_CLASS.as_bytes())
}

/// Option 60 values that are MS-UC-Client misspelt: another case, or the Windows class
/// *name* `MSUCClient` (`docs/dhcputil.md` §2).
fn misspelt_ms_uc(class: &[u8]) -> bool {
    let squeezed: Vec<u8> = class
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    squeezed == b"msucclient"
}

/// The findings of one closed exchange.
pub fn exchange(e: &Exchange) -> Vec<Finding> {
    let mut out = Vec::new();
    let r = &e.request.message;
    let frame = e.request.seen.frame;
    out.extend(r.findings.iter().cloned().map(|f| f.in_frame(frame)));
    if r.rogue_detection {
        out.push(
            Finding::note(
                Kind::RogueDetection,
                format!("{} with option 43 sub-option 0x5E and no option 60: a Windows DHCP server probing for rogue DHCP servers, not a phone", r.message_type),
            )
            .in_frame(frame),
        );
        for reply in e.replies.iter().filter(|x| x.message.has_43) {
            out.push(
                Finding::warning(
                    Kind::RogueDetection,
                    format!("{} answered the rogue-detection probe with option 43; a Lync responder must stay silent to these", reply.server()),
                )
                .in_frame(reply.seen.frame)
                .fix("answer only DHCPINFORMs whose option 60 is MS-UC-Client"),
            );
        }
        reply_findings(&e.replies, &mut out);
        return out;
    }
    vendor_class_finding(e, &mut out);
    let inform = r.kind == Some(MessageType::Inform);
    let expects_reply = matches!(
        r.kind,
        Some(MessageType::Inform | MessageType::Discover | MessageType::Request)
    );
    if e.replies.is_empty() && expects_reply {
        let sent = if e.request.copies.is_empty() {
            String::new()
        } else {
            format!(", though it was sent {} times", e.request.copies.len() + 1)
        };
        let mut f = Finding::new(
            if inform {
                Severity::Error
            } else {
                Severity::Warning
            },
            Kind::NoReply,
            format!(
                "{} (xid {}) got no reply in the capture{sent}",
                r.message_type, r.xid
            ),
        )
        .in_frame(frame);
        if inform {
            f = f.fix("is a responder listening on this subnet, or an ip helper-address pointing at one? (`ucprov probe` tests from here)");
        }
        out.push(f);
    }
    if is_ms_uc_inform(e) {
        missing_option_findings(e, &mut out);
        conflict_findings(e, &mut out);
    }
    reply_findings(&e.replies, &mut out);
    for reply in &e.replies {
        destination_finding(e, reply, &mut out);
    }
    out
}

fn vendor_class_finding(e: &Exchange, out: &mut Vec<Finding>) {
    let r = &e.request.message;
    // Only an INFORM asks for provisioning; a RELEASE carries no option 60 by RFC 2131, and a
    // laptop's DORA is none of the phones' business.
    if r.kind != Some(MessageType::Inform) {
        return;
    }
    let frame = e.request.seen.frame;
    match r.vendor_class_bytes.as_deref() {
        None => out.push(
            Finding::warning(Kind::NoVendorClass, "the DHCPINFORM carries no option 60; responders that match vendor class MS-UC-Client will not answer it")
                .in_frame(frame)
                .fix("Lync / Skype for Business phones send MS-UC-Client; check the device's provisioning mode"),
        ),
        Some(c) if c == VENDOR_CLASS.as_bytes() => {}
        Some(c) if misspelt_ms_uc(c) => out.push(
            Finding::warning(
                Kind::OtherVendorClass,
                format!("vendor class (option 60) is \"{}\", not \"{VENDOR_CLASS}\" (compared byte for byte); MS-UC-Client responders will not answer it", String::from_utf8_lossy(c)),
            )
            .in_frame(frame)
            .fix("set the device's vendor class to MS-UC-Client exactly"),
        ),
        Some(c) => out.push(
            Finding::note(
                Kind::OtherVendorClass,
                format!("a DHCPINFORM from vendor class \"{}\", not a Lync / Skype for Business device", String::from_utf8_lossy(c)),
            )
            .in_frame(frame),
        ),
    }
}

fn missing_option_findings(e: &Exchange, out: &mut Vec<Finding>) {
    let r = &e.request.message;
    type Has = fn(&Reply) -> bool;
    let wanted: [(u8, bool, Has); 2] = [
        (43, r.asks_43, |x| x.message.has_43),
        (120, r.asks_120, |x| x.message.has_120),
    ];
    for (code, asked, has) in wanted {
        if !asked {
            continue;
        }
        let someone_sent = e.replies.iter().any(has);
        for reply in e.replies.iter().filter(|x| !has(x)) {
            let f = if someone_sent {
                Finding::note(Kind::MissingOptions, format!("{} from {} has no option {code} although the client asked; another server's reply carries it", reply.message.message_type, reply.server()))
            } else {
                Finding::error(Kind::MissingOptions, format!("{} from {} has no option {code} although the client asked, and no other reply carries it", reply.message.message_type, reply.server()))
                    .fix("scope option 43/120 to vendor class MS-UC-Client on this server (`ucprov config`), or run `ucprov serve`")
            };
            out.push(f.in_frame(reply.seen.frame));
        }
    }
}

/// Problems inside each reply: the message's, and options 43 and 120 with offsets in it.
fn reply_findings(replies: &[Reply], out: &mut Vec<Finding>) {
    for reply in replies {
        let frame = reply.seen.frame;
        let server = reply.server();
        out.extend(
            reply
                .message
                .findings
                .iter()
                .cloned()
                .map(|f| f.in_frame(frame)),
        );
        let options = [
            (43, reply.message.option43.as_ref().map(|o| &o.findings)),
            (120, reply.message.option120.as_ref().map(|o| &o.findings)),
        ];
        for (code, found) in options {
            for f in found.into_iter().flatten() {
                out.push(Finding {
                    message: format!(
                        "option {code} from {server} (offsets in its DHCP message): {}",
                        f.message
                    ),
                    ..f.clone().in_frame(frame)
                });
            }
        }
    }
}

fn destination_finding(e: &Exchange, reply: &Reply, out: &mut Vec<Finding>) {
    let request = &e.request.message;
    let Some(want) = expected_destination(Route {
        request_ciaddr: request.ciaddr,
        request_giaddr: request.giaddr,
        reply_giaddr: reply.message.giaddr,
        reply_source: *reply.seen.src.ip(),
    }) else {
        return;
    };
    let got = reply.seen.dst;
    if got == want {
        return;
    }
    let broadcast_to_client = got.ip().is_broadcast() && got.port() == want.port();
    let to = if *want.ip() == request.ciaddr {
        "unicast to the client's ciaddr"
    } else {
        "to the relay at giaddr"
    };
    let message = format!(
        "{} from {} went to {got}; RFC 2131 §4.1 says {want} ({to})",
        reply.message.message_type,
        reply.server()
    );
    let f = if broadcast_to_client {
        Finding::warning(Kind::WrongDestination, message).fix("most clients still hear a broadcast, but a relay or a switch may not forward it; reply unicast")
    } else {
        Finding::error(Kind::WrongDestination, message)
            .fix("the client will not receive this reply; fix the server's reply path")
    };
    out.push(f.in_frame(reply.seen.frame));
}

/// Two servers that both take part but provision differently: which one a phone uses
/// depends on which reply lands first.
fn conflict_findings(e: &Exchange, out: &mut Vec<Finding>) {
    let mut firsts: Vec<&Reply> = Vec::new();
    for r in e
        .replies
        .iter()
        .filter(|r| r.message.provisions().takes_part())
    {
        if !firsts.iter().any(|f| f.server() == r.server()) {
            firsts.push(r);
        }
    }
    let Some((first, others)) = firsts.split_first() else {
        return;
    };
    for other in others {
        let a = agreement::compare(&first.message.provisions(), &other.message.provisions());
        if a.agrees() {
            continue;
        }
        let list: Vec<String> = a
            .conflicts
            .iter()
            .map(|d| {
                format!(
                    "{}: {} (frame {}) vs {} (frame {})",
                    d.field, d.first, first.seen.frame, d.second, other.seen.frame
                )
            })
            .collect();
        out.push(
            Finding::error(
                Kind::ConflictingServers,
                format!("servers {} and {} answer the same {} differently: {}; the phone uses whichever lands first", first.server(), other.server(), e.request.message.message_type, list.join("; ")),
            )
            .in_frame(other.seen.frame)
            .fix("find the server that should not answer (a rogue or stale scope) and remove its MS-UC-Client options"),
        );
    }
}

/// Verdicts by precedence: the first whose finding kind is present as an error wins.
const VERDICT_ORDER: [(Kind, Verdict); 8] = [
    (Kind::ConflictingServers, Verdict::ServersDisagree),
    (Kind::MalformedOption43, Verdict::BadOption43),
    (Kind::MalformedOption120, Verdict::BadOption120),
    (Kind::UnusableSipServer, Verdict::BadOption120),
    (Kind::MalformedPacket, Verdict::MalformedPacket),
    (Kind::NoReply, Verdict::NoReply),
    (Kind::MissingOptions, Verdict::No43Or120),
    (Kind::WrongDestination, Verdict::MisdirectedReply),
];

fn worst<'a>(findings: impl Iterator<Item = &'a Finding> + Clone) -> Option<Verdict> {
    VERDICT_ORDER
        .iter()
        .find(|(k, _)| findings.clone().any(|f| f.kind == *k && f.is_error()))
        .map(|(_, v)| *v)
}

/// A client's report from its closed exchanges.
pub fn client(
    mac: String,
    first_frame: u64,
    last_frame: u64,
    exchanges: Vec<Exchange>,
    unmatched: Vec<Reply>,
) -> ClientReport {
    let mut reply_findings_list = Vec::new();
    for r in &unmatched {
        reply_findings_list.push(
            Finding::note(Kind::UnmatchedReply, format!("{} from {} has no request in the capture (the capture started after it, or the request went another way)", r.message.message_type, r.server()))
                .in_frame(r.seen.frame),
        );
        reply_findings(std::slice::from_ref(r), &mut reply_findings_list);
    }
    let mut vendor_classes: Vec<String> = Vec::new();
    for e in &exchanges {
        if let Some(v) = &e.request.message.vendor_class {
            if !vendor_classes.contains(v) {
                vendor_classes.push(v.clone());
            }
        }
    }
    let mut servers: Vec<Ipv4Addr> = Vec::new();
    let all_replies = || exchanges.iter().flat_map(|e| &e.replies).chain(&unmatched);
    for r in all_replies() {
        if !servers.contains(&r.server()) {
            servers.push(r.server());
        }
    }
    let phone: Vec<&Exchange> = exchanges.iter().filter(|e| is_ms_uc_inform(e)).collect();
    // What the device would use: the first MS-UC-Client reply with a valid profile.
    let provisioning_reply = phone
        .iter()
        .flat_map(|e| &e.replies)
        .chain(unmatched.iter().filter(|r| r.message.read_as_ms_uc()))
        .find(|r| r.message.profile().is_some());
    let provisioning_url = provisioning_reply.and_then(|r| r.message.provisioning_url.clone());
    let registrars = phone
        .iter()
        .flat_map(|e| &e.replies)
        .chain(&unmatched)
        .find(|r| !r.message.registrars.is_empty())
        .map(|r| r.message.registrars.clone())
        .unwrap_or_default();
    let phone_findings = phone.iter().flat_map(|e| &e.findings);
    // Provisioned: a reply with a valid profile that also reached the device (a reply sent
    // where RFC 2131 does not send it never arrives), and no server contradicting it.
    let reached = |e: &Exchange, r: &Reply| {
        r.message.provisioned()
            && !e.findings.iter().any(|f| {
                f.kind == Kind::WrongDestination && f.is_error() && f.frame == Some(r.seen.frame)
            })
    };
    let provisioned = phone
        .iter()
        .any(|e| e.replies.iter().any(|r| reached(e, r)))
        && !phone_findings
            .clone()
            .any(|f| f.kind == Kind::ConflictingServers && f.is_error());
    let verdict = if provisioned {
        Verdict::Provisioned
    } else if !phone.is_empty() {
        worst(phone_findings).unwrap_or(Verdict::NoProvisioning)
    } else if let Some(v) = worst(
        exchanges
            .iter()
            .flat_map(|e| &e.findings)
            .chain(&reply_findings_list),
    ) {
        v
    } else if exchanges.is_empty() {
        Verdict::ReplyOnly
    } else if exchanges.iter().all(|e| e.request.message.rogue_detection) {
        Verdict::RogueDetectionProbe
    } else {
        Verdict::NotMsUcClient
    };
    let count = |e: &Exchange| 1 + e.repeats;
    let findings = exchanges
        .iter()
        .flat_map(|e| &e.findings)
        .chain(&reply_findings_list)
        .cloned()
        .collect();
    ClientReport {
        mac,
        vendor_classes,
        requests: exchanges.iter().map(count).sum(),
        answered: exchanges
            .iter()
            .filter(|e| !e.replies.is_empty())
            .map(count)
            .sum(),
        servers,
        provisioning_url,
        registrars,
        verdict: verdict.text().to_string(),
        verdict_code: verdict,
        first_frame,
        last_frame,
        exchanges,
        unmatched_replies: unmatched,
        unmatched_repeats: 0,
        reply_findings: reply_findings_list,
        findings,
    }
}
