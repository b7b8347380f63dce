//! Annotated breakdowns of options 43 and 120 and of option runs, shared by `decode`, `probe`
//! and `serve` logs. Facts come from the codec; this module only explains them. Offsets are
//! always positions in the bytes the user gave us.

use serde::Serialize;
use ucprov_wire::catalog;
use ucprov_wire::error::DecodeError;
use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::options::OptionSet;
use ucprov_wire::profile::MsUcProfile;
use ucprov_wire::sip_servers::parse_detail;
use ucprov_wire::vendor::VendorOptions;

use crate::render::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// Something the user should know, at a place in their bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn from_decode(e: &DecodeError) -> Self {
        Finding {
            severity: Severity::Error,
            offset: Some(e.offset),
            message: e.to_string(),
            fix: Some(e.fix().to_string()),
        }
    }

    fn note(message: String) -> Self {
        Finding {
            severity: Severity::Note,
            offset: None,
            message,
            fix: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Option43Report {
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

/// Explain option 43's `data`, which starts at `base` in the user's bytes. `header_len` is
/// the length byte of a `2B LL` header when the user pasted one.
pub fn option43(data: &[u8], base: usize, header_len: Option<usize>) -> Option43Report {
    let v = VendorOptions::parse(data);
    let mut findings = Vec::new();
    let suboptions: Vec<SubOptionRow> = v
        .items
        .iter()
        .map(|s| {
            let info = catalog::suboption(s.code);
            SubOptionRow {
                offset: base + s.offset,
                code: s.code,
                name: info.map_or_else(|| "unknown".to_string(), |i| i.name.to_string()),
                length: s.value.len(),
                hex: HexStyle::CONTIGUOUS.format(&s.value),
                ascii: ascii_preview(&s.value),
                meaning: info.map_or_else(
                    || "not part of the MS-UC-Client profile; kept as is".to_string(),
                    |i| i.meaning.to_string(),
                ),
            }
        })
        .collect();
    if let Some(e) = &v.error {
        findings.push(Finding::from_decode(&e.clone().shifted(base)));
    }
    if v.trailing > 0 {
        findings.push(Finding {
            severity: Severity::Warning,
            offset: v.end.map(|e| base + e + 1),
            message: format!(
                "{} non-pad bytes after the end sub-option (255) are ignored by devices",
                v.trailing
            ),
            fix: Some("remove the bytes after FF, or the FF itself".into()),
        });
    }
    if let Some(declared) = header_len {
        findings.push(Finding::note(length_explanation(declared, &v)));
    }
    let mut report = Option43Report {
        data_offset: base,
        data_length: data.len(),
        suboptions,
        pads: v.pads,
        end_offset: v.end.map(|e| base + e),
        provisioning_url: None,
        root_chain_url: None,
        profile: None,
        findings,
    };
    if v.error.is_none() {
        match MsUcProfile::from_vendor_options(&v) {
            Ok(p) => {
                report.provisioning_url = Some(p.provisioning_url());
                report.root_chain_url = Some(p.root_chain_url(80));
                report.profile = Some(p);
            }
            Err(e) => {
                let e = e.shifted(base);
                report.findings.push(Finding {
                    severity: Severity::Error,
                    offset: e.offset(),
                    message: e.to_string(),
                    fix: Some("regenerate option 43 with `ucprov encode`".into()),
                })
            }
        }
    }
    report
}

/// Why the option's length is what it is: the sum of its parts, each named.
fn length_explanation(declared: usize, v: &VendorOptions) -> String {
    let profile: usize = v
        .items
        .iter()
        .filter(|s| (1..=5).contains(&s.code))
        .map(|s| 2 + s.value.len())
        .sum();
    let mut parts = vec![format!("{profile} bytes of MS-UC-Client sub-options 1-5")];
    let mut others = Vec::new();
    for s in v.items.iter().filter(|s| !(1..=5).contains(&s.code)) {
        let name = catalog::suboption(s.code).map_or("unknown", |i| i.name);
        parts.push(format!(
            "{} bytes of sub-option {} ({name})",
            2 + s.value.len(),
            s.code
        ));
        others.push(format!("sub-option {} ({name})", s.code));
    }
    if v.pads > 0 {
        parts.push(format!("{} pad bytes", v.pads));
    }
    if v.end.is_some() {
        parts.push("1 end byte".into());
    }
    let total: usize = profile
        + v.items
            .iter()
            .filter(|s| !(1..=5).contains(&s.code))
            .map(|s| 2 + s.value.len())
            .sum::<usize>()
        + v.pads
        + usize::from(v.end.is_some());
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

#[derive(Debug, Clone, Serialize)]
pub struct SipServerRow {
    pub offset: usize,
    pub length: usize,
    pub server: String,
    pub compressed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Option120Report {
    pub data_offset: usize,
    pub data_length: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<u8>,
    pub servers: Vec<SipServerRow>,
    pub findings: Vec<Finding>,
}

pub fn option120(data: &[u8], base: usize) -> Option120Report {
    let mut report = Option120Report {
        data_offset: base,
        data_length: data.len(),
        encoding: data.first().copied(),
        servers: Vec::new(),
        findings: Vec::new(),
    };
    match parse_detail(data) {
        Ok(d) => {
            report.servers = d
                .entries
                .iter()
                .map(|e| SipServerRow {
                    offset: base + e.offset,
                    length: e.wire_len,
                    server: e.text.clone(),
                    compressed: e.compressed,
                })
                .collect();
            if d.encoding == 1 {
                report.findings.push(Finding {
                    severity: Severity::Warning,
                    offset: Some(base),
                    message: "encoding 1 (IPv4 addresses): Lync / Skype for Business devices need FQDNs here, because TLS checks the name".into(),
                    fix: Some("send the registrar FQDN with encoding 0 (`ucprov encode`)".into()),
                });
            }
        }
        Err(e) => report.findings.push(Finding::from_decode(&e.shifted(base))),
    }
    report
}

#[derive(Debug, Clone, Serialize)]
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
    pub option43: Option<Option43Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option120: Option<Option120Report>,
}

/// Every option of a set, joined per RFC 3396, with 43 and 120 explained in depth.
pub fn options(set: &OptionSet<'_>) -> Vec<OptionRow> {
    set.codes()
        .into_iter()
        .filter_map(|code| {
            let value = set.get(code)?;
            let parts: Vec<_> = set.parts(code).collect();
            let first = parts.first()?;
            // Nested offsets are exact only when the value sits in one piece.
            let base = if parts.len() == 1 {
                first.offset + 2
            } else {
                0
            };
            let mut option43 = (code == 43).then(|| option43(&value, base, None));
            let mut option120 = (code == 120).then(|| option120(&value, base));
            if parts.len() > 1 {
                let at: Vec<String> = parts.iter().map(|p| p.offset.to_string()).collect();
                let note = Finding::note(format!(
                    "option {code} was joined from {} instances at bytes {} (RFC 3396, or Microsoft option 250); offsets inside it count from the start of the joined value",
                    parts.len(),
                    at.join(", ")
                ));
                if let Some(r) = option43.as_mut() {
                    r.findings.insert(0, note.clone());
                }
                if let Some(r) = option120.as_mut() {
                    r.findings.insert(0, note);
                }
            }
            Some(OptionRow {
                offset: first.offset,
                code,
                name: catalog::option_name(code).unwrap_or("unknown").to_string(),
                length: value.len(),
                instances: parts.len(),
                hex: HexStyle::CONTIGUOUS.format(&value),
                ascii: ascii_preview(&value),
                option43,
                option120,
            })
        })
        .collect()
}

pub fn render_option43(r: &Option43Report) -> String {
    let mut t = Table::new(["Offset", "Sub", "Name", "Len", "Hex", "ASCII", "Meaning"]);
    for s in &r.suboptions {
        t.row([
            s.offset.to_string(),
            s.code.to_string(),
            s.name.clone(),
            s.length.to_string(),
            s.hex.clone(),
            s.ascii.clone(),
            s.meaning.clone(),
        ]);
    }
    let mut out = format!(
        "Option 43, vendor-specific information: {} bytes of data at byte {}\n\n",
        r.data_length, r.data_offset
    );
    if r.suboptions.is_empty() {
        out.push_str("No complete sub-option.\n");
    } else {
        out.push_str(&t.render());
    }
    if let Some(end) = r.end_offset {
        out.push_str(&format!("  end (255) at byte {end}\n"));
    }
    if r.pads > 0 {
        out.push_str(&format!("  {} pad bytes\n", r.pads));
    }
    if let Some(url) = &r.provisioning_url {
        out.push_str(&format!(
            "\nMS-UC-Client profile: valid\nProvisioning URL: {url}\n"
        ));
    }
    if let Some(url) = &r.root_chain_url {
        out.push_str(&format!("Root chain URL:   {url}\n"));
    }
    out.push_str(&render_findings(&r.findings));
    out
}

pub fn render_option120(r: &Option120Report) -> String {
    let encoding = match r.encoding {
        Some(0) => "0 (DNS names)".to_string(),
        Some(1) => "1 (IPv4 addresses)".to_string(),
        Some(e) => format!("{e} (unknown)"),
        None => "missing".to_string(),
    };
    let mut out = format!(
        "Option 120, SIP servers: {} bytes of data at byte {}, encoding {encoding}\n",
        r.data_length, r.data_offset
    );
    if !r.servers.is_empty() {
        let mut t = Table::new(["Offset", "Len", "Server", "Compressed"]);
        for s in &r.servers {
            t.row([
                s.offset.to_string(),
                s.length.to_string(),
                s.server.clone(),
                if s.compressed { "yes" } else { "no" }.to_string(),
            ]);
        }
        out.push('\n');
        out.push_str(&t.render());
    }
    out.push_str(&render_findings(&r.findings));
    out
}

pub fn render_options(rows: &[OptionRow]) -> String {
    let mut t = Table::new(["Offset", "Code", "Name", "Len", "Parts", "Value"]);
    for o in rows {
        let value = if o.length <= 24 {
            format!("{} \"{}\"", o.hex, o.ascii)
        } else {
            format!("{}…", &o.hex[..48])
        };
        t.row([
            o.offset.to_string(),
            o.code.to_string(),
            o.name.clone(),
            o.length.to_string(),
            o.instances.to_string(),
            value,
        ]);
    }
    let mut out = t.render();
    for o in rows {
        if let Some(r) = &o.option43 {
            out.push('\n');
            out.push_str(&render_option43(r));
        }
        if let Some(r) = &o.option120 {
            out.push('\n');
            out.push_str(&render_option120(r));
        }
    }
    out
}

pub fn render_findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let tag = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        out.push_str(&format!("\n{tag}: {}\n", f.message));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("  fix: {fix}\n"));
        }
    }
    out
}

/// Whether any finding in these reports is an error.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
