//! `ucprov decode`: detection, annotation, and errors at their byte offsets.
#![allow(clippy::unwrap_used)] // helpers beside the tests: a panic is the failure report

mod common;

use common::{ucprov, ucprov_stdin, SEED_120, SEED_43, SEED_CAPTURE};

#[test]
fn seed_capture_explains_the_nap_length() {
    let r = ucprov(&["decode", SEED_CAPTURE]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in [
        "option 43 with its header: 2B, length 90",
        "220  NAP",
        "length 0x5A = 90: 85 bytes of MS-UC-Client sub-options 1-5 + 5 bytes of sub-option 220 (NAP) = 90",
        "The length is right because sub-option 220 (NAP) sits inside option 43",
        "Provisioning URL: https://lync.schertz.local:443/CertProv/CertProvisioningService.svc",
    ] {
        assert!(r.stdout.contains(needle), "missing {needle:?} in\n{}", r.stdout);
    }
    // All six sub-options, at their offsets in the pasted dump.
    for offset_and_code in [
        "2       1 ",
        "16      2 ",
        "23      3 ",
        "43      4 ",
        "48      5 ",
        "87      220",
    ] {
        assert!(
            r.stdout.contains(offset_and_code),
            "{offset_and_code:?}\n{}",
            r.stdout
        );
    }
    insta::assert_snapshot!("decode_seed_capture", r.stdout);
}

#[test]
fn truncated_value_is_a_precise_error() {
    // The article's table row for sub-option 5 lost its last bytes ("ce.svc").
    let cut = "05252F4365727450726F762F4365727450726F766973696F6E696E6753657276";
    let r = ucprov(&["decode", cut]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "error: byte 1: sub-option 5: length 37 (0x25) runs past the end: only 30 bytes remain"
        ),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("Cisco IOS truncates `option 43 hex` at 180 hex digits"));
    insta::assert_snapshot!("decode_truncated_sub5", r.stdout);
}

#[test]
fn cisco_truncation_is_caught_at_its_offset() {
    // A 26-character FQDN: 93 bytes of option 43; IOS keeps 90 of them.
    let full = ucprov(&[
        "encode",
        "--sip-server",
        "lyncpool01.schertz.local.x",
        "--format",
        "hex",
    ]);
    let hex43 = full
        .stdout
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("43 ")
        .to_string();
    let cut = &hex43[..180];
    let r = ucprov(&["decode", cut]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("error: byte 55: sub-option 5: length 37 (0x25) runs past the end: only 34 bytes remain"),
        "{}",
        r.stdout
    );
}

#[test]
fn header_length_too_big_is_reported() {
    let r = ucprov(&["decode", &format!("2B56{SEED_43}")]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(
        "error: byte 1: option 43: length 86 (0x56) runs past the end: only 85 bytes remain"
    ));
}

#[test]
fn binary_port_is_named_with_its_offset() {
    let hex = SEED_43.replace("040334343305", "040201BB05");
    let r = ucprov(&["decode", &hex]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("byte 41: sub-option 4 (WebServerPort): byte 0 of the value is 0x01, not printable ASCII"),
        "{}",
        r.stdout
    );
}

#[test]
fn option120_with_and_without_header() {
    let bare = ucprov(&["decode", SEED_120]);
    assert_eq!(bare.code, 0);
    assert!(bare.stdout.contains("option 120 data: encoding byte 0"));
    assert!(bare.stdout.contains("lync.schertz.local"));
    let with = ucprov(&["decode", &format!("7815{SEED_120}")]);
    assert!(with
        .stdout
        .contains("option 120 with its header: 78, length 21"));
    assert!(
        with.stdout.contains("3       20   lync.schertz.local"),
        "{}",
        with.stdout
    );
    insta::assert_snapshot!("decode_option120_header", with.stdout);
}

