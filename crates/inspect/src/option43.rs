//! Option 43 explained. Whose option it is depends on who asked: RFC 2132 §8.4 leaves its
//! content to the vendor named by the client's option 60, so the MS-UC-Client profile rules
//! apply only to a reply to an MS-UC-Client request (`docs/wire.md` §1). An access point's or a
//! PXE client's option 43 is that vendor's business and is shown as theirs, never as a broken
//! Microsoft profile.

use serde::Serialize;
use ucprov_wire::catalog;
use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::profile::{MsUcProfile, VENDOR_CLASS};
use ucprov_wire::vendor::VendorOptions;

use crate::finding::{Finding, Kind};

/// Who the option 43 was meant for: decides which rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor<'a> {
    /// The client asked as MS-UC-Client, or the user says the bytes are meant as such.
    MsUcClient,
    /// The client asked with this option 60, or with none (`None`).
    Other(Option<&'a [u8]>),
    /// The request is not at hand (a reply-only capture): the bytes are read as MS-UC-Client's
    /// only when sub-option 1 says so itself, which no other vendor's option 43 does.
    Unknown,
}

impl<'a> Vendor<'a> {
    /// The reading for a request that sent `vendor_class` as option 60.
    pub fn asked_with(vendor_class: Option<&'a [u8]>) -> Self {
        match vendor_class {
            Some(v) if v == VENDOR_CLASS.as_bytes() => Vendor::MsUcClient,
            other => Vendor::Other(other),
        }
    }
}

/// How the option was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadAs {
    /// Against the MS-UC-Client profile.
    MsUcClient,
    /// As another vendor's data: sub-options listed when they walk, nothing judged.
    OtherVendor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubOptionRow {
    pub offset: usize,
    pub code: u8,
    pub name: String,
    pub length: usize,
    pub hex: String,
    pub ascii: String,
    pub meaning: String,
}

/// Option 43 explained: its sub-options, the MS-UC-Client profile, and any problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Option43Inspection {
    pub read_as: ReadAs,
    /// The vendor the option belongs to, as the request named it.
    pub vendor: String,
    /// Where the option's data starts in the user's bytes.
    pub data_offset: usize,
    pub data_length: usize,
    pub suboptions: Vec<SubOptionRow>,
    pub pads: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_offset: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_chain_url: Option<String>,
    #[serde(skip)]
    pub profile: Option<MsUcProfile>,
    pub findings: Vec<Finding>,
}

/// Names of vendor classes seen beside phones, by prefix, so a report can say whose option 43
/// it is showing. Matching is by prefix because PXE and access points append model data.
const KNOWN_VENDORS: &[(&str, &str)] = &[
    ("MS-UC-Client", "Lync / Skype for Business device"),
    (
        "CPE-OCPHONE",
        "Lync Phone Edition asking for its voice VLAN",
    ),
    ("MSFT 5.0", "Microsoft Windows client ([MS-DHCPE])"),
    ("PXEClient", "PXE boot client (RFC 4578)"),
    ("ArubaAP", "Aruba access point"),
    ("ArubaInstantAP", "Aruba Instant access point"),
    ("Cisco AP", "Cisco access point"),
    ("AastraIPPhone", "Aastra / Mitel IP phone"),
    ("Polycom", "Polycom phone"),
    ("udhcp", "BusyBox udhcpc"),
    ("dhcpcd", "dhcpcd"),
    ("android-dhcp", "Android"),
];

/// Who sent this vendor class, when it is one ucprov knows.
pub fn vendor_name(class: &[u8]) -> Option<&'static str> {
    KNOWN_VENDORS
        .iter()
        .find(|(prefix, _)| class.starts_with(prefix.as_bytes()))
        .map(|(_, name)| *name)
}

fn vendor_text(vendor: Vendor<'_>) -> String {
    match vendor {
        Vendor::MsUcClient => VENDOR_CLASS.to_string(),
        Vendor::Other(Some(class)) => String::from_utf8_lossy(class).into_owned(),
        Vendor::Other(None) => "none (no option 60)".to_string(),
        Vendor::Unknown => "unknown (the request is not at hand)".to_string(),
    }
}

