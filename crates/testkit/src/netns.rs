//! Network namespaces and veth links that exist only for one test.

use std::fs::File;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::sched::{setns, CloneFlags};

use crate::require::{require_root, require_tool};

static NEXT: AtomicU32 = AtomicU32::new(0);

fn ip(args: &[&str]) {
    let ip = require_tool("ip", "iproute2");
    let out = Command::new(ip)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running ip {args:?}: {e}"));
    assert!(
        out.status.success(),
        "ip {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A named network namespace with `lo` up, deleted when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Create `ucp-<prefix>-<pid>-<n>`; names are unique across parallel tests and runs.
    pub fn new(prefix: &str) -> Self {
        require_root();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("ucp-{prefix}-{}-{n}", std::process::id());
        ip(&["netns", "add", &name]);
        let ns = Netns { name };
        ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside this namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(require_tool("ip", "iproute2"));
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }

    /// Run `ip -n <ns> <args>` and fail the test if it fails.
    pub fn ip(&self, args: &[&str]) {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        ip(&full);
    }

    /// Run `f` on a thread that has entered this namespace: sockets it opens live there.
    pub fn run<F, R>(&self, f: F) -> R
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let fd = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
                setns(&fd, CloneFlags::CLONE_NEWNET)
                    .unwrap_or_else(|e| panic!("setns into {path}: {e}"));
                f()
            })
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Best effort: a leftover namespace must not fail an otherwise finished test.
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .status();
    }
}

/// Two namespaces joined by a veth pair: server 192.0.2.1/24, client 192.0.2.10/24
/// (TEST-NET-1, never routed anywhere).
#[derive(Debug)]
pub struct VethLink {
    pub server: Netns,
    pub client: Netns,
    pub server_if: String,
    pub client_if: String,
    pub server_ip: std::net::Ipv4Addr,
    pub client_ip: std::net::Ipv4Addr,
    pub client_mac: [u8; 6],
    pub server_mac: [u8; 6],
}

impl VethLink {
    pub fn new() -> Self {
        let server = Netns::new("srv");
        let client = Netns::new("cli");
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Interface names are at most 15 bytes and live in the namespace, so short is fine.
        let server_if = "veth-srv".to_string();
        let client_if = "veth-cli".to_string();
        let tmp_srv = format!("ucs{}x{n}", std::process::id() % 100_000);
        let tmp_cli = format!("ucc{}x{n}", std::process::id() % 100_000);
        ip(&[
            "link", "add", &tmp_srv, "type", "veth", "peer", "name", &tmp_cli,
        ]);
        ip(&["link", "set", &tmp_srv, "netns", server.name()]);
        ip(&["link", "set", &tmp_cli, "netns", client.name()]);
        server.ip(&["link", "set", &tmp_srv, "name", &server_if]);
        client.ip(&["link", "set", &tmp_cli, "name", &client_if]);
        let server_mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
        let client_mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x10];
        server.ip(&["link", "set", &server_if, "address", &mac_text(&server_mac)]);
        client.ip(&["link", "set", &client_if, "address", &mac_text(&client_mac)]);
        server.ip(&["addr", "add", "192.0.2.1/24", "dev", &server_if]);
        client.ip(&["addr", "add", "192.0.2.10/24", "dev", &client_if]);
        server.ip(&["link", "set", &server_if, "up"]);
        client.ip(&["link", "set", &client_if, "up"]);
        VethLink {
            server,
            client,
            server_if,
            client_if,
            server_ip: std::net::Ipv4Addr::new(192, 0, 2, 1),
            client_ip: std::net::Ipv4Addr::new(192, 0, 2, 10),
            client_mac,
            server_mac,
        }
    }
}

impl Default for VethLink {
    fn default() -> Self {
        VethLink::new()
    }
}

pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}
