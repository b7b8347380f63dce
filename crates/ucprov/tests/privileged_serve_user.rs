//! `serve` started as root (for port 67) gives root up once every socket is bound (issue 13
//! item 6): with `[service] user` every thread runs as that user and group, with no
//! supplementary group and no capability, and the service still answers INFORMs and reloads
//! its config on SIGHUP as that user.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers beside the tests: a panic is the failure report

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ucprov_testkit::{artifacts_dir, exchange, inform_request, require_root, VethLink};
use ucprov_wire::message::DhcpMessage;
use ucprov_wire::profile::Provisioning;

const SAFETY: Duration = Duration::from_secs(30);
/// Debian's unprivileged account and group.
const NOBODY: u32 = 65534;

fn config(pool: &str) -> String {
    format!("admin = \"127.0.0.1:9168\"\n[service]\nuser = \"nobody\"\ngroup = \"nogroup\"\n[listen]\nworkers = 2\n[default]\nsip_servers = [\"{pool}\"]\n")
}

/// A directory and config the unprivileged user can read (0755, 0644), as docs/serve.md
/// asks: a reload reads the file as that user.
fn readable_config(text: &str) -> PathBuf {
    let dir = artifacts_dir().join(format!("serve-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.join("serve.toml");
    write_readable(&path, text);
    path
}

fn write_readable(path: &Path, text: &str) {
    // Replaced whole, as an editor or config management does.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// `key:` lines of every thread's /proc status.
fn thread_status(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let status = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        out.push(status);
    }
    assert!(out.len() > 1, "the runtime has worker threads");
    out
}

fn field<'a>(status: &'a str, key: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {key} in {status}"))
        .trim()
}

fn web_of(link: &VethLink, xid: u32) -> Vec<u8> {
    let request = inform_request(
        xid,
        link.client_ip,
        link.client_mac,
        Some(b"MS-UC-Client"),
        &[43, 120],
    );
    let replies = link.client.run(|| {
        exchange(
            (link.client_ip, 68).into(),
            (link.server_ip, 67).into(),
            &request,
            Duration::from_secs(2),
        )
    });
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let reply = DhcpMessage::parse(&replies[0].bytes).unwrap();
    reply.option(43).expect("option 43").to_vec()
}

#[test]
#[ignore = "privileged: needs root and netns; run by scripts/test-all"]
fn serve_as_root_with_a_user_drops_to_it_and_still_answers_and_reloads() {
    require_root();
    let link = VethLink::new();
    let path = readable_config(&config("pool-a.contoso.com"));
    let mut command = link.server.command(env!("CARGO_BIN_EXE_ucprov"));
    command
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "info");
    let mut server = ucprov_testkit::Peer::spawn(command, "serve-user");
    server.wait_for_log("capabilities dropped", SAFETY);
    let pid = server.pid();
    // `ip netns exec` execs the program itself: the pid is ucprov's.
    assert_eq!(
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap()
            .trim(),
        "ucprov"
    );
    for status in thread_status(pid) {
        let ids = format!("{NOBODY}\t{NOBODY}\t{NOBODY}\t{NOBODY}");
        assert_eq!(field(&status, "Uid"), ids, "{status}");
        assert_eq!(field(&status, "Gid"), ids, "{status}");
        assert_eq!(field(&status, "Groups"), NOBODY.to_string(), "{status}");
        for cap in ["CapInh", "CapPrm", "CapEff", "CapAmb"] {
            assert_eq!(field(&status, cap), "0000000000000000", "{cap}: {status}");
        }
        assert_eq!(field(&status, "NoNewPrivs"), "1", "{status}");
    }
    let a = Provisioning::new("pool-a.contoso.com", None)
        .option43()
        .unwrap();
    assert_eq!(web_of(&link, 0x5E1F_0001), a);

    // The reload reads the file as nobody.
    write_readable(&path, &config("pool-b.contoso.com"));
    let hup = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    server.wait_for_log("configuration reloaded", SAFETY);
    let b = Provisioning::new("pool-b.contoso.com", None)
        .option43()
        .unwrap();
    assert_eq!(web_of(&link, 0x5E1F_0002), b);

    // A file nobody cannot read is refused and logged; the old config keeps serving.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = server
        .log()
        .matches("configuration reload rejected")
        .count();
    Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    let start = std::time::Instant::now();
    while server
        .log()
        .matches("configuration reload rejected")
        .count()
        == before
    {
        assert!(start.elapsed() < SAFETY, "{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.log().contains("Permission denied"),
        "{}",
        server.log()
    );
    assert_eq!(web_of(&link, 0x5E1F_0003), b);
    server.assert_running();
}

#[test]
fn an_unknown_user_is_refused_before_anything_is_bound() {
    let path = readable_config("[service]\nuser = \"no-such-user-ucprov\"\n[listen]\nport = 0\n[default]\nsip_servers = [\"pool.contoso.com\"]\n");
    let run = common::ucprov(&["serve", "--config", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("user \"no-such-user-ucprov\" does not exist")
            && run.stderr.contains("useradd"),
        "{}",
        run.stderr
    );
    let run = common::ucprov(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--sip-server",
        "pool.contoso.com",
        "--user",
        "root",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("is root"), "{}", run.stderr);
}
