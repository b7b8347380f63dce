//! Windows Server DHCP, as netsh (what Microsoft's DHCPConfigScript.bat runs) and as the
//! DhcpServer PowerShell module. Both walk the same steps; only the command syntax differs.

use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::profile::VENDOR_CLASS;

use crate::render::{Ctx, Doc};

/// The setup Windows needs, in order: the class and the definitions once, then the values at
/// each level (server-wide, or once per scope).
enum Step<'a> {
    Class,
    Define(&'a Binary),
    /// `Some(network)` for a scope-level value.
    Value(&'a Binary, Option<&'a str>),
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
    /// What the value is; the level it is set at is added per scope.
    value_what: String,
}

/// How one flavour spells each step.
type Spell = fn(&Step, class: &str) -> String;

pub fn render_netsh(ctx: &Ctx, doc: &mut Doc) {
    doc.comment("Safe to run again, and again with other scopes: cmd carries on after a failing");
    doc.comment(
        "command, so on a second run \"add class\" and each \"add optiondef\" print netsh's",
    );
    doc.comment(
        "already-exists error, which is harmless (the class and definitions stay as they are),",
    );
    doc.comment(
        "while every \"set optionvalue\" runs and overwrites its value. A set optionvalue that",
    );
    doc.comment(
        "fails on the data type means an older definition of that code is not Binary: delete it",
    );
    doc.comment(
        "(netsh dhcp server delete optiondef CODE [vendor=CLASS]) and run this file again.",
    );
    doc.plain("@echo off");
    walk(ctx, doc, HexStyle::CONTIGUOUS, netsh);
}

pub fn render_powershell(ctx: &Ctx, doc: &mut Doc) {
    doc.comment(
        "Safe to run again, and again with other scopes: the class and each definition are",
    );
    doc.comment(
        "added only when missing (an existing class gets its data set again), values are set.",
    );
    doc.line(
        "$ErrorActionPreference = 'Stop'",
        "stop at the first failing cmdlet instead of configuring half a profile",
    );
    walk(ctx, doc, HexStyle::POWERSHELL, powershell);
}

