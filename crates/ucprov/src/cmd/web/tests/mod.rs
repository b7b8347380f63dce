//! The web server in-process on 127.0.0.1:0, spoken to over real HTTP/1.1 with a tiny client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, StatusCode};
use serde_json::{json, Value};

use super::api::{api_capture, read_json, CSP};
use super::fields::{self, page_words};
use super::{Site, Web, BODY_LIMIT, CAPTURE_LIMIT};

const SEED_43: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";
const SEED_120: &str = "00046C796E63077363686572747A056C6F63616C00";

/// A server on its own runtime and thread; dropping it shuts it down and waits.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Self {
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let web = Web::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
                addr_tx.send(web.local_addr().unwrap()).unwrap();
                web.run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Send raw request bytes; return (status, head, body).
    fn raw(&self, request: &[u8]) -> (u16, String, String) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        (status, head.to_ascii_lowercase(), body.to_owned())
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> (u16, String, String) {
        self.request_bytes(method, path, content_type, body.as_bytes())
    }

    fn request_bytes(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, String, String) {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.raw(&req)
    }

    /// POST a capture file's bytes; return the status and the parsed answer.
    fn capture(&self, name: &str, bytes: &[u8]) -> (u16, Value) {
        let path = format!("/api/capture?name={name}");
        let (status, head, text) =
            self.request_bytes("POST", &path, "application/octet-stream", bytes);
        assert!(head.contains("content-type: application/json"), "{head}");
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (status, value)
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        );
        self.raw(req.as_bytes())
    }

    /// POST JSON; return the status and the parsed answer.
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, head, text) =
            self.request("POST", path, "application/json", &body.to_string());
        assert!(head.contains("content-type: application/json"), "{head}");
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn encode_of_the_seed_is_dhcputils_bytes() {
    let s = Server::start();
    let (status, v) = s.post(
        "/api/encode",
        &json!({"sip_servers": ["lync.schertz.local"]}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["option43"]["hex"], SEED_43);
    assert_eq!(v["option120"]["hex"], SEED_120);
    assert_eq!(v["option43"]["length"], 85);
    assert_eq!(v["suboptions"].as_array().unwrap().len(), 5);
    assert_eq!(
        v["provisioning_url"],
        "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc"
    );
    // Every notation of the CLI's --hex-style, from the same bytes.
    let colon = v["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["style"] == "colon")
        .unwrap();
    assert!(colon["option120"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("00:04:6c:79:6e:63:07:73:63:68:65:72:74:7a:05:6c:6f:63:61:6c:00"));
}

#[test]
fn encode_takes_the_port_as_text_or_number_and_the_other_fields() {
    let s = Server::start();
    let (status, v) = s.post(
        "/api/encode",
        &json!({"sip_servers": ["pool.contoso.com", "sip.contoso.com"], "web_server": "web.contoso.com",
                "port": 4443, "subs": ["10=0x0078"], "compress": true}),
    );
    assert_eq!(status, 200, "{v}");
    let subs = v["suboptions"].as_array().unwrap();
    assert_eq!(subs[2]["ascii"], "web.contoso.com");
    assert_eq!(subs[3]["ascii"], "4443");
    assert_eq!(subs[5]["code"], 10);
    assert!(v["warnings"].to_string().contains("port 4443 is not 443"));
}

#[test]
fn bad_profile_is_422_with_the_cli_message_in_page_words_and_the_field() {
    let s = Server::start();
    for (body, field, message) in [
        (
            json!({"sip_servers": ["bad_name"]}),
            "sip_servers",
            "option 43: sub-option 3 (WebServerFqdn) \"bad_name\": '_' at character 3",
        ),
        (
            json!({"sip_servers": ["a.b"], "web_server": "-x.b"}),
            "web_server",
            "sub-option 3 (WebServerFqdn) \"-x.b\"",
        ),
        (
            json!({"sip_servers": ["a.b", "bad_x"]}),
            "sip_servers",
            "option 120: SIP server \"bad_x\"",
        ),
        (
            json!({"sip_servers": ["a.b"], "port": "70000"}),
            "port",
            "Port: ",
        ),
        (
            json!({"sip_servers": ["a.b"], "subs": ["3=x"]}),
            "subs",
            "Extra sub-options \"3=x\": codes 1-5 are the profile; use Scheme, Web services FQDN, Port or Provisioning path",
        ),
        (
            json!({"sip_servers": []}),
            "sip_servers",
            "SIP server FQDN(s) is required",
        ),
        (
            json!({"sip_servers": ["a.b"], "sip_server_ip": ["192.0.2.1"]}),
            "sip_server_ip",
            "SIP server addresses cannot be used with SIP server FQDN(s)",
        ),
    ] {
        let (status, v) = s.post("/api/encode", &body);
        assert_eq!(status, 422, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(message), "{body}: {v}");
        assert!(!error.contains("--"), "a CLI flag on the page: {error}");
    }
    // The message is the CLI's, with its flags said as the page's labels: not a second text.
    let cli = crate::profile_args::ProfileArgs {
        sip_servers: vec!["a.b".into()],
        web_server: None,
        scheme: "https".into(),
        port: "70000".into(),
        path: ucprov_wire::profile::DEFAULT_PATH.into(),
        subs: vec![],
        sip_server_ip: vec![],
        compress: false,
    }
    .provisioning()
    .unwrap_err()
    .to_string();
    assert!(cli.starts_with("--port: "), "{cli}");
    let (_, v) = s.post(
        "/api/encode",
        &json!({"sip_servers": ["a.b"], "port": "70000"}),
    );
    assert_eq!(v["error"], page_words(&cli));
}

#[test]
fn no_error_or_finding_on_the_page_names_a_cli_flag() {
    let s = Server::start();
    let profile = json!({"sip_servers": ["lync.schertz.local"]});
    let known: Vec<&str> = fields::all().map(|f| f.id).collect();
    for body in [
        json!({"profile": profile, "target": "nope"}),
        json!({"profile": profile, "target": "dnsmasq", "scope": "10.20.0.1/24"}),
        json!({"profile": profile, "target": "dnsmasq", "full": true}),
        json!({"profile": profile, "target": "kea", "class_name": "a b"}),
        json!({"profile": profile, "target": "kea", "interface": "a b"}),
        json!({"profile": {"sip_servers": ["x"], "port": "0443"}, "target": "kea"}),
    ] {
        let (status, v) = s.post("/api/config", &body);
        assert_eq!(status, 422, "{body}: {v}");
        let error = v["error"].as_str().unwrap();
        assert!(!error.contains("--"), "{body}: {error}");
        let field = v["field"].as_str().unwrap();
        assert!(known.contains(&field), "{field} is no page field");
        let label = fields::all().find(|f| f.id == field).unwrap().label;
        assert!(error.contains(label), "{error} does not name {label}");
    }
    // Findings about a limit name the page's inputs too, in Encode's limits and Config's list.
    let long = format!("{}.contoso.com", "a".repeat(50));
    let (status, v) = s.post(
        "/api/config",
        &json!({"profile": {"sip_servers": [long]}, "target": "cisco-ios"}),
    );
    assert_eq!(status, 422, "{v}");
    let text = v["findings"].to_string();
    assert!(text.contains("(Web services FQDN)"), "{text}");
    assert!(!text.contains("--"), "{text}");
    let (_, v) = s.post("/api/encode", &json!({"sip_servers": [long]}));
    let text = v["limits"].to_string();
    assert!(text.contains("Web services FQDN"), "{text}");
    assert!(!text.contains("--"), "{text}");
}

#[test]
fn wrong_json_is_400_or_422() {
    let s = Server::start();
    let (status, _, body) = s.request("POST", "/api/encode", "application/json", "{nope");
    assert_eq!(status, 400, "{body}");
    let (status, v) = s.post("/api/encode", &json!({"sip_server": ["a.b"]}));
    assert_eq!(status, 422);
    assert!(
        v["error"].as_str().unwrap().contains("unknown field"),
        "{v}"
    );
}

#[test]
fn decode_of_a_truncated_option_gives_the_offset() {
    let s = Server::start();
    // Option 43 header says 0x5A bytes; only sub-option 1 and a cut sub-option 2 follow.
    let (status, v) = s.post(
        "/api/decode",
        &json!({"hex": "2B5A010C4D532D55432D436C69656E74020568747470"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["decoded_as"], "option43");
    assert_eq!(v["malformed"], true);
    let mut offsets: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["option43"]["findings"].as_array().unwrap())
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["offset"].as_u64())
        .collect();
    offsets.sort_unstable();
    // The header's length byte at 1, and sub-option 2's length byte at 17, which runs past the end.
    assert_eq!(offsets, vec![1, 17], "{v}");
    assert_eq!(v["bytes"], "2B5A010C4D532D55432D436C69656E74020568747470");
    // The report is `ucprov decode --json`'s, field for field.
    let bytes =
        ucprov_wire::hex::parse_hex("2B5A010C4D532D55432D436C69656E74020568747470").unwrap();
    let cli = serde_json::to_value(crate::cmd::decode::decode(&bytes, None)).unwrap();
    for (key, value) in cli.as_object().unwrap() {
        assert_eq!(&v[key], value, "{key}");
    }
}

#[test]
fn decode_reads_a_tshark_dump_of_a_real_frame_and_shows_the_dhcp_bytes() {
    let s = Server::start();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wire/tests/pastes");
    let dump = std::fs::read_to_string(dir.join("frame6.tshark-x.txt")).unwrap();
    let bare = std::fs::read_to_string(dir.join("dhcp6.hex")).unwrap();
    let (status, v) = s.post("/api/decode", &json!({ "hex": dump }));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["pasted_as"], "tshark");
    assert_eq!(v["decoded_as"], "frame");
    assert_eq!(v["frame"]["dhcp_offset"], 42);
    // The page marks offsets in the DHCP message, so it is shown those bytes.
    assert_eq!(
        v["bytes"].as_str().unwrap(),
        bare.trim().to_ascii_uppercase()
    );
    let (status, v) = s.post("/api/decode", &json!({"hex": "0000  2b 5a 01 0c"}));
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["field"], "hex");
}

#[test]
fn decode_honours_kind_and_reports_hex_errors_with_line_and_column() {
    let s = Server::start();
    let (status, v) = s.post(
        "/api/decode",
        &json!({"hex": SEED_120, "kind": "option120"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["option120"]["servers"][0]["server"], "lync.schertz.local");
    assert_eq!(v["malformed"], false);
    let (status, v) = s.post("/api/decode", &json!({"hex": "2B05\n01zz"}));
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["field"], "hex");
    assert!(
        v["error"].as_str().unwrap().contains("line 2, column 3"),
        "{v}"
    );
    let (status, v) = s.post("/api/decode", &json!({"hex": SEED_120, "kind": "banana"}));
    assert_eq!(status, 422, "{v}");
}

#[test]
fn config_for_dnsmasq_has_the_colon_hex_line() {
    let s = Server::start();
    let (status, v) = s.post(
        "/api/config",
        &json!({"profile": {"sip_servers": ["lync.schertz.local"]}, "target": "dnsmasq", "scope": "10.20.0.0/24"}),
    );
    assert_eq!(status, 200, "{v}");
    let text = v["config"].as_str().unwrap();
    let colon43 = SEED_43
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":");
    assert!(
        text.lines()
            .any(|l| l.contains("dhcp-option") && l.to_ascii_lowercase().contains(&colon43)),
        "{text}"
    );
    assert!(text.contains("10.20.0"), "{text}");
    assert_eq!(v["file_name"], "dnsmasq.conf");
}

#[test]
fn config_errors_are_422_naming_the_field() {
    let s = Server::start();
    let profile = json!({"sip_servers": ["lync.schertz.local"]});
    for (body, field) in [
        (json!({"profile": profile, "target": "nope"}), "target"),
        (
            json!({"profile": profile, "target": "dnsmasq", "scope": "10.20.0.1/24"}),
            "scope",
        ),
        (
            json!({"profile": profile, "target": "dnsmasq", "full": true}),
            "full",
        ),
        (
            json!({"profile": profile, "target": "kea", "class_name": "a b"}),
            "class_name",
        ),
        (
            json!({"profile": {"sip_servers": ["x"], "port": "0443"}, "target": "kea"}),
            "port",
        ),
    ] {
        let (status, v) = s.post("/api/config", &body);
        assert_eq!(status, 422, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
    }
}

#[test]
fn config_a_target_cannot_carry_is_422_with_its_findings() {
    let s = Server::start();
    // A long FQDN pushes option 43 past Cisco IOS's 180 hex characters.
    let long = format!("{}.contoso.com", "a".repeat(50));
    let (status, v) = s.post(
        "/api/config",
        &json!({"profile": {"sip_servers": [long]}, "target": "cisco-ios"}),
    );
    assert_eq!(status, 422, "{v}");
    assert!(v["config"].is_null(), "{v}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "error"),
        "{v}"
    );
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("no configuration for cisco-ios"));
}

#[test]
fn targets_lists_confgen_platforms() {
    let s = Server::start();
    let (status, head, body) = s.get("/api/targets");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ucprov_confgen::platform::ids());
}

