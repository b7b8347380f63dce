//! GUI-only platforms: numbered steps with the values to paste (DHCP-SERVERS.md §3.8, §3.12).

use crate::render::{Ctx, Doc};

fn numbered(doc: &mut Doc, steps: &[String]) {
    for (n, step) in steps.iter().enumerate() {
        doc.plain(format!("{}. {step}", n + 1));
    }
}

/// The step that adds one option, with the value on its own line for copying.
fn option_step(code: u8, fields: &str, value: &str, what: String) -> String {
    format!("Add option {code} ({what}): {fields}, Value:\n   {value}")
}

pub fn render_meraki(ctx: &Ctx, doc: &mut Doc) {
    let scope = ctx.scope(doc);
    numbered(
        doc,
        &[
            format!("Dashboard > Security & SD-WAN > Configure > DHCP (MS switch: Switching > Routing & DHCP > the voice VLAN interface > DHCP settings); find the phones' subnet {scope}."),
            option_step(43, "Add a DHCP option > Custom, Code 43, Type Hex", &ctx.hex43(), "the MS-UC-Client sub-options".into()),
            option_step(120, "Add a DHCP option > Custom, Code 120, Type Hex", &ctx.hex120(), format!("SIP server {}", ctx.sip_list())),
            "Save. Every client of that VLAN gets both options: keep the phones on their own voice VLAN.".into(),
        ],
    );
}

pub fn render_pfsense(ctx: &Ctx, doc: &mut Doc) {
    let interface = ctx.interface(doc);
    doc.comment("ISC DHCP backend:");
    numbered(
        doc,
        &[
            format!("Services > DHCP Server > {interface} (the phones' interface)."),
            option_step(43, "Additional BOOTP/DHCP Options > Add, Number 43, Type String", &ctx.hex43(), "the MS-UC-Client sub-options".into()),
            option_step(120, "Add, Number 120, Type String", &ctx.hex120(), format!("SIP server {}", ctx.sip_list())),
            "Save. Every client of that interface gets both options: keep the phones on their own voice VLAN.".into(),
        ],
    );
    doc.comment("Kea backend: it ignores Additional BOOTP/DHCP Options. Paste the JSON of");
    doc.comment(format!("  {}", ctx.req.command_line("kea")));
    doc.comment(
        "into the custom Kea configuration instead: its client class matches option 60 exactly.",
    );
}
