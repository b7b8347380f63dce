//! A reload can never stall answers or sink the service (issue 13 item 3): `ucprov serve` in a
//! namespace keeps answering INFORMs sent every 100 ms within 50 ms while its configuration is
//! a FIFO nobody writes or a link to `/dev/zero`, its memory stays flat, the next SIGHUP after
//! a good file is back loads it, and SIGTERM ends it while a reload hangs on the FIFO.
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
/// On two cores shared with other builds and benchmarks the scheduler alone sometimes delays
/// one answer past 50 ms (seen: 92 ms right after a reload had finished): at most this share
/// of answers may be late...
const LATE_SHARE: f64 = 0.05;
/// ...and none later than this. Before the fix answers came 7 s late, or not at all.
const NEVER_LATER: Duration = Duration::from_millis(500);
/// RSS growth allowed across the whole run: `/dev/zero` read whole would be gigabytes.
const RSS_GROWTH_KIB: u64 = 16 * 1024;

/// One test at a time: each times answers, and two servers and clients at once on two shared
/// cores would time each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

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
    /// Every answer's time, for the artifact and the share that was late.
    times: Vec<Duration>,
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
            times: Vec::new(),
        }
    }

    /// One INFORM; its answer's web server name. Fails when it takes over [`NEVER_LATER`].
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
        self.times.push(took);
        assert!(
            took <= NEVER_LATER,
            "{phase}: INFORM {:#x} answered after {took:?}",
            self.xid
        );
        VendorOptions::parse(reply.option(43).unwrap())
            .get(3)
            .unwrap()
            .value
            .clone()
    }

    /// Check the share of answers later than [`ANSWER_WITHIN`] and keep every time as
    /// the artifact `<name>.times`.
    fn judge(&self, name: &str) {
        let late = self.times.iter().filter(|t| **t > ANSWER_WITHIN).count();
        let text: String = self
            .times
            .iter()
            .map(|t| format!("{}\n", t.as_micros()))
            .collect();
        std::fs::write(
            artifacts_dir().join(format!("{name}.times")),
            format!("# answer times in microseconds; {late} of {} over {ANSWER_WITHIN:?}, slowest {:?}\n{text}", self.times.len(), self.slowest),
        )
        .unwrap();
        assert!(
            (late as f64) <= LATE_SHARE * self.times.len() as f64,
            "{late} of {} answers took over {ANSWER_WITHIN:?}",
            self.times.len()
        );
    }

    /// INFORMs every 100 ms for `how_long`, each answered with `want`.
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

/// Ask every 100 ms until the answers carry `want`: the reload that brings it has been applied.
fn ask_until(client: &mut Client, phase: &str, want: &[u8]) {
    let start = Instant::now();
    loop {
        if client.ask(phase) == want {
            return;
        }
        assert!(
            start.elapsed() < SAFETY,
            "{phase}: {} never served",
            String::from_utf8_lossy(want)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn a_fifo_in_place_of_the_config_never_stalls_answers_nor_later_reloads() {
    let _serial = one_at_a_time();
    let link = VethLink::new();
    let path = artifacts_dir().join("serve-reload-fifo.toml");
    // A FIFO left by an earlier run would block this write.
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, config("old.contoso.com")).unwrap();
    let server = Serve::start(&link, "serve-reload-fifo", &path);
    let mut client = Client::new(&link);
    client.keep_asking("before", Duration::from_millis(500), b"old.contoso.com");

    // A FIFO nobody writes: the reader blocks in open(2). Two more SIGHUPs while it does.
    mkfifo(&path);
    for _ in 0..3 {
        server.signal("HUP");
        std::thread::sleep(Duration::from_millis(50));
    }
    let n = client.keep_asking("fifo", Duration::from_secs(6), b"old.contoso.com");
    assert!(n >= 40, "{n} INFORMs in 6 s");

    // A good file back: a SIGHUP loads it, though two readers are still parked on the FIFO.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, config("new.contoso.com")).unwrap();
    server.signal("HUP");
    ask_until(&mut client, "after", b"new.contoso.com");
    client.keep_asking("after", Duration::from_millis(500), b"new.contoso.com");
    let log = server.log();
    assert!(log.contains("coalesced into one more reload"), "{log}");
    // The first read and the coalesced one each time out, each said once.
    assert_eq!(server.count("not read and checked within 5 s"), 2, "{log}");
    client.judge("serve-reload-fifo");
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn a_link_to_dev_zero_in_place_of_the_config_leaves_memory_flat() {
    let _serial = one_at_a_time();
    let link = VethLink::new();
    let path = artifacts_dir().join("serve-reload-zero.toml");
    // A FIFO left by an earlier run would block this write.
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, config("old.contoso.com")).unwrap();
    let mut server = Serve::start(&link, "serve-reload-zero", &path);
    let mut client = Client::new(&link);
    client.keep_asking("before", Duration::from_millis(500), b"old.contoso.com");
    let rss_before = server.rss_kib();

    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    for _ in 0..6 {
        server.signal("HUP");
        client.keep_asking("dev-zero", Duration::from_millis(300), b"old.contoso.com");
    }
    let rss_after = server.rss_kib();
    std::fs::write(
        artifacts_dir().join("serve-reload-zero.rss"),
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

    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, config("new.contoso.com")).unwrap();
    server.signal("HUP");
    ask_until(&mut client, "after", b"new.contoso.com");
    // One line per refused reload, each saying why.
    server.wait_for("refused, not truncated", 6);
    assert_eq!(
        server.count("configuration reload rejected"),
        6,
        "{}",
        server.log()
    );
    client.judge("serve-reload-zero");
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn sigterm_ends_serve_while_a_reload_hangs_on_a_fifo() {
    let _serial = one_at_a_time();
    let link = VethLink::new();
    let path = artifacts_dir().join("serve-reload-term.toml");
    // A FIFO left by an earlier run would block this write.
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, config("old.contoso.com")).unwrap();
    let mut server = Serve::start(&link, "serve-reload-term", &path);
    mkfifo(&path);
    server.signal("HUP");
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
