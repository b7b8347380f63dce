//! `ucprov audit` and `ucprov apply` from the outside: exit codes, the JSON contract, and
//! apply's refusals and no-op against a stand-in Control Agent on loopback (the real Kea is in
//! privileged_audit_kea.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

fn ucprov(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(args)
        .output()
        .expect("run ucprov")
}

fn corpus(path: &str) -> String {
    format!(
        "{}/../audit/tests/corpus/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn a_broken_file_is_exit_1_with_located_findings_and_fixes() {
    let file = corpus("isc/msucclient.conf");
    let o = ucprov(&["audit", &file]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("msucclient.conf:21: error: class \"MS-UC-Client\" tests option 60"),
        "{text}"
    );
    assert!(
        text.contains("fix:   match if option vendor-class-identifier = \"MS-UC-Client\";"),
        "{text}"
    );
    let o = ucprov(&["audit", &file, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc = stdout_json(&o);
    assert_eq!(doc["schema_version"], 1);
    let f = &doc["audits"][0]["findings"][0];
    assert_eq!(f["kind"], "misspelt_vendor_class");
    assert_eq!(f["location"]["line"], 21);
}

#[test]
fn ucprov_configs_own_output_audits_clean() {
    let dir = tempfile::tempdir().unwrap();
    for target in ["isc-dhcpd", "dnsmasq"] {
        let path = dir.path().join(target);
        let out = ucprov(&[
            "config",
            "--target",
            target,
            "--sip-server",
            "lync.example.com",
            "--scope",
            "10.1.0.0/24",
        ]);
        assert!(out.status.success());
        std::fs::write(&path, &out.stdout).unwrap();
        let p = path.to_string_lossy();
        let o = ucprov(&[
            "audit",
            &p,
            "--expect-sip-server",
            "lync.example.com",
            "--json",
        ]);
        assert!(
            o.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let doc = stdout_json(&o);
        assert!(doc["audits"][0]["scopes"][0]["option43"]["meaning"]
            .as_str()
            .unwrap()
            .starts_with("https://lync.example.com:443/"));
    }
}

#[test]
fn unusable_input_is_exit_3_and_the_json_error_object() {
    let o = ucprov(&["audit", "/nonexistent/dhcpd.conf", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let doc = stdout_json(&o);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["error"]["exit_code"], 3);
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.conf");
    std::fs::write(
        &both,
        "dhcp-range=10.0.0.0,static\nsubnet 10.0.0.0 netmask 255.0.0.0 { }\nauthoritative;\n",
    )
    .unwrap();
    let o = ucprov(&["audit", &both.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("fits several dialects") && err.contains("--dialect"),
        "{err}"
    );
    let regex = dir.path().join("regex.conf");
    std::fs::write(
        &regex,
        "authoritative;\nclass \"x\" {\n  match if option vendor-class-identifier ~= \"^MS\";\n}\n",
    )
    .unwrap();
    let o = ucprov(&["audit", &regex.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("regex.conf:3:"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ucprov(&["audit", "--kea-ctrl", "http://127.0.0.1:9"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ucprov(&["audit", "--kea-ctrl", "https://127.0.0.1:9"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A stand-in Control Agent: answers each command with `answer(command, arguments)` and
/// records the commands.
fn agent(
    answer: impl Fn(&str, &Value) -> Value + Send + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break Some(buf[end + 4..end + 4 + len].to_vec());
                    }
                }
            };
            let Some(body) = body else { continue };
            let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let command = req["command"].as_str().unwrap_or("").to_string();
            log.lock().unwrap().push(command.clone());
            let reply = answer(&command, &req["arguments"]).to_string();
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}", reply.len());
        }
    });
    (url, seen)
}

fn running() -> Value {
    json!({"Dhcp4": {
        "client-classes": [{"name": "PXEClient", "test": "substring(option[60].hex,0,9) == 'PXEClient'",
            "option-def": [{"name": "vendor-encapsulated-options", "code": 43, "type": "binary"}],
            "option-data": [{"name": "vendor-encapsulated-options", "csv-format": false, "data": "06:01:08"}]}],
        "subnet4": [{"id": 1, "subnet": "10.0.0.0/24"}]}})
}

#[test]
fn apply_refuses_with_the_reason_when_config_test_fails() {
    let (url, seen) = agent(|command, _| match command {
        "config-get" => json!([{"result": 0, "arguments": running()}]),
        "config-test" => {
            json!([{"result": 1, "text": "option-def 'WebServerPort' is not valid here"}])
        }
        _ => json!([{"result": 0, "text": "ok"}]),
    });
    let o = ucprov(&[
        "apply",
        "--kea-ctrl",
        &url,
        "--sip-server",
        "lync.example.com",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("config-test rejects") && err.contains("is not valid here"),
        "{err}"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        ["config-get", "config-test"],
        "nothing set after a failed test"
    );
}

#[test]
fn apply_refuses_when_a_subnet_option_43_would_still_win() {
    let (url, seen) = agent(|command, _| match command {
        "config-get" => {
            let mut r = running();
            r["Dhcp4"]["subnet4"][0]["option-data"] =
                json!([{"code": 43, "csv-format": false, "data": "06:01:08"}]);
            json!([{"result": 0, "arguments": r}])
        }
        _ => json!([{"result": 0, "text": "ok"}]),
    });
    let o = ucprov(&[
        "apply",
        "--kea-ctrl",
        &url,
        "--sip-server",
        "lync.example.com",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("refusing to apply")
            && err.contains("ranks subnet settings above class settings"),
        "{err}"
    );
    assert_eq!(*seen.lock().unwrap(), ["config-get"]);
}

#[test]
fn apply_applies_once_then_says_no_change() {
    let state = Arc::new(Mutex::new(running()));
    let s = state.clone();
    let (url, seen) = agent(move |command, args| match command {
        "config-get" => json!([{"result": 0, "arguments": s.lock().unwrap().clone()}]),
        "config-set" => {
            *s.lock().unwrap() = args.clone();
            json!([{"result": 0, "text": "Configuration successful."}])
        }
        _ => json!([{"result": 0, "text": "ok"}]),
    });
    let dry = ucprov(&[
        "apply",
        "--kea-ctrl",
        &url,
        "--sip-server",
        "lync.example.com",
        "--dry-run",
        "--json",
    ]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(stdout_json(&dry)["outcome"], "dry_run");
    let o = ucprov(&[
        "apply",
        "--kea-ctrl",
        &url,
        "--sip-server",
        "lync.example.com",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again = ucprov(&[
        "apply",
        "--kea-ctrl",
        &url,
        "--sip-server",
        "lync.example.com",
    ]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("no change"));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "config-get",
            "config-test",
            "config-get",
            "config-test",
            "config-set",
            "config-write",
            "config-get"
        ]
    );
    let classes = state.lock().unwrap()["Dhcp4"]["client-classes"].clone();
    assert_eq!(
        classes[0]["name"], "PXEClient",
        "the PXE class is kept first"
    );
    assert_eq!(classes[1]["name"], "ms-uc-client");
}
