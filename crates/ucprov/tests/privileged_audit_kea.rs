//! `ucprov apply` and `ucprov audit --kea-ctrl` against a real kea-dhcp4 2.2 and
//! kea-ctrl-agent in a fresh namespace, the server already serving a PXEClient class with its
//! own option 43: apply succeeds and changes only what the profile needs; on the wire an
//! MS-UC-Client INFORM gets the profile's 43/120 while a PXEClient request still gets the PXE
//! option 43 byte for byte; a second apply is a no-op; `audit --kea-ctrl` and `audit` of the
//! file config-write wrote agree; `kea-dhcp4 -t` accepts that file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod config_interop;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use config_interop::*;
use serde_json::Value;
use ucprov_testkit::{require_root, require_tool, Peer};
use ucprov_wire::message::Packet;
use ucprov_wire::options::OptionSet;
use ucprov_wire::profile::Provisioning;

/// The PXE option 43 the server serves before ucprov touches it (PXE discovery control 8 and
/// a boot server list, as SCCM-style PXE setups send).
const PXE_43: &str = "06:01:08:08:07:80:00:01:c0:00:02:05";
const CTRL_PORT: u16 = 18043;

fn kea_config(dir: &Path) -> String {
    format!(
        r#"// The site's Kea before ucprov: a PXE class with its own option 43.
{{
"Dhcp4": {{
    "interfaces-config": {{ "interfaces": [ "lo" ], "dhcp-socket-type": "udp" }},
    "control-socket": {{ "socket-type": "unix", "socket-name": "{sock}" }},
    "lease-database": {{ "type": "memfile", "persist": false }},
    "client-classes": [
        {{
            "name": "PXEClient",
            "test": "substring(option[60].hex,0,9) == 'PXEClient'",
            "option-def": [ {{ "name": "vendor-encapsulated-options", "code": 43, "type": "binary" }} ],
            "option-data": [ {{ "name": "vendor-encapsulated-options", "csv-format": false, "data": "{PXE_43}" }} ]
        }}
    ],
    "subnet4": [ {{ "id": 1, "subnet": "127.0.0.0/8" }} ]
}}
}}
"#,
        sock = dir.join("kea4.sock").display()
    )
}

fn agent_config(dir: &Path) -> String {
    format!(
        r#"{{ "Control-agent": {{ "http-host": "127.0.0.1", "http-port": {CTRL_PORT},
  "control-sockets": {{ "dhcp4": {{ "socket-type": "unix", "socket-name": "{}" }} }} }} }}"#,
        dir.join("kea4.sock").display()
    )
}

fn ucprov(ns: &ucprov_testkit::Netns, args: &[&str]) -> Output {
    ns.command(env!("CARGO_BIN_EXE_ucprov"))
        .args(args)
        .output()
        .expect("run ucprov")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn option43(reply: &ucprov_testkit::Reply) -> Option<Vec<u8>> {
    let p = Packet::new_checked(&reply.bytes[..]).unwrap();
    let o: OptionSet<'_> = p.options().unwrap();
    o.get(43).map(|c| c.into_owned())
}

fn scopes(json: &[u8]) -> Vec<(Value, Value)> {
    let v: Value = serde_json::from_slice(json).unwrap();
    v["audits"][0]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["option43"]["hex"].clone(), s["option120"]["hex"].clone()))
        .collect()
}

