//! busybox udhcpd: `opt CODE HEX` for every client, no vendor-class matching
//! (docs/dhcp-servers.md §3.4).

use crate::render::{Ctx, Doc};

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let interface = ctx.interface(doc);
    let scope = ctx.scope(doc);
    doc.line(
        format!("interface {interface}"),
        "the phones' interface (use a voice VLAN: udhcpd sends these options to every client; 120 goes by code, the named sipsrv does not work here)",
    );
    doc.line(
        format!("start {}", scope.lease_start()),
        "lease range start: udhcpd needs one; narrow it to your pool",
    );
    doc.line(format!("end {}", scope.last_host()), "lease range end");
    ctx.option_lines(doc, |o| format!("opt {} {}", o.code, o.hex));
}
