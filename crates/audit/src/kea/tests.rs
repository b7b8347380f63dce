use super::*;
use crate::dialect::KEA;
use crate::eval::{evaluate, Client};
use crate::source::MemFs;

fn config(text: &str) -> Result<Config, AuditError> {
    let fs = MemFs::default().with("/kea.conf", text);
    parse(&mut Loader::new(&fs), "/kea.conf")
}

#[test]
fn the_debian_example_reads_without_guessing() {
    let text = include_str!("../../tests/corpus/kea/debian-kea-dhcp4.conf");
    let c = config(text).unwrap();
    assert_eq!(c.classes.len(), 1);
    assert!(c.settings.iter().any(|s| s.value.code == 6));
}

#[test]
fn a_class_encapsulating_a_space_gives_the_sub_options_by_code() {
    let c = config(r#"{"Dhcp4": {
        "option-def": [{"name": "b", "code": 2, "space": "s", "type": "string"},
                       {"name": "a", "code": 1, "space": "s", "type": "string"}],
        "client-classes": [{"name": "ms", "test": "option[vendor-class-identifier].text == 'MS-UC-Client'",
            "option-def": [{"name": "vendor-encapsulated-options", "code": 43, "type": "empty", "encapsulate": "s"}],
            "option-data": [{"name": "vendor-encapsulated-options"},
                            {"name": "b", "space": "s", "data": "y"},
                            {"name": "a", "space": "s", "data": "x"},
                            {"code": 120, "csv-format": false, "data": "00:01:61:00"}]}],
        "subnet4": [{"id": 1, "subnet": "10.0.0.0/24"}]}}"#)
    .unwrap();
    let e = evaluate(&c, &KEA, 1, &Client::ms_uc());
    assert_eq!(e.option(43).unwrap().bytes, vec![1, 1, b'x', 2, 1, b'y']);
    assert_eq!(e.option(120).unwrap().bytes, vec![0, 1, b'a', 0]);
    let other = Client {
        label: "x".into(),
        vendor_class: Some(b"other".to_vec()),
    };
    assert!(evaluate(&c, &KEA, 1, &other).option(43).is_none());
}

#[test]
fn unevaluable_tests_and_untyped_values_are_errors_at_their_line() {
    let e = config("{\"Dhcp4\": {\"client-classes\": [\n{\"name\": \"x\",\n \"test\": \"pkt4.mac == 0x01\"}]}}").unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Unsupported, Some(3)), "{e}");
    let e = config(
        "{\"Dhcp4\": {\"option-data\": [\n{\"code\": 120, \"data\": \"lync.example.com\"}]}}",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.fix.contains("csv-format"), "{e}");
}

#[test]
fn a_config_get_answer_reads_like_the_file() {
    let mut fs_loader_fs = MemFs::default();
    fs_loader_fs.files.clear();
    let mut l = Loader::new(&fs_loader_fs);
    let c = parse_text(&mut l, "kea-ctrl", r#"[{"result": 0, "arguments": {"Dhcp4": {"option-data": [{"name": "routers", "data": "10.0.0.1"}]}, "hash": "x"}}]"#.into()).unwrap();
    assert_eq!(c.settings[0].value.data, Data::Bytes(vec![10, 0, 0, 1]));
}
