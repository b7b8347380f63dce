//! The profile flags shared by `encode`, `config` and `serve`: one definition, one validation.

use std::net::Ipv4Addr;

use clap::Args;
use ucprov_wire::hex::parse_hex;
use ucprov_wire::profile::{parse_port, ExtraSubOption, Provisioning, Scheme};
use ucprov_wire::sip_servers::{Compression, SipServers};

use crate::exit::{CliError, CliResult};

#[derive(Debug, Clone, Args)]
pub struct ProfileArgs {
    /// Registrar FQDN for option 120 (the first logon pool, or a Director). Repeat for more.
    #[arg(
        long = "sip-server",
        value_name = "FQDN",
        required_unless_present = "sip_server_ip"
    )]
    pub sip_servers: Vec<String>,

    /// Web services FQDN for option 43 sub-option 3 [default: the first --sip-server].
    #[arg(long = "web-server", value_name = "FQDN")]
    pub web_server: Option<String>,

    /// URL scheme, sub-option 2.
    #[arg(long, value_name = "SCHEME", default_value = "https", value_parser = ["https", "http"])]
    pub scheme: String,

    /// Web services port, sub-option 4 (sent as ASCII digits).
    #[arg(long, value_name = "PORT", default_value = "443")]
    pub port: String,

    /// Certificate provisioning path, sub-option 5.
    #[arg(long, value_name = "PATH", default_value = ucprov_wire::profile::DEFAULT_PATH)]
    pub path: String,

    /// Extra option 43 sub-option, as text or hex: `10=120` or `10=0x0078`. Repeatable; kept in order.
    #[arg(long = "sub", value_name = "CODE=TEXT|CODE=0xHEX")]
    pub subs: Vec<String>,

    /// Send option 120 as IPv4 addresses (encoding 1) instead of names. Lync needs names for
    /// TLS, so use this only for non-Lync SIP phones.
    #[arg(
        long = "sip-server-ip",
        value_name = "IP",
        conflicts_with = "sip_servers"
    )]
    pub sip_server_ip: Vec<Ipv4Addr>,

    /// Compress option 120 names (RFC 1035 pointers) the way dnsmasq and ISC dhcpd do.
    #[arg(long)]
    pub compress: bool,
}

impl ProfileArgs {
    /// Build and validate what the flags describe. Every error names the flag and the fix.
    pub fn provisioning(&self) -> CliResult<Provisioning> {
        let web =
            match (&self.web_server, self.sip_servers.first()) {
                (Some(web), _) => web.clone(),
                (None, Some(sip)) => sip.clone(),
                (None, None) => return Err(CliError::usage(
                    "--web-server is required when option 120 carries addresses (--sip-server-ip)",
                )),
            };
        let mut p = Provisioning::new(web.clone(), Some(web));
        p.sip_servers = if self.sip_server_ip.is_empty() {
            SipServers::Names(self.sip_servers.clone())
        } else {
            SipServers::Addresses(self.sip_server_ip.clone())
        };
        p.compression = if self.compress {
            Compression::On
        } else {
            Compression::Off
        };
        p.profile.scheme = self
            .scheme
            .parse::<Scheme>()
            .map_err(|e| CliError::usage(format!("--scheme: {e}")))?;
        p.profile.port =
            parse_port(&self.port).map_err(|e| CliError::invalid(format!("--port: {e}")))?;
        p.profile.path = self.path.clone();
        for sub in &self.subs {
            p.profile.extra.push(parse_sub(sub)?);
        }
        p.validate().map_err(CliError::invalid)?;
        Ok(p)
    }
}

/// `CODE=TEXT` or `CODE=0xHEX` (any hex form `parse_hex` takes after the `0x`).
fn parse_sub(arg: &str) -> CliResult<ExtraSubOption> {
    let usage = |why: &str| CliError::usage(format!("--sub {arg:?}: {why}"));
    let (code, value) = arg
        .split_once('=')
        .ok_or_else(|| usage("expected CODE=TEXT or CODE=0xHEX, e.g. 10=0x0078"))?;
    let code: u8 = code
        .trim()
        .parse()
        .map_err(|_| usage("CODE must be a number from 1 to 254"))?;
    if (1..=5).contains(&code) {
        return Err(usage(
            "codes 1-5 are the profile; use --scheme, --web-server, --port or --path",
        ));
    }
    let value = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => parse_hex(hex).map_err(|e| usage(&e.to_string()))?,
        None => value.as_bytes().to_vec(),
    };
    Ok(ExtraSubOption { code, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        p: ProfileArgs,
    }

    fn build(args: &[&str]) -> CliResult<Provisioning> {
        let mut argv = vec!["t"];
        argv.extend_from_slice(args);
        T::try_parse_from(argv)
            .map_err(CliError::usage)?
            .p
            .provisioning()
    }

    #[test]
    fn defaults_are_dhcputils() {
        let p = build(&["--sip-server", "lync.schertz.local"]).unwrap();
        assert_eq!(p.profile.web_fqdn, "lync.schertz.local");
        assert_eq!(p.option43().unwrap().len(), 85);
        assert_eq!(p.option120().unwrap().len(), 21);
    }

    #[test]
    fn sub_takes_text_and_hex() {
        let p = build(&[
            "--sip-server",
            "a.b",
            "--sub",
            "10=0x0078",
            "--sub",
            "220=NAP",
        ])
        .unwrap();
        assert_eq!(p.profile.extra[0].value, vec![0x00, 0x78]);
        assert_eq!(p.profile.extra[1].value, b"NAP".to_vec());
    }

    #[test]
    fn bad_input_names_the_flag() {
        let e = build(&["--sip-server", "a.b", "--port", "70000"]).unwrap_err();
        assert!(e.to_string().starts_with("--port:"), "{e}");
        let e = build(&["--sip-server", "a.b", "--sub", "3=x"]).unwrap_err();
        assert!(e.to_string().contains("codes 1-5 are the profile"), "{e}");
        let e = build(&["--sip-server", "bad_name"]).unwrap_err();
        assert!(e.to_string().contains("option 43: sub-option 3"), "{e}");
        let e = build(&["--sip-server", "a.b", "--sub", "10=0xABC"]).unwrap_err();
        assert!(e.to_string().contains("odd number of hex digits"), "{e}");
    }
}
