#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

//! The corpus of broken configurations in tests/corpus/{kea,isc,dnsmasq}/ (README.md there):
//! each file says in its header what it gets wrong and which findings the audit must make,
//! `expect: KIND line N fix TEXT`, or `expect-error: line N TEXT` for a file the server itself
//! refuses. Every expected finding must be there at its line with a fix containing TEXT, and
//! the audit must make no error finding the header does not list.

use std::path::{Path, PathBuf};

use ucprov_audit::source::RealFs;
use ucprov_audit::{audit, read, Dialect};
use ucprov_wire::profile::Provisioning;
use ucprov_wire::sip_servers::SipServers;

struct Expect {
    kind: String,
    line: u32,
    fix: String,
}

fn header(text: &str) -> (Option<Provisioning>, Vec<Expect>, Option<(u32, String)>) {
    let mut profile = None;
    let mut expects = Vec::new();
    let mut error = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("// ").or_else(|| line.strip_prefix("# ")) else {
            break;
        };
        if let Some(p) = rest.strip_prefix("profile: ") {
            let words: Vec<&str> = p.split_whitespace().collect();
            let get = |flag: &str| {
                words
                    .iter()
                    .position(|w| *w == flag)
                    .map(|i| words[i + 1].to_string())
            };
            let sip = get("--expect-sip-server").expect("profile names the SIP server");
            let mut prov = Provisioning::new(sip.clone(), get("--expect-web-server"));
            prov.sip_servers = SipServers::Names(vec![sip]);
            profile = Some(prov);
        } else if let Some(e) = rest.strip_prefix("expect: ") {
            let (kind, rest) = e
                .split_once(" line ")
                .expect("expect: KIND line N fix TEXT");
            let (line, fix) = rest
                .split_once(" fix ")
                .expect("expect: KIND line N fix TEXT");
            expects.push(Expect {
                kind: kind.into(),
                line: line.parse().expect("line number"),
                fix: fix.into(),
            });
        } else if let Some(e) = rest.strip_prefix("expect-error: line ") {
            let (line, text) = e.split_once(' ').expect("expect-error: line N TEXT");
            error = Some((line.parse().expect("line number"), text.to_string()));
        }
    }
    (profile, expects, error)
}

fn files(dialect: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(dialect);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.starts_with("debian-") && !name.ends_with(".md")
        })
        .collect();
    out.sort();
    out
}

fn check(dialect: Dialect, dir: &str) -> usize {
    let mut count = 0;
    for path in files(dir) {
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("read corpus file");
        let (profile, expects, error) = header(&text);
        assert!(
            !expects.is_empty() || error.is_some(),
            "{name}: no expectation in its header"
        );
        // Detection must find the dialect by itself.
        let config = read(&RealFs, &name, None);
        if let Some((line, message)) = error {
            let e = config.expect_err(&name);
            assert_eq!(e.line, Some(line), "{name}: {e}");
            assert!(e.message.contains(&message), "{name}: {e}");
            assert!(!e.fix.is_empty(), "{name}: {e}");
            count += 1;
            continue;
        }
        let config = config.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(config.dialect, dialect, "{name}");
        let report = audit(&config, profile.as_ref());
        let kind = |f: &ucprov_inspect::Finding| {
            serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        for e in &expects {
            let hit = report.findings.iter().find(|f| {
                kind(f) == e.kind
                    && f.location.as_ref().is_some_and(|l| {
                        l.line == e.line
                            && name.ends_with(
                                &l.file.rsplit('/').next().unwrap_or_default().to_string(),
                            )
                    })
            });
            let f = hit.unwrap_or_else(|| {
                panic!(
                    "{name}: no {} at line {}; found:\n{}",
                    e.kind,
                    e.line,
                    ucprov_inspect::finding::render(&report.findings, "  ")
                )
            });
            let fix = f.fix.as_deref().unwrap_or_default();
            assert!(
                fix.contains(&e.fix),
                "{name}: the fix of {} at line {} lacks {:?}:\n{fix}",
                e.kind,
                e.line,
                e.fix
            );
        }
        for f in report.findings.iter().filter(|f| f.is_error()) {
            let line = f.location.as_ref().map_or(0, |l| l.line);
            assert!(
                expects.iter().any(|e| e.kind == kind(f) && e.line == line),
                "{name}: unexpected error {} at line {line}: {}",
                kind(f),
                f.message
            );
        }
        count += 1;
    }
    count
}

#[test]
fn kea_corpus() {
    assert!(check(Dialect::Kea, "kea") >= 10);
}

#[test]
fn isc_corpus() {
    assert!(check(Dialect::Isc, "isc") >= 10);
}

#[test]
fn dnsmasq_corpus() {
    assert!(check(Dialect::Dnsmasq, "dnsmasq") >= 10);
}
