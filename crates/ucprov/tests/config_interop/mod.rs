//! Shared steps of the `ucprov config` interop tests: generate with the built binary, run the
//! peer's own checker, ask with a DHCPINFORM like a Lync device, and compare the reply with
//! what `Provisioning` encodes: option 43 sub-option by sub-option (peers reorder them and may
//! append an end byte), option 120 by decoded names.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use ucprov_testkit::{artifacts_dir, exchange, inform_request, Netns, Reply};
use ucprov_wire::message::{DhcpMessage, MessageType, Packet};
use ucprov_wire::profile::{MsUcProfile, Provisioning, VENDOR_CLASS};
use ucprov_wire::sip_servers::SipServers;
use ucprov_wire::vendor::VendorOptions;

/// One profile the peers are tried with.
pub struct Case {
    pub name: &'static str,
    pub fqdn: String,
}

impl Case {
    pub fn provisioning(&self) -> Provisioning {
        Provisioning::new(self.fqdn.clone(), None)
    }

    /// Option 43 over 255 bytes: needs RFC 3396 splitting.
    pub fn is_long(&self) -> bool {
        self.provisioning().option43().unwrap().len() > 255
    }
}

/// The seed (18 characters), the longest FQDN Cisco IOS takes (23), one past it (24), and one
/// whose option 43 needs RFC 3396 splitting (200: 267 bytes).
pub fn cases() -> Vec<Case> {
    let long = format!(
        "{}.{}.{}.pool.com",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63)
    );
    let cases = vec![
        Case {
            name: "fqdn18",
            fqdn: "lync.schertz.local".into(),
        },
        Case {
            name: "fqdn23",
            fqdn: "lyncpool01.contoso.corp".into(),
        },
        Case {
            name: "fqdn24",
            fqdn: "lyncpool01.contoso.local".into(),
        },
        Case {
            name: "fqdn200",
            fqdn: long,
        },
    ];
    for (case, len) in cases.iter().zip([18, 23, 24, 200]) {
        assert_eq!(case.fqdn.len(), len, "{}", case.name);
    }
    cases
}

/// Run `ucprov config --target TARGET --sip-server FQDN EXTRA…`.
pub fn ucprov_config(target: &str, fqdn: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(["config", "--target", target, "--sip-server", fqdn])
        .args(extra)
        .output()
        .expect("run ucprov")
}

