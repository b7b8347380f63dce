//! `ucprov web` in a real browser: headless Chromium loads the page from the real binary on
//! loopback, the page's JS calls the API, and the DOM it leaves (and a screenshot) is checked.
//! Run with `cargo test -p ucprov -- --ignored` (scripts/test-all does); a missing Chromium
//! fails with the package to install.

// Helpers beside the test: a panic is the failure report.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ucprov_testkit::{artifacts_dir, require_tool, Peer};

const SEED_43: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";
const SEED_120: &str = "00046C796E63077363686572747A056C6F63616C00";

/// Start `ucprov web` on an ephemeral loopback port; return it and its base URL.
fn start_web() -> (Peer, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ucprov"));
    cmd.args(["web", "--listen", "127.0.0.1:0", "--open-browser", "no"]);
    let mut web = Peer::spawn(cmd, "web-server");
    web.wait_for_log("(Ctrl-C stops)", Duration::from_secs(20));
    let log = web.log();
    let url = log
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in the log:\n{log}"))
        .to_owned();
    (web, url)
}

/// Run headless Chromium on `url` with `extra` (a --screenshot or --dump-dom); return stdout.
fn chromium(chromium: &Path, profile: &Path, url: &str, extra: &[&str]) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            // Wait for the page's fetches before the dump or screenshot is taken.
            "--virtual-time-budget=10000",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", chromium.display()));
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of the element with `id` in dumped DOM (first child text only, enough here).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let rest = &dom[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap() + start;
    &rest[start..end]
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn the_page_encodes_decodes_and_configures_in_chromium() {
    let browser = require_tool("chromium", "chromium");
    let (mut web, base) = start_web();
    let profile = tempfile::tempdir().unwrap();
    let shots = artifacts_dir();

    // Encode: the link prefills the SIP server and the page submits it itself.
    let url = format!("{base}?sip=lync.schertz.local");
    let dom = chromium(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page's JS did not finish:\n{dom}"
    );
    assert_eq!(text_of(&dom, "enc-o43"), SEED_43, "{dom}");
    assert_eq!(text_of(&dom, "enc-o120"), SEED_120, "{dom}");
    assert_eq!(
        text_of(&dom, "enc-url"),
        "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc"
    );
    let shot = shots.join("web-encode.png");
    chromium(
        &browser,
        profile.path(),
        &url,
        &[&format!("--screenshot={}", shot.display())],
    );
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "empty screenshot"
    );

    // A bad FQDN: the API's message is shown and the field marked.
    let dom = chromium(
        &browser,
        profile.path(),
        &format!("{base}?sip=bad_name"),
        &["--dump-dom"],
    );
    assert!(dom.contains("data-ready=\"true\""), "{dom}");
    assert!(
        text_of(&dom, "encode-error").contains("'_' at character 3 is not allowed"),
        "{dom}"
    );
    assert!(dom.contains("aria-invalid=\"true\""), "{dom}");

    // A single-label name encodes, with the warning shown once under the page's field label.
    let dom = chromium(
        &browser,
        profile.path(),
        &format!("{base}?sip=lync"),
        &["--dump-dom"],
    );
    assert!(dom.contains("data-ready=\"true\""), "{dom}");
    assert_eq!(
        dom.matches("SIP server FQDN(s): \"lync\" is a single-label name")
            .count(),
        1,
        "{dom}"
    );

    // Decode a truncated option 43: the error finding points at byte 17, which is marked.
    let url = format!("{base}?tab=decode&hex=2B5A010C4D532D55432D436C69656E74020568747470");
    let dom = chromium(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(dom.contains("data-ready=\"true\""), "{dom}");
    assert!(dom.contains(">byte 17</button>"), "{dom}");
    assert!(
        dom.contains("class=\"b finding-error\" title=\"byte 17:"),
        "{dom}"
    );
    chromium(
        &browser,
        profile.path(),
        &url,
        &[&format!(
            "--screenshot={}",
            shots.join("web-decode.png").display()
        )],
    );

    // Config for dnsmasq: the target list came from the API, the text from confgen.
    let url = format!("{base}?tab=config&sip=lync.schertz.local&target=dnsmasq&scope=10.20.0.0/24");
    let dom = chromium(&browser, profile.path(), &url, &["--dump-dom"]);
    assert!(dom.contains("data-ready=\"true\""), "{dom}");
    let colon = SEED_120
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":");
    let config = text_of(&dom, "cfg-text").to_ascii_lowercase();
    assert!(config.contains(&colon), "{config}");
    chromium(
        &browser,
        profile.path(),
        &url,
        &[&format!(
            "--screenshot={}",
            shots.join("web-config.png").display()
        )],
    );

    // SIGTERM stops the server cleanly.
    let status = Command::new("kill")
        .args(["-TERM", &web.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    web.wait_for_log("ucprov web: stopped", Duration::from_secs(10));
}
