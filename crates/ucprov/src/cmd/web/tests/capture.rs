//! The Capture tab's API, on the real captures of crates/inspect/tests/captures.

use super::*;

fn captures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../inspect/tests/captures")
}

fn read_capture(name: &str) -> Vec<u8> {
    std::fs::read(captures().join(name)).unwrap()
}

/// The `.tshark.tsv` written beside a capture: one map per frame, by column name.
fn tshark_rows(name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(captures().join(format!("{name}.tshark.tsv"))).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            head.iter()
                .zip(l.split('\t'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn a_capture_is_answered_with_the_pcap_json_document() {
    let s = Server::start();
    for name in [
        "two-servers-disagree.pcap",
        "aruba-pxe-beside-phone.pcap",
        "dnsmasq-inform.pcapng",
        "lpe-boot.pcap",
    ] {
        let bytes = read_capture(name);
        let (status, v) = s.capture(name, &bytes);
        assert_eq!(status, 200, "{name}: {v}");
        // The very document `ucprov pcap --json` prints for the file.
        let capture = ucprov_inspect::capture::Capture::open(
            &bytes[..],
            ucprov_inspect::capture::DEFAULT_WINDOW_SECS,
        )
        .unwrap();
        let cli = crate::cmd::pcap::output::json_document(capture, name, Vec::new()).unwrap();
        let cli: Value = serde_json::from_slice(&cli).unwrap();
        assert_eq!(v, cli, "{name}");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["summary"]["file"], name);
        // One client per MAC tshark saw.
        let mut macs: Vec<String> = tshark_rows(name)
            .iter()
            .map(|r| r["dhcp.hw.mac_addr"].clone())
            .collect();
        macs.sort();
        macs.dedup();
        let mut got: Vec<String> = v["clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["mac"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, macs, "{name}");
    }
}

#[test]
fn the_ladder_facts_of_two_servers_that_disagree() {
    let s = Server::start();
    let name = "two-servers-disagree.pcap";
    let (status, v) = s.capture(name, &read_capture(name));
    assert_eq!(status, 200, "{v}");
    let rows = tshark_rows(name);
    let c = &v["clients"][0];
    assert_eq!(c["verdict_code"], "servers_disagree");
    let e = &c["exchanges"][0];
    assert_eq!(e["request"]["xid"], rows[0]["dhcp.id"].as_str());
    assert_eq!(e["request"]["seen"]["dst"], "255.255.255.255:67");
    // Who answered, in frame order, as tshark reads the server identifiers.
    let replies = e["replies"].as_array().unwrap();
    let servers: Vec<&str> = replies
        .iter()
        .map(|r| r["server"].as_str().unwrap())
        .collect();
    let tshark: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r["dhcp.option.dhcp_server_id"].as_str())
        .collect();
    assert_eq!(servers, tshark);
    for r in replies {
        // Each reply on its own gives the phone a valid profile and SIP servers: only together
        // do they contradict each other.
        assert_eq!(r["option43_verdict"], "valid", "{r}");
        assert_eq!(r["option120_verdict"], "valid", "{r}");
        assert!(
            r["seen"]["time"].as_f64().unwrap() >= e["request"]["seen"]["time"].as_f64().unwrap()
        );
    }
    let finding = &e["findings"][0];
    assert_eq!(finding["kind"], "conflicting_servers");
    assert_eq!(finding["frame"], 3);
}

#[test]
fn a_capture_over_the_limit_is_refused_saying_the_limit() {
    let s = Server::start();
    // Declared too large: refused before the body is read.
    let req = format!(
        "POST /api/capture HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        s.addr,
        CAPTURE_LIMIT + 1
    );
    let (status, _, body) = s.raw(req.as_bytes());
    assert_eq!(status, 413, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["field"], "capture");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("over 16 MiB (16777216 bytes)"),
        "{v}"
    );
    // Streamed without a length: refused when the limit is passed, never cut to fit.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut big = read_capture("two-servers-disagree.pcap");
    big.resize(CAPTURE_LIMIT + 1, 0);
    let req = Request::builder()
        .method("POST")
        .uri("/api/capture?name=big.pcap")
        .header("content-type", "application/octet-stream")
        .body(Full::new(Bytes::from(big)))
        .unwrap();
    let answer = rt.block_on(api_capture(req));
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn a_capture_that_is_not_one_or_is_cut_short() {
    let s = Server::start();
    let (status, v) = s.capture("notes.txt", b"hello, this is no capture");
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["field"], "capture");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with("notes.txt: not a pcap or pcapng file"),
        "{v}"
    );
    let (status, v) = s.capture("empty.pcap", b"");
    assert_eq!((status, &v["field"]), (422, &json!("capture")), "{v}");
    // A truncated copy: what came before the cut is reported, and the summary says where.
    let bytes = read_capture("two-servers-disagree.pcap");
    let (status, v) = s.capture("cut.pcap", &bytes[..bytes.len() - 10]);
    assert_eq!(status, 200, "{v}");
    assert!(
        v["summary"]["capture_error"]
            .as_str()
            .unwrap()
            .contains("cut short"),
        "{v}"
    );
    // The name is decoded from the query.
    let (_, v) = s.capture("my%20phones%2B.pcap", &bytes);
    assert_eq!(v["summary"]["file"], "my phones+.pcap");
    // Other media types are refused: a cross-site form cannot post a capture.
    let (status, _, _) = s.request_bytes("POST", "/api/capture", "multipart/form-data", &bytes);
    assert_eq!(status, 415);
    assert_eq!(s.get("/api/capture").0, 405);
}
