//! Junos: the JDHCP address-assignment pool in `set` form, with the legacy
//! `system services dhcp` form as a comment (docs/dhcp-servers.md §3.9).

use crate::render::{Ctx, Doc};

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let scopes = ctx.scopes(doc);
    let names = ctx.pool_names(scopes.len());
    for (scope, name) in scopes.iter().zip(&names) {
        let pool = format!("set access address-assignment pool {name} family inet");
        doc.line(
            format!("{pool} network {scope}"),
            "a pool for the voice VLAN only: Junos pools cannot match option 60",
        );
        doc.line(
            format!(
                "{pool} range phones low {} high {}",
                scope.lease_start(),
                scope.last_host()
            ),
            "lease range: narrow it to your pool",
        );
        doc.line(
            format!("{pool} dhcp-attributes router {}", scope.first_host()),
            "the voice VLAN's gateway",
        );
        ctx.option_lines(doc, |o| {
            format!(
                "{pool} dhcp-attributes option {} byte-stream \"{}\"",
                o.code, o.hex
            )
        });
    }
    let group = format!("set system services dhcp-local-server group {}", ctx.name());
    match (&ctx.req.interface, scopes.len()) {
        (Some(interface), 1) => doc.line(
            format!("{group} interface {interface}"),
            "the local server answers on the phones' interface, from the pool whose network holds its address",
        ),
        _ => {
            doc.comment("Add each phones' VLAN interface to the local server (--interface names it when there is");
            doc.comment("one scope); it answers from the pool whose network holds the interface's address:");
            doc.comment(format!(" {group} interface <irb.VLAN>"));
        }
    }
    doc.comment("Legacy system services dhcp (EX/SRX/J-series), global to every client, instead of the pool:");
    for o in ctx.options() {
        doc.comment(format!(
            "set system services dhcp option {} byte-stream \"{}\"",
            o.code, o.hex
        ));
    }
}
