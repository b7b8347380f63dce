//! `ucprov watch` on live traffic: two real DHCP servers on one bridged segment in network
//! namespaces the test creates, dnsmasq and `ucprov serve`, answer one MS-UC-Client INFORM
//! with different provisioning; a second INFORM is one neither answers. `ucprov watch`, in
//! the client's namespace on the client's veth, must report both servers and the conflict as
//! JSON lines, and its metrics endpoint (fetched inside the namespace) must count the replies
//! of both servers, the conflict and the unanswered INFORM. SIGTERM must stop it cleanly.
//!
//! Topology (192.0.2.0/24 only, all inside the test's namespaces):
//!
//! ```text
//!   ns srv1: veth-s1 192.0.2.1  (dnsmasq)        ─┐
//!   ns srv2: veth-s2 192.0.2.2  (ucprov serve)   ─┼─ ns br: bridge br0
//!   ns cli:  veth-cli 192.0.2.10 (ucprov watch)  ─┘
//! ```
//!
//! Root, iproute2 and dnsmasq are required: a missing one fails the test with the package.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ucprov_testkit::{
    artifacts_dir, exchange, http_get, inform_request, require_root, require_tool, Netns, Peer,
};

/// Only a bound against a hung test; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(40);
const METRICS: &str = "127.0.0.1:9468";
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x10];
/// The client dnsmasq ignores and whose ciaddr no `ucprov serve` site covers.
const SILENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x99];
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

struct Lan {
    _br: Netns,
    srv1: Netns,
    srv2: Netns,
    cli: Netns,
}

/// Three namespaces on one bridge. Every veth is created inside the bridge's namespace with
/// its peer put straight into its own: nothing touches the host's namespace.
fn lan() -> Lan {
    require_root();
    let br = Netns::new("wbr");
    let srv1 = Netns::new("ws1");
    let srv2 = Netns::new("ws2");
    let cli = Netns::new("wcli");
    br.ip(&[
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
    ]);
    br.ip(&["link", "set", "br0", "up"]);
    let ends = [
        (
            &srv1,
            "veth-s1",
            "port-s1",
            "02:00:00:00:01:01",
            "192.0.2.1/24",
        ),
        (
            &srv2,
            "veth-s2",
            "port-s2",
            "02:00:00:00:02:02",
            "192.0.2.2/24",
        ),
        (
            &cli,
            "veth-cli",
            "port-cli",
            "02:00:00:00:00:10",
            "192.0.2.10/24",
        ),
    ];
    for (ns, inner, port, mac, addr) in ends {
        br.ip(&[
            "link",
            "add",
            port,
            "type",
            "veth",
            "peer",
            "name",
            inner,
            "netns",
            ns.name(),
        ]);
        br.ip(&["link", "set", port, "master", "br0"]);
        br.ip(&["link", "set", port, "up"]);
        ns.ip(&["link", "set", inner, "address", mac]);
        ns.ip(&["addr", "add", addr, "dev", inner]);
        ns.ip(&["link", "set", inner, "up"]);
    }
    Lan {
        _br: br,
        srv1,
        srv2,
        cli,
    }
}

/// dnsmasq with the MS-UC-Client profile of `scripts/make-captures` (web.contoso.com,
/// pool.contoso.com), ignoring `SILENT_MAC`.
fn dnsmasq(ns: &Netns) -> Peer {
    let bin = require_tool("dnsmasq", "dnsmasq");
    let dir = artifacts_dir();
    let conf = dir.join("watch-dnsmasq.conf");
    std::fs::write(
        &conf,
        "port=0\nno-resolv\nno-hosts\ninterface=veth-s1\nbind-interfaces\nleasefile-ro\nlog-dhcp\n\
         dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,1h\n\
         dhcp-host=02:00:00:00:00:99,ignore\n\
         dhcp-vendorclass=set:msuc,MS-UC-Client\n\
         dhcp-option=vendor:MS-UC-Client,1,\"MS-UC-Client\"\n\
         dhcp-option=vendor:MS-UC-Client,2,\"https\"\n\
         dhcp-option=vendor:MS-UC-Client,3,\"web.contoso.com\"\n\
         dhcp-option=vendor:MS-UC-Client,4,\"443\"\n\
         dhcp-option=vendor:MS-UC-Client,5,\"/CertProv/CertProvisioningService.svc\"\n\
         dhcp-option=tag:msuc,option:sip-server,pool.contoso.com\n",
    )
    .unwrap();
    let mut command = ns.command(bin);
    command
        .args(["--keep-in-foreground", "--log-facility=-", "--user=root"])
        .arg(format!("--conf-file={}", conf.display()))
        .arg(format!(
            "--pid-file={}",
            dir.join("watch-dnsmasq.pid").display()
        ));
    let mut peer = Peer::spawn(command, "watch-dnsmasq");
    peer.wait_for_log("DHCP, IP range", SAFETY);
    peer
}