/// Explain option 43's `data`, which starts at `base` in the user's bytes, as `vendor`'s.
/// `header_len` is the length byte of a `2B LL` header when the user pasted one.
pub fn inspect(
    data: &[u8],
    base: usize,
    header_len: Option<usize>,
    vendor: Vendor<'_>,
) -> Option43Inspection {
    let v = VendorOptions::parse(data);
    let self_identified =
        v.error.is_none() && v.get(1).is_some_and(|s| s.value == VENDOR_CLASS.as_bytes());
    let read_as = match vendor {
        Vendor::MsUcClient => ReadAs::MsUcClient,
        Vendor::Unknown if self_identified => ReadAs::MsUcClient,
        _ => ReadAs::OtherVendor,
    };
    let mut report = Option43Inspection {
        read_as,
        vendor: vendor_text(vendor),
        data_offset: base,
        data_length: data.len(),
        suboptions: Vec::new(),
        pads: v.pads,
        end_offset: v.end.map(|e| base + e),
        provisioning_url: None,
        root_chain_url: None,
        profile: None,
        findings: Vec::new(),
    };
    match read_as {
        ReadAs::MsUcClient => judge_ms_uc(&v, base, header_len, &mut report),
        ReadAs::OtherVendor => describe_other(&v, base, vendor, &mut report),
    }
    report
}

fn row(
    s: &ucprov_wire::vendor::SubOption,
    base: usize,
    name: String,
    meaning: String,
) -> SubOptionRow {
    SubOptionRow {
        offset: base + s.offset,
        code: s.code,
        name,
        length: s.value.len(),
        hex: HexStyle::CONTIGUOUS.format(&s.value),
        ascii: ascii_preview(&s.value),
        meaning,
    }
}

fn judge_ms_uc(
    v: &VendorOptions,
    base: usize,
    header_len: Option<usize>,
    report: &mut Option43Inspection,
) {
    report.suboptions = v
        .items
        .iter()
        .map(|s| {
            let info = catalog::suboption(s.code);
            row(
                s,
                base,
                info.map_or_else(|| "unknown".to_string(), |i| i.name.to_string()),
                info.map_or_else(
                    || "not part of the MS-UC-Client profile; kept as is".to_string(),
                    |i| i.meaning.to_string(),
                ),
            )
        })
        .collect();
    if let Some(e) = &v.error {
        report.findings.push(Finding::from_decode(
            Kind::MalformedOption43,
            &e.clone().shifted(base),
        ));
    }
    if v.trailing > 0 {
        let mut f = Finding::warning(
            Kind::TrailingBytes,
            format!(
                "{} non-pad bytes after the end sub-option (255) are ignored by devices",
                v.trailing
            ),
        )
        .field("option 43")
        .fix("remove the bytes after FF, or the FF itself");
        if let Some(end) = v.end {
            f = f.span(base + end + 1, v.trailing);
        }
        report.findings.push(f);
    }
    if let Some(declared) = header_len {
        report.findings.push(
            Finding::note(Kind::Explanation, length_explanation(declared, v)).field("option 43"),
        );
    }
    if v.error.is_some() {
        return;
    }
    match MsUcProfile::from_vendor_options(v) {
        Ok(p) => {
            report.provisioning_url = Some(p.provisioning_url());
            report.root_chain_url = Some(p.root_chain_url(80));
            report.profile = Some(p);
        }
        Err(e) => {
            let e = e.shifted(base);
            let mut f = Finding::error(Kind::MalformedOption43, e.to_string())
                .field("option 43")
                .fix("regenerate option 43 with `ucprov encode`");
            f.offset = e.offset();
            report.findings.push(f);
        }
    }
}

fn describe_other(
    v: &VendorOptions,
    base: usize,
    vendor: Vendor<'_>,
    report: &mut Option43Inspection,
) {
    let whose = match vendor {
        Vendor::Other(Some(class)) => vendor_name(class)
            .map(|n| format!("{} ({n})", String::from_utf8_lossy(class)))
            .unwrap_or_else(|| format!("vendor class \"{}\"", String::from_utf8_lossy(class))),
        Vendor::Other(None) => "a client without option 60".to_string(),
        _ => "a request that is not in the capture".to_string(),
    };
    if v.error.is_none() && v.trailing == 0 {
        report.suboptions = v
            .items
            .iter()
            .map(|s| {
                row(
                    s,
                    base,
                    "vendor".to_string(),
                    format!("{whose}: that vendor's own sub-option"),
                )
            })
            .collect();
    } else {
        report.pads = 0;
        report.end_offset = None;
    }
    let message = match vendor {
        Vendor::Unknown => format!(
            "option 43 answers {whose}, and does not name itself MS-UC-Client in sub-option 1: shown as opaque bytes, not judged against the MS-UC-Client profile"
        ),
        _ => format!(
            "option 43 answers {whose}: it is that vendor's data (RFC 2132 §8.4), shown as is and not judged against the MS-UC-Client profile"
        ),
    };
    report.findings.push(
        Finding::note(Kind::OtherVendorOption43, message)
            .span(base, report.data_length)
            .field("option 43"),
    );
}

