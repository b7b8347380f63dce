//! Test helpers: a configuration from Kea JSON text (the richest model), evaluated.

use crate::kea;
use crate::model::Config;
use crate::source::{Loader, MemFs};

pub fn kea(text: &str) -> Config {
    let fs = MemFs::default().with("/kea.conf", text);
    kea::parse(&mut Loader::new(&fs), "/kea.conf").unwrap()
}

/// A Kea configuration: `class_test` for the MS-UC-Client class (`None`: no class, the
/// options global), `o43` and `o120` as csv-format false hex, `extra` more Dhcp4 members.
pub fn kea_with(class_test: Option<&str>, o43: &str, o120: Option<&str>, extra: &str) -> Config {
    let mut data = vec![format!(
        r#"{{"name": "vendor-encapsulated-options", "csv-format": false, "data": "{o43}"}}"#
    )];
    if let Some(o120) = o120 {
        data.push(format!(
            r#"{{"code": 120, "csv-format": false, "data": "{o120}"}}"#
        ));
    }
    let data = data.join(",\n");
    let def = r#"{"name": "vendor-encapsulated-options", "code": 43, "type": "binary"}"#;
    let body = match class_test {
        Some(test) => format!(
            r#""client-classes": [{{"name": "ms-uc-client", "test": "{test}",
"option-def": [{def}],
"option-data": [
{data}]}}]"#
        ),
        None => format!("\"option-def\": [{def}],\n\"option-data\": [\n{data}]"),
    };
    kea(&format!(
        "{{\"Dhcp4\": {{\n{body},\n\"subnet4\": [{{\"id\": 1, \"subnet\": \"10.0.0.0/24\"}}]{extra}}}}}"
    ))
}

pub const MS_TEST: &str = "option[vendor-class-identifier].text == 'MS-UC-Client'";

/// Option 43 of `Provisioning::new("lync.example.com", None)`, colon hex.
pub fn good43() -> String {
    hex(
        &ucprov_wire::profile::Provisioning::new("lync.example.com", None)
            .option43()
            .unwrap(),
    )
}

pub fn good120() -> String {
    hex(
        &ucprov_wire::profile::Provisioning::new("lync.example.com", None)
            .option120()
            .unwrap(),
    )
}

pub fn hex(b: &[u8]) -> String {
    ucprov_wire::hex::HexStyle::COLON.format(b)
}

/// A Kea file whose MS-UC-Client class carries the profile for a registrar named with three
/// long labels, the last `last_label` bytes long: long enough to cross a size limit.
pub fn kea_with_long_registrar(last_label: usize) -> Config {
    let long = format!(
        "{}.example.com",
        ["a".repeat(63), "b".repeat(63), "c".repeat(last_label)].join(".")
    );
    let p = ucprov_wire::profile::Provisioning::new(long, None);
    let (Ok(o43), Ok(o120)) = (p.option43(), p.option120()) else {
        panic!("the long profile encodes");
    };
    kea_with(Some(MS_TEST), &hex(&o43), Some(&hex(&o120)), "")
}
