//! A reload can never stall answers or sink the service (issue 13 item 3): `ucprov serve` in a
//! namespace keeps answering INFORMs sent every 100 ms within 50 ms while its configuration is
//! a FIFO nobody writes and then a link to `/dev/zero`, its memory stays flat, the next SIGHUP
//! after a good file is back loads it, and SIGTERM ends it while a reload hangs on the FIFO.
//!
//! Root and network namespaces are required; the namespaces are this test's own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ucprov_testkit::{artifacts_dir, VethLink};
use ucprov_wire::message::DhcpMessage;
use ucprov_wire::VendorOptions;

/// Only a bound against a hung test; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(30);
/// The answer bound while a reload is hung (issue 13's Must show).
const ANSWER_WITHIN: Duration = Duration::from_millis(50);
/// RSS growth allowed across the whole run: `/dev/zero` read whole would be gigabytes.
const RSS_GROWTH_KIB: u64 = 16 * 1024;

fn config(sip: &str) -> String {
    format!("[default]\nsip_servers = [\"{sip}\"]\n")
}

/// `ucprov serve --config PATH` in the server namespace, its log in `<name>.log`.
struct Serve {
    child: Child,
    log: PathBuf,
}

impl Serve {
    fn start(link: &VethLink, name: &str, path: &Path) -> Self {
        let log = artifacts_dir().join(format!("{name}.log"));
        let file = File::create(&log).unwrap();
        let mut command = link.server.command(env!("CARGO_BIN_EXE_ucprov"));
        command
            .args(["serve", "--config"])
            .arg(path)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        let mut s = Serve {
            child: command.spawn().unwrap(),
            log,
        };
        s.wait_for("DHCPINFORM responder listening", 1);
        s
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn count(&self, needle: &str) -> usize {
        self.log().matches(needle).count()
    }

    /// Wait until `needle` appears `times` times in the log.
    fn wait_for(&mut self, needle: &str, times: usize) {
        let start = Instant::now();
        while self.count(needle) < times {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("serve exited with {status}; log:\n{}", self.log());
            }
            assert!(
                start.elapsed() < SAFETY,
                "log never said {needle:?} {times} time(s):\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Resident memory in KiB, from `/proc/PID/status`.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no VmRSS in {status}"))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends INFORMs and times each answer.
struct Client {
    socket: UdpSocket,
    to: SocketAddrV4,
    ciaddr: Ipv4Addr,
    mac: [u8; 6],
    xid: u32,
    slowest: Duration,
}

impl Client {
    fn new(link: &VethLink) -> Self {
        let socket = link
            .client
            .run(|| UdpSocket::bind(SocketAddrV4::new(link.client_ip, 68)).unwrap());
        socket.set_read_timeout(Some(SAFETY)).unwrap();
        Client {
            socket,
            to: SocketAddrV4::new(link.server_ip, 67),
            ciaddr: link.client_ip,
            mac: link.client_mac,
            xid: 0x5E10_0000,
            slowest: Duration::ZERO,
        }
    }

    /// One INFORM; its answer's web server name. Fails when it takes over [`ANSWER_WITHIN`].
    fn ask(&mut self, phase: &str) -> Vec<u8> {
        self.xid += 1;
        let request = ucprov_testkit::inform_request(
            self.xid,
            self.ciaddr,
            self.mac,
            Some(b"MS-UC-Client"),
            &[43, 120],
        );
        let sent = Instant::now();
        self.socket.send_to(&request, self.to).unwrap();
        let mut buf = [0u8; 2048];
        let reply = loop {
            let (n, _) = self.socket.recv_from(&mut buf).expect("an answer");
            let reply = DhcpMessage::parse(&buf[..n]).unwrap();
            // A late answer to an earlier INFORM is not this one's.
            if reply.xid == self.xid {
                break reply;
            }
        };
        let took = sent.elapsed();
        self.slowest = self.slowest.max(took);
        assert!(
            took <= ANSWER_WITHIN,
            "{phase}: INFORM {:#x} answered after {took:?}",
            self.xid
        );
        VendorOptions::parse(reply.option(43).unwrap())
            .get(3)
            .unwrap()
            .value
            .clone()
    }

    /// INFORMs every 100 ms for `how_long`, each answered in time with `want`.
    fn keep_asking(&mut self, phase: &str, how_long: Duration, want: &[u8]) -> usize {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < how_long {
            assert_eq!(self.ask(phase), want, "{phase}");
            n += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        n
    }
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn a_fifo_or_dev_zero_in_place_of_the_config_never_stalls_answers() {
    let link = VethLink::new();
    let path = artifacts_dir().join("serve-reload-fifo.toml");
    std::fs::write(&path, config("old.contoso.com")).unwrap();
    let mut server = Serve::start(&link, "serve-reload-fifo", &path);
    let mut client = Client::new(&link);
    client.keep_asking("before", Duration::from_millis(500), b"old.contoso.com");
    let rss_before = server.rss_kib();

    // A FIFO nobody writes: the reload thread blocks in open(2) until its deadline.
    mkfifo(&path);
    server.signal("HUP");
    server.wait_for("SIGHUP: reloading", 1);
    // Two more while it is pending: coalesced, each said so.
    server.signal("HUP");
    server.wait_for("coalesced into one more reload", 1);
    server.signal("HUP");
    let n = client.keep_asking("fifo", Duration::from_secs(6), b"old.contoso.com");
    assert!(n >= 40, "{n} INFORMs in 6 s");
    server.wait_for("not read and checked within", 1);
    let log = server.log();
    assert!(
        log.contains("coalesced=2") || log.matches("coalesced into one more reload").count() >= 2,
        "{log}"
    );

    // A link to /dev/zero: refused at the size bound, never read whole.
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    // Let the coalesced reload (blocked on the FIFO it opened) time out first.
    server.wait_for("not read and checked within", 2);
    server.signal("HUP");
    client.keep_asking("dev-zero", Duration::from_secs(1), b"old.contoso.com");
    server.wait_for("refused, not truncated", 1);
    for _ in 0..5 {
        server.signal("HUP");
        client.keep_asking(
            "dev-zero again",
            Duration::from_millis(300),
            b"old.contoso.com",
        );
    }
    server.wait_for("refused, not truncated", 6);
    let rss_after = server.rss_kib();
    std::fs::write(
        artifacts_dir().join("serve-reload-fifo.rss"),
        format!(
            "VmRSS before {rss_before} KiB, after {rss_after} KiB; slowest answer {:?}\n",
            client.slowest
        ),
    )
    .unwrap();
    assert!(
        rss_after <= rss_before + RSS_GROWTH_KIB,
        "RSS grew from {rss_before} KiB to {rss_after} KiB"
    );

    // A good file back: the next SIGHUP loads it.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, config("new.contoso.com")).unwrap();
    server.signal("HUP");
    server.wait_for("configuration reloaded", 1);
    client.keep_asking("after", Duration::from_millis(500), b"new.contoso.com");
    // One line per refusal: 2 timeouts and 6 refused reads, nothing repeated.
    assert_eq!(
        server.count("configuration reload rejected"),
        8,
        "{}",
        server.log()
    );
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn sigterm_ends_serve_while_a_reload_hangs_on_a_fifo() {
    let link = VethLink::new();
    let path = artifacts_dir().join("serve-reload-term.toml");
    std::fs::write(&path, config("old.contoso.com")).unwrap();
    let mut server = Serve::start(&link, "serve-reload-term", &path);
    mkfifo(&path);
    server.signal("HUP");
    server.wait_for("SIGHUP: reloading", 1);
    let mut client = Client::new(&link);
    client.keep_asking("hung", Duration::from_millis(300), b"old.contoso.com");
    server.signal("TERM");
    // Sooner than the reload's own 5 s deadline: shutdown does not wait for the reader.
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "serve still running {:?} after SIGTERM:\n{}",
            start.elapsed(),
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}\n{}", server.log());
    assert!(server.log().contains("stopped"), "{}", server.log());
    let _ = std::fs::remove_file(&path);
}
