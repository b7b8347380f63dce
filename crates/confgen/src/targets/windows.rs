//! Windows Server DHCP, as netsh (what Microsoft's DHCPConfigScript.bat runs) and as the
//! DhcpServer PowerShell module. Both walk the same steps; only the command syntax differs.

use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

/// The setup Windows needs, in order.
enum Step<'a> {
    Class,
    Define(&'a Binary),
    Value(&'a Binary),
}

/// An option Windows has no definition for, so each flavour defines it as Binary and then
/// sets it: option 120 on its own, each option 43 sub-option under the vendor class. The two
/// flavours differ only in how they spell these facts.
struct Binary {
    code: u8,
    name: String,
    description: String,
    /// Sub-options belong to the vendor class; option 120 to no class.
    vendor: bool,
    value: String,
    define_why: String,
    value_why: String,
}

/// How one flavour spells each step. `at` is `Some(network)` for scope-level values.
type Spell = fn(&Step, class: &str, at: Option<&str>) -> String;

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
    let level = at
        .as_deref()
        .map_or("server-wide".to_string(), |n| format!("in scope {n}"));
    let class = ctx.name();
    let mut options = vec![Binary {
        code: 120,
        name: "UCSipServer".into(),
        description: "Sip Server Fqdn".into(),
        vendor: false,
        value: hex.format(&ctx.o120),
        define_why:
            "define option 120 (SIP servers, RFC 3361) as Binary; Windows has no definition for it"
                .into(),
        value_why: format!(
            "option 120, {level}: SIP server {} (encoding 0, DNS labels)",
            ctx.sip_list()
        ),
    }];
    for s in ctx.suboptions() {
        options.push(Binary {
            code: s.code,
            value: hex.format(&s.value),
            define_why: format!(
                "define sub-option {} of class {class} as Binary: {}",
                s.code, s.meaning
            ),
            value_why: format!(
                "sub-option {} {}, {level}: \"{}\" ({} bytes)",
                s.code,
                s.name,
                ascii_preview(&s.value),
                s.value.len()
            ),
            name: s.name,
            description: s.meaning.into(),
            vendor: true,
        });
    }
    doc.line(
        spell(&Step::Class, class, at.as_deref()),
        format!("vendor class {class} matching option 60 = {VENDOR_CLASS}"),
    );
    for o in &options {
        doc.line(spell(&Step::Define(o), class, at.as_deref()), &o.define_why);
        doc.line(spell(&Step::Value(o), class, at.as_deref()), &o.value_why);
    }
}

fn netsh(step: &Step, class: &str, at: Option<&str>) -> String {
    match step {
        Step::Class => format!(
            "netsh dhcp server add class {class} \"UC Vendor Class Id\" \"{VENDOR_CLASS}\" 1"
        ),
        Step::Define(o) => {
            let vendor = if o.vendor {
                format!(" Vendor={class}")
            } else {
                String::new()
            };
            format!(
                "netsh dhcp server add optiondef {} {} Binary 0{vendor} comment=\"{}\"",
                o.code, o.name, o.description
            )
        }
        Step::Value(o) => {
            let server = match at {
                Some(n) => format!("netsh dhcp server scope {n}"),
                None => "netsh dhcp server".into(),
            };
            let vendor = if o.vendor {
                format!(" vendor={class}")
            } else {
                String::new()
            };
            format!(
                "{server} set optionvalue {} Binary{vendor} {}",
                o.code, o.value
            )
        }
    }
}

fn powershell(step: &Step, class: &str, at: Option<&str>) -> String {
    let vendor = |o: &Binary| {
        if o.vendor {
            format!(" -VendorClass \"{class}\"")
        } else {
            String::new()
        }
    };
    match step {
        Step::Class => format!(
            "Add-DhcpServerv4Class -Name \"{class}\" -Type Vendor -Data \"{VENDOR_CLASS}\" -Description \"UC Vendor Class Id\""
        ),
        Step::Define(o) => format!(
            "Add-DhcpServerv4OptionDefinition -Name \"{}\" -OptionId {} -Type BinaryData{} -Description \"{}\"",
            o.name,
            o.code,
            vendor(o),
            o.description
        ),
        Step::Value(o) => {
            let scope = at.map_or(String::new(), |n| format!(" -ScopeId {n}"));
            format!(
                "Set-DhcpServerv4OptionValue{scope} -OptionId {}{} -Value {}",
                o.code,
                vendor(o),
                o.value
            )
        }
    }
}