#[test]
#[ignore = "privileged: needs root, netns, kea-dhcp4 and kea-ctrl-agent; run by scripts/test-all"]
fn apply_keeps_pxe_and_serves_the_phones() {
    require_root();
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    let agent = require_tool("kea-ctrl-agent", "kea-ctrl-agent");
    let dir = workdir("audit-kea");
    let conf = dir.join("kea-dhcp4.conf");
    let ca = dir.join("kea-ctrl-agent.conf");
    write(&conf, &kea_config(&dir));
    write(&ca, &agent_config(&dir));
    let env = [
        ("KEA_PIDFILE_DIR", dir.clone()),
        ("KEA_LOCKFILE_DIR", dir.clone()),
    ];

    let ns = ucprov_testkit::Netns::new("audit-kea");
    let mut server = ns.command(&kea);
    server
        .arg("-c")
        .arg(&conf)
        .args(["-p", "1067", "-P", "1068"])
        .envs(env.clone());
    let mut server = Peer::spawn(server, "audit-kea-dhcp4");
    server.wait_for_log("DHCP4_STARTED", Duration::from_secs(20));
    let mut ctrl = ns.command(&agent);
    ctrl.arg("-c").arg(&ca).envs(env.clone());
    let mut ctrl = Peer::spawn(ctrl, "audit-kea-ctrl-agent");
    ctrl.wait_for_log("CTRL_AGENT_HTTP_SERVICE_STARTED", Duration::from_secs(20));
    let url = format!("http://127.0.0.1:{CTRL_PORT}");
    let (bind, to) = (([127, 0, 0, 1], 1068).into(), ([127, 0, 0, 1], 1067).into());
    let mac = [0x02, 0, 0, 0, 0, 0x44];
    let pxe43 = ucprov_wire::hex::parse_hex(PXE_43).unwrap();
    assert_eq!(
        option43(&ask(&ns, bind, to, mac, PXE_CLIENT)),
        Some(pxe43.clone()),
        "PXE before apply"
    );

    // Before: audit says the phones get nothing.
    let before = ucprov(&ns, &["audit", "--kea-ctrl", &url]);
    assert_eq!(before.status.code(), Some(1), "{}", text(&before));
    assert!(
        text(&before).contains("get neither option 43 nor option 120"),
        "{}",
        text(&before)
    );

    let fqdn = "pool.contoso.com";
    let web = "web.contoso.com";
    let p = Provisioning::new(fqdn, Some(web.into()));
    let profile = ["--sip-server", fqdn, "--web-server", web];
    let dry = ucprov(
        &ns,
        &[&["apply", "--kea-ctrl", &url, "--dry-run"], &profile[..]].concat(),
    );
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("dry run"), "{}", text(&dry));
    let ms_before = ask(&ns, bind, to, mac, MS_UC_CLIENT);
    assert_eq!(option43(&ms_before), None, "a dry run changes nothing");

    let first = ucprov(
        &ns,
        &[&["apply", "--kea-ctrl", &url], &profile[..]].concat(),
    );
    assert!(first.status.success(), "{}", text(&first));
    let out = text(&first);
    assert!(
        out.contains("+ ") && out.contains("applied and written"),
        "{out}"
    );
    // Only the empty option-def list gives way to the filled one: nothing of PXE is removed.
    let removed: Vec<&str> = out.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(removed, ["-   \"option-def\": [],"], "{out}");

    // On the wire: the phones get the profile, the PXE client its own option 43 unchanged.
    let seen = assert_provisions(&ask(&ns, bind, to, mac, MS_UC_CLIENT), &p);
    assert_eq!(
        option43(&ask(&ns, bind, to, mac, PXE_CLIENT)),
        Some(pxe43),
        "PXE option 43 after apply"
    );
    assert_not_provisioned(&ask(&ns, bind, to, mac, OTHER));

    // A second apply changes nothing and says so.
    let second = ucprov(
        &ns,
        &[&["apply", "--kea-ctrl", &url, "--json"], &profile[..]].concat(),
    );
    assert!(second.status.success(), "{}", text(&second));
    let doc: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(doc["outcome"], "unchanged", "{doc}");

    // audit --kea-ctrl and audit of the written file agree, with no error, on the profile.
    let expect = [
        "--expect-sip-server",
        fqdn,
        "--expect-web-server",
        web,
        "--json",
    ];
    let live = ucprov(&ns, &[&["audit", "--kea-ctrl", &url], &expect[..]].concat());
    assert!(live.status.success(), "{}", text(&live));
    let conf_s = conf.to_string_lossy().into_owned();
    let file = ucprov(&ns, &[&["audit", conf_s.as_str()], &expect[..]].concat());
    assert!(file.status.success(), "{}", text(&file));
    let (live, file) = (scopes(&live.stdout), scopes(&file.stdout));
    assert_eq!(live, file, "audit --kea-ctrl and audit of the written file");
    let hex = |b: Vec<u8>| Value::String(ucprov_wire::hex::HexStyle::CONTIGUOUS.format(&b));
    assert_eq!(
        live,
        vec![(hex(p.option43().unwrap()), hex(p.option120().unwrap()))]
    );

    // Kea itself accepts what config-write wrote.
    let mut check = Command::new(&kea);
    check.arg("-t").arg(&conf).envs(env);
    check_with(check, "kea-dhcp4 -t");
    server.assert_running();
    ctrl.assert_running();
    println!(
        "audit-kea: apply added the ms-uc-client class next to PXEClient; MS-UC-Client got option 43 ({} bytes) and 120 ({} bytes), PXEClient kept its {} byte option 43; second apply unchanged; audit --kea-ctrl = audit of the file",
        seen.o43_len, seen.o120_len, PXE_43.split(':').count()
    );
}

