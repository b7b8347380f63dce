//! The broken-configuration corpus of the Windows (netsh dump, Export-DhcpServer XML), Cisco
//! IOS and MikroTik readers: every file in tests/corpus/<dialect>/ is read with its dialect
//! detected from the content, audited, and must give the finding its `expect.tsv` row names
//! (kind, line, a piece of the fix confgen writes), as an error or a warning. `good.*` must give
//! no error at all. Where
//! each file comes from is in the directory's README.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test: a panic is the failure report

use std::path::Path;

use ucprov_audit::source::RealFs;
use ucprov_audit::{audit, read, Dialect};
use ucprov_inspect::Severity;
use ucprov_wire::profile::Provisioning;

/// One `expect.tsv` row: file, finding kind, line, a piece of the fix, and the SIP server
/// FQDN of the profile the file was meant to carry (lync.schertz.local when not given).
struct Row {
    file: String,
    kind: String,
    line: u32,
    fix: String,
    intended: String,
}

/// `file<TAB>kind<TAB>line<TAB>fix contains[<TAB>intended FQDN]` rows; `#` starts a comment.
fn expectations(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("expect.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() == 4 || f.len() == 5, "expect.tsv row {l:?}");
            Row {
                file: f[0].to_string(),
                kind: f[1].to_string(),
                line: f[2].parse().unwrap(),
                fix: f[3].to_string(),
                intended: f.get(4).unwrap_or(&"lync.schertz.local").to_string(),
            }
        })
        .collect()
}

fn check(dir_name: &str, dialect: Dialect) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(dir_name);
    let rows = expectations(&dir);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expect.tsv" && n != "README.md")
        .collect();
    files.sort();
    for file in &files {
        let path = dir.join(file);
        let config = read(&RealFs, path.to_str().unwrap(), None)
            .unwrap_or_else(|e| panic!("{dir_name}/{file}: {e}"));
        let dialects = if dialect == Dialect::CiscoIos {
            vec![Dialect::CiscoIos, Dialect::CiscoIosXe]
        } else {
            vec![dialect]
        };
        assert!(
            dialects.contains(&config.dialect),
            "{file}: read as {:?}",
            config.dialect
        );
        // Audited against the profile the files were meant to carry, so every fix is the
        // lines confgen writes for it (as with --expect-sip-server lync.schertz.local).
        let fqdn = rows
            .iter()
            .find(|r| &r.file == file)
            .map_or("lync.schertz.local", |r| r.intended.as_str());
        let intended = Provisioning::new(fqdn, None);
        let report = audit(&config, Some(&intended));
        let shown: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {:?} at {:?}: {}",
                    f.severity.tag(),
                    f.kind,
                    f.location.as_ref().map(|l| l.line),
                    f.message
                )
            })
            .collect();
        if std::env::var_os("UCPROV_CORPUS_SHOW").is_some() {
            println!("{dir_name}/{file}:\n  {}", shown.join("\n  "));
            for f in &report.findings {
                println!(
                    "    fix: {}",
                    f.fix.as_deref().unwrap_or("-").replace('\n', " | ")
                );
            }
            continue;
        }
        if file.starts_with("good") {
            assert!(!report.has_errors(), "{dir_name}/{file}: {shown:#?}");
            continue;
        }
        let mine: Vec<&Row> = rows.iter().filter(|r| &r.file == file).collect();
        assert!(
            !mine.is_empty(),
            "{dir_name}/{file} has no expect.tsv row; it gives {shown:#?}"
        );
        for Row {
            kind, line, fix, ..
        } in mine
        {
            let hit = report.findings.iter().any(|f| {
                serde_json::to_value(f.kind).unwrap() == serde_json::Value::String(kind.clone())
                    && f.severity >= Severity::Warning
                    && f.location.as_ref().map(|l| l.line) == Some(*line)
                    && f.fix.as_deref().is_some_and(|x| x.contains(fix.as_str()))
            });
            assert!(hit, "{dir_name}/{file}: no {kind} at line {line} with a fix containing {fix:?}; got {shown:#?}\nfixes: {:#?}", report.findings.iter().map(|f| f.fix.clone()).collect::<Vec<_>>());
        }
    }
    for r in &rows {
        assert!(
            files.contains(&r.file),
            "expect.tsv names {} which is not in {dir_name}",
            r.file
        );
    }
}

#[test]
fn windows_netsh_corpus() {
    check("windows-netsh", Dialect::WindowsNetsh);
}

#[test]
fn windows_xml_corpus() {
    check("windows-xml", Dialect::WindowsXml);
}

#[test]
fn cisco_ios_corpus() {
    check("cisco-ios", Dialect::CiscoIos);
}

#[test]
fn mikrotik_corpus() {
    check("mikrotik", Dialect::Mikrotik);
}
