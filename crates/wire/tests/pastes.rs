//! Dumps made by the real tools (`tests/pastes/README.md`) of a real capture of `ucprov serve`
//! read to exactly the bytes `xxd -p` gives for the same data.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

use std::path::Path;

use ucprov_wire::dump::{parse_dump, DumpForm};
use ucprov_wire::hex::parse_hex;

fn file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/pastes")
            .join(name),
    )
    .unwrap()
}

#[test]
fn every_tools_dump_reads_to_the_bare_bytes() {
    let frame = parse_hex(&file("frame6.hex")).unwrap();
    let dhcp = parse_hex(&file("dhcp6.hex")).unwrap();
    assert_eq!(
        &frame[42..],
        &dhcp[..],
        "the DHCP message is the frame after 42 header bytes"
    );
    for (name, want, form) in [
        ("frame6.tshark-x.txt", &frame, DumpForm::Tshark),
        ("frame6.xxd.txt", &frame, DumpForm::Xxd),
        ("frame6.hexdump-C.txt", &frame, DumpForm::HexdumpC),
        ("frame6.od.txt", &frame, DumpForm::Od),
        ("dhcp6.xxd.txt", &dhcp, DumpForm::Xxd),
        ("dhcp6.hexdump-C.txt", &dhcp, DumpForm::HexdumpC),
        ("dhcp6.od-z.txt", &dhcp, DumpForm::Od),
    ] {
        let d = match parse_dump(&file(name)) {
            Some(Ok(d)) => d,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(d.form, form, "{name}");
        assert_eq!(&d.bytes, want, "{name}");
    }
}

#[test]
fn a_dump_with_a_line_taken_out_is_refused_at_that_line() {
    let text = file("frame6.tshark-x.txt");
    let cut: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, l)| l)
        .collect();
    match parse_dump(&cut.join("\n")) {
        Some(Err(e)) => {
            assert_eq!(e.line, 4, "{e}");
            assert!(e.to_string().contains("is not the 0x30 bytes"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}
