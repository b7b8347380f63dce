//! The pool side of a privileged probe test: a veth link between a server namespace
//! (192.0.2.1, veth-srv) and a client namespace (192.0.2.10, veth-cli), the certificate
//! provisioning service (`ucprov serve --no-dhcp`, demo CA) on 192.0.2.1:80 and :443, and a
//! registrar on 192.0.2.1:5061 (TLS with a certificate from the same demo CA, REGISTER
//! answered with a Lync-like TLS-DSK 401). Each test
//! adds the DHCP server under test and runs `ucprov probe --interface veth-cli` as a phone.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use ucprov_certprov::state::{demo_root, demo_server};
use ucprov_testkit::{artifacts_dir, require_root, Peer, VethLink};

use crate::lab::{self, SIP, WEB};

pub const SERVER_IP: &str = "192.0.2.1";

pub struct Pool {
    pub link: VethLink,
    pub state: PathBuf,
    pub certprov: Peer,
}

pub fn ucprov_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ucprov")
}

impl Pool {
    pub fn start(name: &str) -> Pool {
        require_root();
        let link = VethLink::new();
        let state = artifacts_dir().join(format!("probe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state).unwrap();
        let root = demo_root(&state).unwrap().root;
        let registrar = demo_server(&state, &root, SIP).unwrap();
        link.server.run(|| {
            lab::registrar_at(
                SocketAddr::from(([192, 0, 2, 1], 5061)),
                &registrar,
                &lab::sts_uri(WEB, 443),
            )
        });
        let mut cmd = link.server.command(ucprov_bin());
        cmd.args(["serve", "--no-dhcp", "--web-fqdn", WEB, "--state-dir"])
            .arg(&state)
            .args(["--certprov-listen", &format!("{SERVER_IP}:80")])
            .args(["--certprov-https-listen", &format!("{SERVER_IP}:443")]);
        let mut certprov = Peer::spawn(cmd, &format!("probe-{name}-certprov"));
        certprov.wait_for_log("certprov HTTPS listening", Duration::from_secs(20));
        Pool {
            link,
            state,
            certprov,
        }
    }

    /// `ucprov probe` as a phone on veth-cli: broadcast, port 68, names pinned to the pool.
    pub fn probe(&self, extra: &[&str]) -> Output {
        let out = self
            .link
            .client
            .command(ucprov_bin())
            .args([
                "probe",
                "--interface",
                &self.link.client_if,
                "--timeout",
                "3",
            ])
            .args(["--resolve", &format!("{WEB}:{SERVER_IP}")])
            .args(["--resolve", &format!("{SIP}:{SERVER_IP}")])
            .args(extra)
            .output()
            .unwrap();
        println!(
            "probe exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn assert_passes(out: &Output) {
    let text = stdout(out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "probe failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        format!(
            "[2] Options 43 and 120  PASS  https://{WEB}:443/CertProv/CertProvisioningService.svc"
        ),
        format!("registrar(s): {SIP}"),
        "[4] Root chain          PASS  1 certificate, root CN=ucprov demo CA".to_string(),
        "[5] TLS                 PASS  2 of 2 endpoints trusted".to_string(),
        "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK".to_string(),
    ] {
        assert!(text.contains(&line), "no {line:?} in:\n{text}");
    }
}
