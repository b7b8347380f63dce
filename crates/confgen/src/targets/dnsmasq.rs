//! dnsmasq, directly or through OpenWrt's uci: raw option 43 bytes in colon hex behind a
//! `dhcp-vendorclass` tag, option 120 the same way (docs/dhcp-servers.md §3.3, §3.16).

use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc, OptionValue};

/// `tag:T,CODE,HEX`: the `dhcp-option` value both syntaxes carry.
fn option_value(ctx: &Ctx, o: &OptionValue) -> String {
    format!("tag:{},{},{}", ctx.name(), o.code, o.hex)
}

fn vendorclass_why() -> String {
    format!("tag clients whose option 60 contains {VENDOR_CLASS} (dnsmasq matches substrings)")
}

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    if let Some(interface) = &ctx.req.interface {
        doc.line(
            format!("interface={interface}"),
            "answer DHCP on the phones' interface",
        );
    }
    for scope in ctx.scopes(doc) {
        doc.line(
            format!("dhcp-range={},static,{}", scope.network, scope.netmask()),
            "DHCPINFORM is answered only for a subnet with a dhcp-range; static hands out no leases (drop this line if a range for the subnet exists)",
        );
    }
    doc.line(
        format!("dhcp-vendorclass=set:{},{VENDOR_CLASS}", ctx.name()),
        vendorclass_why(),
    );
    ctx.option_lines(doc, |o| format!("dhcp-option={}", option_value(ctx, o)));
}

pub fn render_openwrt(ctx: &Ctx, doc: &mut Doc) {
    let section = ctx.interface(doc);
    doc.line(
        "uci add dhcp vendorclass",
        "a vendorclass section becomes dnsmasq's dhcp-vendorclass",
    );
    doc.line(
        format!("uci set dhcp.@vendorclass[-1].networkid='{}'", ctx.name()),
        "the tag the options below are sent under",
    );
    doc.line(
        format!("uci set dhcp.@vendorclass[-1].vendorclass='{VENDOR_CLASS}'"),
        vendorclass_why(),
    );
    doc.comment(format!(
        "the {section} section adds its own interface tag; both tags must match"
    ));
    ctx.option_lines(doc, |o| {
        format!(
            "uci add_list dhcp.{section}.dhcp_option='{}'",
            option_value(ctx, o)
        )
    });
    doc.line("uci commit dhcp", "save /etc/config/dhcp");
    doc.line("/etc/init.d/dnsmasq restart", "apply");
}
