//! The three servers under test, each configured from `ucprov config` (or, for ucprov, the
//! same seed profile in a serve config) and started on loopback inside the benchmark's
//! namespace with per-packet logging off.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use serde_json::Value;
use ucprov_testkit::{require_tool, Netns, Peer};

use crate::load::{REPLY_PORT, SERVER_PORT};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Server {
    Ucprov,
    Kea,
    Dnsmasq,
}

impl Server {
    pub const ALL: [Server; 3] = [Server::Ucprov, Server::Kea, Server::Dnsmasq];

    pub fn name(self) -> &'static str {
        match self {
            Server::Ucprov => "ucprov",
            Server::Kea => "kea",
            Server::Dnsmasq => "dnsmasq",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Server::ALL.into_iter().find(|s| s.name() == text)
    }
}

/// What every server start needs.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The `ucprov` binary: release for the benchmark, the test build for the smoke test.
    pub ucprov: PathBuf,
    /// Configs, pid files and server logs go here.
    pub work: PathBuf,
    pub sip_server: String,
    /// dnsmasq logs two lines per INFORM unless told `quiet-dhcp`; the default (false) keeps
    /// it as quiet as ucprov and Kea at WARN.
    pub dnsmasq_log_transactions: bool,
}

/// A started server; dropping it kills the process.
pub struct Running {
    pub peer: Peer,
    pub version: String,
    pub config: PathBuf,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.peer.pid()
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

fn output(mut command: Command, what: &str) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// `ucprov config --target TARGET --sip-server FQDN --scope 127.0.0.0/8 --interface lo …`.
fn ucprov_config(setup: &Setup, target: &str, extra: &[&str]) -> Result<String, String> {
    let mut c = Command::new(&setup.ucprov);
    c.args([
        "config",
        "--target",
        target,
        "--sip-server",
        &setup.sip_server,
    ])
    .args(["--scope", "127.0.0.0/8", "--interface", "lo"])
    .args(extra);
    output(c, &format!("ucprov config --target {target}"))
}

/// Start `server` in `ns`. Readiness is checked by the generator (a correct answer), not here.
pub fn start(server: Server, ns: &Netns, setup: &Setup) -> Result<Running, String> {
    let dir = setup.work.join(server.name());
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let dir = std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    match server {
        Server::Ucprov => start_ucprov(ns, setup, &dir, None),
        Server::Kea => start_kea(ns, setup, &dir),
        Server::Dnsmasq => start_dnsmasq(ns, setup, &dir),
    }
}

/// `ucprov serve --workers N` with the same config as [`Server::Ucprov`], its files under
/// `work/ucprov-wN`.
pub fn start_ucprov_workers(ns: &Netns, setup: &Setup, workers: u16) -> Result<Running, String> {
    let dir = setup.work.join(format!("ucprov-w{workers}"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let dir = std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    start_ucprov(ns, setup, &dir, Some(workers))
}

fn start_ucprov(
    ns: &Netns,
    setup: &Setup,
    dir: &Path,
    workers: Option<u16>,
) -> Result<Running, String> {
    let mut v = Command::new(&setup.ucprov);
    v.arg("--version");
    let version = first_line(&output(v, "ucprov --version")?);
    let config = dir.join("serve.toml");
    // The seed profile as [default]; [ports] sends replies to the generator's port.
    let text = format!(
        "[listen]\naddress = \"0.0.0.0\"\nport = {SERVER_PORT}\n\n[ports]\nclient = {REPLY_PORT}\n\n[default]\nsip_servers = [{:?}]\n",
        setup.sip_server
    );
    write(&config, &text)?;
    let mut c = ns.command(&setup.ucprov);
    c.args(["serve", "--config"])
        .arg(&config)
        // WARN: no line per answered INFORM, as in production at that level.
        .env("RUST_LOG", "warn");
    let log = match workers {
        Some(n) => {
            c.args(["--workers", &n.to_string()]);
            format!("bench-ucprov-w{n}")
        }
        None => "bench-ucprov".to_string(),
    };
    let peer = Peer::spawn(c, &log);
    Ok(Running {
        peer,
        version,
        config,
    })
}

/// Kea's generated config is JSON with `//` comment lines at the top (Kea reads them); strip
/// them to edit it as JSON.
fn kea_json(generated: &str) -> Result<Value, String> {
    let json: String = generated
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).map_err(|e| format!("ucprov config --target kea: not JSON: {e}"))
}

/// The two loopback changes: UDP sockets (loopback gets no raw-socket traffic,
/// docs/peers.md §6.2), and logging to a file at WARN so no INFO line is written per packet.
pub fn adapt_kea(generated: &str, log: &Path) -> Result<Value, String> {
    let mut v = kea_json(generated)?;
    let dhcp4 = v
        .get_mut("Dhcp4")
        .and_then(Value::as_object_mut)
        .ok_or("ucprov config --target kea: no Dhcp4 object")?;
    let ifaces = dhcp4
        .get_mut("interfaces-config")
        .and_then(Value::as_object_mut)
        .ok_or("ucprov config --target kea: no interfaces-config")?;
    ifaces.insert("dhcp-socket-type".into(), Value::from("udp"));
    dhcp4.insert(
        "loggers".into(),
        serde_json::json!([{
            "name": "kea-dhcp4",
            "output_options": [{ "output": log.display().to_string() }],
            "severity": "WARN"
        }]),
    );
    Ok(v)
}

fn start_kea(ns: &Netns, setup: &Setup, dir: &Path) -> Result<Running, String> {
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    let mut v = Command::new(&kea);
    v.arg("-V");
    let version = format!("Kea {}", first_line(&output(v, "kea-dhcp4 -V")?));
    let generated = ucprov_config(setup, "kea", &["--full"])?;
    let config = dir.join("kea-dhcp4.json");
    let json = adapt_kea(&generated, &dir.join("kea.log"))?;
    let text = serde_json::to_string_pretty(&json).map_err(|e| format!("kea config: {e}"))?;
    write(&config, &text)?;
    let env = [("KEA_PIDFILE_DIR", dir), ("KEA_LOCKFILE_DIR", dir)];
    let mut check = Command::new(&kea);
    check.arg("-t").arg(&config).envs(env);
    output(check, "kea-dhcp4 -t")?;
    let mut c = ns.command(&kea);
    c.arg("-c")
        .arg(&config)
        .args([
            "-p",
            &SERVER_PORT.to_string(),
            "-P",
            &REPLY_PORT.to_string(),
        ])
        .envs(env);
    let peer = Peer::spawn(c, "bench-kea");
    Ok(Running {
        peer,
        version,
        config,
    })
}

/// Loopback lines of the privileged dnsmasq test: no DNS, alternate ports, no lease file.
/// `log-dhcp` stays off; `quiet-dhcp` also drops the per-transaction lines unless asked for.
pub fn dnsmasq_preamble(dir: &Path, log_transactions: bool) -> String {
    let quiet = if log_transactions { "" } else { "quiet-dhcp\n" };
    format!(
        "port=0\nbind-interfaces\ndhcp-alternate-port={SERVER_PORT},{REPLY_PORT}\nleasefile-ro\n{quiet}pid-file={}\n",
        dir.join("dnsmasq.pid").display()
    )
}

fn start_dnsmasq(ns: &Netns, setup: &Setup, dir: &Path) -> Result<Running, String> {
    let dnsmasq = require_tool("dnsmasq", "dnsmasq-base");
    let mut v = Command::new(&dnsmasq);
    v.arg("--version");
    let version = first_line(&output(v, "dnsmasq --version")?)
        .split("  ")
        .next()
        .unwrap_or("dnsmasq")
        .to_string();
    let generated = ucprov_config(setup, "dnsmasq", &[])?;
    let config = dir.join("dnsmasq.conf");
    let text = format!(
        "{}{generated}",
        dnsmasq_preamble(dir, setup.dnsmasq_log_transactions)
    );
    write(&config, &text)?;
    let mut check = Command::new(&dnsmasq);
    check.args(["--test", "-C"]).arg(&config);
    output(check, "dnsmasq --test")?;
    let mut c = ns.command(&dnsmasq);
    c.arg("-k")
        .arg(format!(
            "--log-facility={}",
            dir.join("dnsmasq.log").display()
        ))
        .arg("-C")
        .arg(&config);
    let peer = Peer::spawn(c, "bench-dnsmasq");
    Ok(Running {
        peer,
        version,
        config,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GENERATED: &str = "// comment\n// more\n{\n  \"Dhcp4\": {\n    \"interfaces-config\": { \"dhcp-socket-type\": \"raw\", \"interfaces\": [\"lo\"] }\n  }\n}\n";

    #[test]
    fn kea_gets_udp_sockets_and_a_warn_file_logger() {
        let v = adapt_kea(GENERATED, Path::new("/tmp/kea.log")).unwrap();
        assert_eq!(
            v["Dhcp4"]["interfaces-config"]["dhcp-socket-type"],
            Value::from("udp")
        );
        assert_eq!(v["Dhcp4"]["loggers"][0]["severity"], Value::from("WARN"));
        assert_eq!(
            v["Dhcp4"]["loggers"][0]["output_options"][0]["output"],
            Value::from("/tmp/kea.log")
        );
    }

    #[test]
    fn dnsmasq_is_quiet_unless_asked() {
        let dir = Path::new("/w");
        assert!(dnsmasq_preamble(dir, false).contains("quiet-dhcp\n"));
        assert!(!dnsmasq_preamble(dir, true).contains("quiet-dhcp"));
        assert!(!dnsmasq_preamble(dir, true).contains("log-dhcp"));
        assert!(dnsmasq_preamble(dir, false).contains("dhcp-alternate-port=1067,1068\n"));
    }
}