/// Why the option's length is what it is: the sum of its parts, each named.
fn length_explanation(declared: usize, v: &VendorOptions) -> String {
    let in_profile = |code: u8| (1..=5).contains(&code);
    let size = |s: &ucprov_wire::vendor::SubOption| 2 + s.value.len();
    let profile: usize = v
        .items
        .iter()
        .filter(|s| in_profile(s.code))
        .map(size)
        .sum();
    let mut parts = vec![format!("{profile} bytes of MS-UC-Client sub-options 1-5")];
    let mut others = Vec::new();
    let mut other_bytes = 0;
    for s in v.items.iter().filter(|s| !in_profile(s.code)) {
        let name = catalog::suboption(s.code).map_or("unknown", |i| i.name);
        parts.push(format!(
            "{} bytes of sub-option {} ({name})",
            size(s),
            s.code
        ));
        others.push(format!("sub-option {} ({name})", s.code));
        other_bytes += size(s);
    }
    if v.pads > 0 {
        parts.push(format!("{} pad bytes", v.pads));
    }
    if v.end.is_some() {
        parts.push("1 end byte".into());
    }
    let total = profile + other_bytes + v.pads + usize::from(v.end.is_some());
    let mut text = format!(
        "length 0x{declared:02X} = {declared}: {} = {total}",
        parts.join(" + ")
    );
    if total == declared && !others.is_empty() {
        text.push_str(&format!(
            ". The length is right because {} sits inside option 43 and counts toward it ({profile} = 0x{profile:02X} would leave it out)",
            others.join(" and ")
        ));
    } else if total == declared {
        text.push_str(". The length is right");
    } else if total < declared {
        text.push_str(&format!(
            ". The complete parts add up to {total}, {} bytes short of the length byte",
            declared - total
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::profile::Provisioning;

    fn seed43() -> Vec<u8> {
        Provisioning::new("lync.schertz.local", None)
            .option43()
            .unwrap_or_default()
    }

    #[test]
    fn an_ms_uc_client_reply_is_judged_against_the_profile() {
        let r = inspect(&seed43(), 0, None, Vendor::MsUcClient);
        assert_eq!(r.read_as, ReadAs::MsUcClient);
        assert_eq!(
            r.provisioning_url.as_deref(),
            Some("https://lync.schertz.local:443/CertProv/CertProvisioningService.svc")
        );
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }

    #[test]
    fn another_vendors_option_43_is_theirs_and_never_an_error() {
        // Aruba APs get the controller address as text; PXE gets its own TLVs.
        for (class, data) in [
            (&b"ArubaAP"[..], &b"192.0.2.1"[..]),
            (
                &b"PXEClient:Arch:00000:UNDI:002001"[..],
                &[6, 1, 8, 255][..],
            ),
        ] {
            let r = inspect(data, 2, None, Vendor::asked_with(Some(class)));
            assert_eq!(r.read_as, ReadAs::OtherVendor);
            assert!(r.findings.iter().all(|f| !f.is_error()), "{:?}", r.findings);
            assert_eq!(r.findings[0].kind, Kind::OtherVendorOption43);
            assert!(r.provisioning_url.is_none());
        }
        let pxe = inspect(&[6, 1, 8, 255], 2, None, Vendor::Other(Some(b"PXEClient")));
        assert_eq!(pxe.suboptions.len(), 1);
        assert!(pxe.findings[0].message.contains("PXE boot client"));
    }

    #[test]
    fn without_the_request_only_a_self_named_profile_is_read_as_ms_uc_client() {
        assert_eq!(
            inspect(&seed43(), 0, None, Vendor::Unknown).read_as,
            ReadAs::MsUcClient
        );
        let other = inspect(b"192.0.2.1", 0, None, Vendor::Unknown);
        assert_eq!(other.read_as, ReadAs::OtherVendor);
        assert!(other.findings.iter().all(|f| !f.is_error()));
    }

    #[test]
    fn a_cut_sub_option_is_an_error_at_its_offset_in_the_users_bytes() {
        let data = seed43();
        let r = inspect(&data[..data.len() - 7], 2, None, Vendor::MsUcClient);
        let e = r
            .findings
            .iter()
            .find(|f| f.is_error())
            .cloned()
            .unwrap_or_else(|| Finding::note(Kind::Explanation, "missing"));
        assert_eq!(e.kind, Kind::MalformedOption43);
        // Sub-option 5 starts at byte 46 of the data; the error names its length byte.
        assert_eq!(e.offset, Some(2 + 47));
    }

    #[test]
    fn the_length_byte_is_explained_with_nap_inside() {
        let mut data = seed43();
        data.extend_from_slice(&[0xDC, 3, b'N', b'A', b'P']);
        let r = inspect(&data, 2, Some(90), Vendor::MsUcClient);
        let note = &r.findings[0];
        assert_eq!(note.kind, Kind::Explanation);
        assert!(note.message.starts_with("length 0x5A = 90: 85 bytes of MS-UC-Client sub-options 1-5 + 5 bytes of sub-option 220 (NAP) = 90. The length is right"), "{}", note.message);
    }
}