fn walk(ctx: &Ctx, doc: &mut Doc, hex: HexStyle, spell: Spell) {
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
        value_what: format!(
            "option 120: SIP server {} (encoding 0, DNS labels)",
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
            value_what: format!(
                "sub-option {} {}: \"{}\" ({} bytes)",
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
        spell(&Step::Class, class),
        format!("vendor class {class} matching option 60 = {VENDOR_CLASS}"),
    );
    for o in &options {
        doc.line(spell(&Step::Define(o), class), &o.define_why);
    }
    // Windows sets values server-wide when no scope is named (it needs no placeholder).
    let levels: Vec<Option<String>> = if ctx.req.scopes.is_empty() {
        vec![None]
    } else {
        ctx.req
            .scopes
            .iter()
            .map(|s| Some(s.network.to_string()))
            .collect()
    };
    for at in &levels {
        let level = at
            .as_deref()
            .map_or("server-wide".to_string(), |n| format!("in scope {n}"));
        for o in &options {
            doc.line(
                spell(&Step::Value(o, at.as_deref()), class),
                format!("{}, {level}", o.value_what),
            );
        }
    }
}

fn netsh(step: &Step, class: &str) -> String {
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
        Step::Value(o, at) => {
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

fn powershell(step: &Step, class: &str) -> String {
    let vendor = |o: &Binary| {
        if o.vendor {
            format!(" -VendorClass \"{class}\"")
        } else {
            String::new()
        }
    };
    match step {
        Step::Class => {
            let args = format!(
                "-Name \"{class}\" -Type Vendor -Data \"{VENDOR_CLASS}\" -Description \"UC Vendor Class Id\""
            );
            format!(
                "if (Get-DhcpServerv4Class -Name \"{class}\" -ErrorAction SilentlyContinue) {{\n    Set-DhcpServerv4Class {args}\n}} else {{\n    Add-DhcpServerv4Class {args}\n}}"
            )
        }
        Step::Define(o) => {
            let which = format!("-OptionId {}{}", o.code, vendor(o));
            let what = if o.vendor {
                format!("sub-option {} of vendor class {class}", o.code)
            } else {
                format!("option {}", o.code)
            };
            format!(
                "$def = Get-DhcpServerv4OptionDefinition {which} -ErrorAction SilentlyContinue\n\
                 if (-not $def) {{\n    \
                 Add-DhcpServerv4OptionDefinition -Name \"{}\" {which} -Type BinaryData -Description \"{}\"\n\
                 }} elseif ($def.Type -ne 'BinaryData') {{\n    \
                 throw \"{what} is defined as $($def.Type), not BinaryData: remove it (Remove-DhcpServerv4OptionDefinition {}; its values go with it) and run this script again\"\n\
                 }}",
                o.name,
                o.description,
                which.replace('"', "'"),
            )
        }
        Step::Value(o, at) => {
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

#[cfg(test)]
mod tests {
    use ucprov_wire::profile::Provisioning;

    use crate::request::Request;
    use crate::{generate, platform};

    fn text(target: &'static platform::Platform, scopes: &[&str]) -> String {
        let p = Provisioning::new("lync.schertz.local", None);
        let scopes = scopes.iter().map(|s| s.parse().unwrap()).collect();
        let req = Request::with_scopes(&p, scopes, None, None, false).unwrap();
        generate(target, &req).unwrap().config.unwrap()
    }

    #[test]
    fn definitions_once_values_per_scope() {
        for (target, add_class, set_120) in [
            (
                &platform::WINDOWS_NETSH,
                "add class MSUCClient",
                "set optionvalue 120 Binary",
            ),
            (
                &platform::WINDOWS_POWERSHELL,
                "Add-DhcpServerv4Class",
                "Set-DhcpServerv4OptionValue -ScopeId",
            ),
        ] {
            let t = text(target, &["10.1.0.0/24", "10.2.0.0/24"]);
            assert_eq!(t.matches(add_class).count(), 1, "{}", target.id);
            assert_eq!(
                t.matches("optiondef 1 ").count()
                    + t.matches("OptionDefinition -Name \"UCIdentifier\"").count(),
                1,
                "{}",
                target.id
            );
            assert!(
                t.contains("10.1.0.0") && t.contains("10.2.0.0"),
                "{}",
                target.id
            );
            if target.id == "windows-netsh" {
                assert_eq!(t.matches(set_120).count(), 2);
            } else {
                assert_eq!(t.matches(&format!("{set_120} 10.")).count(), 12);
            }
        }
    }

    #[test]
    fn powershell_adds_only_what_is_missing_and_refuses_a_wrong_type() {
        let t = text(&platform::WINDOWS_POWERSHELL, &[]);
        assert!(t.contains("if (Get-DhcpServerv4Class -Name \"MSUCClient\" -ErrorAction SilentlyContinue) {\n    Set-DhcpServerv4Class -Name \"MSUCClient\" -Type Vendor -Data \"MS-UC-Client\""));
        // One existence check per definition (120 and sub-options 1-5), each before its Add.
        assert_eq!(
            t.matches("$def = Get-DhcpServerv4OptionDefinition -OptionId")
                .count(),
            6
        );
        assert_eq!(
            t.matches("} elseif ($def.Type -ne 'BinaryData') {").count(),
            6
        );
        assert!(t.contains("throw \"sub-option 1 of vendor class MSUCClient is defined as $($def.Type), not BinaryData: remove it (Remove-DhcpServerv4OptionDefinition -OptionId 1 -VendorClass 'MSUCClient';"));
        assert!(!t.contains("-ScopeId"), "no scope: server-wide");
    }

    #[test]
    fn netsh_says_what_a_second_run_prints() {
        let t = text(&platform::WINDOWS_NETSH, &["10.1.0.0/24"]);
        assert!(t.contains("already-exists error, which is harmless"));
        assert!(t.contains(
            "netsh dhcp server scope 10.1.0.0 set optionvalue 5 Binary vendor=MSUCClient "
        ));
    }
}
