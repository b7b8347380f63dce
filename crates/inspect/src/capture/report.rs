//! What the capture engine reports: per client, its exchanges and verdict; per capture, the
//! totals. The JSON form is these structs serialised; every object spells each key once.

use std::net::{Ipv4Addr, SocketAddrV4};

use serde::{Serialize, Serializer};

use super::link::FrameNote;
use super::reader::Format;
use super::time::Timestamp;
use crate::finding::{Finding, Severity};
use crate::message::{ReplyInspection, RequestInspection};
use crate::option43::ReadAs;

/// Where and when a message was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    pub frame: u64,
    /// Seconds since the capture's first frame.
    pub time: f64,
    pub timestamp: Timestamp,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    pub seen: Seen,
    #[serde(flatten)]
    pub message: RequestInspection,
    /// Frames that carried the same message again (retransmissions, relay forwards).
    pub copies: Vec<u64>,
}

/// A server's message to the client. Its JSON adds what a reader would otherwise work out
/// again: `server` (who answered) and a verdict per provisioning option.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub seen: Seen,
    pub message: ReplyInspection,
}

impl Reply {
    /// Who answered: the server identifier when given, else the source address.
    pub fn server(&self) -> Ipv4Addr {
        self.message.server_id.unwrap_or(*self.seen.src.ip())
    }

    /// What this reply's option 43 gives the phone.
    pub fn option43_verdict(&self) -> OptionVerdict {
        match &self.message.option43 {
            None => OptionVerdict::Absent,
            Some(o) if o.read_as != ReadAs::MsUcClient => OptionVerdict::OtherVendor,
            Some(_) if self.message.profile().is_some() => OptionVerdict::Valid,
            Some(_) => OptionVerdict::Invalid,
        }
    }

    /// What this reply's option 120 gives the phone: registrars it can use, or none.
    pub fn option120_verdict(&self) -> OptionVerdict {
        match &self.message.option120 {
            None => OptionVerdict::Absent,
            Some(_) if !self.message.registrars.is_empty() => OptionVerdict::Valid,
            Some(_) => OptionVerdict::Invalid,
        }
    }
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            seen: &'a Seen,
            server: Ipv4Addr,
            #[serde(flatten)]
            message: &'a ReplyInspection,
            option43_verdict: OptionVerdict,
            option120_verdict: OptionVerdict,
        }
        Shape {
            seen: &self.seen,
            server: self.server(),
            message: &self.message,
            option43_verdict: self.option43_verdict(),
            option120_verdict: self.option120_verdict(),
        }
        .serialize(s)
    }
}

/// What one reply's option 43 or option 120 gives the phone, whatever the other servers said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionVerdict {
    /// The reply does not carry the option.
    Absent,
    /// Option 43: a valid MS-UC-Client profile; option 120: SIP servers the phone can use.
    Valid,
    /// Carried, but an error in it leaves the phone nothing to use (the findings say which).
    Invalid,
    /// Option 43 read as another vendor's sub-options: the request did not ask as
    /// MS-UC-Client, so it is no profile, and no fault.
    OtherVendor,
}

impl OptionVerdict {
    pub fn text(self) -> &'static str {
        match self {
            OptionVerdict::Absent => "absent",
            OptionVerdict::Valid => "valid",
            OptionVerdict::Invalid => "invalid",
            OptionVerdict::OtherVendor => "another vendor's",
        }
    }
}

/// One request with every reply to it, and what they mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    pub request: Request,
    pub replies: Vec<Reply>,
    /// Later exchanges identical to this one (same request, same answers, same findings),
    /// folded in so a phone that asks every minute is one line, not a thousand.
    pub repeats: u64,
    /// The last frame of the last folded repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_repeat_frame: Option<u64>,
    pub findings: Vec<Finding>,
}

