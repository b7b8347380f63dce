//! `ucprov serve` as a user runs it: `--check` verdicts and exit codes, and a real server
//! process on loopback answering an INFORM, surviving a bad reload (SIGHUP) and stopping
//! cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use ucprov_testkit::http_get;

use common::ucprov;
use common::SUSPICIOUS as SUSPICIOUS_FLAGS;
use ucprov_wire::message::DhcpMessage;
use ucprov_wire::VendorOptions;

/// Only a bound against a hung test; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(20);

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/serve.example.toml")
}

fn write_config(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn check_accepts_the_example_config() {
    let run = ucprov(&["serve", "--check", "--config", example().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);
    assert!(
        run.stdout.contains("2 site(s) and a default"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_rejects_bad_configs_naming_the_field() {
    for (text, field) in [
        (
            "[default]\nsip_servers = [\"bad_name\"]\n",
            "default: sip_servers",
        ),
        (
            "[default]\nsip_servers = [\"a.b\"]\nweb_server = \"-x.b\"\n",
            "default: web_server",
        ),
        (
            "[default]\nsip_servers = [\"a.b\"]\nport = 0\n",
            "default: port",
        ),
        ("[default]\nsip_server = [\"a.b\"]\n", "sip_server"),
        (
            "[[site]]\nname = \"b\"\nsip_servers = [\"a.b\"]\n",
            "site[0] \"b\"",
        ),
        (
            "[listen]\nport = 70000\n[default]\nsip_servers = [\"a.b\"]\n",
            "port",
        ),
        (
            "admin = \"nowhere\"\n[default]\nsip_servers = [\"a.b\"]\n",
            "admin",
        ),
    ] {
        let file = write_config(text);
        let run = ucprov(&[
            "serve",
            "--check",
            "--config",
            file.path().to_str().unwrap(),
        ]);
        assert_eq!(run.code, 1, "{text}: {}", run.stderr);
        assert!(run.stderr.contains(field), "{text}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn usage_and_environment_errors_have_their_exit_codes() {
    let run = ucprov(&["serve"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = ucprov(&[
        "serve",
        "--check",
        "--config",
        "x.toml",
        "--sip-server",
        "a.b",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("exclude each other"), "{}", run.stderr);
    let run = ucprov(&["serve", "--config", "x.toml", "--listen", "127.0.0.1:1067"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = ucprov(&["serve", "--check", "--config", "/nonexistent/serve.toml"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/serve.toml"),
        "{}",
        run.stderr
    );
    let run = ucprov(&["serve", "--check", "--sip-server", "lync.schertz.local"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ucprov(&["serve", "--check", "--sip-server", "bad_name"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// A running `ucprov serve` whose log lines arrive on a channel.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(config: &std::path::Path) -> Self {
        Self::start_args(&["serve", "--config", config.to_str().unwrap()])
    }

    fn start_args(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("server: {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, lines }
    }

    fn wait_for(&self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(SAFETY)
                .unwrap_or_else(|_| panic!("no log line containing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
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
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address after `key=` in a log line.
fn addr_in(line: &str, key: &str) -> SocketAddr {
    line.split(&format!("{key}="))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no {key} address in {line:?}"))
}

fn ask(client: &UdpSocket, server: SocketAddr, xid: u32) -> DhcpMessage {
    let request = ucprov_testkit::inform_request(
        xid,
        Ipv4Addr::LOCALHOST,
        [2, 0, 0, 0, 0, 0x10],
        Some(b"MS-UC-Client"),
        &[43, 120],
    );
    client.send_to(&request, server).unwrap();
    let mut buf = [0u8; 2048];
    let (n, _) = client.recv_from(&mut buf).expect("a reply");
    let reply = DhcpMessage::parse(&buf[..n]).unwrap();
    assert_eq!(reply.xid, xid);
    reply
}

fn web_fqdn(reply: &DhcpMessage) -> Vec<u8> {
    VendorOptions::parse(reply.option(43).unwrap())
        .get(3)
        .unwrap()
        .value
        .clone()
}

#[test]
fn serve_answers_survives_a_bad_sighup_reload_and_stops_on_sigterm() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(SAFETY)).unwrap();
    let port = client.local_addr().unwrap().port();
    let head = format!("[listen]\naddress = \"127.0.0.1\"\nport = 0\n[ports]\nclient = {port}\n");
    let file = write_config(&format!(
        "{head}[default]\nsip_servers = [\"old.contoso.com\"]\n"
    ));
    let mut server = Server::start(file.path());
    let addr = addr_in(&server.wait_for("DHCPINFORM responder listening"), "addr");
    assert_eq!(web_fqdn(&ask(&client, addr, 1)), b"old.contoso.com");
    server.wait_for("answered DHCPINFORM");

    std::fs::write(
        file.path(),
        format!("{head}[default]\nsip_servers = [\"bad_name\"]\n"),
    )
    .unwrap();
    server.signal("HUP");
    let rejected = server.wait_for("reload rejected");
    assert!(rejected.contains("sip_servers"), "{rejected}");
    assert_eq!(web_fqdn(&ask(&client, addr, 2)), b"old.contoso.com");

    std::fs::write(
        file.path(),
        format!("{head}[default]\nsip_servers = [\"new.contoso.com\"]\n"),
    )
    .unwrap();
    server.signal("HUP");
    server.wait_for("configuration reloaded");
    assert_eq!(web_fqdn(&ask(&client, addr, 3)), b"new.contoso.com");

    server.signal("TERM");
    server.wait_for("stopped");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn responder_and_certprov_share_one_process_and_one_metrics_page() {
    let state = tempfile::tempdir().unwrap();
    let server = Server::start_args(&[
        "serve",
        "--sip-server",
        "lync.schertz.local",
        "--listen",
        "127.0.0.1:0",
        "--admin",
        "127.0.0.1:0",
        "--certprov",
        "--certprov-listen",
        "127.0.0.1:0",
        "--state-dir",
        state.path().to_str().unwrap(),
    ]);
    // The services announce themselves in start-up order: DHCP, certprov, admin.
    server.wait_for("DHCPINFORM responder listening");
    let line = server.wait_for("certprov: http://");
    let certprov: SocketAddr = line
        .trim_start_matches("certprov: http://")
        .split('/')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let admin = addr_in(&server.wait_for("admin endpoint listening"), "addr");
    let chain = http_get(certprov, "/CertProv/CertProvisioningService.svc");
    assert!(chain.starts_with("HTTP/1.1 200"), "{chain}");
    let page = http_get(admin, "/metrics");
    assert!(page.contains("ucprov_dhcp_received_total 0"), "{page}");
    assert!(page.contains("ucprov_certprov_requests_total"), "{page}");
    server.signal("TERM");
    server.wait_for("stopped");
}

#[test]
fn json_logs_carry_the_fields_as_json() {
    let server = Server::start_args(&[
        "serve",
        "--sip-server",
        "lync.schertz.local",
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
    ]);
    let line = server.wait_for("DHCPINFORM responder listening");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["level"], "INFO");
    assert_eq!(v["fields"]["message"], "DHCPINFORM responder listening");
    let addr: SocketAddr = v["fields"]["addr"].as_str().unwrap().parse().unwrap();
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    server.signal("TERM");
    server.wait_for("stopped");
}

/// Inputs that look like mistakes (issue 11 item 4) in a config file: the TOML, the site and
/// key the warning names, and a phrase of it.
const SUSPICIOUS: &[(&str, &str, &str)] = &[
    (
        "[default]\nsip_servers = [\"pool.contoso.com\"]\nweb_server = \"192.0.2.10\"\n",
        "default: web_server",
        "\"192.0.2.10\" is an IPv4 address",
    ),
    (
        "[default]\nsip_servers = [\"192.0.2.10\"]\n",
        "default: sip_servers",
        "\"192.0.2.10\" is an IPv4 address, not a name (it is also the web services FQDN)",
    ),
    (
        "[[site]]\nname = \"berlin\"\nrelays = [\"10.0.0.1\"]\nsip_servers = [\"pool.contoso.com\", \"192.0.2.11\"]\nweb_server = \"web.contoso.com\"\n",
        "site \"berlin\": sip_servers",
        "\"192.0.2.11\" is an IPv4 address",
    ),
    (
        "[default]\nsip_servers = [\"pool.contoso.com\"]\nweb_server = \"lync\"\n",
        "default: web_server",
        "\"lync\" is a single-label name",
    ),
    (
        "[[site]]\nname = \"berlin\"\nsubnets = [\"10.20.0.0/16\"]\nsip_servers = [\"lync\"]\n",
        "site \"berlin\": sip_servers",
        "\"lync\" is a single-label name",
    ),
    (
        "[default]\nsip_servers = [\"lync.schertz.local\"]\nscheme = \"http\"\n",
        "default: scheme",
        "\"http\": the device would fetch its certificate over plain HTTP",
    ),
    (
        "[default]\nsip_servers = [\"a.contoso.com\"]\n[[site]]\nname = \"berlin\"\nrelays = [\"10.0.0.1\"]\nsip_servers = [\"lync.schertz.local\"]\nscheme = \"http\"\nport = 8080\n",
        "site \"berlin\": port",
        "8080 is not the default 443 and the URL scheme is not https",
    ),
];

#[test]
fn check_warns_about_suspicious_inputs_per_site_and_strict_fails() {
    for &(text, place, phrase) in SUSPICIOUS {
        let file = write_config(text);
        let path = file.path().to_str().unwrap();
        let r = ucprov(&["serve", "--check", "--config", path]);
        assert_eq!(r.code, 0, "{text}: {}", r.stderr);
        assert!(r.stdout.starts_with("ok: "), "{text}: {}", r.stdout);
        let want = format!("ucprov: warning: {place}: {phrase}");
        assert_eq!(r.stderr.matches(&want).count(), 1, "{text}: {}", r.stderr);
        assert!(r.stderr.contains("(fix: "), "{}", r.stderr);

        let r = ucprov(&["serve", "--check", "--strict", "--config", path]);
        assert_eq!(r.code, 1, "{text}: {}", r.stdout);
        assert!(r.stdout.is_empty(), "{text}: {}", r.stdout);
        assert!(
            r.stderr
                .contains(&format!("ucprov: error: {place}: {phrase}")),
            "{text}: {}",
            r.stderr
        );
    }
}

#[test]
fn check_with_flags_names_the_flags() {
    for &(args, flag, phrase) in SUSPICIOUS_FLAGS {
        let mut argv = vec!["serve", "--check"];
        argv.extend_from_slice(args);
        let r = ucprov(&argv);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("ucprov: warning: {flag}: {phrase}")),
            "{args:?}: {}",
            r.stderr
        );
        argv.push("--strict");
        let r = ucprov(&argv);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(r
            .stderr
            .contains(&format!("ucprov: error: {flag}: {phrase}")));
    }
}

#[test]
fn the_example_passes_strict_and_ipv6_literals_are_already_errors() {
    let example = example();
    let r = ucprov(&[
        "serve",
        "--check",
        "--strict",
        "--config",
        example.to_str().unwrap(),
    ]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    for (text, field) in [
        (
            "[default]\nsip_servers = [\"2001:db8::1\"]\n",
            "default: sip_servers",
        ),
        (
            "[default]\nsip_servers = [\"[2001:db8::1]\"]\n",
            "default: sip_servers",
        ),
        (
            "[default]\nsip_servers = [\"a.b\"]\nweb_server = \"2001:db8::1\"\n",
            "default: web_server",
        ),
    ] {
        let file = write_config(text);
        let r = ucprov(&[
            "serve",
            "--check",
            "--config",
            file.path().to_str().unwrap(),
        ]);
        assert_eq!(r.code, 1, "{text}: {}", r.stdout);
        assert!(
            r.stderr.contains(field) && r.stderr.contains("is an IPv6 address, not a host name"),
            "{text}: {}",
            r.stderr
        );
    }
}
