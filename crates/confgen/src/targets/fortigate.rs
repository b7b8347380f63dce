//! FortiOS: per-option hex values with `vci-match` (7.2+) (docs/dhcp-servers.md §3.11).

use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    doc.plain("config system dhcp server");
    doc.line(
        "    edit 1",
        "the phones' DHCP server: use its id from show system dhcp server",
    );
    doc.plain("        config options");
    for o in ctx.options() {
        doc.line(format!("            edit {}", o.code), o.why);
        doc.plain(format!("                set code {}", o.code));
        doc.plain("                set type hex");
        doc.plain(format!("                set value \"{}\"", o.hex));
        doc.line(
            "                set vci-match enable",
            "only for clients whose option 60 is MS-UC-Client (FortiOS 7.2+)",
        );
        doc.plain(format!("                set vci-string \"{VENDOR_CLASS}\""));
        doc.plain("            next");
    }
    doc.plain("        end");
    doc.plain("    next");
    doc.plain("end");
}
