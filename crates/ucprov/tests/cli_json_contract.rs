//! The output contract (docs/json.md), over every command that reports: `--json` on good input
//! is one JSON document with `schema_version`; on bad input it is the error object whose
//! `exit_code` is the process's; a file, directory or socket that cannot be used exits 3; a
//! closed standard output ends quietly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{ucprov, Run, SEED_CAPTURE};
use serde_json::Value;

/// An empty but valid classic pcap: the global header alone (little-endian, Ethernet).
fn empty_pcap() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&0i32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&65535u32.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b
}

/// A UDP port on loopback nobody listens on (bound, then released).
fn closed_udp_port() -> String {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    drop(s);
    format!("127.0.0.1:{port}")
}

struct Files {
    _dir: tempfile::TempDir,
    cert: String,
    garbage: String,
    pcap: String,
    bad_toml: String,
    missing: String,
    /// A path under a regular file: no directory can be made there.
    under_a_file: String,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |name: &str| d.join(name).to_str().unwrap().to_string();
    let chain = ucprov_pki::testkit::chain("json").unwrap();
    std::fs::write(d.join("root.pem"), &chain.root.cert_pem).unwrap();
    std::fs::write(
        d.join("garbage.bin"),
        b"\x30\x03\x02\x01\x01 not a capture either",
    )
    .unwrap();
    std::fs::write(d.join("empty.pcap"), empty_pcap()).unwrap();
    std::fs::write(d.join("bad.toml"), "[default\nsip_servers = 3\n").unwrap();
    Files {
        cert: p("root.pem"),
        garbage: p("garbage.bin"),
        pcap: p("empty.pcap"),
        bad_toml: p("bad.toml"),
        missing: p("missing"),
        under_a_file: Path::new(&p("garbage.bin"))
            .join("sub")
            .to_str()
            .unwrap()
            .to_string(),
        _dir: dir,
    }
}

fn json(r: &Run, what: &str) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not one JSON document ({e})\nstdout:\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        )
    })
}

/// A report: `schema_version` 1 first among the top-level fields.
fn assert_report(r: &Run, what: &str, code: i32) -> Value {
    assert_eq!(r.code, code, "{what}: stderr:\n{}", r.stderr);
    let v = json(r, what);
    assert_eq!(v["schema_version"], 1, "{what}: {v}");
    assert!(v.get("error").is_none(), "{what}: {v}");
    v
}

