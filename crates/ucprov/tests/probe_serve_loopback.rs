//! `ucprov probe` against a real `ucprov serve` (responder and certificate service) on
//! loopback, unprivileged: the lab knobs send replies to the probe's port and every service
//! listens on a high port. The registrar's TLS port is a test listener with a certificate
//! from the same demo CA the service serves.

mod common;
mod lab;

use std::net::{Ipv4Addr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::ucprov;
use ucprov_certprov::state::{demo_root, demo_server};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn probe_passes_against_ucprov_serve() {
    let state = tempfile::tempdir().unwrap();
    let root = demo_root(state.path()).unwrap().root;
    let (client, dhcp, http, https) = (
        lab::free_udp_port(),
        lab::free_udp_port(),
        lab::closed_tcp_port(),
        lab::closed_tcp_port(),
    );
    let sip = lab::registrar(
        &demo_server(state.path(), &root, lab::SIP).unwrap(),
        &lab::sts_uri(lab::WEB, https),
    );
    let config = state.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "[listen]\naddress = \"127.0.0.1\"\nport = {dhcp}\n[ports]\nclient = {client}\nrelay = {client}\n\
             [default]\nsip_servers = [\"{}\"]\nweb_server = \"{}\"\nport = {https}\n",
            lab::SIP,
            lab::WEB
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--certprov", "--web-fqdn", lab::WEB, "--state-dir"])
        .arg(state.path())
        .args(["--certprov-listen", &format!("127.0.0.1:{http}")])
        .args(["--certprov-https-listen", &format!("127.0.0.1:{https}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _serve = Serve(child);
    // The responder binds before the certificate service, so HTTP answering means both are up.
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, http)).is_err() {
        assert!(Instant::now() < deadline, "ucprov serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let server = format!("127.0.0.1:{dhcp}");
    let mut args = lab::probe_args(server.parse().unwrap(), http, sip);
    let at = args.iter().position(|a| a == "--client-port").unwrap();
    args[at + 1] = client.to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = ucprov(&args);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for line in [
        "[1] DHCP                PASS  1 server answered",
        &format!(
            "[2] Options 43 and 120  PASS  https://{}:{https}/",
            lab::WEB
        ),
        "[3] DNS                 PASS  2 of 2 names resolved by override",
        "[4] Root chain          PASS  1 certificate, root CN=ucprov demo CA",
        "[5] TLS                 PASS  2 of 2 endpoints trusted",
        "[6] SIP REGISTER        PASS  1 of 1 registrar answered 401 TLS-DSK",
    ] {
        assert!(run.stdout.contains(line), "no {line:?} in:\n{}", run.stdout);
    }
}
