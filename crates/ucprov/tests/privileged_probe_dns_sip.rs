//! `ucprov probe` through DNS and SIP against real peers in network namespaces: dnsmasq as
//! the phones' DNS server (A records, the `_sipinternaltls._tcp` SRV record, authoritative
//! NXDOMAIN for the rest of `lab.test`) and SIPp from Debian's `sip-tester` as the
//! registrar, answering REGISTER with a Lync-like 401 and its TLS-DSK challenge. Debian's
//! SIPp 3.6.1 is built without TLS (`sipp -v` lists no TLS, `-t` has no `l1`), so socat
//! terminates TLS on 192.0.2.1:5061 with a certificate from the pool's demo CA and hands the
//! cleartext SIP to SIPp on the server namespace's loopback. `ucprov serve` answers the
//! DHCPINFORM and serves the certificate provisioning service, as in the other privileged
//! probe tests. The probe runs in the client namespace with `--dns-server 192.0.2.1` and no
//! `--resolve`: every name comes from dnsmasq.
//!
//! Two more registrars on the same topology: Kamailio 5.6 with its TLS module (Debian's
//! `kamailio` and `kamailio-tls-modules`) listening on tls:192.0.2.1:5061 itself, with a
//! kamailio.cfg written by the test whose request_route answers REGISTER with the 401 and its
//! TLS-DSK challenge (`append_to_reply`, `sl_send_reply`); and an in-process TLS listener
//! that accepts exactly one connection (the TLS step's handshake) and closes its listening
//! socket, so the SIP step's connect is refused (exit 55).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a panic is the failure report

mod lab;

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use lab::{SIP, WEB};
use ucprov_certprov::state::{demo_root, demo_server};
use ucprov_testkit::{artifacts_dir, require_root, require_tool, Peer, VethLink};

const SERVER_IP: &str = "192.0.2.1";
const DOMAIN: &str = "lab.test";

fn ucprov_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ucprov")
}

/// What each test changes about the pool.
struct Shape {
    /// Option 120; None leaves it out of the probe's request list (serve honours option 55).
    option120: Option<&'static str>,
    srv: bool,
    /// What answers on 192.0.2.1:5061.
    registrar: Registrar,
    /// The A record dnsmasq gives the web services FQDN.
    web_ip: &'static str,
    /// Probe through the client namespace's own resolver (`/etc/netns/<ns>/resolv.conf`
    /// naming dnsmasq, and this `/etc/netns/<ns>/hosts`) instead of `--dns-server`.
    system_resolver: Option<&'static str>,
}

impl Shape {
    fn good() -> Shape {
        Shape {
            option120: Some(SIP),
            srv: true,
            registrar: Registrar::Sipp(good_sts()),
            web_ip: SERVER_IP,
            system_resolver: None,
        }
    }
}

/// The registrar on 192.0.2.1:5061, each with the certificate the pool's demo CA issued for
/// sip.lab.test.
enum Registrar {
    /// socat terminating TLS in front of SIPp, whose 401 names this sts-uri.
    Sipp(String),
    /// socat terminating TLS with nothing behind it.
    TlsOnly,
    /// Kamailio with its TLS module, whose 401 names this sts-uri.
    Kamailio(String),
    /// An in-process TLS listener that accepts one connection, then closes its socket.
    OneTlsConnection,
}

/// The sts-uri of the pool's own certificate provisioning service (option 43's).
fn good_sts() -> String {
    format!("https://{WEB}:443/CertProv/CertProvisioningService.svc")
}

/// `/etc/netns/<ns>/`, which `ip netns exec` bind-mounts over `/etc`; removed on drop.
struct NetnsEtc(PathBuf);

impl Drop for NetnsEtc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Pool {
    link: VethLink,
    etc: Option<NetnsEtc>,
    dir: PathBuf,
    _peers: Vec<Peer>,
    request_list: Option<&'static str>,
    /// Kamailio, stopped with SIGTERM (it then stops its own children) before the rest.
    kamailio: Option<Peer>,
    /// The one-connection listener's thread: what happened to the connection it accepted.
    once: Option<JoinHandle<Result<String, String>>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(k) = &self.kamailio {
            stop_gracefully(k);
        }
    }
}