/// The error object, with the process's exit code in it.
fn assert_error(r: &Run, what: &str, code: i32) {
    assert_eq!(
        r.code, code,
        "{what}: stdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    let v = json(r, what);
    assert_eq!(v["schema_version"], 1, "{what}: {v}");
    assert_eq!(v["error"]["exit_code"], code, "{what}: {v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{what}: {v}");
    assert!(
        r.stderr.contains("error"),
        "{what}: the human line stays on stderr: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
}

const SIP: &[&str] = &["--sip-server", "lync.contoso.com"];

fn with<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

#[test]
fn every_command_reports_json_with_a_schema_version() {
    let f = files();
    let probe_server = closed_udp_port();
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        ("encode --json", with(&["encode", "--json"], SIP), 0),
        (
            "encode --format json",
            with(&["encode", "--format", "json"], SIP),
            0,
        ),
        ("decode", vec!["decode", "--json", SEED_CAPTURE], 0),
        // Decodable but malformed: the report is the document, the exit code the verdict.
        ("decode malformed", vec!["decode", "--json", "2B0501"], 1),
        (
            "config",
            with(&["config", "--json", "--target", "kea"], SIP),
            0,
        ),
        (
            "cert inspect",
            vec!["cert", "inspect", "--json", &f.cert],
            0,
        ),
        ("pcap", vec!["pcap", "--json", &f.pcap], 0),
        (
            "serve --check",
            with(&["serve", "--check", "--json"], SIP),
            0,
        ),
        // Nobody answers on a closed loopback port: the report says so and exits 10.
        (
            "probe",
            vec![
                "probe",
                "--json",
                "--server",
                &probe_server,
                "--client-port",
                "0",
                "--timeout",
                "1",
            ],
            10,
        ),
    ];
    for (what, args, code) in &cases {
        let v = assert_report(&ucprov(args), what, *code);
        match *what {
            "config" => {
                let t = &v["targets"][0];
                assert_eq!(t["target"], "kea", "{v}");
                assert_eq!(t["file_name"], "kea.json", "{v}");
                assert!(t["config"]
                    .as_str()
                    .is_some_and(|c| c.contains("ms-uc-client")));
                assert!(t["findings"].is_array(), "{v}");
            }
            "probe" => assert_eq!(v["exit_code"], 10, "{v}"),
            "serve --check" => {
                assert_eq!(v["ok"], true, "{v}");
                assert_eq!(v["source"], "flags", "{v}");
            }
            "pcap" => assert!(v["clients"].is_array() && v["summary"].is_object(), "{v}"),
            _ => {}
        }
    }
}

#[test]
fn demo_json_is_the_services_and_the_probe_report() {
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("ca");
    let r = ucprov(&["demo", "--json", "--state-dir", dir.to_str().unwrap()]);
    let v = assert_report(&r, "demo", 0);
    assert!(v["services"]["dhcp"]
        .as_str()
        .is_some_and(|s| s.starts_with("127.0.0.1:")));
    assert!(v["services"]["registrar"].is_string(), "{v}");
    assert_eq!(v["probe"]["passed"], true, "{v}");
    assert_eq!(v["probe"]["exit_code"], 0, "{v}");
}

#[test]
fn bad_input_under_json_is_the_error_object() {
    let f = files();
    let cases: Vec<(&str, Vec<&str>, i32)> = vec![
        (
            "encode",
            vec!["encode", "--json", "--sip-server", "bad name"],
            1,
        ),
        (
            "encode usage",
            vec!["encode", "--json", "--no-such-flag"],
            2,
        ),
        ("decode", vec!["decode", "--json", "zz"], 1),
        (
            "config",
            vec![
                "config",
                "--json",
                "--target",
                "kea",
                "--sip-server",
                "bad name",
            ],
            1,
        ),
        (
            "cert inspect",
            vec!["cert", "inspect", "--json", &f.garbage],
            1,
        ),
        ("pcap", vec!["pcap", "--json", &f.garbage], 1),
        (
            "serve --check",
            vec!["serve", "--check", "--json", "--config", &f.bad_toml],
            1,
        ),
        (
            "probe usage",
            vec!["probe", "--json", "--server", "nowhere"],
            2,
        ),
    ];
    for (what, args, code) in &cases {
        assert_error(&ucprov(args), what, *code);
    }
}

/// Every command that reads or writes a file, directory or socket exits 3 when it cannot.
/// (encode and decode use none: their input is the command line or standard input; probe's
/// peers that do not answer are its own step codes, 10 and up.)
#[test]
fn a_file_that_cannot_be_used_exits_3_everywhere() {
    let f = files();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("cert inspect", vec!["cert", "inspect", &f.missing]),
        ("pcap", vec!["pcap", &f.missing]),
        (
            "serve --check",
            vec!["serve", "--check", "--config", &f.missing],
        ),
        (
            "config --out",
            with(
                &["config", "--target", "all", "--out", &f.under_a_file],
                SIP,
            ),
        ),
        (
            "demo --state-dir",
            vec!["demo", "--state-dir", &f.under_a_file],
        ),
    ];
    for (what, args) in &cases {
        let plain = ucprov(args);
        assert_eq!(plain.code, 3, "{what}: stderr:\n{}", plain.stderr);
        assert!(
            plain.stderr.contains("ucprov: error: "),
            "{what}: {}",
            plain.stderr
        );
        assert!(plain.stdout.is_empty(), "{what}: {}", plain.stdout);
        let mut json_args = args.clone();
        json_args.push("--json");
        assert_error(&ucprov(&json_args), what, 3);
    }
}

/// `ucprov … | head` with the reader already gone: every write fails with EPIPE, and the run
/// must end with an exit status, no panic.
#[test]
fn a_closed_standard_output_ends_quietly_in_every_command() {
    let f = files();
    let state = tempfile::tempdir().unwrap();
    let demo_state = state.path().join("ca").to_str().unwrap().to_string();
    let cases: Vec<Vec<&str>> = vec![
        with(&["encode"], SIP),
        with(&["encode", "--json"], SIP),
        vec!["decode", SEED_CAPTURE],
        vec!["decode", "--json", SEED_CAPTURE],
        with(&["config", "--target", "isc-dhcpd"], SIP),
        with(&["config", "--json", "--target", "isc-dhcpd"], SIP),
        vec!["cert", "inspect", &f.cert],
        vec!["cert", "inspect", "--json", &f.cert],
        vec!["pcap", &f.pcap],
        vec!["pcap", "--json", &f.pcap],
        vec!["demo", "--state-dir", &demo_state],
        with(&["serve", "--check"], SIP),
        with(&["serve", "--check", "--json"], SIP),
        // An error object to a closed output: still quiet.
        vec!["decode", "--json", "zz"],
    ];
    for args in &cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            out.status.code().is_some(),
            "{args:?}: killed: {:?}",
            out.status
        );
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

/// The same with a reader that takes one byte of a report far larger than a pipe buffer.
#[test]
fn a_reader_hanging_up_mid_report_ends_it_quietly() {
    use std::io::{Read, Write};
    // 60,000 bytes of option 120 that are each a root name (under decode's one-frame
    // limit): megabytes of rows, far more than a pipe holds.
    let hex = "00".repeat(60_000);
    for json in [false, true] {
        let mut args = vec!["decode", "--as", "option120"];
        if json {
            args.push("--json");
        }
        args.push("-");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = hex.clone();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut out = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        out.read_exact(&mut one).unwrap();
        drop(out);
        feeder.join().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(status.code(), Some(0), "json {json}: {status:?} {err}");
    }
}
