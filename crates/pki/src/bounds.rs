//! Work bounds checked on the raw DER before the decoder sees it.
//!
//! der 0.7 checks that a `SET OF` is in DER order by comparing each element with the ones
//! before it, so decoding one costs time quadratic in its element count: a name with 16,000
//! attributes took 16.6 s and a PKCS#7 with 10,000 certificates 60 s, and a rogue DHCP server
//! can point `probe` at such a chain. Real certificates have one or two attributes per name
//! and real chains a handful of certificates, so a count bound loses nothing and keeps the
//! decoder's work to milliseconds whatever the input.

use crate::PkiError;

/// Elements one `SET OF` (or the PKCS#7 certificate set, `[0] IMPLICIT SET OF`) may have.
/// The largest real sets are CA bundles: Debian's ca-certificates holds about 150 roots.
pub const MAX_SET_ELEMENTS: usize = 512;

/// Nesting depth of constructed values; certificates nest about ten deep.
const MAX_DEPTH: usize = 32;

const TAG_SET: u8 = 0x31;
/// Context-specific constructed `[0]` and `[1]`: PKCS#7's certificates and CRLs (implicit
/// sets), and single-element wrappers in certificates.
const TAG_CONTEXT_0: u8 = 0xA0;
const TAG_CONTEXT_1: u8 = 0xA1;

/// Refuse `der` (a certificate or a PKCS#7) when a set in it is over [`MAX_SET_ELEMENTS`] or
/// it nests deeper than the decoder needs to go. DER the scan cannot read is left to the
/// decoder, which reports it in its own words.
pub(crate) fn check(der: &[u8], what: &str, source_name: &str) -> Result<(), PkiError> {
    let mut scan = Scan { over: None };
    scan.values(der, 0, 0);
    match scan.over {
        None => Ok(()),
        Some((offset, problem)) => Err(PkiError::TooComplex {
            source_name: source_name.to_owned(),
            what: what.to_owned(),
            offset,
            problem,
        }),
    }
}

struct Scan {
    over: Option<(usize, String)>,
}

/// One TLV header: its tag, where its content starts and how long it is.
struct Header {
    tag: u8,
    content: usize,
    len: usize,
}

impl Scan {
    /// Walk the values in `data` (at `base` in the whole input); return how many there were.
    fn values(&mut self, data: &[u8], base: usize, depth: usize) -> usize {
        let mut at = 0;
        let mut count = 0;
        while at < data.len() && self.over.is_none() {
            let Some(h) = header(&data[at..]) else {
                return count;
            };
            let Some(end) = h
                .content
                .checked_add(h.len)
                .filter(|&e| e <= data.len() - at)
            else {
                return count;
            };
            count += 1;
            if h.tag & 0x20 != 0 {
                if depth >= MAX_DEPTH {
                    self.over = Some((base + at, format!("values nest over {MAX_DEPTH} deep")));
                    return count;
                }
                let inner = &data[at + h.content..at + end];
                let n = self.values_bounded(inner, base + at + h.content, depth + 1, h.tag);
                if self.over.is_none() && is_set(h.tag) && n > MAX_SET_ELEMENTS {
                    self.over = Some((
                        base + at,
                        format!("a set with over {MAX_SET_ELEMENTS} elements"),
                    ));
                }
            }
            at += end;
        }
        count
    }

    /// [`Scan::values`] for the content of `tag`, stopping as soon as a set is over its bound
    /// (so a set of a million elements costs no more than one of 513).
    fn values_bounded(&mut self, data: &[u8], base: usize, depth: usize, tag: u8) -> usize {
        if !is_set(tag) {
            return self.values(data, base, depth);
        }
        let mut at = 0;
        let mut count = 0;
        while at < data.len() && self.over.is_none() {
            let Some(h) = header(&data[at..]) else {
                return count;
            };
            let Some(end) = h
                .content
                .checked_add(h.len)
                .filter(|&e| e <= data.len() - at)
            else {
                return count;
            };
            count += 1;
            if count > MAX_SET_ELEMENTS {
                return count;
            }
            self.values(&data[at..at + end], base + at, depth);
            at += end;
        }
        count
    }
}

fn is_set(tag: u8) -> bool {
    matches!(tag, TAG_SET | TAG_CONTEXT_0 | TAG_CONTEXT_1)
}

/// Read a DER header: one-byte tags only (certificates and PKCS#7 use no others), definite
/// lengths of up to four bytes.
fn header(data: &[u8]) -> Option<Header> {
    let tag = *data.first()?;
    if tag & 0x1F == 0x1F {
        return None;
    }
    let first = *data.get(1)?;
    if first < 0x80 {
        return Some(Header {
            tag,
            content: 2,
            len: usize::from(first),
        });
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 4 {
        return None;
    }
    let bytes = data.get(2..2 + n)?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Some(Header {
        tag,
        content: 2 + n,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER TLV with a definite length.
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

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
}