const UAS: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- A Lync / Skype for Business front end's answer to a REGISTER without credentials. -->
<scenario name="lync-registrar-401-tls-dsk">
  <recv request="REGISTER" crlf="true"/>
  <send>
    <![CDATA[
SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: NTLM realm="SIP Communications Service", targetname="SIPNAME", version=4
WWW-Authenticate: Kerberos realm="SIP Communications Service", targetname="sip/SIPNAME", version=4
WWW-Authenticate: TLS-DSK realm="SIP Communications Service", targetname="SIPNAME", version=4, sts-uri="STSURI"
Server: RTC/5.0
Content-Length: [len]

]]>
  </send>
</scenario>
"#;

fn wait_tcp(pool: &VethLink, addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pool
        .server
        .run(move || TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok())
    {
        assert!(Instant::now() < deadline, "{what} never listened on {addr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// socat terminating TLS on 192.0.2.1:5061 with the registrar's certificate, handing the
/// cleartext to 127.0.0.1:5060 (SIPp, or nothing).
fn socat_tls(link: &VethLink, socat: &Path, dir: &Path, name: &str) -> Peer {
    let mut cmd = link.server.command(socat);
    cmd.args(["-d", "-d"])
        .arg(format!(
            "OPENSSL-LISTEN:5061,bind={SERVER_IP},reuseaddr,fork,verify=0,cert={},key={}",
            dir.join("sip.crt").display(),
            dir.join("sip.key").display()
        ))
        .arg("TCP:127.0.0.1:5060");
    let mut tls = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-socat"));
    tls.wait_for_log("listening on", Duration::from_secs(20));
    tls
}

/// Kamailio's TLS module is a separate Debian package; without it `loadmodule "tls.so"`
/// fails at startup with a less helpful message.
fn require_kamailio_tls() {
    let found = ["/usr/lib", "/usr/lib64", "/usr/local/lib"]
        .iter()
        .flat_map(|base| {
            let mut dirs = vec![PathBuf::from(base).join("kamailio/modules")];
            if let Ok(entries) = std::fs::read_dir(base) {
                dirs.extend(entries.flatten().map(|e| e.path().join("kamailio/modules")));
            }
            dirs
        })
        .any(|d| d.join("tls.so").is_file());
    assert!(
        found,
        "Kamailio's TLS module (tls.so) is missing: install it with `apt-get install -y kamailio-tls-modules` (scripts/test-all does this)"
    );
}

/// A minimal registrar: TLS only on 192.0.2.1:5061, every REGISTER answered statelessly
/// with a Lync-like 401 (NTLM, Kerberos and TLS-DSK challenges naming `sts`), anything
/// else with 405. No UDP or TCP listener, no DNS lookups of its own.
fn kamailio_cfg(tls_cfg: &Path, sts: &str) -> String {
    let realm = r#"realm=\"SIP Communications Service\""#;
    format!(
        r#"#!KAMAILIO
# Written by crates/ucprov/tests/privileged_probe_dns_sip.rs: a Lync front end's answer to
# a REGISTER without credentials.
debug=2
log_stderror=yes
fork=yes
children=1
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
enable_tls=yes
listen=tls:{SERVER_IP}:5061

loadmodule "tls.so"
loadmodule "sl.so"
loadmodule "textops.so"
loadmodule "pv.so"
loadmodule "xlog.so"

modparam("tls", "config", "{tls}")

request_route {{
    xlog("L_NOTICE", "ucprov-lab: $rm $ru from $si:$sp over $pr\n");
    if (is_method("REGISTER")) {{
        append_to_reply("WWW-Authenticate: NTLM {realm}, targetname=\"{SIP}\", version=4\r\n");
        append_to_reply("WWW-Authenticate: Kerberos {realm}, targetname=\"sip/{SIP}\", version=4\r\n");
        append_to_reply("WWW-Authenticate: TLS-DSK {realm}, targetname=\"{SIP}\", version=4, sts-uri=\"{sts}\"\r\n");
        sl_send_reply("401", "Unauthorized");
        exit;
    }}
    sl_send_reply("405", "Method Not Allowed");
    exit;
}}
"#,
        tls = tls_cfg.display(),
    )
}

/// Kamailio in the server namespace, in the foreground (`-DD`: the main process does not
/// daemonize, its workers are its children), logging to stderr; waits until 5061 accepts.
fn start_kamailio(link: &VethLink, bin: &Path, dir: &Path, name: &str, sts: &str) -> Peer {
    let kdir = dir.join("kamailio");
    let run = kdir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let tls_cfg = kdir.join("tls.cfg");
    write(
        &tls_cfg,
        &format!(
            "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n",
            dir.join("sip.key").display(),
            dir.join("sip.crt").display()
        ),
    );
    let cfg = kdir.join("kamailio.cfg");
    write(&cfg, &kamailio_cfg(&tls_cfg, sts));
    let check = link
        .server
        .command(bin)
        .arg("-c")
        .arg("-f")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "kamailio -c rejects {}:\n{}",
        cfg.display(),
        String::from_utf8_lossy(&check.stderr)
    );
    let mut cmd = link.server.command(bin);
    cmd.args(["-DD", "-E", "-m", "32", "-M", "4", "-f"])
        .arg(&cfg)
        .arg("-Y")
        .arg(&run)
        .arg("-P")
        .arg(run.join("kamailio.pid"))
        .arg("-w")
        .arg(&kdir);
    let mut peer = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-kamailio"));
    let addr: SocketAddr = format!("{SERVER_IP}:5061").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !link
        .server
        .run(move || TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok())
    {
        peer.assert_running();
        assert!(
            Instant::now() < deadline,
            "kamailio never listened on {addr}; log:\n{}",
            peer.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    peer
}

/// SIGTERM, so the main process stops its workers, then wait (bounded) for it to exit; the
/// Peer's own drop then reaps it.
fn stop_gracefully(peer: &Peer) {
    let pid = peer.pid().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let stat = format!("/proc/{pid}/stat");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match std::fs::read_to_string(&stat) {
            // State is the field after "(comm)"; Z: exited, waiting to be reaped.
            Ok(s)
                if s.rsplit_once(") ")
                    .is_some_and(|(_, rest)| !rest.starts_with('Z')) =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => return,
        }
    }
}

/// A TLS listener on 192.0.2.1:5061 presenting the registrar's certificate that accepts
/// exactly one connection, closes its listening socket at once (later connects are refused),
/// completes that connection's handshake and reads it to its end. The thread says what
/// happened; it gives up after 60 s without a connection.
fn one_tls_connection(
    link: &VethLink,
    cert_pem: &str,
    key_pem: &str,
) -> JoinHandle<Result<String, String>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = link
        .server
        .run(|| TcpListener::bind(format!("{SERVER_IP}:5061")).unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (mut tcp, from) = loop {
            match listener.accept() {
                Ok(c) => break c,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(format!("no connection: {e}")),
            }
        };
        drop(listener);
        tcp.set_nonblocking(false).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| e.to_string())?;
        let mut conn = rustls::ServerConnection::new(config).map_err(|e| e.to_string())?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| format!("handshake with {from}: {e}"))?;
        }
        let mut stream = rustls::Stream::new(&mut conn, &mut tcp);
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        Ok(format!(
            "handshake with {from} completed, then {} bytes",
            rest.len()
        ))
    })
}

