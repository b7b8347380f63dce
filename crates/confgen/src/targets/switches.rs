//! Switch and router pools that take `option CODE hex HEX`: Huawei VRP, HPE Comware and
//! ArubaOS-Switch (DHCP-SERVERS.md §3.14, §3.15). They differ only in the lines around it.

use ucprov_wire::hex::ascii_preview;
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

/// `option 43 hex …` and `option 120 hex …`, indented for the enclosing block.
fn hex_options(ctx: &Ctx, doc: &mut Doc, indent: &str) {
    ctx.option_lines(doc, |o| format!("{indent}option {} hex {}", o.code, o.hex));
}

pub fn render_huawei(ctx: &Ctx, doc: &mut Doc) {
    let scope = ctx.scope(doc);
    doc.line(
        format!("ip pool {}", ctx.name()),
        "a pool for the voice VLAN only: a VRP ip pool cannot match option 60",
    );
    doc.line(
        format!(" gateway-list {}", scope.first_host()),
        "the voice VLAN's gateway",
    );
    doc.line(
        format!(" network {} mask {}", scope.network, scope.netmask()),
        "the phones' subnet",
    );
    hex_options(ctx, doc, " ");
    doc.plain(" quit");
    doc.comment(
        "Equivalent sub-option form of the option 43 line (the two forms overwrite each other):",
    );
    for s in ctx.suboptions() {
        doc.comment(format!(
            " option 43 sub-option {} ascii {}",
            s.code,
            ascii_preview(&s.value)
        ));
    }
}

pub fn render_comware(ctx: &Ctx, doc: &mut Doc) {
    let scope = ctx.scope(doc);
    let class = ctx.name();
    doc.line(
        format!("dhcp class {class}"),
        "the Lync / Skype for Business devices",
    );
    doc.line(
        format!(" if-match rule 1 option 60 ascii \"{VENDOR_CLASS}\""),
        "option 60 equals MS-UC-Client",
    );
    doc.plain(" quit");
    doc.line("dhcp option-group 1", "the options the class gets");
    hex_options(ctx, doc, " ");
    doc.plain(" quit");
    doc.line("ip pool VOICE", "the phones' pool");
    doc.line(
        format!(" network {} mask {}", scope.network, scope.netmask()),
        "the phones' subnet",
    );
    doc.line(
        format!(" class {class} option-group 1"),
        "clients of the class get option group 1",
    );
    doc.plain(" quit");
}

pub fn render_aruba(ctx: &Ctx, doc: &mut Doc) {
    let scope = ctx.scope(doc);
    doc.line(
        format!("dhcp-server pool \"{}\"", ctx.name()),
        "a pool for the voice VLAN only: every client of the pool gets these options",
    );
    doc.line(
        format!("   network {} {}", scope.network, scope.netmask()),
        "the phones' subnet",
    );
    doc.line(
        format!("   default-router \"{}\"", scope.first_host()),
        "the voice VLAN's gateway",
    );
    doc.line(
        format!("   range {} {}", scope.lease_start(), scope.last_host()),
        "lease range: narrow it to your pool",
    );
    hex_options(ctx, doc, "   ");
    doc.plain("   exit");
}
