//! Windows Server DHCP, as netsh (what Microsoft's DHCPConfigScript.bat runs) and as the
//! DhcpServer PowerShell module. Both walk the same steps; only the command syntax differs.

use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc, SubOption};

/// The setup Windows needs, in order.
enum Step<'a> {
    Class,
    Define120,
    Value120,
    DefineSub(&'a SubOption),
    ValueSub(&'a SubOption),
}

/// How one flavour spells each step. `at` is `Some(network)` for scope-level values.
type Spell = fn(&Ctx, &Step, Option<String>, String) -> String;

pub fn render_netsh(ctx: &Ctx, doc: &mut Doc) {
    doc.plain("@echo off");
    walk(ctx, doc, HexStyle::CONTIGUOUS, netsh);
}

pub fn render_powershell(ctx: &Ctx, doc: &mut Doc) {
    doc.line(
        "$ErrorActionPreference = 'Stop'",
        "stop at the first failing cmdlet instead of configuring half a profile",
    );
    walk(ctx, doc, HexStyle::POWERSHELL, powershell);
}

fn walk(ctx: &Ctx, doc: &mut Doc, hex: HexStyle, spell: Spell) {
    let at = ctx.req.scope.map(|s| s.network.to_string());
    let subs = ctx.suboptions();
    let mut steps = vec![Step::Class, Step::Define120, Step::Value120];
    for sub in &subs {
        steps.push(Step::DefineSub(sub));
        steps.push(Step::ValueSub(sub));
    }
    for step in &steps {
        let value = match step {
            Step::Value120 => hex.format(&ctx.o120),
            Step::ValueSub(sub) => hex.format(&sub.value),
            _ => String::new(),
        };
        doc.line(
            spell(ctx, step, at.clone(), value),
            why(ctx, step, at.as_deref()),
        );
    }
}

fn why(ctx: &Ctx, step: &Step, at: Option<&str>) -> String {
    let level = at.map_or("server-wide".to_string(), |n| format!("in scope {n}"));
    match step {
        Step::Class => format!(
            "vendor class {} matching option 60 = {VENDOR_CLASS}",
            ctx.name()
        ),
        Step::Define120 => {
            "define option 120 (SIP servers, RFC 3361) as Binary; Windows has no definition for it"
                .into()
        }
        Step::Value120 => format!(
            "option 120, {level}: SIP server {} (encoding 0, DNS labels)",
            ctx.sip_list()
        ),
        Step::DefineSub(s) => format!(
            "define sub-option {} of class {} as Binary: {}",
            s.code,
            ctx.name(),
            s.meaning
        ),
        Step::ValueSub(s) => format!(
            "sub-option {} {}, {level}: \"{}\" ({} bytes)",
            s.code,
            s.name,
            ascii_preview(&s.value),
            s.value.len()
        ),
    }
}

fn netsh(ctx: &Ctx, step: &Step, at: Option<String>, value: String) -> String {
    let server = match at {
        Some(n) => format!("netsh dhcp server scope {n}"),
        None => "netsh dhcp server".into(),
    };
    let class = ctx.name();
    match step {
        Step::Class => format!(
            "netsh dhcp server add class {class} \"UC Vendor Class Id\" \"{VENDOR_CLASS}\" 1"
        ),
        Step::Define120 => {
            "netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment=\"Sip Server Fqdn\""
                .into()
        }
        Step::Value120 => format!("{server} set optionvalue 120 Binary {value}"),
        Step::DefineSub(s) => format!(
            "netsh dhcp server add optiondef {} {} Binary 0 Vendor={class} comment=\"{}\"",
            s.code, s.name, s.meaning
        ),
        Step::ValueSub(s) => format!(
            "{server} set optionvalue {} Binary vendor={class} {value}",
            s.code
        ),
    }
}

fn powershell(ctx: &Ctx, step: &Step, at: Option<String>, value: String) -> String {
    let scope = at.map_or(String::new(), |n| format!(" -ScopeId {n}"));
    let class = ctx.name();
    match step {
        Step::Class => format!(
            "Add-DhcpServerv4Class -Name \"{class}\" -Type Vendor -Data \"{VENDOR_CLASS}\" -Description \"UC Vendor Class Id\""
        ),
        Step::Define120 => {
            "Add-DhcpServerv4OptionDefinition -Name \"UCSipServer\" -OptionId 120 -Type BinaryData -Description \"Sip Server Fqdn\"".into()
        }
        Step::Value120 => format!("Set-DhcpServerv4OptionValue{scope} -OptionId 120 -Value {value}"),
        Step::DefineSub(s) => format!(
            "Add-DhcpServerv4OptionDefinition -Name \"{}\" -OptionId {} -Type BinaryData -VendorClass \"{class}\" -Description \"{}\"",
            s.name, s.code, s.meaning
        ),
        Step::ValueSub(s) => format!(
            "Set-DhcpServerv4OptionValue{scope} -OptionId {} -VendorClass \"{class}\" -Value {value}",
            s.code
        ),
    }
}
