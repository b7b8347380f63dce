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

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod lab;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

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
    /// The TLS-DSK sts-uri; None: SIPp is not started and socat hands TLS to a closed port.
    sts_uri: Option<String>,
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
            sts_uri: Some(format!(
                "https://{WEB}:443/CertProv/CertProvisioningService.svc"
            )),
            web_ip: SERVER_IP,
            system_resolver: None,
        }
    }
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

impl Pool {
    fn start(name: &str, shape: Shape) -> Pool {
        require_root();
        let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
        let socat = require_tool("socat", "socat");
        let sipp = require_tool("sipp", "sip-tester");
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

        // SIPp, the registrar's SIP side, on the server namespace's loopback (cleartext TCP).
        if let Some(sts) = &shape.sts_uri {
            let scenario = dir.join("lync-uas.xml");
            write(
                &scenario,
                &UAS.replace("SIPNAME", SIP).replace("STSURI", sts),
            );
            let mut cmd = link.server.command(&sipp);
            cmd.current_dir(&dir)
                .arg("-sf")
                .arg(&scenario)
                .args(["-t", "t1", "-i", "127.0.0.1", "-p", "5060", "-nostdin"])
                .args(["-trace_msg", "-trace_err"]);
            peers.push(Peer::spawn(cmd, &format!("probe-dns-sip-{name}-sipp")));
            wait_tcp(&link, "127.0.0.1:5060".parse().unwrap(), "SIPp");
        }

        // socat terminates TLS on 5061 with the registrar's certificate.
        let mut cmd = link.server.command(&socat);
        cmd.args(["-d", "-d"])
            .arg(format!(
                "OPENSSL-LISTEN:5061,bind={SERVER_IP},reuseaddr,fork,verify=0,cert={},key={}",
                dir.join("sip.crt").display(),
                dir.join("sip.key").display()
            ))
            .arg("TCP:127.0.0.1:5060");
        let mut tls = Peer::spawn(cmd, &format!("probe-dns-sip-{name}-socat"));
        tls.wait_for_log("listening on", Duration::from_secs(20));
        peers.push(tls);

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
            sts_uri: Some(
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
            sts_uri: None,
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
