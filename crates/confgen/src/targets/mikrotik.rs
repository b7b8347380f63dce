//! MikroTik RouterOS: two options in an option set, sent by a v7 matcher on option 60, or on
//! v6 to the whole network (docs/dhcp-servers.md §3.10).

use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

pub fn render(ctx: &Ctx, doc: &mut Doc) {
    let name = ctx.name();
    let scopes = ctx.scopes(doc);
    let options = format!("{name}-43,{name}-120");
    doc.plain("/ip dhcp-server option");
    ctx.option_lines(doc, |o| {
        format!("add name={name}-{} code={} value={}", o.code, o.code, o.hex)
    });
    doc.plain("/ip dhcp-server option sets");
    doc.line(
        format!("add name={name} options={options}"),
        "both options as one set",
    );
    doc.plain("/ip dhcp-server matcher");
    doc.line(
        format!("add name={name} server=dhcp1 code=60 value=\"{VENDOR_CLASS}\" matching-type=exact option-set={name}"),
        "RouterOS v7: send the set only when option 60 is exactly MS-UC-Client (server= is your DHCP server's name)",
    );
    doc.comment("RouterOS v6 has no matcher: instead, send the options to every client of the phones' network:");
    for scope in scopes {
        doc.comment(format!(
            "/ip dhcp-server network set [find address={scope}] dhcp-option={options}"
        ));
    }
}