/// A client's verdict, with how bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Provisioned,
    ServersDisagree,
    BadOption43,
    BadOption120,
    MalformedPacket,
    NoReply,
    No43Or120,
    MisdirectedReply,
    NoProvisioning,
    NotMsUcClient,
    RogueDetectionProbe,
    ReplyOnly,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Provisioned => "provisioned",
            Verdict::ServersDisagree => "servers disagree",
            Verdict::BadOption43 => "bad option 43",
            Verdict::BadOption120 => "bad option 120",
            Verdict::MalformedPacket => "malformed packet",
            Verdict::NoReply => "no reply",
            Verdict::No43Or120 => "no 43/120",
            Verdict::MisdirectedReply => "misdirected reply",
            Verdict::NoProvisioning => "no provisioning",
            Verdict::NotMsUcClient => "not MS-UC-Client",
            Verdict::RogueDetectionProbe => "rogue-detection probe",
            Verdict::ReplyOnly => "reply only",
        }
    }

    /// Whether the verdict means a device is not being provisioned as it should.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Verdict::Provisioned
                | Verdict::NotMsUcClient
                | Verdict::RogueDetectionProbe
                | Verdict::ReplyOnly
        )
    }
}

/// Everything one client hardware address did while it was in flight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientReport {
    pub mac: String,
    /// Every option 60 the client sent, in order of first use.
    pub vendor_classes: Vec<String>,
    /// Requests seen, folded repeats included.
    pub requests: u64,
    /// Of those, the ones with at least one reply.
    pub answered: u64,
    pub servers: Vec<Ipv4Addr>,
    /// From the first MS-UC-Client reply with a valid option 43: what the device would use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub registrars: Vec<String>,
    pub verdict: String,
    pub verdict_code: Verdict,
    pub first_frame: u64,
    pub last_frame: u64,
    pub exchanges: Vec<Exchange>,
    /// Replies to this client whose request is not in the capture, one per distinct answer.
    pub unmatched_replies: Vec<Reply>,
    /// Further unmatched replies identical to one listed.
    pub unmatched_repeats: u64,
    /// Findings of the unmatched replies.
    #[serde(skip)]
    pub reply_findings: Vec<Finding>,
    /// Every finding of the exchanges and the unmatched replies, each with its frame: the
    /// same findings as under each exchange, in one list for filtering.
    pub findings: Vec<Finding>,
}

impl ClientReport {
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// A datagram on the DHCP ports that the codec rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Malformed {
    pub frame: u64,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub error: Finding,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsupportedLink {
    pub link_type: u16,
    pub name: String,
    pub frames: u64,
}

/// The capture as a whole, once it has been read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub file: String,
    pub format: Format,
    pub link_types: Vec<String>,
    pub frames: u64,
    /// UDP datagrams to or from port 67 or 68.
    pub dhcp_datagrams: u64,
    /// Of those, the ones with a readable DHCP header.
    pub dhcp_messages: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame_utc: Option<String>,
    pub clients: u64,
    /// Clients whose verdict is a failure.
    pub failing_clients: u64,
    pub malformed_count: u64,
    /// The first malformed datagrams (at most [`super::engine::KEEP_NOTES`]).
    pub malformed: Vec<Malformed>,
    pub frame_note_count: u64,
    pub frame_notes: Vec<FrameNote>,
    pub unsupported_link_types: Vec<UnsupportedLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_error: Option<String>,
}

/// One line of the summary table: what is kept of a client after its report is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientRow {
    pub mac: String,
    pub vendor_classes: Vec<String>,
    pub requests: u64,
    pub answered: u64,
    pub servers: Vec<Ipv4Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    pub verdict: String,
    pub first_frame: u64,
    pub last_frame: u64,
}

