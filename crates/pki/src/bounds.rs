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
    scan.values(der, 0, 0, usize::MAX);
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
    /// Walk the values in `data` (at `base` in the whole input) and return how many there
    /// were, stopping after `stop_after` of them: a set is walked only one element past its
    /// bound, so a set of a million elements costs no more than one of 513.
    fn values(&mut self, data: &[u8], base: usize, depth: usize, stop_after: usize) -> usize {
        let mut at = 0;
        let mut count = 0;
        while at < data.len() && self.over.is_none() && count < stop_after {
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
                let bound = if is_set(h.tag) {
                    MAX_SET_ELEMENTS + 1
                } else {
                    usize::MAX
                };
                let n = self.values(inner, base + at + h.content, depth + 1, bound);
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
mod tests;
