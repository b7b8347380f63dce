//! `ucprov web` in a real browser: headless Chromium loads the page from the real binary on
//! loopback and is driven over the DevTools protocol (CDP, a WebSocket) as an admin would use
//! it: typing into fields, clicking, choosing a capture file. The checks read what the browser
//! shows: the address bar, the DOM, element geometry at 1280×900; screenshots are kept in
//! target/test-artifacts/. Run with `cargo test -p ucprov --test peer_web -- --ignored`
//! (scripts/test-all does); a missing Chromium fails with the package to install.

// Helpers beside the test: a panic is the failure report.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};
use ucprov_testkit::{artifacts_dir, require_tool, Peer};

const SEED_43: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";
const SEED_120: &str = "00046C796E63077363686572747A056C6F63616C00";
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 900;

/// One Chromium at a time: the machine has two cores.
static BROWSER: Mutex<()> = Mutex::new(());

/// Start `ucprov web` on an ephemeral loopback port; return it and its base URL.
fn start_web(log: &str) -> (Peer, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ucprov"));
    cmd.args(["web", "--listen", "127.0.0.1:0", "--open-browser", "no"]);
    let mut web = Peer::spawn(cmd, log);
    web.wait_for_log("(Ctrl-C stops)", Duration::from_secs(20));
    let log = web.log();
    let url = log
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in the log:\n{log}"))
        .to_owned();
    (web, url)
}

/// A headless Chromium and one page of it, spoken to over CDP (flattened sessions).
struct Browser {
    _process: Peer,
    _profile: tempfile::TempDir,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
}

impl Browser {
    fn start(name: &str) -> Self {
        let chromium = require_tool("chromium", "chromium");
        let profile = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(chromium);
        cmd.args([
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
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank");
        let mut process = Peer::spawn(cmd, &format!("{name}-chromium"));
        process.wait_for_log("DevTools listening on ws://", Duration::from_secs(30));
        let log = process.log();
        let url = log
            .split_whitespace()
            .find(|w| w.starts_with("ws://"))
            .unwrap()
            .to_owned();
        let (mut ws, _) = tungstenite::connect(url.as_str())
            .unwrap_or_else(|e| panic!("connect to Chromium's DevTools at {url}: {e}"));
        if let MaybeTlsStream::Plain(s) = ws.get_mut() {
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        let mut b = Browser {
            _process: process,
            _profile: profile,
            ws,
            session: String::new(),
            next_id: 0,
        };
        let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_owned();
        let attached = b.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_owned();
        b.page("Page.enable", json!({}));
        b.page("Runtime.enable", json!({}));
        b.page(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    /// Send one command and wait for its answer (events in between are skipped).
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let m = self.ws.read().unwrap_or_else(|e| panic!("{method}: {e}"));
            let Message::Text(text) = m else { continue };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn page(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    /// The value of a JS expression (promises awaited), as JSON.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.page(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Wait until `condition` (a JS expression) is true; fail with `what` and the page's text.
    fn wait_for(&mut self, condition: &str, what: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.eval(&format!("Boolean({condition})")) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let text = self.eval("document.body.innerText");
        panic!("{what}: {condition} never held; the page says:\n{text}");
    }

    /// Open `url` and wait for the page's start (its links run their result) to finish.
    fn open(&mut self, url: &str) {
        self.page("Page.navigate", json!({"url": url}));
        self.wait_for(
            &format!(
                "location.href.startsWith({:?}) && document.body && document.body.dataset.ready === 'true'",
                url.split('?').next().unwrap()
            ),
            "the page did not finish starting",
        );
    }

    fn url(&mut self) -> String {
        self.eval("location.href").as_str().unwrap().to_owned()
    }

    /// Click the middle of the element, as a mouse does (scrolled into view first, as an
    /// admin would).
    fn click(&mut self, selector: &str) {
        self.eval(&format!(
            "document.querySelector({selector:?}).scrollIntoView({{block: 'nearest'}})"
        ));
        let r = self.rect(selector);
        let (x, y) = (
            r["x"].as_f64().unwrap() + r["width"].as_f64().unwrap() / 2.0,
            r["y"].as_f64().unwrap() + r["height"].as_f64().unwrap() / 2.0,
        );
        for kind in ["mousePressed", "mouseReleased"] {
            self.page(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// Replace the text of an input by typing `text` into it.
    fn type_into(&mut self, selector: &str, text: &str) {
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.focus(); e.select(); }})()"
        ));
        // Typing over a selection; an empty text deletes it.
        if text.is_empty() {
            self.page(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8}),
            );
            self.page(
                "Input.dispatchKeyEvent",
                json!({"type": "keyUp", "key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8}),
            );
        } else {
            self.page("Input.insertText", json!({"text": text}));
        }
    }

    /// Choose an option of a select, as picking it from the list does (a change event).
    fn choose(&mut self, selector: &str, value: &str) {
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector:?}); e.focus(); e.value = {value:?}; e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ));
    }

