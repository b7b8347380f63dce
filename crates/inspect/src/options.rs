//! Every option of a set, joined per RFC 3396, with 43 and 120 explained in depth. Offsets are
//! positions in the bytes the user gave.

use serde::Serialize;
use ucprov_wire::catalog;
use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::message::code;
use ucprov_wire::options::OptionSet;

use crate::finding::{Finding, Kind};
use crate::option120::{self, Option120Inspection};
use crate::option43::{self, Option43Inspection, Vendor};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionRow {
    /// Offset of the first instance's code byte.
    pub offset: usize,
    pub code: u8,
    pub name: String,
    pub length: usize,
    /// How many TLV instances were joined (RFC 3396 or Microsoft option 250).
    pub instances: usize,
    pub hex: String,
    pub ascii: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option43: Option<Option43Inspection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<Option120Inspection>,
}

/// Every option of `set`; option 43 is read as `vendor`'s.
pub fn rows(set: &OptionSet<'_>, vendor: Vendor<'_>) -> Vec<OptionRow> {
    set.codes()
        .into_iter()
        .filter_map(|c| {
            let value = set.get(c)?;
            let parts: Vec<_> = set.parts(c).collect();
            let first = parts.first()?;
            // Nested offsets are exact only when the value sits in one piece.
            let base = if parts.len() == 1 {
                first.offset + 2
            } else {
                0
            };
            let mut o43 =
                (c == code::VENDOR_SPECIFIC).then(|| option43::inspect(&value, base, None, vendor));
            let mut o120 = (c == code::SIP_SERVERS).then(|| option120::inspect(&value, base));
            if let Some(note) = joined_note(set, c) {
                if let Some(r) = o43.as_mut() {
                    r.findings.insert(0, note.clone());
                }
                if let Some(r) = o120.as_mut() {
                    r.findings.insert(0, note);
                }
            }
            Some(OptionRow {
                offset: first.offset,
                code: c,
                name: catalog::option_name(c).unwrap_or("unknown").to_string(),
                length: value.len(),
                instances: parts.len(),
                hex: HexStyle::CONTIGUOUS.format(&value),
                ascii: ascii_preview(&value),
                option43: o43,
                option120: o120,
            })
        })
        .collect()
}

/// A pasted run of options or message explained: option 43 is read as the vendor its own
/// option 60 names, or as MS-UC-Client's when there is none (the bytes were pasted to be
/// read as a phone's).
pub fn rows_as_named(set: &OptionSet<'_>) -> Vec<OptionRow> {
    let class = set.vendor_class();
    let vendor = match class.as_deref() {
        Some(c) => Vendor::asked_with(Some(c)),
        None => Vendor::MsUcClient,
    };
    rows(set, vendor)
}

/// Why offsets inside an option count from its joined value: it came in several instances.
pub fn joined_note(set: &OptionSet<'_>, c: u8) -> Option<Finding> {
    let at: Vec<String> = set.parts(c).map(|p| p.offset.to_string()).collect();
    (at.len() > 1).then(|| {
        Finding::note(
            Kind::Explanation,
            format!(
                "option {c} was joined from {} instances at bytes {} (RFC 3396, or Microsoft option 250); offsets inside it count from the start of the joined value",
                at.len(),
                at.join(", ")
            ),
        )
        .field(format!("option {c}"))
    })
}

/// Every finding inside the rows.
pub fn findings(rows: &[OptionRow]) -> impl Iterator<Item = &Finding> {
    rows.iter().flat_map(|r| {
        r.option43
            .iter()
            .flat_map(|o| &o.findings)
            .chain(r.option120.iter().flat_map(|o| &o.findings))
    })
}
