//! A run of DHCP options, read the way RFC 3396 says: every instance of a code, in packet
//! order (options field, then `file`, then `sname`), concatenated into one value. Microsoft's
//! option-250 continuation ([MS-DHCPE] §2.2.9) is recognised too: 250 instances right after an
//! option continue *that* option.

use std::borrow::Cow;

use crate::error::DecodeError;
use crate::tlv::{emit_tlv, EncodeError, Layer, Tlv, TlvIter, MAX_VALUE_LEN, PAD};

/// Microsoft's "encoding long options" continuation code.
pub const MS_CONTINUATION: u8 = 250;

/// The part of a DHCP message an option instance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Region {
    Options,
    File,
    Sname,
}

/// One TLV as found, before joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInstance<'a> {
    pub region: Region,
    /// Offset of the code byte in the buffer the caller decoded.
    pub offset: usize,
    pub code: u8,
    pub value: &'a [u8],
    /// The code this instance's bytes belong to: its own, or for a Microsoft option-250
    /// continuation, the option it continues.
    pub joins: u8,
}

/// Every option instance of a message or a pasted run, in packet order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionSet<'a> {
    instances: Vec<OptionInstance<'a>>,
}

impl<'a> OptionSet<'a> {
    /// Walk `data` as one region whose first byte sits at `base` in the caller's buffer.
    /// Returns the instances read before any error, the error, and where an end option was.
    pub fn walk(data: &'a [u8], base: usize, region: Region) -> Walk<'a> {
        let mut walk = Walk::default();
        for item in TlvIter::new(data, Layer::Options) {
            match item {
                Ok(Tlv::Data {
                    offset,
                    code,
                    value,
                }) => walk.set.push(OptionInstance {
                    region,
                    offset: base + offset,
                    code,
                    value,
                    joins: code,
                }),
                Ok(Tlv::End { offset }) => walk.end = Some(base + offset),
                Ok(Tlv::Pad { .. }) => walk.pads += 1,
                Err(e) => walk.error = Some(e.shifted(base)),
            }
        }
        walk
    }

    pub(crate) fn push(&mut self, mut instance: OptionInstance<'a>) {
        if instance.code == MS_CONTINUATION {
            if let Some(prev) = self.instances.last() {
                let adjacent = prev.region == instance.region
                    && prev.offset + 2 + prev.value.len() == instance.offset;
                // Only a full previous chunk can need continuing; a 250 after a short option is
                // an option 250 of its own.
                if adjacent && prev.value.len() == MAX_VALUE_LEN {
                    instance.joins = prev.joins;
                }
            }
        }
        self.instances.push(instance);
    }

    pub fn extend(&mut self, other: OptionSet<'a>) {
        for i in other.instances {
            self.push(i);
        }
    }

    pub fn instances(&self) -> &[OptionInstance<'a>] {
        &self.instances
    }

    /// The value of `code`, all its instances joined. Borrowed when there is only one.
    pub fn get(&self, code: u8) -> Option<Cow<'a, [u8]>> {
        let mut parts = self.instances.iter().filter(|i| i.joins == code);
        let first = parts.next()?;
        let mut rest = parts.peekable();
        if rest.peek().is_none() {
            return Some(Cow::Borrowed(first.value));
        }
        let mut joined = first.value.to_vec();
        for part in rest {
            joined.extend_from_slice(part.value);
        }
        Some(Cow::Owned(joined))
    }

    /// The instances that make up `code`'s value, in order.
    pub fn parts(&self, code: u8) -> impl Iterator<Item = &OptionInstance<'a>> {
        self.instances.iter().filter(move |i| i.joins == code)
    }

    /// Distinct codes in order of first appearance (continuations count for their owner).
    pub fn codes(&self) -> Vec<u8> {
        let mut codes: Vec<u8> = Vec::new();
        for i in &self.instances {
            if !codes.contains(&i.joins) {
                codes.push(i.joins);
            }
        }
        codes
    }

    pub fn contains(&self, code: u8) -> bool {
        self.instances.iter().any(|i| i.joins == code)
    }
}

/// The result of walking one region: what was read, and what stopped the walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk<'a> {
    pub set: OptionSet<'a>,
    pub end: Option<usize>,
    pub pads: usize,
    pub error: Option<DecodeError>,
}

/// Append `code` with `value`, split into as many TLVs as RFC 3396 needs. An empty value
/// is one zero-length TLV.
pub fn emit_option(code: u8, value: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if value.is_empty() {
        return emit_tlv(code, value, out);
    }
    for chunk in value.chunks(MAX_VALUE_LEN) {
        emit_tlv(code, chunk, out)?;
    }
    Ok(())
}