#[test]
fn a_declared_body_over_the_cap_is_413() {
    let s = Server::start();
    let req = format!(
        "POST /api/encode HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        s.addr,
        BODY_LIMIT + 1
    );
    let (status, _, body) = s.raw(req.as_bytes());
    assert_eq!(status, 413, "{body}");
}

#[test]
fn a_streamed_body_over_the_cap_is_413() {
    // No Content-Length: the limit applies while reading.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let req = Request::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(vec![b' '; BODY_LIMIT + 1])))
        .unwrap();
    let answer = rt.block_on(read_json::<Value, _>(req)).unwrap_err();
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let mut just_fits = vec![b' '; BODY_LIMIT - 2];
    just_fits.extend_from_slice(b"{}");
    let req = Request::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(just_fits)))
        .unwrap();
    assert!(rt.block_on(read_json::<Value, _>(req)).is_ok());
}

#[test]
fn other_content_types_are_415() {
    let s = Server::start();
    for ct in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let (status, _, body) = s.request(
            "POST",
            "/api/encode",
            ct,
            r#"{"sip_servers":["lync.schertz.local"]}"#,
        );
        assert_eq!(status, 415, "{ct}: {body}");
    }
    let (status, _, _) = s.request(
        "POST",
        "/api/encode",
        "application/json; charset=utf-8",
        r#"{"sip_servers":["lync.schertz.local"]}"#,
    );
    assert_eq!(status, 200);
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    let s = Server::start();
    assert_eq!(s.get("/nope").0, 404);
    assert_eq!(s.get("/api/nope").0, 404);
    let (status, head, _) = s.get("/api/encode");
    assert_eq!(status, 405);
    assert!(head.contains("allow: post"), "{head}");
    assert_eq!(s.request("DELETE", "/", "application/json", "").0, 405);
}