impl ClientReport {
    pub fn row(&self) -> ClientRow {
        ClientRow {
            mac: self.mac.clone(),
            vendor_classes: self.vendor_classes.clone(),
            requests: self.requests,
            answered: self.answered,
            servers: self.servers.clone(),
            provisioning_url: self.provisioning_url.clone(),
            verdict: self.verdict.clone(),
            first_frame: self.first_frame,
            last_frame: self.last_frame,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a panic is the failure report

    use std::net::{Ipv4Addr, SocketAddrV4};

    use ucprov_wire::message::{code, DhcpMessage, Packet, OP_BOOTREPLY};
    use ucprov_wire::profile::Provisioning;

    use super::*;
    use crate::option43::Vendor;

    fn reply(options: Vec<(u8, Vec<u8>)>, vendor: Vendor<'_>) -> Reply {
        let bytes = DhcpMessage {
            op: OP_BOOTREPLY,
            xid: 7,
            options,
            ..DhcpMessage::default()
        }
        .to_bytes()
        .unwrap();
        let p = Packet::new_checked(&bytes[..]).unwrap();
        let src = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 9), 67);
        Reply {
            seen: Seen {
                frame: 2,
                time: 0.001,
                timestamp: Timestamp::default(),
                src,
                dst: SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 50), 68),
                vlan: None,
            },
            message: ReplyInspection::of(&p, vendor),
        }
    }

    fn seed() -> (Vec<u8>, Vec<u8>) {
        let p = Provisioning::new("lync.schertz.local", None);
        (p.option43().unwrap(), p.option120().unwrap())
    }

    #[test]
    fn a_seed_ack_has_both_options_valid_and_names_its_server_id() {
        let (o43, o120) = seed();
        let r = reply(
            vec![
                (code::MESSAGE_TYPE, vec![5]),
                (code::SERVER_ID, vec![192, 0, 2, 1]),
                (code::VENDOR_SPECIFIC, o43),
                (code::SIP_SERVERS, o120),
            ],
            Vendor::MsUcClient,
        );
        assert_eq!(r.option43_verdict(), OptionVerdict::Valid);
        assert_eq!(r.option120_verdict(), OptionVerdict::Valid);
        let v = serde_json::to_value(&r).unwrap();
        // The server identifier, not the source address, says who answered.
        assert_eq!(v["server"], "192.0.2.1");
        assert_eq!(v["server_id"], "192.0.2.1");
        assert_eq!(v["seen"]["src"], "192.0.2.9:67");
        assert_eq!(v["option43_verdict"], "valid");
        assert_eq!(v["option120_verdict"], "valid");
        assert_eq!(v["message_type"], "DHCPACK");
    }

    #[test]
    fn without_a_server_id_the_source_answered_and_missing_options_are_absent() {
        let r = reply(vec![(code::MESSAGE_TYPE, vec![5])], Vendor::MsUcClient);
        assert_eq!(r.option43_verdict(), OptionVerdict::Absent);
        assert_eq!(r.option120_verdict(), OptionVerdict::Absent);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["server"], "192.0.2.9");
        assert!(v.get("server_id").is_none(), "{v}");
        assert_eq!(v["option43_verdict"], "absent");
    }

    #[test]
    fn broken_options_are_invalid_and_another_vendors_43_is_no_fault() {
        let (o43, _) = seed();
        // Sub-option 1's length runs past the option's end; option 120 with an unknown encoding.
        let r = reply(
            vec![
                (code::MESSAGE_TYPE, vec![5]),
                (code::VENDOR_SPECIFIC, vec![1, 40, b'M', b'S']),
                (code::SIP_SERVERS, vec![7, 1, 2, 3, 4]),
            ],
            Vendor::MsUcClient,
        );
        assert_eq!(r.option43_verdict(), OptionVerdict::Invalid);
        assert_eq!(r.option120_verdict(), OptionVerdict::Invalid);
        let r = reply(
            vec![(code::MESSAGE_TYPE, vec![5]), (code::VENDOR_SPECIFIC, o43)],
            Vendor::Other(Some(b"ArubaAP")),
        );
        assert_eq!(r.option43_verdict(), OptionVerdict::OtherVendor);
        assert_eq!(OptionVerdict::OtherVendor.text(), "another vendor's");
    }
}