/// Append every option in order with [`emit_option`]. An option 250 written right after a
/// full 255-byte chunk would read back as that option's continuation ([MS-DHCPE]), so a pad
/// byte keeps the two apart (the reader joins only adjacent TLVs).
pub fn emit_options<'v>(
    options: impl IntoIterator<Item = (u8, &'v [u8])>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mut after_full_chunk = false;
    for (code, value) in options {
        if code == MS_CONTINUATION && after_full_chunk {
            out.push(PAD);
        }
        emit_option(code, value, out)?;
        after_full_chunk = !value.is_empty() && value.len() % MAX_VALUE_LEN == 0;
    }
    Ok(())
}

/// How many bytes `emit_option` writes for a value of `len` bytes.
pub const fn emitted_len(len: usize) -> usize {
    if len == 0 {
        2
    } else {
        len + 2 * len.div_ceil(MAX_VALUE_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{DecodeErrorKind, Field};

    fn set(data: &[u8]) -> OptionSet<'_> {
        let walk = OptionSet::walk(data, 0, Region::Options);
        assert_eq!(walk.error, None);
        let mut s = OptionSet::default();
        s.extend(walk.set);
        s
    }

    #[test]
    fn joins_non_adjacent_instances_in_order() {
        let data = [43, 2, 1, 2, 53, 1, 8, 43, 1, 3, 255];
        let s = set(&data);
        assert_eq!(s.get(43).as_deref(), Some(&[1, 2, 3][..]));
        assert_eq!(s.get(53).as_deref(), Some(&[8][..]));
        assert_eq!(s.codes(), vec![43, 53]);
        assert!(matches!(s.get(53), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn split_then_join_is_identity_for_long_values() {
        let value: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let mut out = Vec::new();
        emit_option(43, &value, &mut out).unwrap();
        assert_eq!(out.len(), emitted_len(value.len()));
        assert_eq!((out[0], out[1]), (43, 255));
        assert_eq!((out[257], out[258]), (43, 255));
        assert_eq!((out[514], out[515]), (43, 90));
        assert_eq!(set(&out).get(43).as_deref(), Some(&value[..]));
    }

    #[test]
    fn microsoft_250_continues_a_full_option() {
        let mut data = vec![43, 255];
        data.extend_from_slice(&[0xAB; 255]);
        data.extend_from_slice(&[250, 2, 1, 2]);
        data.extend_from_slice(&[250, 1, 9]); // separate: follows a short 250
        let s = set(&data);
        let joined = s.get(43).unwrap();
        assert_eq!(joined.len(), 257);
        assert_eq!(&joined[255..], &[1, 2]);
        assert_eq!(s.get(250).as_deref(), Some(&[9][..]));
    }

    #[test]
    fn lone_250_stays_option_250() {
        let s = set(&[43, 1, 7, 250, 1, 5]);
        assert_eq!(s.get(43).as_deref(), Some(&[7][..]));
        assert_eq!(s.get(250).as_deref(), Some(&[5][..]));
    }

    #[test]
    fn walk_keeps_what_came_before_an_error() {
        let data = [53, 1, 8, 43, 10, 1, 2];
        let walk = OptionSet::walk(&data, 240, Region::Options);
        assert_eq!(walk.set.instances().len(), 1);
        assert_eq!(
            walk.error,
            Some(DecodeError::new(
                244,
                Field::Option { code: 43 },
                DecodeErrorKind::LengthPastEnd {
                    declared: 10,
                    available: 2
                }
            ))
        );
    }

    /// Found by the `dhcp_message` fuzz target: an empty option 250 after a 255-byte option
    /// came back as part of it.
    #[test]
    fn option_250_after_a_full_chunk_stays_an_option_of_its_own() {
        let full = [7u8; MAX_VALUE_LEN];
        for after in [&[][..], &[1, 2][..]] {
            let mut out = Vec::new();
            emit_options([(252, &full[..]), (MS_CONTINUATION, after)], &mut out).unwrap();
            let walk = OptionSet::walk(&out, 0, Region::Options);
            assert_eq!(walk.error, None);
            let mut s = OptionSet::default();
            s.extend(walk.set);
            assert_eq!(s.get(252).unwrap().as_ref(), &full[..]);
            assert_eq!(s.get(MS_CONTINUATION).unwrap().as_ref(), after);
        }
        // A short option before it needs no pad.
        let mut out = Vec::new();
        emit_options([(252, &[1u8][..]), (MS_CONTINUATION, &[2u8][..])], &mut out).unwrap();
        assert_eq!(out, [252, 1, 1, 250, 1, 2]);
    }

    proptest::proptest! {
        #[test]
        fn split_join_identity(value in proptest::collection::vec(proptest::num::u8::ANY, 0..1200), code in 1u8..=254) {
            proptest::prop_assume!(code != MS_CONTINUATION);
            let mut out = Vec::new();
            emit_option(code, &value, &mut out).unwrap();
            proptest::prop_assert_eq!(out.len(), emitted_len(value.len()));
            let walk = OptionSet::walk(&out, 0, Region::Options);
            proptest::prop_assert!(walk.error.is_none());
            let mut s = OptionSet::default();
            s.extend(walk.set);
            proptest::prop_assert_eq!(s.get(code).unwrap().into_owned(), value);
        }
    }
}