    fn rect(&mut self, selector: &str) -> Value {
        self.eval(&format!(
            "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); return {{x: r.x, y: r.y, width: r.width, height: r.height}}; }})()"
        ))
    }

    fn text(&mut self, selector: &str) -> String {
        self.eval(&format!("document.querySelector({selector:?}).textContent"))
            .as_str()
            .unwrap_or_else(|| panic!("no {selector}"))
            .to_owned()
    }

    /// Set a file input's file, as choosing it in the dialog does.
    fn choose_file(&mut self, selector: &str, file: &Path) {
        let doc = self.page("DOM.getDocument", json!({}));
        let node = self.page(
            "DOM.querySelector",
            json!({"nodeId": doc["root"]["nodeId"], "selector": selector}),
        );
        self.page(
            "DOM.setFileInputFiles",
            json!({"nodeId": node["nodeId"], "files": [file.canonicalize().unwrap().display().to_string()]}),
        );
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self.page("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.len() > 10_000, "{name}: an empty screenshot");
        let path = artifacts_dir().join(name);
        std::fs::write(&path, png).unwrap();
        path
    }
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn the_address_bar_follows_the_form_and_a_link_restores_it() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (_web, base) = start_web("web-url");
    let mut b = Browser::start("web-url");
    b.open(&base);
    // Config tab: every field typed, chosen or ticked shows up in the address.
    b.click("#tab-config");
    b.type_into("#p-sip", "pool.contoso.com sip.contoso.com");
    b.type_into("#p-web", "web.contoso.com");
    b.type_into("#p-port", "4443");
    b.type_into("#p-subs", "10=0x0078");
    b.click("#p-compress");
    b.choose("#c-target", "kea");
    b.type_into("#c-scope", "10.20.0.0/24");
    b.type_into("#c-class", "phones");
    b.type_into("#c-iface", "eth1");
    b.click("#c-full");
    let url = b.url();
    assert_eq!(
        query_of(&url),
        [
            ("tab", "config"),
            ("sip", "pool.contoso.com+sip.contoso.com"),
            ("web", "web.contoso.com"),
            ("port", "4443"),
            ("sub", "10%3D0x0078"),
            ("compress", "1"),
            ("target", "kea"),
            ("scope", "10.20.0.0%2F24"),
            ("class_name", "phones"),
            ("interface", "eth1"),
            ("full", "1"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
        "{url}"
    );
    // Going back to a default drops the key.
    b.type_into("#p-port", "443");
    assert!(!b.url().contains("port="), "{}", b.url());
    b.type_into("#p-port", "4443");
    let link = b.url();

    // The link in a fresh page: the tab, every field, and the result computed anew.
    let mut fresh = Browser::start("web-url-fresh");
    fresh.open(&link);
    assert_eq!(
        fresh.eval("document.querySelector('[aria-selected=true][role=tab]').id"),
        "tab-config"
    );
    for (selector, want) in [
        ("#p-sip", json!("pool.contoso.com sip.contoso.com")),
        ("#p-web", json!("web.contoso.com")),
        ("#p-port", json!("4443")),
        ("#p-subs", json!("10=0x0078")),
        ("#c-target", json!("kea")),
        ("#c-scope", json!("10.20.0.0/24")),
        ("#c-class", json!("phones")),
        ("#c-iface", json!("eth1")),
    ] {
        assert_eq!(
            fresh.eval(&format!("document.querySelector({selector:?}).value")),
            want,
            "{selector} after opening {link}"
        );
    }
    assert_eq!(
        fresh.eval("document.getElementById('p-compress').checked"),
        json!(true)
    );
    assert_eq!(
        fresh.eval("document.getElementById('c-full').checked"),
        json!(true)
    );
    assert_eq!(fresh.url(), link, "opening a link keeps it");
    assert_eq!(
        fresh.eval("document.getElementById('config-result').hidden"),
        json!(false)
    );
    let config = fresh.text("#cfg-text");
    assert!(
        config.contains("\"Dhcp4\""),
        "a full Kea configuration: {config}"
    );
    assert!(
        config.contains("phones") && config.contains("eth1"),
        "{config}"
    );
    fresh.screenshot("web-link-config.png");

    // Decode and the hex notation: the notation chosen after an encode is in the link too.
    b.click("#tab-encode");
    b.click("#encode-go");
    b.wait_for(
        "!document.getElementById('encode-result').hidden",
        "encode result",
    );
    b.choose("#enc-form", "colon");
    let link = b.url();
    assert!(
        link.contains("tab=encode") && link.contains("notation=colon"),
        "{link}"
    );
    fresh.open(&link);
    assert_eq!(
        fresh.eval("document.getElementById('enc-form').value"),
        "colon"
    );
    assert!(
        fresh.text("#enc-o120").contains(':'),
        "{}",
        fresh.text("#enc-o120")
    );

    b.click("#tab-decode");
    b.type_into("#d-hex", SEED_120);
    b.choose("#d-kind", "option120");
    let link = b.url();
    assert!(
        link.contains("tab=decode")
            && link.contains(&format!("hex={SEED_120}"))
            && link.contains("kind=option120"),
        "{link}"
    );
    fresh.open(&link);
    assert_eq!(
        fresh.eval("document.getElementById('d-hex').value"),
        SEED_120
    );
    assert!(
        fresh.text("#dec-summary").contains("Decoded 21 bytes"),
        "{}",
        fresh.text("#dec-summary")
    );
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn the_config_result_is_in_view_at_1280_by_900() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (_web, base) = start_web("web-layout");
    let mut b = Browser::start("web-layout");
    b.open(&format!(
        "{base}?tab=config&sip=lync.schertz.local&target=dnsmasq&scope=10.20.0.0/24"
    ));
    assert_eq!(b.eval("[innerWidth, innerHeight]"), json!([WIDTH, HEIGHT]));
    b.wait_for(
        "!document.getElementById('config-result').hidden",
        "config result",
    );
    let colon = SEED_120
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":");
    assert!(b.text("#cfg-text").to_ascii_lowercase().contains(&colon));
    assert_eq!(b.eval("scrollY"), json!(0));
    for selector in ["#config-result", "#cfg-text", "#config-go"] {
        let r = b.rect(selector);
        let (x, y, w, h) = (
            r["x"].as_f64().unwrap(),
            r["y"].as_f64().unwrap(),
            r["width"].as_f64().unwrap(),
            r["height"].as_f64().unwrap(),
        );
        assert!(
            w > 100.0 && h > 50.0 || selector == "#config-go",
            "{selector}: {r}"
        );
        assert!(
            x >= 0.0 && y >= 0.0 && x + w <= f64::from(WIDTH) && y + h <= f64::from(HEIGHT),
            "{selector} is not inside the 1280×900 viewport: {r}"
        );
    }
    // Seen, not only placed: what is at each one's middle is that element (no scrolling
    // column or overlapping box hides it).
    for selector in ["#cfg-text", "#config-go", "#cfg-download"] {
        let hit = b.eval(&format!(
            "(() => {{ const e = document.querySelector({selector:?}); const r = e.getBoundingClientRect(); const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return e === at || e.contains(at); }})()"
        ));
        assert_eq!(hit, json!(true), "{selector} is covered or scrolled away");
    }
    // Side by side: the result to the right of the form.
    let form = b.rect("#config-form");
    let result = b.rect("#config-result");
    assert!(
        result["x"].as_f64().unwrap()
            >= form["x"].as_f64().unwrap() + form["width"].as_f64().unwrap(),
        "form {form} result {result}"
    );
    b.screenshot("web-config.png");
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn an_error_names_the_page_label_and_is_shown_once() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (_web, base) = start_web("web-errors");
    let mut b = Browser::start("web-errors");
    b.open(&base);
    b.type_into("#p-sip", "lync.schertz.local");
    b.type_into("#p-port", "70000");
    let once = "document.body.innerText.split('Port: ').length - 1";
    for submit in 1..=2 {
        b.click("#encode-go");
        b.wait_for("document.querySelector('.field-error')", "a field error");
        let body = b
            .eval("document.body.innerText")
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            b.eval(once),
            json!(1),
            "submit {submit}: the message is not there once:\n{body}"
        );
        assert!(!body.contains("--port"), "a CLI flag on the page:\n{body}");
        assert_eq!(
            b.eval("document.querySelectorAll('.field-error').length"),
            json!(1)
        );
        // Beside the field it is about, which is marked.
        assert_eq!(
            b.eval("document.querySelector('.field-error').previousElementSibling.id"),
            "p-port"
        );
        assert_eq!(
            b.eval("document.getElementById('p-port').getAttribute('aria-invalid')"),
            "true"
        );
        assert_eq!(
            b.eval("document.getElementById('encode-error').hidden"),
            json!(true)
        );
    }
    b.screenshot("web-error.png");
    // Fixed: the message goes, the result comes.
    b.type_into("#p-port", "443");
    b.click("#encode-go");
    b.wait_for(
        "!document.getElementById('encode-result').hidden",
        "encode result",
    );
    assert_eq!(
        b.eval("document.querySelectorAll('.field-error').length"),
        json!(0)
    );
    assert_eq!(b.text("#enc-o43"), SEED_43);
    assert_eq!(b.text("#enc-o120"), SEED_120);

    // Config: a bad scope is marked on the Scope field, in the page's words.
    b.click("#tab-config");
    b.type_into("#c-scope", "10.20.0.1/24");
    for _ in 0..2 {
        b.click("#config-go");
        b.wait_for("document.querySelector('.field-error')", "a field error");
        let msg = b.text(".field-error");
        assert!(msg.starts_with("Scope \"10.20.0.1/24\""), "{msg}");
        assert_eq!(
            b.eval("document.body.innerText.split('Scope \"10.20.0.1/24\"').length - 1"),
            json!(1)
        );
        assert_eq!(
            b.eval("document.querySelector('.field-error').previousElementSibling.id"),
            "c-scope"
        );
    }
    // A target that cannot carry the profile: the reason once, in the result.
    let long = format!("{}.contoso.com", "a".repeat(50));
    b.type_into("#c-scope", "");
    b.type_into("#p-sip", &long);
    b.choose("#c-target", "cisco-ios");
    for _ in 0..2 {
        b.click("#config-go");
        b.wait_for(
            "!document.getElementById('config-result').hidden",
            "config result",
        );
        assert_eq!(
            b.eval("document.body.innerText.split('no configuration for cisco-ios').length - 1"),
            json!(1),
            "{}",
            b.eval("document.body.innerText")
        );
        let text = b.text("#cfg-findings");
        assert!(
            text.contains("(Web services FQDN)") && !text.contains("--"),
            "{text}"
        );
    }
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn the_capture_tab_lists_the_phones_and_draws_a_ladder() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../inspect/tests/captures");
    let (_web, base) = start_web("web-capture");
    let mut b = Browser::start("web-capture");
    b.open(&format!("{base}?tab=capture"));
    // Three clients beside each other: an access point, a PXE client and a phone.
    b.choose_file("#cap-file", &captures.join("aruba-pxe-beside-phone.pcap"));
    b.wait_for(
        "!document.getElementById('capture-result').hidden",
        "capture result",
    );
    let rows = b.eval(
        "Array.from(document.querySelectorAll('#cap-phones tbody tr')).map(r => Array.from(r.cells).slice(0, 4).map(c => c.textContent))",
    );
    assert_eq!(
        rows,
        json!([
            [
                "02:00:00:00:00:61",
                "ArubaAP",
                "not MS-UC-Client",
                "192.0.2.1"
            ],
            [
                "02:00:00:00:00:62",
                "PXEClient:Arch:00000:UNDI:002001",
                "not MS-UC-Client",
                "192.0.2.1"
            ],
            [
                "02:00:00:00:00:63",
                "MS-UC-Client",
                "provisioned",
                "192.0.2.1"
            ],
        ])
    );
    b.click("#cap-phones tbody tr[data-mac='02:00:00:00:00:63']");
    b.wait_for(
        "!document.getElementById('ladder-box').hidden",
        "the ladder",
    );
    assert!(
        b.url()
            .ends_with("?tab=capture&phone=02%3A00%3A00%3A00%3A00%3A63"),
        "{}",
        b.url()
    );
    let lanes = b.eval(
        "Array.from(document.querySelectorAll('#ladder .heads > div')).map(d => d.dataset.lane)",
    );
    assert_eq!(lanes, json!(["02:00:00:00:00:63", "192.0.2.1"]));

    // Two servers that disagree: one lane each, an INFORM to both, an ACK from each.
    b.choose_file("#cap-file", &captures.join("two-servers-disagree.pcap"));
    b.wait_for(
        "document.getElementById('cap-summary').textContent.startsWith('two-servers-disagree.pcap')",
        "the second capture",
    );
    b.wait_for(
        "!document.getElementById('ladder-box').hidden",
        "the ladder",
    );
    let tsv =
        std::fs::read_to_string(captures.join("two-servers-disagree.pcap.tshark.tsv")).unwrap();
    let xid = tsv
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .nth(5)
        .unwrap()
        .to_owned();
    let lanes = b.eval(
        "Array.from(document.querySelectorAll('#ladder .heads > div')).map(d => d.dataset.lane)",
    );
    assert_eq!(
        lanes,
        json!(["02:00:00:00:00:70", "192.0.2.2", "192.0.2.1"])
    );
    let arrows = b.eval(
        "Array.from(document.querySelectorAll('#ladder .msg')).map(m => [m.className, m.dataset.from, m.dataset.to, m.dataset.frame, m.querySelector('.text').textContent, Array.from(m.querySelectorAll('.chip[data-option]')).map(c => c.textContent)])",
    );
    let arrows = arrows.as_array().unwrap();
    assert_eq!(arrows.len(), 3, "{arrows:?}");
    assert_eq!(arrows[0][0], "msg request");
    assert_eq!(arrows[0][1], "02:00:00:00:00:70");
    assert_eq!(arrows[0][2], "broadcast");
    let label = arrows[0][4].as_str().unwrap();
    assert!(
        label.starts_with(&format!("DHCPINFORM xid {xid} · frame 1")),
        "{label}"
    );
    for (arrow, server, frame) in [
        (&arrows[1], "192.0.2.2", "2"),
        (&arrows[2], "192.0.2.1", "3"),
    ] {
        assert!(
            arrow[0].as_str().unwrap().starts_with("msg reply"),
            "{arrow}"
        );
        assert_eq!(arrow[1], server);
        assert_eq!(arrow[2], "02:00:00:00:00:70");
        assert_eq!(arrow[3], frame);
        assert!(
            arrow[4].as_str().unwrap().starts_with("DHCPACK · frame"),
            "{arrow}"
        );
        assert_eq!(arrow[5], json!(["43 valid", "120 valid"]));
    }
    // The second ACK contradicts the first: that arrow is marked, the finding is under it.
    assert_eq!(arrows[2][0], "msg reply bad");
    let findings = b.text("#ladder ul.findings");
    assert!(
        findings.contains(
            "frame 3: servers 192.0.2.2 and 192.0.2.1 answer the same DHCPINFORM differently"
        ),
        "{findings}"
    );
    assert!(b.text("#ladder-title").contains("servers disagree"));
    b.screenshot("web-capture-ladder.png");

    // A Lync Phone Edition boot: DORA as CPE-OCPHONE with the site's server, then the
    // MS-UC-Client INFORM answered by the responder, each reply from its own lane.
    b.choose_file("#cap-file", &captures.join("lpe-boot.pcap"));
    b.wait_for(
        "document.getElementById('ladder-title').textContent.includes('02:00:00:00:00:50')",
        "the LPE ladder",
    );
    let lanes = b.eval(
        "Array.from(document.querySelectorAll('#ladder .heads > div')).map(d => d.dataset.lane)",
    );
    assert_eq!(
        lanes,
        json!(["02:00:00:00:00:50", "192.0.2.1", "192.0.2.2"])
    );
    let arrows = b.eval(
        "Array.from(document.querySelectorAll('#ladder .msg')).map(m => [m.dataset.from, m.querySelector('.text').textContent.split(' ')[0], Array.from(m.querySelectorAll('.chip[data-option]')).map(c => c.textContent).join(', ')])",
    );
    assert_eq!(
        arrows,
        json!([
            ["02:00:00:00:00:50", "DHCPDISCOVER", ""],
            ["192.0.2.1", "DHCPOFFER", "43 absent, 120 valid"],
            ["02:00:00:00:00:50", "DHCPREQUEST", ""],
            ["192.0.2.1", "DHCPACK", "43 absent, 120 valid"],
            ["02:00:00:00:00:50", "DHCPINFORM", ""],
            ["192.0.2.2", "DHCPACK", "43 valid, 120 valid"],
        ])
    );
    b.screenshot("web-capture-lpe.png");
    b.choose_file("#cap-file", &captures.join("two-servers-disagree.pcap"));
    b.wait_for(
        "document.getElementById('ladder-title').textContent.includes('02:00:00:00:00:70')",
        "the ladder again",
    );

    // A link keeps the tab and the phone; the file is asked for again, and the phone chosen.
    let link = b.url();
    assert!(link.contains("phone=02%3A00%3A00%3A00%3A00%3A70"), "{link}");
    let mut fresh = Browser::start("web-capture-fresh");
    fresh.open(&link);
    assert_eq!(
        fresh.eval("document.getElementById('cap-hint').hidden"),
        json!(false)
    );
    fresh.choose_file("#cap-file", &captures.join("two-servers-disagree.pcap"));
    fresh.wait_for(
        "!document.getElementById('ladder-box').hidden",
        "the ladder",
    );
    assert!(fresh.text("#ladder-title").contains("02:00:00:00:00:70"));

    // Not a capture, and over the limit: refused, said once, on the Capture file field.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "no capture here").unwrap();
    b.choose_file("#cap-file", &junk);
    b.wait_for("document.querySelector('.field-error')", "a field error");
    let msg = b.text(".field-error");
    assert!(
        msg.starts_with("notes.txt: not a pcap or pcapng file"),
        "{msg}"
    );
    assert_eq!(
        b.eval("document.getElementById('capture-result').hidden"),
        json!(true)
    );
    let big = dir.path().join("big.pcap");
    let mut bytes = std::fs::read(captures.join("two-servers-disagree.pcap")).unwrap();
    bytes.resize(16 * 1024 * 1024 + 1, 0);
    std::fs::write(&big, bytes).unwrap();
    b.choose_file("#cap-file", &big);
    b.wait_for(
        "document.querySelector('.field-error') && document.querySelector('.field-error').textContent.includes('16 MiB')",
        "the size limit",
    );
    let msg = b.text(".field-error");
    assert!(
        msg.starts_with("the capture is over 16 MiB (16777216 bytes)")
            && msg.contains("`ucprov pcap`"),
        "{msg}"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('.field-error').length"),
        json!(1)
    );
    b.screenshot("web-capture-too-large.png");
}

#[test]
#[ignore = "peer: needs chromium; run by scripts/test-all"]
fn a_link_encodes_and_decodes_as_before() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (mut web, base) = start_web("web-server");
    let mut b = Browser::start("web-links");
    b.open(&format!("{base}?sip=lync.schertz.local"));
    assert_eq!(b.text("#enc-o43"), SEED_43);
    assert_eq!(b.text("#enc-o120"), SEED_120);
    assert_eq!(
        b.text("#enc-url"),
        "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc"
    );
    b.screenshot("web-encode.png");
    // A single-label name encodes, with the warning shown once under the page's field label.
    b.open(&format!("{base}?sip=lync"));
    assert_eq!(
        b.eval("document.body.innerText.split('SIP server FQDN(s): \"lync\" is a single-label name').length - 1"),
        json!(1)
    );
    // Decode a truncated option 43: the error finding points at byte 17, which is marked.
    b.open(&format!(
        "{base}?tab=decode&hex=2B5A010C4D532D55432D436C69656E74020568747470"
    ));
    assert_eq!(
        b.eval("Array.from(document.querySelectorAll('#dec-findings button.at')).map(x => x.textContent).includes('byte 17')"),
        json!(true)
    );
    assert!(b
        .eval("document.querySelectorAll('#dec-bytes span.b')[17].className")
        .as_str()
        .unwrap()
        .contains("finding-error"));
    b.screenshot("web-decode.png");

    // SIGTERM stops the server cleanly.
    let status = Command::new("kill")
        .args(["-TERM", &web.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    web.wait_for_log("ucprov web: stopped", Duration::from_secs(10));
}

/// Issue 13 item 6: on every address the Host check is off, and the start says so.
#[test]
fn listening_on_every_address_logs_that_the_host_check_is_off() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ucprov"));
    cmd.args(["web", "--listen", "0.0.0.0:0", "--open-browser", "no"]);
    let mut web = Peer::spawn(cmd, "web-every-address");
    web.wait_for_log("the Host check is off", Duration::from_secs(20));
    let log = web.log();
    let line = log
        .lines()
        .find(|l| l.contains("the Host check is off"))
        .unwrap();
    assert!(
        line.starts_with("ucprov web: warning: listening on every address (0.0.0.0:")
            && line.contains("DNS rebinding")
            && line.contains("--listen ADDR:"),
        "{line}"
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ucprov"));
    cmd.args(["web", "--listen", "127.0.0.1:0", "--open-browser", "no"]);
    let mut web = Peer::spawn(cmd, "web-loopback");
    web.wait_for_log("(Ctrl-C stops)", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!web.log().contains("warning"), "{}", web.log());
}
