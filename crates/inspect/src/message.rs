//! What one DHCP message says: a client's request, or a server's reply, read once into the
//! facts every judge asks about. Nothing here compares messages; `rules` and `capture` do.

use std::net::Ipv4Addr;

use serde::Serialize;
use ucprov_wire::message::{code, MessageType, Packet};
use ucprov_wire::options::OptionSet;
use ucprov_wire::profile::MsUcProfile;

use crate::finding::{Finding, Kind};
use crate::option120::{self, Option120Inspection};
use crate::option43::{self, Option43Inspection, ReadAs, Vendor};
use crate::options::joined_note;
use crate::rules::agreement::Provisions;
use crate::rules::rogue::is_rogue_detection;

/// `aa:bb:cc:dd:ee:ff`, as reports write hardware addresses.
pub fn mac_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The message type as reports name it: the RFC name, or BOOTP when option 53 is absent.
pub fn type_name(t: Option<MessageType>) -> String {
    match t {
        Some(t) => t.to_string(),
        None => "BOOTP (no option 53)".to_string(),
    }
}

/// The options of `packet` as far as they read, with findings for what stopped them.
fn read<'a>(packet: &'a Packet<&[u8]>, findings: &mut Vec<Finding>) -> OptionSet<'a> {
    let read = packet.read_options();
    if let Some(e) = &read.error {
        findings.push(Finding::from_decode(Kind::MalformedPacket, e));
    } else if read.missing_end {
        findings.push(
            Finding::warning(
                Kind::MissingEnd,
                "the options field ends without the end option (255); devices read the options anyway, but RFC 2131 §4.1 requires it",
            )
            .at(packet.buffer_len())
            .field("option 255")
            .fix("the server should end its options with 255 (FF)"),
        );
    }
    read.set
}

/// A client's message (or a relay's, or a leasequery requestor's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestInspection {
    pub message_type: String,
    #[serde(skip)]
    pub kind: Option<MessageType>,
    pub xid: String,
    #[serde(skip)]
    pub xid_value: u32,
    pub mac: String,
    pub ciaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    /// Option 60 as text (bytes outside ASCII replaced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_class: Option<String>,
    #[serde(skip)]
    pub vendor_class_bytes: Option<Vec<u8>>,
    pub parameter_request_list: Vec<u8>,
    pub asks_43: bool,
    pub asks_120: bool,
    /// A Windows DHCP server probing for rogue servers, not a phone.
    pub rogue_detection: bool,
    /// Option 50, the address asked for, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_address: Option<Ipv4Addr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl RequestInspection {
    pub fn of(packet: &Packet<&[u8]>) -> Self {
        let mut findings = Vec::new();
        let set = read(packet, &mut findings);
        let vendor = set.vendor_class();
        let requested_address = match set.get(50).as_deref() {
            Some([a, b, c, d]) => Some(Ipv4Addr::new(*a, *b, *c, *d)),
            _ => None,
        };
        RequestInspection {
            message_type: type_name(set.message_type()),
            kind: set.message_type(),
            xid: format!("0x{:08x}", packet.xid()),
            xid_value: packet.xid(),
            mac: mac_text(packet.hardware_address()),
            ciaddr: packet.ciaddr(),
            giaddr: packet.giaddr(),
            vendor_class: vendor
                .as_deref()
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            vendor_class_bytes: vendor.as_deref().map(<[u8]>::to_vec),
            parameter_request_list: set.parameter_request_list().into_owned(),
            asks_43: set.requests(code::VENDOR_SPECIFIC),
            asks_120: set.requests(code::SIP_SERVERS),
            rogue_detection: is_rogue_detection(&set),
            requested_address,
            findings,
        }
    }

    /// How option 43 in a reply to this request is to be read.
    pub fn vendor(&self) -> Vendor<'_> {
        Vendor::asked_with(self.vendor_class_bytes.as_deref())
    }
}