/// The generated configuration; fails the test with ucprov's stderr when there is none.
pub fn generated(out: &Output) -> String {
    assert!(
        out.status.success(),
        "ucprov config failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// For a profile the target cannot carry: exit 1, nothing on stdout, the limit named on stderr.
pub fn assert_refused(out: &Output, target: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{target}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{target}: config printed despite the limit"
    );
    assert!(
        stderr.contains(&format!("ucprov: error: {target}: option 43 is 267 bytes")),
        "{target}: {stderr}"
    );
    stderr
}

/// A scratch directory for one peer run, kept under the artifacts dir for inspection.
pub fn workdir(name: &str) -> PathBuf {
    let dir = artifacts_dir().join(format!("config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Run a peer's own configuration checker; fail with its output if it rejects the file.
pub fn check_with(mut checker: Command, what: &str) {
    let out = checker
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} rejected the generated config:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Option 55 as a Lync device sends it: subnet mask, router, DNS, 43, 120.
const REQUESTED: [u8; 5] = [1, 3, 6, 43, 120];

/// Option 57 (maximum DHCP message size) for 1500-byte Ethernet: lets a reply exceed 576 bytes.
pub const MAX_SIZE_1500: (u8, [u8; 2]) = (57, [0x05, 0xDC]);

/// Send a DHCPINFORM from `bind` (ciaddr = its address) to `server` inside `ns` until an
/// answer with our xid arrives. The retries only bound the wait while the peer starts up.
pub fn ask(
    ns: &Netns,
    bind: SocketAddr,
    server: SocketAddr,
    mac: [u8; 6],
    vendor_class: &str,
) -> Reply {
    ask_with(ns, bind, server, mac, vendor_class, None)
}

/// [`ask`], with option 57 added when `max_size` is given.
pub fn ask_with(
    ns: &Netns,
    bind: SocketAddr,
    server: SocketAddr,
    mac: [u8; 6],
    vendor_class: &str,
    max_size: Option<(u8, [u8; 2])>,
) -> Reply {
    let SocketAddr::V4(bind4) = bind else {
        panic!("IPv4 only")
    };
    let xid = 0x4C59_0000 | (std::process::id() & 0xFFFF);
    let mut request = inform_request(
        xid,
        *bind4.ip(),
        mac,
        Some(vendor_class.as_bytes()),
        &REQUESTED,
    );
    if let Some((code, value)) = max_size {
        let mut m = DhcpMessage::parse(&request).unwrap();
        m.options.push((code, value.to_vec()));
        request = m.to_bytes().unwrap();
    }
    for _ in 0..20 {
        let replies = ns.run(|| exchange(bind, server, &request, Duration::from_millis(1500)));
        if let Some(r) = replies.into_iter().find(|r| {
            Packet::new_checked(&r.bytes[..])
                .map(|p| p.op() == 2 && p.xid() == xid)
                .unwrap_or(false)
        }) {
            return r;
        }
    }
    panic!("no reply to the DHCPINFORM (vendor class {vendor_class:?}) from {server}");
}

/// What a reply carried, for the summary line.
pub struct Seen {
    pub o43_len: usize,
    /// Length of each option 43 instance, in packet order (RFC 3396 parts).
    pub o43_parts: Vec<usize>,
    pub o43_order: Vec<u8>,
    pub o120_len: usize,
    pub o120_parts: usize,
    pub datagram: usize,
}

/// Run `f` on the reply's options, after checking it is a DHCPACK to an INFORM.
fn with_ack_options<R>(reply: &Reply, f: impl FnOnce(&ucprov_wire::OptionSet<'_>) -> R) -> R {
    let packet = Packet::new_checked(&reply.bytes[..]).expect("reply is a DHCP message");
    assert_eq!(
        packet.yiaddr(),
        Ipv4Addr::UNSPECIFIED,
        "an INFORM reply assigns no address"
    );
    let options = packet.options().expect("reply options decode");
    let kind = options
        .get(53)
        .map(|t| t.first().copied().map(MessageType::from_u8));
    assert_eq!(kind, Some(Some(MessageType::Ack)));
    f(&options)
}

/// The reply is a DHCPACK whose option 43 holds exactly the profile's sub-options and whose
/// option 120 names exactly the profile's SIP servers.
pub fn assert_provisions(reply: &Reply, p: &Provisioning) -> Seen {
    with_ack_options(reply, |options| {
        let o43 = options.get(43).expect("reply has option 43");
        let vendor = assert_option43(&o43, p);
        let o120 = options.get(120).expect("reply has option 120");
        assert_eq!(
            SipServers::parse(&o120).as_ref(),
            Ok(&p.sip_servers),
            "option 120 names"
        );
        Seen {
            o43_len: o43.len(),
            o43_parts: options.parts(43).map(|i| i.value.len()).collect(),
            o43_order: vendor.items.iter().map(|s| s.code).collect(),
            o120_len: o120.len(),
            o120_parts: options.parts(120).count(),
            datagram: reply.bytes.len() + 28,
        }
    })
}

/// The reply has the whole option 43 but no option 120; returns the IP datagram size.
pub fn assert_only_option43(reply: &Reply, p: &Provisioning) -> usize {
    with_ack_options(reply, |options| {
        assert_option43(&options.get(43).expect("reply has option 43"), p);
        assert!(
            !options.contains(120),
            "option 120 was expected to be left out"
        );
    });
    reply.bytes.len() + 28
}

/// Option 43's data holds exactly the profile's sub-options, in any order, end byte allowed.
pub fn assert_option43(o43: &[u8], p: &Provisioning) -> VendorOptions {
    let vendor = VendorOptions::parse(o43);
    assert_eq!(vendor.error, None, "option 43 walks cleanly");
    assert_eq!(vendor.trailing, 0, "nothing after an end byte");
    let mut got: Vec<(u8, Vec<u8>)> = vendor
        .items
        .iter()
        .map(|s| (s.code, s.value.clone()))
        .collect();
    let mut want = p.profile.suboptions();
    got.sort();
    want.sort();
    assert_eq!(got, want, "option 43 sub-options");
    assert_eq!(
        MsUcProfile::from_vendor_options(&vendor).as_ref(),
        Ok(&p.profile)
    );
    vendor
}

/// The reply to a client of another vendor class carries neither option 43 nor 120.
pub fn assert_not_provisioned(reply: &Reply) {
    with_ack_options(reply, |options| {
        assert!(
            !options.contains(43),
            "option 43 went to a non-MS-UC-Client vendor class"
        );
        assert!(
            !options.contains(120),
            "option 120 went to a non-MS-UC-Client vendor class"
        );
    });
}

/// One summary line per peer and profile; `--nocapture` shows them.
pub fn summary(peer: &str, case: &Case, seen: &Seen, other: &str) {
    println!(
        "interop {peer} {}: DHCPACK ({} byte datagram) option 43 = {} bytes in TLVs of {:?} bytes, sub-options {:?}; option 120 = {} bytes in {} TLV(s); decodes to the encoded profile; {other}",
        case.name, seen.datagram, seen.o43_len, seen.o43_parts, seen.o43_order, seen.o120_len, seen.o120_parts
    );
}

pub const MS_UC_CLIENT: &str = VENDOR_CLASS;
pub const OTHER: &str = "Other";

/// Two `--scope`s for the multi-scope checks: TEST-NET-1 and TEST-NET-2 (RFC 5737).
pub const TWO_SCOPES: [&str; 4] = ["--scope", "192.0.2.0/24", "--scope", "198.51.100.0/24"];

/// The vendor class of a PXE client (Intel's UNDI string), asked beside the phone so a test
/// sees what else an option 43 setting reaches.
pub const PXE_CLIENT: &str = "PXEClient:Arch:00000:UNDI:002001";

/// Option `code` of `reply` as `ucprov audit --json` spells option bytes (contiguous hex), or
/// null when the reply has none: the wire and the audit report compared field for field.
pub fn option_hex(reply: &Reply, code: u8) -> serde_json::Value {
    let p = Packet::new_checked(&reply.bytes[..]).expect("a reply we parsed once");
    let o = p.options().expect("its options");
    o.get(code).map_or(serde_json::Value::Null, |b| {
        serde_json::Value::String(ucprov_wire::hex::HexStyle::CONTIGUOUS.format(&b))
    })
}

/// The `.conf` files of `crates/audit/tests/corpus/DIALECT` that `keep` takes, sorted.
pub fn audit_corpus(dialect: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../audit/tests/corpus")
        .join(dialect);
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .expect("the audit corpus")
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf") && keep(p))
        .collect();
    files.sort();
    files
}

/// What a real server sent against what `ucprov audit --json` reported for the same scope
/// (`audit` is one entry of the report's `audits`, `scope` one of its `scopes`): options 43
/// and 120 in the MS-UC-Client reply and option 43 in the PXEClient reply, byte for byte.
/// When the audit warns `reply_size`, a server may leave an option out of a reply over 576
/// bytes, as the warning says it may: that is printed, not failed. `peer` names the server
/// in the log lines ("dhcpd"), `label` the test ("audit-isc").
pub fn assert_sends_what_audit_reports(
    (label, peer): (&str, &str),
    stem: &str,
    (audit, scope): (&serde_json::Value, &serde_json::Value),
    (ms, pxe): (&Reply, &Reply),
) {
    let oversize = audit["findings"]
        .as_array()
        .expect("the audit's findings")
        .iter()
        .any(|f| f["kind"] == "reply_size");
    for (code, key) in [(43, "option43"), (120, "option120")] {
        let sent = option_hex(ms, code);
        if oversize && sent.is_null() {
            println!("{label} {stem}: reply over 576 bytes: {peer} left option {code} out, as the reply_size warning says it may");
            continue;
        }
        assert_eq!(
            sent, scope[key]["hex"],
            "{stem}: MS-UC-Client option {code}"
        );
    }
    let reported = scope["others"]
        .as_array()
        .expect("the scope's other clients")
        .iter()
        .find(|c| c["client"] == PXE_CLIENT)
        .map_or(serde_json::Value::Null, |c| c["option43"]["hex"].clone());
    assert_eq!(option_hex(pxe, 43), reported, "{stem}: PXEClient option 43");
    println!(
        "{label} {stem}: {peer} sends what audit reports (MS 43 {}, 120 {}, PXE 43 {})",
        !scope["option43"].is_null(),
        !scope["option120"].is_null(),
        !reported.is_null()
    );
}

/// ISC dhcpd in the foreground on `link`'s server side with `conf`, an empty lease file and
/// its pid file in `dir`, once it says it serves. `name` labels the peer's log artifact.
pub fn spawn_dhcpd(
    dhcpd: &Path,
    link: &ucprov_testkit::VethLink,
    (conf, dir): (&Path, &Path),
    name: &str,
) -> ucprov_testkit::Peer {
    let leases = dir.join("dhcpd.leases");
    write(&leases, "");
    let mut server = link.server.command(dhcpd);
    server
        .args(["-4", "-f", "-d", "-cf"])
        .arg(conf)
        .arg("-lf")
        .arg(&leases)
        .arg("-pf")
        .arg(dir.join("dhcpd.pid"))
        .arg(&link.server_if);
    let mut peer = ucprov_testkit::Peer::spawn(server, name);
    peer.wait_for_log("Server starting service", Duration::from_secs(20));
    peer
}