#[test]
fn compressed_option120_is_read_and_pointer_loops_rejected() {
    let r = ucprov(&[
        "decode",
        "00 04706f6f6c 07636f6e746f736f 03636f6d 00 03736970 c005",
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("sip.contoso.com"));
    assert!(r.stdout.contains("yes"));
    let r = ucprov(&["decode", "--as", "option120", "00 0161 C001"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "error: byte 3: option 120: compression pointer to offset 1 does not point backwards"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn option_run_joins_rfc3396_parts() {
    // 53=ACK, 43 split in two instances around a 54, 120, end.
    let (a, b) = SEED_43.split_at(100);
    let run = format!("350105 2B32{a} 3604C0000201 2B23{b} 7815{SEED_120} FF");
    let r = ucprov(&["decode", &run]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("a run of DHCP options"));
    assert!(
        r.stdout.contains("Vendor-Specific Information  85   2"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("MS-UC-Client profile: valid"));
    insta::assert_snapshot!("decode_option_run", r.stdout);
}

#[test]
fn json_report_has_offsets() {
    let r = ucprov(&["decode", "--json", SEED_CAPTURE]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["decoded_as"], "option43");
    let subs = v["option43"]["suboptions"].as_array().unwrap();
    assert_eq!(subs.len(), 6);
    assert_eq!(subs[5]["code"], 220);
    assert_eq!(subs[5]["name"], "NAP");
    assert_eq!(subs[5]["offset"], 87);
}

#[test]
fn reads_standard_input_in_any_notation() {
    let colon = "01:0c:4d:53:2d:55:43:2d:43:6c:69:65:6e:74:02:05:68:74:74:70:73:03:12:6c:79:6e:63:2e:73:63:68:65:72:74:7a:2e:6c:6f:63:61:6c:04:03:34:34:33:05:25:2f:43:65:72:74:50:72:6f:76:2f:43:65:72:74:50:72:6f:76:69:73:69:6f:6e:69:6e:67:53:65:72:76:69:63:65:2e:73:76:63\n";
    let r = ucprov_stdin(&["decode", "-"], Some(colon));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("MS-UC-Client profile: valid"));
}

#[test]
fn bad_hex_names_position_and_text() {
    let r = ucprov(&["decode", "2B 5A 01 0C 4D 5G"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "ucprov: error: hex input line 1, column 17: 'G' is not a hex digit (near \"C 4D 5G\"); accepted: 0-9 a-f, separators space : . - , and 0x or \\x prefixes"
    );
    let r = ucprov(&["decode", "2B5"]);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .contains("group \"2B5\" has an odd number of hex digits"));
}

#[test]
fn whole_message_is_detected() {
    let mut hex = String::from("02010600DEADBEEF00000000C000020A000000000000000000000000");
    hex.push_str("020000000010");
    hex.push_str(&"00".repeat(10 + 64 + 128));
    hex.push_str("63825363");
    hex.push_str(&format!(
        "350105 3604C0000201 2B55{SEED_43} 7815{SEED_120} FF"
    ));
    let r = ucprov(&["decode", &hex]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r
        .stdout
        .contains("a DHCP message: magic cookie 63 82 53 63 at byte 236"));
    assert!(r.stdout.contains("Server Identifier"));
    assert!(r.stdout.contains("MS-UC-Client profile: valid"));
}

#[test]
fn option_120_names_a_device_cannot_use_are_errors_at_their_byte() {
    // 78 LL, encoding 0, then: the root name alone; one label "lync.local" holding a dot;
    // a label with a space.
    for (hex, needle, offset) in [
        ("78020000", "the root name alone", "byte 3"),
        ("780D000A6C796E632E6C6F63616C00", "holds a dot", "byte 8"),
        ("780700046C79206300", "holds a space", "byte 6"),
    ] {
        let r = ucprov(&["decode", "--json", hex]);
        assert_eq!(r.code, 1, "{hex}: {}", r.stdout);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let f = &v["option120"]["findings"][0];
        assert_eq!(f["kind"], "unusable_sip_server", "{hex}: {f:#}");
        assert_eq!(f["severity"], "error");
        assert!(
            f["message"].as_str().unwrap().contains(needle),
            "{hex}: {f:#}"
        );
        let text = ucprov(&["decode", hex]);
        assert!(
            text.stdout.contains("error: option 120 server"),
            "{hex}: {}",
            text.stdout
        );
        assert_eq!(
            f["offset"].as_u64().map(|o| format!("byte {o}")).as_deref(),
            Some(offset),
            "{hex}: {f:#}"
        );
    }
}

fn paste(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../wire/tests/pastes")
            .join(name),
    )
    .unwrap()
}

/// Options 43 and 120 as decoded: what every paste of the same reply must agree on.
fn options_43_120(r: &common::Run) -> (serde_json::Value, serde_json::Value) {
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v["options"].as_array().unwrap().clone();
    let find = |code: u64| {
        rows.iter()
            .find(|o| o["code"] == code)
            .map(|o| {
                (
                    o["hex"].clone(),
                    o["option43"].clone(),
                    o["option120"].clone(),
                )
            })
            .unwrap()
    };
    let (h43, o43, _) = find(43);
    let (h120, _, o120) = find(120);
    (
        serde_json::json!([h43, o43["provisioning_url"]]),
        serde_json::json!([h120, o120["servers"]]),
    )
}

#[test]
fn every_tools_paste_of_a_real_reply_decodes_to_the_same_options() {
    // The bare DHCP message (xxd -p of the UDP payload of a real ucprov serve ACK).
    let bare = ucprov_stdin(&["decode", "--json", "-"], Some(&paste("dhcp6.hex")));
    assert_eq!(bare.code, 0, "{}", bare.stdout);
    let want = options_43_120(&bare);
    assert!(
        want.0[1]
            .as_str()
            .unwrap()
            .starts_with("https://web.contoso.com:443/"),
        "{want:?}"
    );
    for (name, form) in [
        ("frame6.tshark-x.txt", "tshark"),
        ("frame6.xxd.txt", "xxd"),
        ("frame6.hexdump-C.txt", "hexdump_c"),
        ("frame6.od.txt", "od"),
        ("frame6.hex", ""),
        ("dhcp6.xxd.txt", "xxd"),
        ("dhcp6.hexdump-C.txt", "hexdump_c"),
        ("dhcp6.od-z.txt", "od"),
    ] {
        let r = ucprov_stdin(&["decode", "--json", "-"], Some(&paste(name)));
        assert_eq!(r.code, 0, "{name}: {}\n{}", r.stdout, r.stderr);
        assert_eq!(options_43_120(&r), want, "{name}");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        if form.is_empty() {
            assert!(v.get("pasted_as").is_none(), "{name}");
        } else {
            assert_eq!(v["pasted_as"], form, "{name}");
        }
        if name.starts_with("frame6") {
            assert_eq!(v["decoded_as"], "frame", "{name}");
            assert_eq!(v["frame"]["dhcp_offset"], 42, "{name}");
        }
    }
    let text = ucprov_stdin(&["decode", "-"], Some(&paste("frame6.tshark-x.txt")));
    assert!(
        text.stdout
            .contains("Read the paste as a tshark -x / Wireshark hex dump."),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("stripped Ethernet II (14 bytes), IPv4 192.0.2.2 -> 192.0.2.142 (20 bytes), UDP 67 -> 68 (8 bytes)"), "{}", text.stdout);
}

#[test]
fn a_dump_that_cannot_be_read_unambiguously_is_an_error_that_says_why() {
    let r = ucprov(&["decode", "0000  2b 5a 01 0c"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("leaves it open whether its first group is an offset or data"),
        "{}",
        r.stderr
    );
    let mut lines: Vec<String> = paste("frame6.xxd.txt").lines().map(String::from).collect();
    lines.remove(2);
    let r = ucprov_stdin(&["decode", "-"], Some(&lines.join("\n")));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "line 3: this looks like an xxd dump, but its offset 0x30 is not the 0x20 bytes"
        ),
        "{}",
        r.stderr
    );
}

/// A paste over the limit is an error, never a decode of its first part: 16 MiB of `00`
/// then `ZZ` used to exit 0 with the `ZZ` cut off unseen.
#[test]
fn oversized_standard_input_is_an_error_not_a_truncation() {
    let mut big = "00".repeat(8 * 1024 * 1024);
    big.push_str("ZZ");
    let r = ucprov_stdin(&["decode", "-"], Some(&big));
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "nothing decoded: {}", r.stdout);
    assert!(
        r.stderr.contains("the input is over 1024 KiB"),
        "{}",
        r.stderr
    );
    // Under the text limit but over what one frame can hold: refused before annotating
    // half a million option-120 names.
    let r = ucprov_stdin(&["decode", "-"], Some(&"00".repeat(100_000)));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("the paste holds 100000 bytes"),
        "{}",
        r.stderr
    );
    // Just under the limit is read whole: the stray `ZZ` at its end is found.
    let mut under = "00".repeat(512 * 1024 - 2);
    under.push_str("ZZ");
    let r = ucprov_stdin(&["decode", "-"], Some(&under));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'Z' is not a hex digit"), "{}", r.stderr);
}

/// One `*` line and a far offset used to be expanded before any bound was checked: the
/// `paste` fuzz target's input below asked for 1.4 GB. It is refused at the offset's line.
#[test]
fn a_repeat_past_one_frame_is_refused_before_it_is_expanded() {
    let zeros = "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|";
    let paste = format!("00000030  {zeros}\n*\n551615e0  {zeros}\n");
    let r = ucprov_stdin(&["decode", "-"], Some(&paste));
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "nothing decoded: {}", r.stdout);
    assert!(
        r.stderr.contains(
            "line 3: this looks like a hexdump -C dump, but after `*` the offset 0x551615e0 \
             would make it 1427510704 bytes, over the 65577"
        ),
        "{}",
        r.stderr
    );
}
