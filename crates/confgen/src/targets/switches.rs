//! Switch and router pools that take `option CODE hex HEX`: Cisco IOS ([`super::cisco`]),
//! Huawei VRP, HPE Comware and ArubaOS-Switch (docs/dhcp-servers.md §3.7, §3.14, §3.15). They
//! differ only in the lines around it.

use ucprov_wire::hex::ascii_preview;
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

/// `option 43 hex …` and `option 120 hex …`; `keyword` carries the block's indent.
fn hex_options(ctx: &Ctx, doc: &mut Doc, keyword: &str) {
    ctx.option_lines(doc, |o| format!("{keyword} {} hex {}", o.code, o.hex));
}

/// A pool for the voice VLAN alone, for syntaxes whose pools cannot match option 60.
pub struct VoicePool<'a> {
    pub open: String,
    /// Why the block is a pool of its own.
    pub why: &'a str,
    /// Subnet, gateway and range, in the order and spelling of the syntax, each with why.
    pub lines: Vec<(String, &'a str)>,
    /// What precedes `CODE hex HEX`, indent included.
    pub option: &'a str,
    pub close: Option<&'a str>,
}

pub fn voice_pool(ctx: &Ctx, doc: &mut Doc, pool: VoicePool<'_>) {
    doc.line(pool.open, pool.why);
    for (text, why) in pool.lines {
        doc.line(text, why);
    }
    hex_options(ctx, doc, pool.option);
    if let Some(close) = pool.close {
        doc.plain(close);
    }
}

/// How the phones' VLAN interface is told to serve from the pools above: real lines when
/// `--interface` names it and there is one scope, otherwise commented lines saying what to add
/// on each phones' VLAN interface and why (the name is the admin's, never guessed).
struct ServeOn<'a> {
    /// The interface context, from the interface name.
    open: fn(&str) -> String,
    /// The line that makes the interface serve, with why.
    lines: &'a [(&'a str, &'a str)],
    close: &'a str,
    /// What `--interface` names on this platform, for the comment.
    placeholder: &'a str,
}

fn serve_on(ctx: &Ctx, doc: &mut Doc, serve: ServeOn<'_>) {
    match (&ctx.req.interface, ctx.req.scopes.len()) {
        (Some(interface), 0 | 1) => {
            doc.line((serve.open)(interface), "the phones' VLAN interface");
            for (text, why) in serve.lines {
                doc.line(*text, *why);
            }
            doc.plain(serve.close);
        }
        _ => {
            doc.comment(format!(
                "Add on each phones' VLAN interface (--interface names it when there is one scope); {}:",
                serve.lines.first().map_or("", |l| l.1)
            ));
            doc.comment(format!(" {}", (serve.open)(serve.placeholder)));
            for (text, _) in serve.lines {
                doc.comment(format!(" {text}"));
            }
            doc.comment(format!(" {}", serve.close));
        }
    }
}

pub fn render_huawei(ctx: &Ctx, doc: &mut Doc) {
    doc.line(
        "dhcp enable",
        "the DHCP service is off by default; harmless when it is already on",
    );
    let scopes = ctx.scopes(doc);
    for (scope, name) in scopes.iter().zip(ctx.pool_names(scopes.len())) {
        voice_pool(
            ctx,
            doc,
            VoicePool {
                open: format!("ip pool {name}"),
                why: "a pool for the voice VLAN only: a VRP ip pool cannot match option 60",
                lines: vec![
                    (
                        format!(" gateway-list {}", scope.first_host()),
                        "the voice VLAN's gateway",
                    ),
                    (
                        format!(" network {} mask {}", scope.network, scope.netmask()),
                        "the phones' subnet",
                    ),
                ],
                option: " option",
                close: Some(" quit"),
            },
        );
    }
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
    serve_on(
        ctx,
        doc,
        ServeOn {
            open: |i| format!("interface {i}"),
            lines: &[(
                " dhcp select global",
                "the interface answers from the global ip pool whose network holds its address",
            )],
            close: " quit",
            placeholder: "Vlanif<VLAN>",
        },
    );
}

pub fn render_comware(ctx: &Ctx, doc: &mut Doc) {
    doc.line(
        "dhcp enable",
        "the DHCP service is off by default; harmless when it is already on",
    );
    let scopes = ctx.scopes(doc);
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
    hex_options(ctx, doc, " option");
    doc.plain(" quit");
    let pools: Vec<String> = (1..=scopes.len()).map(|i| format!("VOICE{i}")).collect();
    for (scope, pool) in scopes.iter().zip(pools) {
        doc.line(format!("dhcp server ip-pool {pool}"), "a phones' pool");
        doc.line(
            format!(" network {} mask {}", scope.network, scope.netmask()),
            "the phones' subnet",
        );
        doc.line(
            format!(" gateway-list {}", scope.first_host()),
            "the voice VLAN's gateway",
        );
        doc.line(
            format!(" class {class} option-group 1"),
            "clients of the class get option group 1",
        );
        doc.plain(" quit");
    }
    serve_on(
        ctx,
        doc,
        ServeOn {
            open: |i| format!("interface {i}"),
            lines: &[(
                " dhcp select server",
                "the interface answers DHCP itself, from the pool whose network holds its address",
            )],
            close: " quit",
            placeholder: "Vlan-interface<VLAN>",
        },
    );
}

pub fn render_aruba(ctx: &Ctx, doc: &mut Doc) {
    let scopes = ctx.scopes(doc);
    for (scope, name) in scopes.iter().zip(ctx.pool_names(scopes.len())) {
        voice_pool(
            ctx,
            doc,
            VoicePool {
                open: format!("dhcp-server pool \"{name}\""),
                why: "a pool for the voice VLAN only: every client of the pool gets these options",
                lines: vec![
                    (
                        format!("   network {} {}", scope.network, scope.netmask()),
                        "the phones' subnet",
                    ),
                    (
                        format!("   default-router \"{}\"", scope.first_host()),
                        "the voice VLAN's gateway",
                    ),
                    (
                        format!("   range {} {}", scope.lease_start(), scope.last_host()),
                        "lease range: narrow it to your pool",
                    ),
                    (
                        "   authoritative".to_string(),
                        "a pool that is not authoritative ignores DHCPINFORM (needs the network line above)",
                    ),
                ],
                option: "   option",
                close: Some("   exit"),
            },
        );
    }
    doc.line(
        "dhcp-server enable",
        "the switch's DHCP server is off by default",
    );
    serve_on(
        ctx,
        doc,
        ServeOn {
            open: |i| format!("vlan {i}"),
            lines: &[(
                "   dhcp-server",
                "the VLAN is served from the pool whose network holds its address",
            )],
            close: "   exit",
            placeholder: "<VLAN-ID>",
        },
    );
}
