//! Options 43 and 120, and runs of options, as annotated tables.

use crate::finding::{self, Finding};
use crate::option120::Option120Inspection;
use crate::option43::{Option43Inspection, ReadAs};
use crate::options::OptionRow;
use crate::render::Table;

pub fn option43(r: &Option43Inspection) -> String {
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
    let whose = match r.read_as {
        ReadAs::MsUcClient => String::new(),
        ReadAs::OtherVendor => format!(", vendor {}", r.vendor),
    };
    let mut out = format!(
        "Option 43, vendor-specific information{whose}: {} bytes of data at byte {}\n\n",
        r.data_length, r.data_offset
    );
    if r.suboptions.is_empty() {
        out.push_str(match r.read_as {
            ReadAs::MsUcClient => "No complete sub-option.\n",
            ReadAs::OtherVendor => "Opaque vendor data.\n",
        });
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
    out.push_str(&findings(&r.findings));
    out
}

pub fn option120(r: &Option120Inspection) -> String {
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
    out.push_str(&findings(&r.findings));
    out
}

pub fn options(rows: &[OptionRow]) -> String {
    let mut t = Table::new(["Offset", "Code", "Name", "Len", "Parts", "Value"]);
    for o in rows {
        let value = if o.length <= 24 {
            format!("{} \"{}\"", o.hex, o.ascii)
        } else {
            format!("{}…", o.hex.get(..48).unwrap_or(&o.hex))
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
            out.push_str(&option43(r));
        }
        if let Some(r) = &o.option120 {
            out.push('\n');
            out.push_str(&option120(r));
        }
    }
    out
}

/// Findings under a decoded value: each after a blank line, as `decode` prints them.
pub fn findings(list: &[Finding]) -> String {
    list.iter()
        .map(|f| format!("\n{}", finding::render(std::slice::from_ref(f), "")))
        .collect()
}
