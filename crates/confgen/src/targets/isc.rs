//! ISC dhcpd 4.x: an option space with one string sub-option per code, a class that matches
//! option 60 exactly, and option 120 declared by code (docs/dhcp-servers.md §3.1).

use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

/// The option space the sub-options live in.
const SPACE: &str = "MSUC";
/// ISC DHCP 4.x knows 120 only as `unknown-120`; this is the name the file declares.
const SIP_OPTION: &str = "ms-uc-sip-server";

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let subs = ctx.suboptions();
    doc.line(
        format!("option space {SPACE} code width 1 length width 1;"),
        "option space for the MS-UC-Client sub-options of option 43 (one-byte codes and lengths)",
    );
    for s in &subs {
        doc.line(
            format!("option {SPACE}.{} code {} = string;", s.name, s.code),
            format!("sub-option {}: {}", s.code, s.meaning),
        );
    }
    doc.line(
        format!("option {SIP_OPTION} code 120 = string;"),
        "option 120 (SIP servers, RFC 3361), not predefined in ISC DHCP 4.x",
    );
    doc.blank();
    doc.line(
        format!("class \"{}\" {{", ctx.name()),
        "the Lync / Skype for Business devices",
    );
    doc.line(
        format!("  match if option vendor-class-identifier = \"{VENDOR_CLASS}\";"),
        "option 60 must equal MS-UC-Client exactly",
    );
    doc.line(
        format!("  vendor-option-space {SPACE};"),
        format!("build option 43 from the {SPACE} sub-options below"),
    );
    for s in &subs {
        // Quoted text reads better; bytes a quoted string cannot carry go as colon hex.
        let value = match s.text(b"\"\\") {
            Some(text) => format!("\"{text}\""),
            None => ctx.platform.hex.format(&s.value),
        };
        doc.line(
            format!("  option {SPACE}.{} {value};", s.name),
            format!("sub-option {} ({} bytes)", s.code, s.value.len()),
        );
    }
    doc.line(
        format!("  option {SIP_OPTION} {};", ctx.hex120()),
        format!("option 120: SIP server {}", ctx.sip_list()),
    );
    doc.plain("}");
    for scope in ctx.scopes(doc) {
        doc.blank();
        doc.line(
            format!("subnet {} netmask {} {{", scope.network, scope.netmask()),
            "a phones' subnet: dhcpd answers an INFORM only for a declared subnet holding ciaddr",
        );
        doc.line(
            "  authoritative;",
            "without it dhcpd drops DHCPINFORM (\"not authoritative for subnet\")",
        );
        doc.plain("}");
    }
}
