//! Any datagram on the responder's socket: `decide` must not panic, and a reply it builds
//! must be a DHCPACK that parses, for the same transaction.
#![no_main]

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucprov_responder::config::Config;
use ucprov_responder::policy::{decide, Arrival, Policy, Verdict};
use ucprov_wire::message::{DhcpMessage, MessageType, Packet};

// Two sites (one relayed, one direct) so both paths of the site choice are reached.
const CONFIG: &str = r#"
[default]
sip_servers = ["lync.schertz.local"]
[[site]]
name = "relayed"
relays = ["10.9.0.1"]
subnets = ["10.9.0.0/16"]
sip_servers = ["pool-b.contoso.com"]
web_server = "web-b.contoso.com"
"#;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let config = Config::from_toml(CONFIG).expect("the target's own config loads");
        Policy::new(config, |_| Some(2)).expect("the target's own policy builds")
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks where the datagram came from: a client or a relay.
    let (source, data) = match data.split_first() {
        Some((b, rest)) if b & 1 == 1 => (SocketAddrV4::new(Ipv4Addr::new(10, 9, 0, 1), 67), rest),
        Some((_, rest)) => (SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 68), rest),
        None => return,
    };
    let arrival = Arrival {
        source,
        local: Ipv4Addr::new(192, 0, 2, 1),
        ifindex: 2,
    };
    let mut out = Vec::new();
    let outcome = decide(data, &arrival, policy(), &mut out);
    if let Verdict::Reply { .. } = outcome.verdict {
        let reply = DhcpMessage::parse(&out).expect("the reply we built parses");
        let request = Packet::new_checked(data).expect("we replied to a readable request");
        assert_eq!(reply.xid, request.xid(), "reply for another transaction");
        let p = Packet::new_checked(&out[..]).expect("reply header");
        let kind = p.options().ok().and_then(|o| o.message_type());
        assert_eq!(kind, Some(MessageType::Ack), "a reply that is not a DHCPACK");
    }
});
