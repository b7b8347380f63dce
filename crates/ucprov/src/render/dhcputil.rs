//! DHCPUtil.exe's printed output, byte for byte (docs/dhcputil.md §1), so runbooks written around
//! it still apply. Only the layout lives here; the bytes come from the codec.
//!
//! Microsoft does not document the width at which DHCPUtil wraps the full option 43 value
//! (docs/dhcputil.md §1). Design choice (unconfirmed): 64 hex characters per line under the
//! same 8-space indent.

use ucprov_wire::hex::HexStyle;
use ucprov_wire::profile::{
    Provisioning, SUB_CERT_PROV_PATH, SUB_UC_IDENTIFIER, SUB_URL_SCHEME, SUB_WEB_FQDN, SUB_WEB_PORT,
};

const INDENT: &str = "        ";
const WRAP: usize = 64;

/// DHCPUtil's labels for the five sub-options.
const LABELS: [(u8, &str); 5] = [
    (SUB_UC_IDENTIFIER, "UC Identifier"),
    (SUB_URL_SCHEME, "URL Scheme"),
    (SUB_WEB_FQDN, "Web Server FQDN"),
    (SUB_WEB_PORT, "Port"),
    (SUB_CERT_PROV_PATH, "Relative Path for Cert Prov"),
];

/// Render DHCPUtil's output. `sip_fqdn` is the single registrar DHCPUtil accepts.
pub fn render(sip_fqdn: &str, p: &Provisioning, option43: &[u8], option120: &[u8]) -> String {
    let hex = |b: &[u8]| HexStyle::CONTIGUOUS.format(b);
    let full = hex(option43);
    let mut out = String::new();
    out.push_str(&format!("SIP Server FQDN : {sip_fqdn}\n"));
    out.push_str(&format!(
        "Certificate Provisioning Service URL : {}\n\n",
        p.profile.provisioning_url()
    ));
    out.push_str(&format!("Option 120:\n{}\n\n", hex(option120)));
    out.push_str("Vendor Class Identifier: MS-UC-Client\n");
    out.push_str("Option 43 (for vendor=MS-UC-Client):\n");
    out.push_str(&format!(
        "{INDENT}Full Option 43 value (Length: {}) :\n",
        full.len()
    ));
    for line in full.as_bytes().chunks(WRAP) {
        out.push_str(INDENT);
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    let subs = p.profile.suboptions();
    let mut values = Vec::new();
    for (code, label) in LABELS {
        let value = subs
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| hex(v))
            .unwrap_or_default();
        out.push_str(&format!("{INDENT}sub-option {code} <{label}>: {value}\n"));
        values.push(value);
    }
    out.push_str(&format!(
        "\nDHCPConfigScript.bat Configure MS-UC-Client {} {}\n",
        hex(option120),
        values.join(" ")
    ));
    out
}
