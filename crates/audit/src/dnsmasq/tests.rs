use super::*;
use crate::dialect::DNSMASQ;
use crate::eval::{clients, evaluate, Client};
use crate::source::MemFs;

fn config(text: &str) -> Result<Config, AuditError> {
    let fs = MemFs::default().with("/dnsmasq.conf", text);
    parse(&mut Loader::new(&fs), "/dnsmasq.conf")
}

#[test]
fn a_tagged_option_reaches_the_vendor_class_only() {
    let c = config("dhcp-range=10.0.0.0,static,255.255.255.0\ndhcp-option=tag:lync,43,01:02:61:62\ndhcp-vendorclass=set:lync,MS-UC-Client\n").unwrap();
    let e = evaluate(&c, &DNSMASQ, 1, &Client::ms_uc());
    let o43 = e.option(43).unwrap();
    assert_eq!(o43.bytes, vec![1, 2, b'a', b'b']);
    assert_eq!(c.settings[o43.settings[0]].value.at.line, 2);
    let xx = Client {
        label: "xx".into(),
        vendor_class: Some(b"xxMS-UC-Clientyy".to_vec()),
    };
    assert!(
        evaluate(&c, &DNSMASQ, 1, &xx).option(43).is_some(),
        "dnsmasq matches substrings"
    );
    assert!(evaluate(&c, &DNSMASQ, 1, &clients(&c)[1])
        .option(43)
        .is_none());
}

#[test]
fn vendor_sub_options_are_reversed_with_an_end_and_an_unquoted_port_is_two_bytes() {
    let c = config("dhcp-range=10.0.0.0,static,255.0.0.0\ndhcp-option=vendor:MS-UC-Client,1,\"MS-UC-Client\"\ndhcp-option=vendor:MS-UC-Client,4,443\n").unwrap();
    let e = evaluate(&c, &DNSMASQ, 1, &Client::ms_uc());
    let b = &e.option(43).unwrap().bytes;
    assert_eq!(&b[..4], &[4, 2, 1, 0xBB]);
    assert_eq!(b.last(), Some(&255));
}

#[test]
fn conf_dir_and_conf_file_are_followed_and_unknown_tags_refused() {
    let fs = MemFs::default()
        .with(
            "/etc/dnsmasq.conf",
            "conf-dir=/etc/dnsmasq.d,*.conf\nconf-file=/etc/extra\n",
        )
        .with(
            "/etc/dnsmasq.d/a.conf",
            "dhcp-range=10.0.0.0,static,255.0.0.0\n",
        )
        .with("/etc/dnsmasq.d/b.bak", "garbage=\n")
        .with("/etc/extra", "dhcp-option=120,lync.example.com\n");
    let c = parse(&mut Loader::new(&fs), "/etc/dnsmasq.conf").unwrap();
    assert_eq!(c.sources.files.len(), 3);
    assert_eq!(
        evaluate(&c, &DNSMASQ, 1, &Client::ms_uc())
            .option(120)
            .unwrap()
            .bytes[0],
        0
    );
    let e = config("dhcp-option=tag:eth1,43,01:01:61\n").unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Unsupported, Some(1)), "{e}");
    let e = config("dhcp-option=43,010C:4D53\n").unwrap_err();
    assert!(e.message.contains("one byte per group"), "{e}");
}

#[test]
fn the_debian_example_reads() {
    let c = config(include_str!(
        "../../tests/corpus/dnsmasq/debian-dnsmasq.conf.example"
    ))
    .unwrap();
    assert_eq!(c.dialect, Dialect::Dnsmasq);
}
