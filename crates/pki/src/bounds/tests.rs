//! The bounds on their own, then the hostile inputs that cost quadratic time in the decoder
//! before them (issue 13): sets of thousands of elements are refused through `parse` with the
//! byte where the set starts, and the same shapes at real sizes still parse.

use super::*;
use crate::testkit::tlv;
use crate::{parse, Parsed};

fn set_of(n: usize) -> Vec<u8> {
    let attr = tlv(0x30, &[0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x01, b'a']);
    tlv(TAG_SET, &attr.repeat(n))
}

#[test]
fn a_set_at_the_bound_passes_and_one_over_is_refused_at_its_offset() {
    let ok = tlv(0x30, &set_of(MAX_SET_ELEMENTS));
    assert!(check(&ok, "certificate", "t").is_ok());
    let over = tlv(0x30, &set_of(MAX_SET_ELEMENTS + 1));
    let e = check(&over, "certificate", "t").unwrap_err().to_string();
    assert!(e.contains("over 512 elements"), "{e}");
    assert!(e.contains("byte 4"), "{e}");
}

#[test]
fn implicit_certificate_sets_are_bounded_too() {
    let cert = tlv(0x30, &[0x02, 0x01, 0x01]);
    let over = tlv(TAG_CONTEXT_0, &cert.repeat(MAX_SET_ELEMENTS + 1));
    assert!(check(&over, "PKCS#7", "t").is_err());
    // A SEQUENCE of the same length is not a set: nothing is sorted.
    assert!(check(&tlv(0x30, &cert.repeat(MAX_SET_ELEMENTS + 1)), "x", "t").is_ok());
}

#[test]
fn deep_nesting_is_refused_and_unreadable_der_is_left_to_the_decoder() {
    let mut v = vec![0x05, 0x00];
    for _ in 0..=MAX_DEPTH {
        v = tlv(0x30, &v);
    }
    assert!(check(&v, "certificate", "t").is_err());
    assert!(check(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], "certificate", "t").is_ok());
    assert!(check(&[], "certificate", "t").is_ok());
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// commonName = `value` as one AttributeTypeAndValue.
fn attribute(value: &[u8]) -> Vec<u8> {
    tlv(
        0x30,
        &cat(&[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0C, value)]),
    )
}

/// A structurally valid (unsigned) certificate whose subject is `subject` (a Name's DER).
fn certificate(subject: &[u8]) -> Vec<u8> {
    let ecdsa_sha256 = tlv(
        0x30,
        &tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]),
    );
    let issuer = tlv(0x30, &tlv(0x31, &attribute(b"issuer")));
    let time = tlv(0x17, b"250101000000Z");
    let spki_alg = tlv(
        0x30,
        &cat(&[
            tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]),
            tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
        ]),
    );
    // The key's bits are not read when parsing: one byte keeps thousands under the 1 MiB limit.
    let point = [0x00, 0x04];
    let tbs = tlv(
        0x30,
        &cat(&[
            tlv(0xA0, &tlv(0x02, &[0x02])),
            tlv(0x02, &[0x01]),
            ecdsa_sha256.clone(),
            issuer,
            tlv(0x30, &cat(&[time.clone(), time])),
            subject.to_vec(),
            tlv(0x30, &cat(&[spki_alg, tlv(0x03, &point)])),
        ]),
    );
    tlv(0x30, &cat(&[tbs, ecdsa_sha256, tlv(0x03, &[0x00])]))
}

/// A PKCS#7 SignedData holding `certs` in its `[0] IMPLICIT` certificate set.
fn pkcs7(certs: &[Vec<u8>]) -> Vec<u8> {
    let signed_data = tlv(
        0x30,
        &cat(&[
            tlv(0x02, &[0x01]),
            tlv(0x31, &[]),
            tlv(
                0x30,
                &tlv(
                    0x06,
                    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01],
                ),
            ),
            tlv(0xA0, &certs.concat()),
            tlv(0x31, &[]),
        ]),
    );
    tlv(
        0x30,
        &cat(&[
            tlv(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02],
            ),
            tlv(0xA0, &signed_data),
        ]),
    )
}

fn refused_at(result: Result<Parsed, PkiError>) -> usize {
    match result {
        Err(PkiError::TooComplex { offset, .. }) => offset,
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(p) => panic!("accepted {} certificates", p.certs.len()),
    }
}

#[test]
fn a_name_with_16000_attributes_in_one_set_is_refused() {
    let attrs: Vec<u8> = (0..16_000).flat_map(|_| attribute(b"a")).collect();
    let subject = tlv(0x30, &tlv(0x31, &attrs));
    let der = certificate(&subject);
    let e = parse(&der, "big.cer").unwrap_err().to_string();
    assert!(e.contains("big.cer: certificate is refused at byte"), "{e}");
    assert!(e.contains("a set with over 512 elements"), "{e}");
}

#[test]
fn a_name_of_16000_single_attribute_sets_parses_linearly_or_is_refused() {
    // 16,000 RDNs are a SEQUENCE OF: nothing sorted, nothing quadratic; it reads.
    let rdns: Vec<u8> = (0..16_000)
        .flat_map(|_| tlv(0x31, &attribute(b"a")))
        .collect();
    let der = certificate(&tlv(0x30, &rdns));
    let parsed = parse(&der, "long.cer").unwrap();
    assert_eq!(parsed.certs.len(), 1);
}

/// `n` certificates that differ in their subject (a SET OF refuses duplicates).
fn distinct(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let cn = format!("{i:05}");
            certificate(&tlv(0x30, &tlv(0x31, &attribute(cn.as_bytes()))))
        })
        .collect()
}

#[test]
fn a_pkcs7_with_7000_certificates_is_refused_where_its_set_starts() {
    let der = pkcs7(&distinct(7_000));
    assert!(der.len() <= crate::MAX_INPUT_BYTES, "{} bytes", der.len());
    let offset = refused_at(parse(&der, "big.p7b"));
    assert_eq!(
        der[offset], 0xA0,
        "the offset points at the certificate set"
    );
}

#[test]
fn the_same_shapes_at_real_sizes_parse() {
    let parsed = parse(&pkcs7(&distinct(MAX_SET_ELEMENTS)), "bundle.p7b").unwrap();
    assert_eq!(parsed.certs.len(), MAX_SET_ELEMENTS);
    let attrs: Vec<u8> = (0..MAX_SET_ELEMENTS)
        .flat_map(|_| attribute(b"a"))
        .collect();
    let der = certificate(&tlv(0x30, &tlv(0x31, &attrs)));
    // At the bound the decoder's own DER rules apply (equal elements are in order).
    assert!(!matches!(
        parse(&der, "wide.cer"),
        Err(PkiError::TooComplex { .. })
    ));
}
