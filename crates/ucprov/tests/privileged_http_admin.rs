//! The admin endpoint at its cap (issue 13 item 6): `ucprov serve --no-dhcp` with the
//! default descriptor limit of 1,024, and 1,100 idle clients on the admin port. Before the
//! shared accept loop those clients took every descriptor: CertProv accepted nothing for
//! 19.8 s and the admin loop spun at 100 % CPU on EMFILE. Now the admin listener holds at most
//! its cap (64) and closes the longest-idle connection for each new one, so CertProv and the
//! admin endpoint both keep answering, and once the idle clients leave the descriptors are
//! back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use ucprov_testkit::{http_get, require_tool, Peer};

const IDLE_CLIENTS: usize = 1_100;
/// The admin listener's cap (`ucprov_responder::admin::limits`).
const ADMIN_CAP: usize = 64;
/// Only a bound against a hung test.
const SAFETY: Duration = Duration::from_secs(30);

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
}

/// Descriptors the process has open now.
fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or_else(|e| panic!("read /proc/{pid}/fd: {e}"))
}

const ACCEPTED: &str = "ucprov_http_connections_accepted_total{listener=\"admin\"} ";
const OPEN: &str = "ucprov_http_connections_open{listener=\"admin\"} ";
const HEAD_TIMEOUT: &str =
    "ucprov_http_connections_closed_total{listener=\"admin\",reason=\"head_timeout\"} ";
const EVICTED: &str =
    "ucprov_http_connections_closed_total{listener=\"admin\",reason=\"evicted\"} ";

/// The value of the series `prefix` (name, labels and a space) in an admin `/metrics` answer.
fn counter(metrics: &str, prefix: &str) -> usize {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix}in the admin /metrics: {metrics}"))
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < SAFETY, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "privileged: needs prlimit (util-linux) to give the test 4,096 descriptors and 1,100 loopback connections; run by scripts/test-all"]
fn admin_at_its_cap_keeps_certprov_and_itself_answering() {
    let prlimit = require_tool("prlimit", "util-linux");
    // This test holds 1,100 client sockets: raise its own soft limit (within the hard one).
    let me = std::process::id().to_string();
    let raised = Command::new(&prlimit)
        .args(["--pid", &me, "--nofile=4096:"])
        .status()
        .expect("run prlimit");
    assert!(raised.success(), "prlimit --pid {me} --nofile=4096: failed");

    let (admin, certprov) = (free_port(), free_port());
    let state = tempfile::tempdir().unwrap();
    // The default soft limit of a login shell and of systemd services without LimitNOFILE=.
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -n 1024 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_ucprov"))
        .args(["serve", "--no-dhcp", "--admin", &admin.to_string()])
        .args(["--certprov-listen", &certprov.to_string()])
        .arg("--state-dir")
        .arg(state.path())
        .env("RUST_LOG", "info");
    let mut serve = Peer::spawn(command, "privileged_http_admin");
    serve.wait_for_log("certprov: http://", SAFETY);
    let chain = "/CertProv/CertProvisioningService.svc";
    wait_for("admin answers /healthz", || {
        TcpStream::connect(admin).is_ok() && http_get(admin, "/healthz").contains(" 200 ")
    });
    let baseline = fds(serve.pid());
    let accepted_before = counter(&http_get(admin, "/metrics"), ACCEPTED);

    let mut idle = Vec::with_capacity(IDLE_CLIENTS);
    for i in 0..IDLE_CLIENTS {
        idle.push(TcpStream::connect(admin).unwrap_or_else(|e| panic!("idle client {i}: {e}")));
    }
    // A client's connect() returns once the kernel has the connection, not once the server
    // took it: when the accept queue overflows, the kernel holds the last handshakes back
    // and retries them a second later. Wait until the loop has taken every idle client,
    // counting out the scrapes that ask (each one is an accepted connection too).
    let mut scrapes = 0;
    wait_for("the admin loop to accept every idle client", || {
        scrapes += 1;
        counter(&http_get(admin, "/metrics"), ACCEPTED) >= accepted_before + IDLE_CLIENTS + scrapes
    });
    // An evicted connection's task closes its descriptor a moment after the loop chose it.
    wait_for("the admin loop to settle at its cap", || {
        fds(serve.pid()) <= baseline + ADMIN_CAP + 2
    });
    let got = http_get(certprov, chain);
    assert!(
        got.starts_with("HTTP/1.1 200"),
        "certprov with idle admin clients: {got}"
    );
    let metrics = http_get(admin, "/metrics");
    assert!(
        metrics.starts_with("HTTP/1.1 200") && metrics.contains("ucprov_certprov_requests_total"),
        "admin /metrics at its cap: {metrics}"
    );
    // This scrape is one of the open connections; the ones the loop chose to make room for it
    // (a 32nd of the cap at a time) count as open until their task has closed them.
    let open = counter(&metrics, OPEN);
    assert!(
        open <= ADMIN_CAP + ADMIN_CAP / 32,
        "{open} admin connections open, its cap is {ADMIN_CAP}: {metrics}"
    );
    // The admin page counts what its loop did. The idle clients never close, so the server
    // ended every one past the cap: evicted to make room, or closed at the head deadline,
    // which the listener cuts to about 2 s under pressure (a slow machine reaches it
    // before the last idle client is taken).
    let (evicted, timed_out) = (counter(&metrics, EVICTED), counter(&metrics, HEAD_TIMEOUT));
    assert!(
        evicted > 0 && evicted + timed_out >= IDLE_CLIENTS - ADMIN_CAP,
        "{evicted} evictions and {timed_out} head timeouts for {IDLE_CLIENTS} idle clients \
         and a cap of {ADMIN_CAP}: {metrics}"
    );
    serve.assert_running();

    // The idle clients leave: the admin endpoint is back to its baseline and answers.
    drop(idle);
    wait_for("descriptors back to the baseline", || {
        fds(serve.pid()) <= baseline + 1
    });
    assert!(http_get(admin, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(http_get(certprov, chain).starts_with("HTTP/1.1 200"));
    let log = serve.log();
    assert!(
        !log.contains("accept failed"),
        "no accept error is expected under the caps; log:\n{log}"
    );
}
