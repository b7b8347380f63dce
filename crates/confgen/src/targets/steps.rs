//! GUI-only platforms: numbered steps with the values to paste (docs/dhcp-servers.md §3.8,
//! §3.12).

use crate::render::{Ctx, Doc};

/// Numbered steps: `first`, one per option (`fields` names the GUI fields, `{code}` replaced),
/// then `last`. Each value stands on its own line for copying.
fn steps(ctx: &Ctx, doc: &mut Doc, first: String, fields: &str, last: &str) {
    let mut all = vec![first];
    for o in ctx.options() {
        all.push(format!(
            "Add {}: {}, Value:\n   {}",
            o.why,
            fields.replace("{code}", &o.code.to_string()),
            o.hex
        ));
    }
    all.push(format!("Save. Every client of that {last} gets both options: keep the phones on their own voice VLAN."));
    for (n, step) in all.iter().enumerate() {
        doc.plain(format!("{}. {step}", n + 1));
    }
}

pub fn render_meraki(ctx: &Ctx, doc: &mut Doc) {
    let scopes: Vec<String> = ctx.scopes(doc).iter().map(ToString::to_string).collect();
    let which = if scopes.len() == 1 {
        format!("the phones' subnet {}", scopes.join(""))
    } else {
        format!(
            "each of the phones' subnets {} and repeat the steps below for it",
            scopes.join(", ")
        )
    };
    steps(
        ctx,
        doc,
        format!("Dashboard > Security & SD-WAN > Configure > DHCP (MS switch: Switching > Routing & DHCP > the voice VLAN interface > DHCP settings); find {which}."),
        "Add a DHCP option > Custom, Code {code}, Type Hex",
        "VLAN",
    );
}

pub fn render_pfsense(ctx: &Ctx, doc: &mut Doc) {
    let interface = ctx.interface(doc);
    doc.comment("ISC DHCP backend:");
    steps(
        ctx,
        doc,
        format!("Services > DHCP Server > {interface} (the phones' interface)."),
        "Additional BOOTP/DHCP Options > Add, Number {code}, Type String",
        "interface",
    );
    doc.comment("Kea backend: it ignores Additional BOOTP/DHCP Options. Paste the JSON of");
    doc.comment(format!("  {}", ctx.req.command_line("kea")));
    doc.comment(
        "into the custom Kea configuration instead: its client class matches option 60 exactly.",
    );
}