/// `ucprov serve` answering 192.0.2.0/25 with another registrar: it disagrees with dnsmasq,
/// and says nothing to a ciaddr above 192.0.2.127.
fn serve(ns: &Netns) -> Peer {
    common::serve_in(
        ns,
        "watch-serve",
        "[[site]]\nname = \"lab\"\nsubnets = [\"192.0.2.0/25\"]\nsip_servers = [\"lync.schertz.local\"]\n",
    )
}

struct Watch {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Watch {
    fn start(ns: &Netns) -> Self {
        let dir = artifacts_dir();
        let stdout = dir.join("watch.jsonl");
        let stderr = dir.join("watch.stderr.log");
        let mut command = ns.command(env!("CARGO_BIN_EXE_ucprov"));
        command
            .args(["watch", "--interface", "veth-cli", "--metrics", METRICS])
            .args(["--json-lines", "--window", "2"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let child = command.spawn().unwrap();
        let mut w = Watch {
            child,
            stdout,
            stderr,
        };
        w.wait_until("stderr", |w| w.err().contains("metrics on http://"));
        w
    }

    fn out(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    fn err(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn lines(&self) -> Vec<serde_json::Value> {
        self.out()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn wait_until(&mut self, what: &str, done: impl Fn(&Watch) -> bool) {
        let start = Instant::now();
        while start.elapsed() < SAFETY {
            if done(self) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "ucprov watch exited with {status} before its {what} was ready:\n{}\n{}",
                    self.out(),
                    self.err()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "ucprov watch never got its {what} ready:\nstdout:\n{}\nstderr:\n{}",
            self.out(),
            self.err()
        );
    }

    /// SIGTERM, then the exit status within the safety bound.
    fn stop(&mut self) -> std::process::ExitStatus {
        // `ip netns exec` execs the program, so the child's pid is ucprov's.
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid}");
        let start = Instant::now();
        while start.elapsed() < SAFETY {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("ucprov watch did not stop on SIGTERM:\n{}", self.err());
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn send_inform(cli: &Netns, xid: u32, mac: [u8; 6], ciaddr: Ipv4Addr) -> Vec<Ipv4Addr> {
    let request = inform_request(xid, ciaddr, mac, Some(b"MS-UC-Client"), &[1, 6, 43, 120]);
    let bind = SocketAddr::V4(SocketAddrV4::new(CLIENT_IP, 68));
    let to = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, 67));
    let mut from: Vec<Ipv4Addr> = cli
        .run(move || exchange(bind, to, &request, Duration::from_secs(2)))
        .iter()
        .filter_map(|r| match r.from {
            SocketAddr::V4(a) => Some(*a.ip()),
            SocketAddr::V6(_) => None,
        })
        .collect();
    from.sort();
    from
}

fn exchange_of<'a>(lines: &'a [serde_json::Value], xid: &str) -> Option<&'a serde_json::Value> {
    lines.iter().find(|l| l["request"]["xid"] == xid)
}

fn kinds(line: &serde_json::Value) -> Vec<String> {
    line["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["kind"].as_str().map(str::to_string))
        .collect()
}

/// The value of the sample `name` (with its labels) in Prometheus text.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq; run by scripts/test-all"]
fn watch_reports_two_disagreeing_servers_and_an_unanswered_inform() {
    let lan = lan();
    let _dnsmasq = dnsmasq(&lan.srv1);
    let _serve = serve(&lan.srv2);
    let mut watch = Watch::start(&lan.cli);

    let answered = send_inform(&lan.cli, 0x7761_7463, CLIENT_MAC, CLIENT_IP);
    assert_eq!(
        answered,
        [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)],
        "dnsmasq and ucprov serve both answer the INFORM"
    );
    let silent = send_inform(
        &lan.cli,
        0x7369_6c6e,
        SILENT_MAC,
        Ipv4Addr::new(192, 0, 2, 200),
    );
    assert!(
        silent.is_empty(),
        "nobody answers {SILENT_MAC:02x?}: {silent:?}"
    );

    // Both exchanges close a window (2 s) after their last packet, without further traffic.
    watch.wait_until("two exchanges", |w| {
        let lines = w.lines();
        exchange_of(&lines, "0x77617463").is_some() && exchange_of(&lines, "0x73696c6e").is_some()
    });
    let lines = watch.lines();
    std::fs::write(
        artifacts_dir().join("watch.pretty.json"),
        serde_json::to_string_pretty(&lines).unwrap(),
    )
    .unwrap();
    let both = exchange_of(&lines, "0x77617463").unwrap();
    assert_eq!(both["event"], "exchange");
    assert_eq!(both["mac"], "02:00:00:00:00:10");
    assert_eq!(both["request"]["message_type"], "DHCPINFORM");
    let mut servers: Vec<&str> = both["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    servers.sort_unstable();
    assert_eq!(servers, ["192.0.2.1", "192.0.2.2"], "{both:#}");
    assert!(
        kinds(both).iter().any(|k| k == "conflicting_servers"),
        "{both:#}"
    );
    let none = exchange_of(&lines, "0x73696c6e").unwrap();
    assert_eq!(none["mac"], "02:00:00:00:00:99");
    assert_eq!(
        none["replies"].as_array().map(Vec::len),
        Some(0),
        "{none:#}"
    );
    assert!(kinds(none).iter().any(|k| k == "no_reply"), "{none:#}");

    let metrics = lan.cli.run(|| http_get(METRICS, "/metrics"));
    std::fs::write(artifacts_dir().join("watch.metrics.txt"), &metrics).unwrap();
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for server in ["192.0.2.1", "192.0.2.2"] {
        let name = format!("ucprov_watch_server_replies_total{{server=\"{server}\"}}");
        assert!(sample(&metrics, &name) >= 1.0, "{metrics}");
    }
    assert!(sample(&metrics, "ucprov_watch_conflicting_servers_total") >= 1.0);
    assert!(
        sample(
            &metrics,
            "ucprov_watch_informs_unanswered_total{vendor_class=\"MS-UC-Client\"}"
        ) >= 1.0,
        "{metrics}"
    );
    assert!(sample(&metrics, "ucprov_watch_clients_seen_total") >= 2.0);
    assert!(
        sample(
            &metrics,
            "ucprov_watch_dhcp_messages_total{type=\"DHCPINFORM\"}"
        ) >= 2.0
    );
    assert!(
        sample(
            &metrics,
            "ucprov_watch_dhcp_messages_total{type=\"DHCPACK\"}"
        ) >= 2.0
    );

    let status = watch.stop();
    assert!(status.success(), "{status}: {}", watch.err());
    assert!(watch.err().contains("stopped"), "{}", watch.err());
}

#[test]
fn watch_on_a_missing_interface_is_an_environment_error() {
    let run = common::ucprov(&["watch", "--interface", "no-such-if0"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no interface named \"no-such-if0\""),
        "{}",
        run.stderr
    );
}

#[test]
#[ignore = "privileged: needs root to drop to an unprivileged user; run by scripts/test-all"]
fn watch_without_cap_net_raw_says_so() {
    require_root();
    let setpriv = require_tool("setpriv", "util-linux");
    let out = Command::new(setpriv)
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_ucprov"))
        .args(["watch", "--interface", "lo"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("CAP_NET_RAW"), "{stderr}");
}