impl Pool {
    fn start(name: &str, shape: Shape) -> Pool {
        require_root();
        let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
        let (socat, sipp, kamailio) = match &shape.registrar {
            Registrar::Sipp(_) => (
                Some(require_tool("socat", "socat")),
                Some(require_tool("sipp", "sip-tester")),
                None,
            ),
            Registrar::TlsOnly => (Some(require_tool("socat", "socat")), None, None),
            Registrar::Kamailio(_) => {
                let bin = require_tool("kamailio", "kamailio");
                require_kamailio_tls();
                (None, None, Some(bin))
            }
            Registrar::OneTlsConnection => (None, None, None),
        };
        let link = VethLink::new();
        let dir = artifacts_dir().join(format!("probe-dns-sip-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let root = demo_root(&dir).unwrap().root;
        let registrar = demo_server(&dir, &root, SIP).unwrap();
        write(&dir.join("sip.crt"), &registrar.cert_pem);
        write(&dir.join("sip.key"), &registrar.key_pem);
        let mut peers = Vec::new();

        // The certificate provisioning service (HTTP 80, HTTPS 443, demo CA).
        let mut cmd = link.server.command(ucprov_bin());
        cmd.args(["serve", "--no-dhcp", "--web-fqdn", WEB, "--state-dir"])
            .arg(&dir)
            .args(["--certprov-listen", &format!("{SERVER_IP}:80")])
            .args(["--certprov-https-listen", &format!("{SERVER_IP}:443")]);
        let mut certprov = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-certprov"));
        certprov.wait_for_log("certprov HTTPS listening", Duration::from_secs(20));
        peers.push(certprov);

        // The DHCPINFORM responder: options 43 and 120.
        let mut cmd = link.server.command(ucprov_bin());
        cmd.args([
            "serve",
            "--sip-server",
            shape.option120.unwrap_or(SIP),
            "--web-server",
            WEB,
        ])
        .args(["--interface", &link.server_if, "--server-id", SERVER_IP]);
        let mut responder = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-dhcp"));
        responder.wait_for_log("DHCPINFORM responder listening", Duration::from_secs(20));
        peers.push(responder);

        // dnsmasq, DNS only (no DHCP range): authoritative for lab.test, no upstream.
        let mut cmd = link.server.command(&dnsmasq);
        cmd.args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--pid-file=",
            "--log-facility=-",
            "--log-queries",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            &format!("--listen-address={SERVER_IP}"),
            "--port=53",
            &format!("--local=/{DOMAIN}/"),
            &format!("--address=/{WEB}/{}", shape.web_ip),
            &format!("--address=/{SIP}/{SERVER_IP}"),
        ]);
        if shape.srv {
            cmd.arg(format!(
                "--srv-host=_sipinternaltls._tcp.{DOMAIN},{SIP},5061"
            ));
        }
        let mut dns = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-dnsmasq"));
        dns.wait_for_log("started, version", Duration::from_secs(20));
        peers.push(dns);

        let mut kamailio_peer = None;
        let mut once = None;
        match &shape.registrar {
            Registrar::Sipp(sts) => {
                // SIPp, the registrar's SIP side, on the server namespace's loopback.
                let scenario = dir.join("lync-uas.xml");
                write(
                    &scenario,
                    &UAS.replace("SIPNAME", SIP).replace("STSURI", sts),
                );
                let mut cmd = link.server.command(sipp.as_ref().unwrap());
                cmd.current_dir(&dir)
                    .arg("-sf")
                    .arg(&scenario)
                    .args(["-t", "t1", "-i", "127.0.0.1", "-p", "5060", "-nostdin"])
                    .args(["-trace_msg", "-trace_err"]);
                peers.push(Peer::spawn(cmd, &format!("probe-dns-sip-{name}-sipp")));
                wait_tcp(&link, "127.0.0.1:5060".parse().unwrap(), "SIPp");
                peers.push(socat_tls(&link, socat.as_ref().unwrap(), &dir, name));
            }
            Registrar::TlsOnly => {
                peers.push(socat_tls(&link, socat.as_ref().unwrap(), &dir, name));
            }
            Registrar::Kamailio(sts) => {
                kamailio_peer = Some(start_kamailio(
                    &link,
                    kamailio.as_ref().unwrap(),
                    &dir,
                    name,
                    sts,
                ));
            }
            Registrar::OneTlsConnection => {
                once = Some(one_tls_connection(
                    &link,
                    &registrar.cert_pem,
                    &registrar.key_pem,
                ));
            }
        }

        let etc = shape.system_resolver.map(|hosts| {
            let etc = PathBuf::from("/etc/netns").join(link.client.name());
            std::fs::create_dir_all(&etc).unwrap();
            write(
                &etc.join("resolv.conf"),
                &format!("nameserver {SERVER_IP}\n"),
            );
            write(&etc.join("hosts"), hosts);
            NetnsEtc(etc)
        });
        Pool {
            link,
            etc,
            dir,
            _peers: peers,
            request_list: if shape.option120.is_none() {
                Some("1,3,6,15,42,43")
            } else {
                None
            },
            kamailio: kamailio_peer,
            once,
        }
    }

