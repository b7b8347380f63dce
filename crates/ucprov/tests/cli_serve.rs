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

    /// Every line from now until one containing `needle`, that one included.
    fn lines_until(&self, needle: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(SAFETY)
                .unwrap_or_else(|_| panic!("no log line containing {needle:?} after {out:#?}"));
            let done = line.contains(needle);
            out.push(line);
            if done {
                return out;
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
    let answered = server.wait_for("answered DHCPINFORM");
    // The xid as probe and Wireshark show it; addresses bare, never `Some(..)`.
    assert!(answered.contains("xid=0x00000001"), "{answered}");
    assert!(
        answered.contains("ciaddr=127.0.0.1 giaddr=0.0.0.0"),
        "{answered}"
    );
    assert!(!answered.contains("Some("), "{answered}");

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

/// A CA root, and a server certificate for `web.example.test` it issued, as PEM files.
struct Pki {
    root_pem: String,
    leaf_der: Vec<u8>,
}

fn write_pki(dir: &std::path::Path) -> Pki {
    use rustls_pki_types::pem::PemObject;
    let root = ucprov_pki::demo_ca::generate_root().unwrap();
    let server =
        ucprov_pki::demo_ca::issue_server(&root.key_pem, &["web.example.test".to_string()])
            .unwrap();
    std::fs::write(dir.join("chain.pem"), &root.cert_pem).unwrap();
    std::fs::write(dir.join("web.pem"), &server.cert_pem).unwrap();
    std::fs::write(dir.join("web.key"), &server.key_pem).unwrap();
    let leaf =
        rustls_pki_types::CertificateDer::from_pem_slice(server.cert_pem.as_bytes()).unwrap();
    Pki {
        root_pem: root.cert_pem,
        leaf_der: leaf.to_vec(),
    }
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>;

/// A TLS connection to `addr` that trusts only `root_pem`, handshake done.
fn tls_connect(addr: SocketAddr, root_pem: &str) -> Result<Tls, std::io::Error> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("web.example.test").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let sock = std::net::TcpStream::connect(addr)?;
    sock.set_read_timeout(Some(SAFETY))?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(tls)
}

/// One keep-alive GET of the chain on `tls`: the status line and the body.
fn tls_get(tls: &mut Tls) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    tls.write_all(
        b"GET /CertProv/CertProvisioningService.svc HTTP/1.1\r\nHost: web.example.test\r\n\r\n",
    )
    .unwrap();
    tls.flush().unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tls.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    let mut body = vec![0u8; length];
    tls.read_exact(&mut body).unwrap();
    (head.lines().next().unwrap_or("").to_string(), body)
}

fn peer_leaf(tls: &Tls) -> Vec<u8> {
    tls.conn.peer_certificates().unwrap()[0].to_vec()
}

#[test]
fn a_renewed_certificate_is_served_after_sighup_and_a_broken_one_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let old = write_pki(dir.path());
    // Relative paths: taken from the configuration file's directory.
    let text = "admin = \"127.0.0.1:0\"\n[listen]\naddress = \"127.0.0.1\"\nport = 0\n[default]\nsip_servers = [\"lync.schertz.local\"]\n[certprov]\nlisten = \"127.0.0.1:0\"\nhttps_listen = \"127.0.0.1:0\"\nca_chain = [\"chain.pem\"]\ntls_cert = \"web.pem\"\ntls_key = \"web.key\"\nstate_dir = \"state\"\n";
    let config = dir.path().join("serve.toml");
    std::fs::write(&config, text).unwrap();
    let server = Server::start(&config);
    let line = server.wait_for("certprov: https://");
    let https: SocketAddr = line
        .trim_start_matches("certprov: https://")
        .split('/')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let admin = addr_in(&server.wait_for("admin endpoint listening"), "addr");
    let mut open = tls_connect(https, &old.root_pem).unwrap();
    assert_eq!(peer_leaf(&open), old.leaf_der);
    let (status, old_body) = tls_get(&mut open);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");

    // Renewal: a new root and a new server certificate in the same files.
    let new = write_pki(dir.path());
    server.signal("HUP");
    server.wait_for("certprov: HTTPS certificate from");
    let mut fresh = tls_connect(https, &new.root_pem).expect("a handshake trusting the new root");
    assert_eq!(peer_leaf(&fresh), new.leaf_der);
    let (status, new_body) = tls_get(&mut fresh);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_ne!(new_body, old_body, "the renewed chain is served");
    assert!(
        tls_connect(https, &old.root_pem).is_err(),
        "the old certificate is out of service"
    );
    // The connection opened before the reload is still served.
    let (status, _) = tls_get(&mut open);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let page = http_get(admin, "/metrics");
    assert!(
        page.contains("ucprov_config_last_reload_success 1\n"),
        "{page}"
    );
    assert!(page.contains("ucprov_build_info{version=\""), "{page}");
    assert!(
        page.contains("ucprov_certprov_certificate_expiry_days{role=\"https\""),
        "{page}"
    );
    assert!(
        page.contains("ucprov_certprov_certificate_expiry_days{role=\"chain\""),
        "{page}"
    );

    // A broken certificate: refused once, the renewed one stays in service.
    std::fs::write(
        dir.path().join("web.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIB\n",
    )
    .unwrap();
    server.signal("HUP");
    let lines = server.lines_until("certprov reload rejected");
    let rejected = lines.last().unwrap();
    assert!(rejected.contains("web.pem"), "{rejected}");
    let mut after = tls_connect(https, &new.root_pem).unwrap();
    assert_eq!(peer_leaf(&after), new.leaf_der);
    assert!(tls_get(&mut after).0.starts_with("HTTP/1.1 200"));
    let page = http_get(admin, "/metrics");
    assert!(
        page.contains("ucprov_config_last_reload_success 0\n"),
        "{page}"
    );
    server.signal("TERM");
    let rest = server.lines_until("stopped");
    let again = rest
        .iter()
        .filter(|l| l.contains("rejected") || l.contains("web.pem"))
        .count();
    assert_eq!(again, 0, "the refusal is logged once: {rest:#?}");
}

#[test]
fn without_a_file_sighup_renews_the_files_the_flags_name() {
    let dir = tempfile::tempdir().unwrap();
    let old = write_pki(dir.path());
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (chain, cert, key) = (file("chain.pem"), file("web.pem"), file("web.key"));
    let server = Server::start_args(&[
        "serve",
        "--no-dhcp",
        "--certprov-listen",
        "127.0.0.1:0",
        "--certprov-https-listen",
        "127.0.0.1:0",
        "--ca-chain",
        &chain,
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    let line = server.wait_for("certprov: https://");
    let https: SocketAddr = line
        .trim_start_matches("certprov: https://")
        .split('/')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    assert_eq!(
        peer_leaf(&tls_connect(https, &old.root_pem).unwrap()),
        old.leaf_der
    );
    let new = write_pki(dir.path());
    server.signal("HUP");
    server.wait_for("certprov: HTTPS certificate from");
    assert_eq!(
        peer_leaf(&tls_connect(https, &new.root_pem).unwrap()),
        new.leaf_der
    );
    server.signal("TERM");
    server.wait_for("stopped");
}

#[test]
fn check_reports_shadowed_sites_and_overlaps_with_their_line() {
    let text = "[[site]]\nname = \"region\"\nsubnets = [\"10.0.0.0/16\"]\nsip_servers = [\"a.contoso.com\"]\n\n[[site]]\nname = \"branch\"\nsubnets = [\"10.0.1.0/24\"]\nsip_servers = [\"b.contoso.com\"]\n";
    let file = write_config(text);
    let path = file.path().to_str().unwrap();
    let r = ucprov(&["serve", "--check", "--config", path]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("not ok: "), "{}", r.stdout);
    let want = format!("{path}:6: error: site[1] \"branch\" can never match");
    assert!(r.stdout.contains(&want), "{want}\n{}", r.stdout);
    assert!(
        r.stdout.contains("fix: move the site above"),
        "{}",
        r.stdout
    );
    let r = ucprov(&["serve", "--check", "--json", "--config", path]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["findings"][0]["kind"], "shadowed_site");
    assert_eq!(v["findings"][0]["location"]["line"], 6);

    // Overlap without shadowing is a warning: the check passes and says so.
    let text = "[[site]]\nname = \"branch\"\nsubnets = [\"10.0.1.0/24\"]\nsip_servers = [\"b.contoso.com\"]\n[[site]]\nname = \"region\"\nsubnets = [\"10.0.0.0/16\"]\nsip_servers = [\"a.contoso.com\"]\n";
    let file = write_config(text);
    let r = ucprov(&[
        "serve",
        "--check",
        "--config",
        file.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(":5: warning: site[1] \"region\": subnet 10.0.0.0/16 overlaps 10.0.1.0/24"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_loads_the_certprov_files_the_table_names() {
    let dir = tempfile::tempdir().unwrap();
    write_pki(dir.path());
    let config = dir.path().join("serve.toml");
    let table = "[default]\nsip_servers = [\"a.contoso.com\"]\n[certprov]\nhttps_listen = \"127.0.0.1:0\"\nca_chain = [\"chain.pem\"]\ntls_cert = \"web.pem\"\ntls_key = \"web.key\"\n";
    std::fs::write(&config, table).unwrap();
    let path = config.to_str().unwrap();
    let r = ucprov(&["serve", "--check", "--config", path]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("certprov: chain from "), "{}", r.stdout);
    assert!(
        r.stdout.contains("certprov: HTTPS certificate "),
        "{}",
        r.stdout
    );
    // A flag overrides the table's key: here with a file that is not there (exit 3).
    let r = ucprov(&[
        "serve",
        "--check",
        "--config",
        path,
        "--ca-chain",
        "/nonexistent/chain.pem",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent/chain.pem"), "{}", r.stderr);
    // A key the table does not have is named with its line.
    std::fs::write(&config, format!("{table}tls_crt = \"x\"\n")).unwrap();
    let r = ucprov(&["serve", "--check", "--config", path]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("tls_crt") && r.stderr.contains("line 8"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_flood_of_ignored_datagrams_is_a_few_log_lines() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = client.local_addr().unwrap().port();
    let file = write_config(&format!(
        "[listen]\naddress = \"127.0.0.1\"\nport = 0\n[ports]\nclient = {port}\n[default]\nsip_servers = [\"lync.schertz.local\"]\n"
    ));
    let server = Server::start(file.path());
    let addr = addr_in(&server.wait_for("DHCPINFORM responder listening"), "addr");
    let mut discover = DhcpMessage::parse(&ucprov_testkit::inform_request(
        7,
        Ipv4Addr::LOCALHOST,
        [2, 0, 0, 0, 0, 0x10],
        Some(b"MS-UC-Client"),
        &[43, 120],
    ))
    .unwrap();
    discover.options[0].1 = vec![1];
    let bytes = discover.to_bytes().unwrap();
    for _ in 0..2000 {
        client.send_to(&bytes, addr).unwrap();
    }
    // The flood is decided once the last one is: an INFORM after it is answered.
    client.set_read_timeout(Some(SAFETY)).unwrap();
    ask(&client, addr, 9);
    server.signal("TERM");
    let lines = server.lines_until("stopped");
    let full = lines
        .iter()
        .filter(|l| l.contains("decision=\"ignore\"") || l.contains(" ignored mac="))
        .count();
    let summaries: Vec<&String> = lines.iter().filter(|l| l.contains("left out")).collect();
    assert!(full <= 1, "{full} full lines: {lines:#?}");
    assert_eq!(summaries.len(), 1, "{lines:#?}");
    // Every datagram the kernel delivered is either the full line or in the summary's count.
    let suppressed: u64 = summaries[0]
        .split("suppressed=")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(suppressed > 0 && suppressed < 2000, "{}", summaries[0]);
}
