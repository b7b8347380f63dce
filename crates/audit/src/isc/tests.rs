use super::*;
use crate::dialect::ISC;
use crate::eval::{clients, evaluate, Client};
use crate::source::MemFs;

fn config(text: &str) -> Result<Config, AuditError> {
    let fs = MemFs::default().with("/dhcpd.conf", text);
    parse(&mut Loader::new(&fs), "/dhcpd.conf")
}

const SPACE: &str = "option space MSUC code width 1 length width 1;
option MSUC.a code 1 = string;
option MSUC.b code 2 = string;
";

#[test]
fn vendor_option_space_in_a_class_builds_43_for_the_phones_only() {
    let c = config(&format!(
        "{SPACE}class \"ms\" {{
  match if option vendor-class-identifier = \"MS-UC-Client\";
  vendor-option-space MSUC;
  option MSUC.b \"https\";
  option MSUC.a \"MS-UC-Client\";
}}
subnet 10.0.0.0 netmask 255.255.255.0 {{ authoritative; }}
"
    ))
    .unwrap();
    let e = evaluate(&c, &ISC, 1, &Client::ms_uc());
    let o43 = e.option(43).unwrap();
    assert_eq!(&o43.bytes[..2], &[1, 12]);
    assert_eq!(c.settings[o43.settings[0]].value.at.line, 6);
    let pxe = &clients(&c)[1];
    assert!(evaluate(&c, &ISC, 1, pxe).option(43).is_none());
}

#[test]
fn subclasses_includes_and_hosts() {
    let fs = MemFs::default()
        .with("/etc/dhcp/dhcpd.conf", "class \"vc\" { match option vendor-class-identifier; }\ninclude \"sub.conf\";\n")
        .with("/etc/dhcp/sub.conf", "subclass \"vc\" \"PXEClient\" {\n  option vendor-encapsulated-options 06:01:08;\n}\nsubnet 10.0.0.0 netmask 255.0.0.0 { host h { hardware ethernet 1:2:3:4:5:6; } }\n");
    let c = parse(&mut Loader::new(&fs), "/etc/dhcp/dhcpd.conf").unwrap();
    let pxe = Client {
        label: "p".into(),
        vendor_class: Some(b"PXEClient".to_vec()),
    };
    let e = evaluate(&c, &ISC, 1, &pxe);
    let o43 = e.option(43).unwrap();
    assert_eq!(o43.bytes, vec![6, 1, 8]);
    let at = c.settings[o43.settings[0]].value.at;
    assert_eq!((c.sources.name(at.file), at.line), ("sub.conf", 2));
    assert!(evaluate(&c, &ISC, 1, &Client::ms_uc()).option(43).is_none());
    assert_eq!(c.served_scopes().len(), 2);
}

#[test]
fn what_cannot_be_evaluated_is_an_error_at_its_line() {
    let e = config("class \"x\" {\n  match if option vendor-class-identifier ~= \"^MS\";\n}\n")
        .unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Unsupported, Some(2)), "{e}");
    let e = config("option vendor-encapsulated-options 010C4D;\n").unwrap_err();
    assert_eq!(e.line, Some(1), "{e}");
    let e =
        config("subnet 10.0.0.0 netmask 255.0.0.0 {\n  if exists user-class { }\n}\n").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    let e = config("subnet 10.0.0.0 netmask 255.0.0.0 {\n").unwrap_err();
    assert!(e.message.contains("never closed"), "{e}");
}

#[test]
fn the_debian_example_reads() {
    let text = include_str!("../../tests/corpus/isc/debian-dhcpd.conf");
    let c = config(text).unwrap();
    assert!(!c.settings.is_empty());
}
