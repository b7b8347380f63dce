//! Run the built `ucprov` binary and capture what a user would see.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::Write;
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn ucprov(args: &[&str]) -> Run {
    ucprov_stdin(args, None)
}

pub fn ucprov_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    ucprov_bytes(args, stdin.map(str::as_bytes))
}

/// `ucprov` with `stdin` (bytes: a capture, say) on its standard input.
pub fn ucprov_bytes(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ucprov");
    if let Some(input) = stdin {
        let written = child.stdin.take().expect("stdin").write_all(input);
        // A command that stops reading early (an input over its limit) closes the pipe.
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    let out = child.wait_with_output().expect("wait for ucprov");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The seed article's option 43 as captured, with Windows' NAP sub-option (docs/wire.md §2).
pub const SEED_CAPTURE: &str = "2B 5A 01 0C 4D 53 2D 55 43 2D 43 6C 69 65 6E 74 02 05 68 74 74 70 73 03 12 6C 79 6E 63 2E 73 63 68 65 72 74 7A 2E 6C 6F 63 61 6C 04 03 34 34 33 05 25 2F 43 65 72 74 50 72 6F 76 2F 43 65 72 74 50 72 6F 76 69 73 69 6F 6E 69 6E 67 53 65 72 76 69 63 65 2E 73 76 63 DC 03 4E 41 50";
pub const SEED_43: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";
pub const SEED_120: &str = "00046C796E63077363686572747A056C6F63616C00";

/// Start `ucprov serve --config <config>` inside `ns`, with its log kept as the artifact
/// `<name>.log`, and return once it listens.
pub fn serve_in(ns: &ucprov_testkit::Netns, name: &str, config: &str) -> ucprov_testkit::Peer {
    let path = ucprov_testkit::artifacts_dir().join(format!("{name}.toml"));
    std::fs::write(&path, config).expect("write the serve config");
    let mut command = ns.command(env!("CARGO_BIN_EXE_ucprov"));
    command
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "info");
    let mut peer = ucprov_testkit::Peer::spawn(command, name);
    peer.wait_for_log(
        "DHCPINFORM responder listening",
        std::time::Duration::from_secs(30),
    );
    peer
}

/// Inputs that look like mistakes (issue 11 item 4), for every command-line front-end's test:
/// the arguments, the flag the warning names and a phrase of it.
pub const SUSPICIOUS: &[(&[&str], &str, &str)] = &[
    (
        &[
            "--sip-server",
            "pool.contoso.com",
            "--web-server",
            "192.0.2.10",
        ],
        "--web-server",
        "\"192.0.2.10\" is an IPv4 address",
    ),
    (
        &["--sip-server", "192.0.2.10"],
        "--sip-server",
        "\"192.0.2.10\" is an IPv4 address, not a name (it is also the web services FQDN)",
    ),
    (
        &[
            "--sip-server",
            "pool.contoso.com",
            "--sip-server",
            "192.0.2.11",
            "--web-server",
            "web.contoso.com",
        ],
        "--sip-server",
        "\"192.0.2.11\" is an IPv4 address",
    ),
    (
        &["--sip-server", "pool.contoso.com", "--web-server", "lync"],
        "--web-server",
        "\"lync\" is a single-label name",
    ),
    (
        &["--sip-server", "lync"],
        "--sip-server",
        "\"lync\" is a single-label name",
    ),
    (
        &["--sip-server", "lync.schertz.local", "--scheme", "http"],
        "--scheme",
        "\"http\": the device would fetch its certificate over plain HTTP",
    ),
    (
        &[
            "--sip-server",
            "lync.schertz.local",
            "--scheme",
            "http",
            "--port",
            "8080",
        ],
        "--port",
        "8080 is not the default 443 and the URL scheme is not https",
    ),
];