/// What `ucprov audit` says a client gets, checked against what kea-dhcp4 sends: every Kea
/// file of the corpus (crates/audit/tests/corpus/kea), moved onto loopback, is served by the
/// real server and asked by an MS-UC-Client and a PXEClient INFORM; options 43 and 120 on the
/// wire must be the bytes the audit reported for the subnet (or absent where it reported none).
#[test]
#[ignore = "privileged: needs root, netns and kea-dhcp4; run by scripts/test-all"]
fn audit_says_what_kea_sends() {
    require_root();
    let kea = require_tool("kea-dhcp4", "kea-dhcp4-server");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../audit/tests/corpus/kea");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut compared = 0;
    for (n, file) in files.iter().enumerate() {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = workdir(&format!("audit-wire-{stem}"));
        let conf = dir.join("kea-dhcp4.conf");
        // Onto loopback: the INFORM's ciaddr 127.0.0.1 selects the first subnet.
        let text = std::fs::read_to_string(file)
            .unwrap()
            .replace(
                "\"interfaces\": [ ]",
                "\"interfaces\": [ \"lo\" ], \"dhcp-socket-type\": \"udp\"",
            )
            .replace("192.0.2.0/24", "127.0.0.0/8")
            .replace("192.0.2.1 - 192.0.2.200", "127.0.0.10 - 127.0.0.200")
            .replace("\"lfc-interval\": 3600", "\"persist\": false");
        write(&conf, &text);
        let env = [
            ("KEA_PIDFILE_DIR", dir.clone()),
            ("KEA_LOCKFILE_DIR", dir.clone()),
        ];
        let test = Command::new(&kea)
            .arg("-t")
            .arg(&conf)
            .envs(env.clone())
            .output()
            .unwrap();
        if !test.status.success() {
            println!(
                "audit-wire {stem}: kea-dhcp4 -t refuses it, not served: {}",
                String::from_utf8_lossy(&test.stdout)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            continue;
        }
        let o = Command::new(env!("CARGO_BIN_EXE_ucprov"))
            .args(["audit", "--json"])
            .arg(&conf)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{stem}: {e}: {}", text_of(&o)));
        let subnet = doc["audits"][0]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scope"] == "127.0.0.0/8")
            .unwrap_or_else(|| panic!("{stem}: no 127.0.0.0/8 scope in {doc}"))
            .clone();
        let ns = ucprov_testkit::Netns::new("audit-wire");
        let mut server = ns.command(&kea);
        server
            .arg("-c")
            .arg(&conf)
            .args(["-p", "1067", "-P", "1068"])
            .envs(env);
        let mut server = Peer::spawn(server, &format!("audit-wire-{stem}"));
        server.wait_for_log("DHCP4_STARTED", Duration::from_secs(20));
        let (bind, to) = (([127, 0, 0, 1], 1068).into(), ([127, 0, 0, 1], 1067).into());
        let mac = [0x02, 0, 0, 0, 0x45, n as u8];
        let ms = ask(&ns, bind, to, mac, MS_UC_CLIENT);
        let pxe = ask(&ns, bind, to, mac, PXE_CLIENT);
        assert_sends_what_audit_reports(
            ("audit-wire", "kea-dhcp4"),
            &stem,
            (&doc["audits"][0], &subnet),
            (&ms, &pxe),
        );
        server.assert_running();
        compared += 1;
    }
    assert!(compared >= 8, "only {compared} corpus files served");
}

fn text_of(o: &Output) -> String {
    text(o)
}