/// A server's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyInspection {
    pub message_type: String,
    #[serde(skip)]
    pub kind: Option<MessageType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Ipv4Addr>,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub giaddr: Ipv4Addr,
    pub has_43: bool,
    pub has_120: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option43: Option<Option43Inspection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<Option120Inspection>,
    #[serde(skip)]
    pub option43_bytes: Option<Vec<u8>>,
    #[serde(skip)]
    pub option120_bytes: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub registrars: Vec<String>,
    /// Problems with the message itself; option 43 and 120 keep their own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl ReplyInspection {
    /// Read a reply to a request that asked as `vendor`. Offsets are positions in the message.
    pub fn of(packet: &Packet<&[u8]>, vendor: Vendor<'_>) -> Self {
        let mut findings = Vec::new();
        let set = read(packet, &mut findings);
        let at = |c: u8| {
            let parts: Vec<_> = set.parts(c).collect();
            // Offsets inside a joined value count from its start; one piece keeps packet offsets.
            match parts.as_slice() {
                [one] => one.offset + 2,
                _ => 0,
            }
        };
        let o43 = set.get(code::VENDOR_SPECIFIC);
        let o120 = set.get(code::SIP_SERVERS);
        let mut option43 = o43
            .as_deref()
            .map(|v| option43::inspect(v, at(code::VENDOR_SPECIFIC), None, vendor));
        let mut option120 = o120
            .as_deref()
            .map(|v| option120::inspect(v, at(code::SIP_SERVERS)));
        if let (Some(o), Some(note)) = (option43.as_mut(), joined_note(&set, code::VENDOR_SPECIFIC))
        {
            o.findings.insert(0, note);
        }
        if let (Some(o), Some(note)) = (option120.as_mut(), joined_note(&set, code::SIP_SERVERS)) {
            o.findings.insert(0, note);
        }
        let provisioning_url = option43.as_ref().and_then(|r| r.provisioning_url.clone());
        let registrars = option120
            .as_ref()
            .filter(|r| !r.findings.iter().any(Finding::is_error))
            .map(Option120Inspection::registrars)
            .unwrap_or_default();
        ReplyInspection {
            message_type: type_name(set.message_type()),
            kind: set.message_type(),
            server_id: set.server_id(),
            ciaddr: packet.ciaddr(),
            yiaddr: packet.yiaddr(),
            giaddr: packet.giaddr(),
            has_43: option43.is_some(),
            has_120: option120.is_some(),
            option43,
            option120,
            option43_bytes: o43.map(|v| v.into_owned()),
            option120_bytes: o120.map(|v| v.into_owned()),
            provisioning_url,
            registrars,
            findings,
        }
    }

    /// The MS-UC-Client profile, when option 43 is one and valid.
    pub fn profile(&self) -> Option<&MsUcProfile> {
        self.option43.as_ref().and_then(|o| o.profile.as_ref())
    }

    /// Whether option 43 was read as an MS-UC-Client profile (valid or not).
    pub fn read_as_ms_uc(&self) -> bool {
        self.option43
            .as_ref()
            .is_some_and(|o| o.read_as == ReadAs::MsUcClient)
    }

    /// What the reply provisions, for the agreement rule.
    pub fn provisions(&self) -> Provisions<'_> {
        Provisions {
            option43: self.option43_bytes.as_deref(),
            profile: self.profile(),
            option120: self.option120_bytes.as_deref(),
            registrars: &self.registrars,
        }
    }

    /// Whether a device gets all it needs from this reply: a valid profile and usable 120.
    pub fn provisioned(&self) -> bool {
        self.profile().is_some() && !self.registrars.is_empty()
    }

    /// Every finding: the message's, then option 43's and 120's.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .chain(self.option43.iter().flat_map(|o| &o.findings))
            .chain(self.option120.iter().flat_map(|o| &o.findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::message::{DhcpMessage, OP_BOOTREPLY};
    use ucprov_wire::profile::Provisioning;

    fn ack(options: Vec<(u8, Vec<u8>)>) -> Vec<u8> {
        DhcpMessage {
            op: OP_BOOTREPLY,
            xid: 7,
            options,
            ..DhcpMessage::default()
        }
        .to_bytes()
        .unwrap_or_default()
    }

    fn seed_options() -> Vec<(u8, Vec<u8>)> {
        let p = Provisioning::new("lync.schertz.local", None);
        vec![
            (code::MESSAGE_TYPE, vec![5]),
            (code::SERVER_ID, vec![192, 0, 2, 1]),
            (code::VENDOR_SPECIFIC, p.option43().unwrap_or_default()),
            (code::SIP_SERVERS, p.option120().unwrap_or_default()),
        ]
    }

    #[test]
    fn a_seed_ack_to_an_ms_uc_client_inform_provisions() {
        let bytes = ack(seed_options());
        let Ok(p) = Packet::new_checked(&bytes[..]) else {
            panic!("not a message")
        };
        let r = ReplyInspection::of(&p, Vendor::MsUcClient);
        assert_eq!(r.message_type, "DHCPACK");
        assert_eq!(r.server_id, Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert!(r.provisioned());
        assert_eq!(r.registrars, ["lync.schertz.local"]);
        // Offsets are positions in the message: option 43's data follows its two header bytes.
        let o43 = r.option43.as_ref().map(|o| o.data_offset);
        assert_eq!(o43, Some(240 + 3 + 6 + 2));
        assert_eq!(r.all_findings().count(), 0);
    }

    #[test]
    fn the_same_ack_to_an_access_point_is_not_a_profile() {
        let bytes = ack(seed_options());
        let Ok(p) = Packet::new_checked(&bytes[..]) else {
            panic!("not a message")
        };
        let r = ReplyInspection::of(&p, Vendor::Other(Some(b"ArubaAP")));
        assert!(!r.read_as_ms_uc());
        assert!(r.profile().is_none());
    }

    #[test]
    fn a_missing_end_option_is_a_warning_not_malformed() {
        let mut bytes = ack(seed_options());
        let end = bytes.iter().rposition(|b| *b == 255).unwrap_or(0);
        bytes.truncate(end);
        let Ok(p) = Packet::new_checked(&bytes[..]) else {
            panic!("not a message")
        };
        let r = ReplyInspection::of(&p, Vendor::MsUcClient);
        assert!(r.provisioned());
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].kind, Kind::MissingEnd);
        assert!(!r.findings[0].is_error());
    }

    #[test]
    fn a_request_says_what_it_asked_and_as_whom() {
        let msg = DhcpMessage::inform(
            9,
            Ipv4Addr::new(192, 0, 2, 10),
            [0, 4, 0xf2, 1, 2, 3],
            Some(b"MS-UC-Client"),
            &[1, 43, 120],
        );
        let bytes = msg.to_bytes().unwrap_or_default();
        let Ok(p) = Packet::new_checked(&bytes[..]) else {
            panic!("not a message")
        };
        let r = RequestInspection::of(&p);
        assert_eq!(r.kind, Some(MessageType::Inform));
        assert_eq!(r.mac, "00:04:f2:01:02:03");
        assert!(r.asks_43 && r.asks_120 && !r.rogue_detection);
        assert_eq!(r.vendor(), Vendor::MsUcClient);
        assert_eq!(r.xid, "0x00000009");
    }
}