#[test]
fn page_and_assets_carry_the_security_headers() {
    let s = Server::start();
    for (path, ct, needle) in [
        ("/", "text/html", "<script src=\"/app.js\" defer></script>"),
        ("/app.js", "text/javascript", "/api/encode"),
        ("/style.css", "text/css", "--accent"),
    ] {
        let (status, head, body) = s.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.contains(&format!("content-type: {ct}")),
            "{path}: {head}"
        );
        assert!(
            head.contains(&format!(
                "content-security-policy: {}",
                CSP.to_ascii_lowercase()
            )),
            "{path}: {head}"
        );
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert!(body.contains(needle), "{path}");
    }
    // No inline script for the CSP to have to allow, and nothing loaded from elsewhere.
    let (_, _, html) = s.get("/");
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("http://") && !html.contains("https://"));
    // Errors carry the headers too.
    let (_, head, _) = s.get("/nope");
    assert!(head.contains("content-security-policy:"), "{head}");
}

#[test]
fn requests_for_another_host_are_refused() {
    let s = Server::start();
    let (status, _, _) =
        s.raw(b"GET /api/targets HTTP/1.1\r\nHost: evil.example:8043\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 421);
    let req = format!(
        "GET /api/targets HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        s.addr.port()
    );
    assert_eq!(s.raw(req.as_bytes()).0, 200);
}

#[test]
fn shutdown_lets_an_open_keep_alive_connection_go() {
    let mut s = Server::start();
    // An idle keep-alive connection must not hold the shutdown past the grace period.
    let mut idle = TcpStream::connect(s.addr).unwrap();
    write!(
        idle,
        "GET /api/targets HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.addr
    )
    .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let started = std::time::Instant::now();
    drop(s.stop.take());
    s.thread.take().unwrap().join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(TcpStream::connect(s.addr).is_err(), "still accepting");
}

/// Inputs that look like mistakes (issue 11 item 4): the profile as the page sends it, the
/// page's field label the warning names, and a phrase of it.
fn suspicious() -> Vec<(Value, &'static str, &'static str)> {
    vec![
        (
            json!({"sip_servers": ["pool.contoso.com"], "web_server": "192.0.2.10"}),
            "Web services FQDN",
            "\"192.0.2.10\" is an IPv4 address",
        ),
        (
            json!({"sip_servers": ["192.0.2.10"], "web_server": ""}),
            "SIP server FQDN(s)",
            "\"192.0.2.10\" is an IPv4 address, not a name (it is also the web services FQDN)",
        ),
        (
            json!({"sip_servers": ["pool.contoso.com", "192.0.2.11"], "web_server": "web.contoso.com"}),
            "SIP server FQDN(s)",
            "\"192.0.2.11\" is an IPv4 address",
        ),
        (
            json!({"sip_servers": ["pool.contoso.com"], "web_server": "lync"}),
            "Web services FQDN",
            "\"lync\" is a single-label name",
        ),
        (
            json!({"sip_servers": ["lync"]}),
            "SIP server FQDN(s)",
            "\"lync\" is a single-label name",
        ),
        (
            json!({"sip_servers": ["lync.schertz.local"], "scheme": "http"}),
            "Scheme",
            "\"http\": the device would fetch its certificate over plain HTTP",
        ),
        (
            json!({"sip_servers": ["lync.schertz.local"], "scheme": "http", "port": "8080"}),
            "Port",
            "8080 is not the default 443 and the URL scheme is not https",
        ),
    ]
}

#[test]
fn suspicious_inputs_are_warnings_naming_the_page_fields_once() {
    let s = Server::start();
    for (profile, label, phrase) in suspicious() {
        let want = format!("{label}: {phrase}");
        let (status, v) = s.post("/api/encode", &profile);
        assert_eq!(status, 200, "{profile}: {v}");
        let hits: Vec<&str> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .filter(|w| w.contains(phrase))
            .collect();
        assert_eq!(hits.len(), 1, "{profile}: {}", v["warnings"]);
        assert!(
            hits[0].starts_with(&want) && hits[0].contains("(fix: "),
            "{}",
            hits[0]
        );
        assert!(
            !hits[0].contains("--"),
            "no CLI flags on the page: {}",
            hits[0]
        );

        let body = json!({"profile": profile, "target": "isc-dhcpd"});
        let (status, v) = s.post("/api/config", &body);
        assert_eq!(status, 200, "{profile}: {v}");
        let hits: Vec<&Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["message"].as_str().is_some_and(|m| m.contains(phrase)))
            .collect();
        assert_eq!(hits.len(), 1, "{profile}: {}", v["findings"]);
        assert_eq!(hits[0]["severity"], "warning");
        assert!(hits[0]["message"].as_str().unwrap().starts_with(&want));
    }
    // The seed: nothing to warn about.
    let (_, v) = s.post(
        "/api/encode",
        &json!({"sip_servers": ["lync.schertz.local"]}),
    );
    assert_eq!(v["warnings"], json!([]));
    // IPv6 literals never get this far: the codec rejects them, marking the field.
    let (status, v) = s.post(
        "/api/encode",
        &json!({"sip_servers": ["pool.contoso.com"], "web_server": "2001:db8::1"}),
    );
    assert_eq!((status, &v["field"]), (422, &json!("web_server")), "{v}");
    let (status, v) = s.post("/api/encode", &json!({"sip_servers": ["[2001:db8::1]"]}));
    assert_eq!((status, &v["field"]), (422, &json!("sip_servers")), "{v}");
}

#[test]
fn listening_on_every_address_says_the_host_check_is_off() {
    let loopback = "127.0.0.1:8043".parse().unwrap();
    assert!(Site::new(loopback).warnings(loopback).is_empty());
    let one: std::net::SocketAddr = "192.0.2.10:8043".parse().unwrap();
    let w = Site::new(one).warnings(one);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("no authentication"), "{w:?}");
    for every in ["0.0.0.0:8043", "[::]:8043"] {
        let addr: std::net::SocketAddr = every.parse().unwrap();
        let w = Site::new(addr).warnings(addr);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[1].contains("the Host check is off")
                && w[1].contains("DNS rebinding")
                && w[1].contains("--listen ADDR:8043"),
            "{w:?}"
        );
    }
}

#[test]
fn the_help_states_the_capture_limit_the_server_enforces() {
    use clap::Args;
    let help = super::WebArgs::augment_args(clap::Command::new("web"))
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        help.contains(&format!("up to {} MiB", CAPTURE_LIMIT >> 20)),
        "{help}"
    );
}

mod capture;
