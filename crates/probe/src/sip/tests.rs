use super::*;

const LYNC_401: &str = "SIP/2.0 401 Unauthorized\r\n\
Date: Tue, 01 Dec 2026 12:00:00 GMT\r\n\
WWW-Authenticate: NTLM realm=\"SIP Communications Service\", targetname=\"sip.contoso.test\", version=4\r\n\
WWW-Authenticate: Kerberos realm=\"SIP Communications Service\", targetname=\"sip/sip.contoso.test\", version=4\r\n\
WWW-Authenticate: TLS-DSK realm=\"SIP Communications Service\", targetname=\"sip.contoso.test\", version=4,\r\n \
sts-uri=\"https://Web.Contoso.test:443/CertProv/CertProvisioningService.svc\"\r\n\
From: <sip:ucprov-probe@contoso.test>;tag=abc\r\n\
Content-Length: 0\r\n\r\n";

fn expected() -> Expected {
    Expected {
        web_fqdn: "web.contoso.test".into(),
        port: 443,
        path: "/CertProv/CertProvisioningService.svc".into(),
    }
}

#[test]
fn register_carries_what_a_phone_sends() {
    let r = register_request("contoso.test", "192.0.2.10:50000".parse().unwrap());
    assert!(r.starts_with("REGISTER sip:contoso.test SIP/2.0\r\n"));
    assert!(r.contains("Via: SIP/2.0/TLS 192.0.2.10:50000;branch=z9hG4bK"));
    assert!(r.contains("\r\nMax-Forwards: 70\r\n"));
    assert!(r.contains("\r\nFrom: <sip:ucprov-probe@contoso.test>;tag="));
    assert!(r.contains("\r\nTo: <sip:ucprov-probe@contoso.test>\r\n"));
    assert!(r.contains("\r\nCSeq: 1 REGISTER\r\n"));
    assert!(r.contains("\r\nCall-ID: "));
    assert!(r.contains("\r\nContact: <sip:192.0.2.10:50000;transport=tls"));
    assert!(r.contains("\r\nUser-Agent: ucprov-probe\r\n"));
    assert!(r.contains("\r\nSupported: gruu-10, adhoclist, msrtc-event-categories\r\n"));
    assert!(r.contains("\r\nms-keep-alive: UAC;hop-hop=yes\r\n"));
    assert!(r.ends_with("\r\nContent-Length: 0\r\n\r\n"));
}

#[test]
fn parses_a_lync_401_with_three_challenges() {
    let resp = parse_response(LYNC_401.as_bytes()).unwrap();
    assert_eq!(resp.status, 401);
    assert_eq!(resp.reason, "Unauthorized");
    assert_eq!(resp.all("www-authenticate").count(), 3);
    let dsk = tls_dsk(&resp).unwrap();
    assert_eq!(dsk.realm.as_deref(), Some("SIP Communications Service"));
    assert_eq!(dsk.version.as_deref(), Some("4"));
    assert_eq!(dsk.targetname.as_deref(), Some("sip.contoso.test"));
    assert_eq!(
        dsk.sts_uri.as_deref(),
        Some("https://Web.Contoso.test:443/CertProv/CertProvisioningService.svc")
    );
    let mut got = None;
    assert!(judge("r", &resp, &expected(), &mut got).unwrap().is_empty());
}

#[test]
fn sts_uri_elsewhere_is_a_mismatch() {
    let text = LYNC_401.replace("Web.Contoso.test:443", "other.contoso.test");
    let resp = parse_response(text.as_bytes()).unwrap();
    let e = judge("r", &resp, &expected(), &mut None).unwrap_err();
    assert_eq!(e.kind, Failure::SipStsMismatch);
    assert!(
        e.message.contains("host other.contoso.test"),
        "{}",
        e.message
    );
    let text = LYNC_401.replace("/CertProv/CertProvisioningService.svc", "/CertProv/x.svc");
    let resp = parse_response(text.as_bytes()).unwrap();
    let e = judge("r", &resp, &expected(), &mut None).unwrap_err();
    assert!(e.message.contains("path /CertProv/x.svc"), "{}", e.message);
}

