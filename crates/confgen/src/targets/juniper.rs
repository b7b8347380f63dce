//! Junos: the JDHCP address-assignment pool in `set` form, with the legacy
//! `system services dhcp` form as a comment (docs/dhcp-servers.md §3.9).

use crate::render::{Ctx, Doc};

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let scope = ctx.scope(doc);
    let pool = format!(
        "set access address-assignment pool {} family inet",
        ctx.name()
    );
    doc.line(
        format!("{pool} network {scope}"),
        "a pool for the voice VLAN only: Junos pools cannot match option 60",
    );
    ctx.option_lines(doc, |o| {
        format!(
            "{pool} dhcp-attributes option {} byte-stream \"{}\"",
            o.code, o.hex
        )
    });
    doc.comment(
        "The pool must serve the phones' interface through system services dhcp-local-server.",
    );
    doc.comment("Legacy system services dhcp (EX/SRX/J-series), global to every client, instead of the pool:");
    for o in ctx.options() {
        doc.comment(format!(
            "set system services dhcp option {} byte-stream \"{}\"",
            o.code, o.hex
        ));
    }
}