    /// `ucprov probe` as a phone on veth-cli, asking dnsmasq; no `--resolve`.
    fn probe(&self) -> Output {
        let mut cmd = self.link.client.command(ucprov_bin());
        cmd.args(["probe", "--interface", &self.link.client_if])
            .args(["--timeout", "3"]);
        if self.etc.is_none() {
            cmd.args(["--dns-server", SERVER_IP]);
        }
        if let Some(list) = self.request_list {
            cmd.args(["--request-list", list]);
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "probe exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{text}");
        let _ = std::fs::write(self.dir.join("probe.txt"), &text);
        out
    }
}

fn check(out: &Output, code: i32, lines: &[&str]) {
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(code), "probe output:\n{text}");
    for line in lines {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    if code != 0 {
        assert!(text.contains("fix: "), "no fix in:\n{text}");
        assert!(text.contains(&format!("exit {code}")), "{text}");
    }
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn probe_passes_with_dnsmasq_and_a_sipp_registrar_over_tls() {
    let pool = Pool::start("good", Shape::good());
    check(
        &pool.probe(),
        0,
        &[
            "[3] DNS                 PASS  2 of 2 names resolved, asked 192.0.2.1:53",
            "web services (option 43) web.lab.test: 192.0.2.1",
            "registrar (option 120) sip.lab.test: 192.0.2.1",
            "[4] Root chain          PASS  1 certificate, root CN=ucprov demo CA",
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK for option 43's service",
            "PASS registrar (option 120) sip.lab.test:5061 (192.0.2.1:5061): SIP/2.0 401 Unauthorized",
            "TLS-DSK realm \"SIP Communications Service\", version 4, targetname sip.lab.test",
            "challenges: NTLM, Kerberos, TLS-DSK",
            "Result: PASS",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn without_option_120_the_srv_record_names_the_registrar() {
    let pool = Pool::start(
        "srv",
        Shape {
            option120: None,
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        0,
        &[
            "no option 120: registrars come from DNS SRV",
            "SRV _sipinternaltls._tcp.lab.test: priority 0 weight 0 port 5061 target sip.lab.test",
            "SRV _sip._tls.lab.test: _sip._tls.lab.test: no SRV record",
            "registrar (SRV _sipinternaltls._tcp.lab.test) sip.lab.test: 192.0.2.1",
            "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn without_option_120_or_the_srv_record_step_3_fails_with_exit_41() {
    let pool = Pool::start(
        "nosrv",
        Shape {
            option120: None,
            srv: false,
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        41,
        &[
            "[3] DNS                 FAIL",
            "no option 120, and neither _sipinternaltls._tcp.lab.test nor _sip._tls.lab.test has an SRV record (192.0.2.1:53)",
            "publish _sipinternaltls._tcp.lab.test SRV 0 0 5061 <pool FQDN>",
            "[6] SIP REGISTER        SKIP",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn a_registrar_that_does_not_resolve_fails_step_3_with_exit_40() {
    let pool = Pool::start(
        "nxdomain",
        Shape {
            option120: Some("sip2.lab.test"),
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        40,
        &[
            "[3] DNS                 FAIL",
            "registrar (option 120) sip2.lab.test does not resolve (192.0.2.1:53)",
            "add an A record for sip2.lab.test on the DNS server the phones use",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn an_sts_uri_pointing_elsewhere_fails_step_6_with_exit_54() {
    let pool = Pool::start(
        "sts",
        Shape {
            registrar: Registrar::Sipp(
                "https://pool2.lab.test/CertProv/CertProvisioningService.svc".to_string(),
            ),
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        54,
        &[
            "[5] TLS                 PASS",
            "[6] SIP REGISTER        FAIL",
            "points at host pool2.lab.test, but option 43 names https://web.lab.test:443/CertProv/CertProvisioningService.svc",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn a_registrar_that_does_not_answer_sip_fails_step_6_with_exit_50() {
    // TLS on 5061 with the right certificate, but no SIPp behind it.
    let pool = Pool::start(
        "nosip",
        Shape {
            registrar: Registrar::TlsOnly,
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        50,
        &[
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        FAIL",
            "registrar sip.lab.test:5061: the server closed the connection without answering the REGISTER",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, sipp (sip-tester), socat; run by scripts/test-all"]
fn dns_disagreeing_with_the_address_reached_fails_step_3_with_exit_42() {
    // The client namespace's resolver asks dnsmasq (web.lab.test A 192.0.2.99), but its
    // /etc/hosts pins web.lab.test to 192.0.2.1, where the services really are: the probe's
    // connections (getaddrinfo) reach 192.0.2.1 and every later step passes.
    let pool = Pool::start(
        "mismatch",
        Shape {
            web_ip: "192.0.2.99",
            system_resolver: Some("127.0.0.1 localhost\n192.0.2.1 web.lab.test\n"),
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        42,
        &[
            "[3] DNS                 FAIL",
            "asked the system resolver (192.0.2.1)",
            "web services (option 43) web.lab.test: 192.0.2.99",
            "web.lab.test resolves to 192.0.2.99 in DNS (the system resolver (192.0.2.1)), but the TLS step reached 192.0.2.1",
            "[4] Root chain          PASS",
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        PASS",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, kamailio (kamailio, kamailio-tls-modules); run by scripts/test-all"]
fn probe_passes_with_a_kamailio_registrar_over_its_own_tls() {
    let pool = Pool::start(
        "kamailio",
        Shape {
            registrar: Registrar::Kamailio(good_sts()),
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        0,
        &[
            "[3] DNS                 PASS  2 of 2 names resolved, asked 192.0.2.1:53",
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK for option 43's service",
            "PASS registrar (option 120) sip.lab.test:5061 (192.0.2.1:5061): SIP/2.0 401 Unauthorized",
            "TLS-DSK realm \"SIP Communications Service\", version 4, targetname sip.lab.test",
            "sts-uri https://web.lab.test:443/CertProv/CertProvisioningService.svc = option 43's provisioning service",
            "challenges: NTLM, Kerberos, TLS-DSK",
            "Result: PASS",
        ],
    );
    // The 401 came from Kamailio's request_route, over TLS, for the probe's REGISTER.
    let log = pool.kamailio.as_ref().unwrap().log();
    assert!(
        log.contains("ucprov-lab: REGISTER sip:lab.test from 192.0.2.10:")
            && log.contains("over tls"),
        "kamailio never routed the probe's REGISTER; log:\n{log}"
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq, kamailio (kamailio, kamailio-tls-modules); run by scripts/test-all"]
fn a_kamailio_registrar_naming_another_sts_uri_fails_step_6_with_exit_54() {
    let pool = Pool::start(
        "kamailio-sts",
        Shape {
            registrar: Registrar::Kamailio(
                "https://pool2.lab.test/CertProv/CertProvisioningService.svc".to_string(),
            ),
            ..Shape::good()
        },
    );
    check(
        &pool.probe(),
        54,
        &[
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        FAIL",
            "FAIL registrar (option 120) sip.lab.test:5061 (192.0.2.1:5061): SIP/2.0 401 Unauthorized",
            "points at host pool2.lab.test, but option 43 names https://web.lab.test:443/CertProv/CertProvisioningService.svc",
        ],
    );
}

#[test]
#[ignore = "privileged: needs root, netns, dnsmasq; run by scripts/test-all"]
fn a_registrar_refusing_the_sip_connection_after_tls_passed_fails_step_6_with_exit_55() {
    // The TLS step's handshake is the only connection 5061 ever accepts: the listening
    // socket is closed right after, so the SIP step's fresh connection is refused.
    let mut pool = Pool::start(
        "refused",
        Shape {
            registrar: Registrar::OneTlsConnection,
            ..Shape::good()
        },
    );
    let out = pool.probe();
    let once = pool.once.take().unwrap().join().unwrap();
    let once = once.expect("the one-connection listener");
    assert!(
        once.starts_with("handshake with 192.0.2.10:"),
        "the TLS step did not complete its handshake: {once}"
    );
    check(
        &out,
        55,
        &[
            "[5] TLS                 PASS  2 of 2 endpoints trusted",
            "[6] SIP REGISTER        FAIL",
            "FAIL registrar (option 120) sip.lab.test:5061",
            "registrar sip.lab.test:5061: connect to 192.0.2.1:5061: Connection refused",
            "the TLS step reached sip.lab.test:5061, but this second connection failed",
        ],
    );
}