#[test]
fn other_statuses_and_missing_challenges_fail() {
    let resp = parse_response(b"SIP/2.0 403 Forbidden\r\n\r\n").unwrap();
    let e = judge("r", &resp, &expected(), &mut None).unwrap_err();
    assert_eq!(e.kind, Failure::SipUnexpectedStatus);
    let resp =
        parse_response(b"SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: NTLM realm=\"x\"\r\n\r\n")
            .unwrap();
    let e = judge("r", &resp, &expected(), &mut None).unwrap_err();
    assert_eq!(e.kind, Failure::SipNoTlsDsk);
    assert!(e.message.contains("NTLM"));
    let resp = parse_response(
        b"SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: TLS-DSK realm=\"x\"\r\n\r\n",
    )
    .unwrap();
    let e = judge("r", &resp, &expected(), &mut None).unwrap_err();
    assert_eq!(e.kind, Failure::SipNoTlsDsk);
    assert!(e.message.contains("no sts-uri"));
}

#[test]
fn malformed_answers_are_errors_not_panics() {
    for bad in [
        &b""[..],
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        b"SIP/2.0 \r\n\r\n",
        b"SIP/2.0 4x1 Nope\r\n\r\n",
        b"SIP/2.0 999 Big\r\n\r\n",
        b"SIP/2.0 401 U\r\n continuation\r\n\r\n",
        b"SIP/2.0 401 U\r\nno colon here\r\n\r\n",
        b"SIP/2.0 401 U\r\n: empty name\r\n\r\n",
        b"SIP/2.0 401 \xff\xfe\r\n\r\n",
        b"\xff\xfe\xfd",
        b"SIP/2.0 4",
    ] {
        assert!(parse_response(bad).is_err(), "{bad:?}");
    }
    // Odd but readable: LF only, no reason phrase.
    let r = parse_response(b"SIP/2.0 401\nWWW-Authenticate: TLS-DSK sts-uri=\"https://a/b\n\n")
        .unwrap();
    assert_eq!(r.status, 401);
    // Unterminated quotes, bare tokens, empty values: parsed as far as they go.
    for c in [
        "TLS-DSK",
        "TLS-DSK ,,,",
        "TLS-DSK realm=\"unterminated",
        "TLS-DSK realm=, version",
        "TLS-DSK =x, \"\\",
        "TLS-DSK realm=\"a\\\"b\", sts-uri=x",
    ] {
        let _ = auth_params(c);
    }
    assert_eq!(
        auth_params("TLS-DSK realm=\"a\\\"b\", sts-uri=x"),
        vec![
            ("realm".into(), "a\"b".into()),
            ("sts-uri".into(), "x".into())
        ]
    );
    for u in [
        "",
        "https://",
        "https://:1/x",
        "https://h:99999/x",
        "https://[::1/x",
        "nourl",
    ] {
        assert!(split_url(u).is_none(), "{u}");
    }
    assert_eq!(
        split_url("HTTPS://[::1]:8443/a?b"),
        Some(("https".into(), "::1".into(), Some(8443), "/a".into()))
    );
}

#[test]
fn the_reader_is_bounded_in_size_and_time() {
    let mut long = std::io::Cursor::new(vec![b'a'; MAX_HEAD * 2]);
    assert_eq!(
        read_head(&mut long, Duration::from_secs(5)),
        Err(ReadError::TooLong)
    );
    let mut empty = std::io::Cursor::new(Vec::new());
    assert_eq!(
        read_head(&mut empty, Duration::from_secs(5)),
        Err(ReadError::Closed(Vec::new()))
    );
    let mut pings = std::io::Cursor::new(b"\r\n\r\n\r\nSIP/2.0 401 U\r\n\r\nbody".to_vec());
    assert_eq!(
        read_head(&mut pings, Duration::from_secs(5)).unwrap(),
        b"SIP/2.0 401 U\r\n\r\n"
    );
    let mut cut = std::io::Cursor::new(b"SIP/2.0 401 U\r\nA: b".to_vec());
    assert!(
        matches!(read_head(&mut cut, Duration::from_secs(5)), Err(ReadError::Closed(b)) if !b.is_empty())
    );
}

proptest::proptest! {
    /// No input makes the reader, the parser or the challenge parser panic.
    #[test]
    fn any_bytes_are_a_value_or_an_error(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let mut with_head = b"SIP/2.0 401 U\r\nWWW-Authenticate: TLS-DSK ".to_vec();
        with_head.extend_from_slice(&bytes);
        with_head.extend_from_slice(b"\r\n\r\n");
        for input in [&bytes, &with_head] {
            let _ = read_head(&mut std::io::Cursor::new(input.clone()), Duration::from_secs(1));
            if let Ok(resp) = parse_response(input) {
                let _ = tls_dsk(&resp);
                let _ = judge("r", &resp, &expected(), &mut None);
            }
            let text = String::from_utf8_lossy(input);
            let _ = auth_params(&text);
            let _ = split_url(&text);
            let _ = excerpt(input);
        }
    }
}
