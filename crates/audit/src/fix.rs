//! Every fix is the dialect's own lines, cut from what `ucprov_confgen` generates for the
//! profile: the syntax lives once, in confgen's renderers (crates/confgen/src/targets).

use ucprov_confgen::{generate, Request};
use ucprov_wire::catalog;
use ucprov_wire::profile::Provisioning;

use crate::dialect::Dialect;

/// Which part of the generated configuration a fix needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The option 60 condition.
    VendorClass,
    /// Everything that builds option 43.
    Option43,
    /// Option 120's definition and value.
    Option120,
    /// One option 43 sub-option's definition and value.
    SubOption(u8),
    /// The whole class (or tag) with both options.
    Whole,
}

/// Lines of `dialect`'s generated configuration that contain any of these, per part. An
/// empty list means the whole body: a JSON fragment (Kea) is only useful whole.
fn keywords(dialect: Dialect, want: Want) -> Vec<String> {
    let plain = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
    match (dialect, want) {
        (_, Want::Whole) => Vec::new(),
        (Dialect::Kea, Want::VendorClass) => plain(&["\"test\""]),
        (Dialect::Kea, _) => Vec::new(),
        (Dialect::Isc, Want::VendorClass) => plain(&["match if"]),
        (Dialect::Isc, Want::Option43) => plain(&["MSUC", "class \"", "}"]),
        (Dialect::Isc, Want::Option120) => plain(&["code 120", "ms-uc-sip-server "]),
        (Dialect::Isc, Want::SubOption(code)) => {
            let name = catalog::suboption(code)
                .map_or_else(|| format!("sub-{code}"), |s| s.name.to_string());
            vec![format!("code {code} ="), format!("MSUC.{name} ")]
        }
        (Dialect::Dnsmasq, Want::VendorClass) => plain(&["dhcp-vendorclass"]),
        (Dialect::Dnsmasq, Want::Option43 | Want::SubOption(_)) => plain(&[",43,"]),
        (Dialect::Dnsmasq, Want::Option120) => plain(&[",120,"]),
        (Dialect::WindowsNetsh, w) => crate::windows::netsh_keywords(w),
        // PowerShell's output checks before it adds: running all of it again is the fix.
        (Dialect::WindowsXml, _) => Vec::new(),
        (Dialect::CiscoIos | Dialect::CiscoIosXe, w) => crate::cisco::keywords(w),
        (Dialect::Mikrotik, w) => crate::mikrotik::keywords(w),
    }
}

/// The fix for `want`: confgen's lines for `p` on `dialect`, or, without a profile to generate
/// from, the command that generates them.
pub fn lines(
    dialect: Dialect,
    p: Option<&Provisioning>,
    class_name: Option<&str>,
    want: Want,
) -> String {
    let platform = dialect.assembly().platform;
    let Some(p) = p else {
        return format!(
            "write the lines `ucprov config --target {} --sip-server POOL-FQDN --web-server WEB-FQDN` generates (give --expect-sip-server and --expect-web-server to see them here)",
            platform.id
        );
    };
    let req = class_name
        .and_then(|n| Request::new(p, None, Some(n.to_string()), None, false).ok())
        .or_else(|| Request::new(p, None, None, None, false).ok());
    let Some(text) = req
        .and_then(|r| generate(platform, &r).ok())
        .and_then(|o| o.config)
    else {
        return format!(
            "{} cannot carry this profile: see `ucprov config --target {}` for why",
            platform.name, platform.id
        );
    };
    let comment = platform.comment;
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with(comment) && !l.trim().is_empty())
        .collect();
    let keys = keywords(dialect, want);
    let picked: Vec<&str> = body
        .iter()
        .copied()
        .filter(|l| keys.iter().any(|k| l.contains(k.as_str())))
        .collect();
    // No line of that part (a sub-option the profile does not have): the whole body.
    if picked.is_empty() {
        body.join("\n")
    } else {
        picked.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Provisioning {
        Provisioning::new("lync.example.com", None)
    }

    #[test]
    fn fixes_are_confgens_own_lines() {
        let isc = lines(Dialect::Isc, Some(&p()), None, Want::VendorClass);
        assert_eq!(
            isc,
            "  match if option vendor-class-identifier = \"MS-UC-Client\";"
        );
        let d = lines(
            Dialect::Dnsmasq,
            Some(&p()),
            Some("phones"),
            Want::Option120,
        );
        assert!(
            d.starts_with("dhcp-option=tag:phones,120,00:04:6c:79:6e:63"),
            "{d}"
        );
        let port = lines(Dialect::Isc, Some(&p()), None, Want::SubOption(4));
        assert_eq!(port.lines().count(), 2, "{port}");
        assert!(port.contains("\"443\""), "{port}");
        let kea = lines(Dialect::Kea, Some(&p()), None, Want::Whole);
        assert!(kea.contains("\"client-classes\""), "{kea}");
    }

    #[test]
    fn without_a_profile_the_fix_names_the_command() {
        assert!(lines(Dialect::Kea, None, None, Want::Whole).contains("ucprov config --target kea"));
    }
}
