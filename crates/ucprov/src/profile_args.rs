//! The profile flags shared by `encode`, `config` and `serve`: one definition, one validation.
//!
//! `ucprov web` takes the same struct from JSON (the field names below), so a profile typed on
//! the page goes through exactly the validation the flags do and fails with the same message.

use std::net::Ipv4Addr;

use clap::Args;
use serde::{Deserialize, Deserializer, Serialize};
use ucprov_inspect::rules::input::{profile_warnings, Input};
use ucprov_inspect::Finding;
use ucprov_wire::hex::parse_hex;
use ucprov_wire::profile::{parse_port, ExtraSubOption, Provisioning, ProvisioningError, Scheme};
use ucprov_wire::sip_servers::{Compression, SipServers};

use crate::exit::{CliError, CliResult};

/// One input of the profile: a flag on the command line, a field in `ucprov web`'s JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    SipServers,
    WebServer,
    Scheme,
    Port,
    Path,
    Subs,
    SipServerIp,
}

impl ProfileField {
    /// The command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            ProfileField::SipServers => "--sip-server",
            ProfileField::WebServer => "--web-server",
            ProfileField::Scheme => "--scheme",
            ProfileField::Port => "--port",
            ProfileField::Path => "--path",
            ProfileField::Subs => "--sub",
            ProfileField::SipServerIp => "--sip-server-ip",
        }
    }

    /// The web page's label for the input (assets/index.html).
    pub fn label(self) -> &'static str {
        match self {
            ProfileField::SipServers => "SIP server FQDN(s)",
            ProfileField::WebServer => "Web services FQDN",
            ProfileField::Scheme => "Scheme",
            ProfileField::Port => "Port",
            ProfileField::Path => "Provisioning path",
            ProfileField::Subs => "Extra sub-options",
            ProfileField::SipServerIp => "SIP server addresses",
        }
    }
}

/// An input that looks like a mistake ([`ucprov_inspect::rules::input`]), with the flag or
/// form field it came from.
#[derive(Debug, Clone)]
pub struct InputWarning {
    pub field: ProfileField,
    pub finding: Finding,
}

impl InputWarning {
    /// The warning naming the command-line flag: `--web-server: "192.0.2.10" is ...`.
    pub fn cli(&self) -> String {
        self.text(self.field.flag())
    }

    /// The warning naming the web page's field: `Web services FQDN: "192.0.2.10" is ...`.
    pub fn web(&self) -> String {
        self.text(self.field.label())
    }

    fn text(&self, name: &str) -> String {
        match &self.finding.fix {
            Some(fix) => format!("{name}: {} (fix: {fix})", self.finding.message),
            None => format!("{name}: {}", self.finding.message),
        }
    }
}

/// `--strict`: print each input warning as an error and fail (exit 1); otherwise nothing.
pub fn strict(warnings: &[InputWarning]) -> CliResult {
    if warnings.is_empty() {
        return Ok(());
    }
    for w in warnings {
        eprintln!("ucprov: error: {}", w.cli());
    }
    Err(CliError::invalid(format!(
        "--strict: {} input(s) look like mistakes (see above)",
        warnings.len()
    )))
}

/// A profile the flags (or the web form) describe that cannot be built: the message the CLI
/// prints, and the input it is about when one can be named.
#[derive(Debug)]
pub struct ProfileError {
    pub field: Option<ProfileField>,
    pub error: CliError,
}

impl ProfileError {
    fn new(field: ProfileField, error: CliError) -> Self {
        ProfileError {
            field: Some(field),
            error,
        }
    }
}

#[derive(Debug, Clone, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileArgs {
    /// Registrar FQDN for option 120 (the first logon pool, or a Director). Repeat for more.
    #[arg(
        long = "sip-server",
        value_name = "FQDN",
        required_unless_present = "sip_server_ip"
    )]
    #[serde(default)]
    pub sip_servers: Vec<String>,

    /// Web services FQDN for option 43 sub-option 3 [default: the first --sip-server].
    #[arg(long = "web-server", value_name = "FQDN")]
    #[serde(default, deserialize_with = "blank_is_none")]
    pub web_server: Option<String>,

    /// URL scheme, sub-option 2.
    #[arg(long, value_name = "SCHEME", default_value = "https", value_parser = ["https", "http"])]
    #[serde(default = "default_scheme")]
    pub scheme: String,

    /// Web services port, sub-option 4 (sent as ASCII digits).
    #[arg(long, value_name = "PORT", default_value = "443")]
    #[serde(default = "default_port", deserialize_with = "port_text")]
    pub port: String,

    /// Certificate provisioning path, sub-option 5.
    #[arg(long, value_name = "PATH", default_value = ucprov_wire::profile::DEFAULT_PATH)]
    #[serde(default = "default_path")]
    pub path: String,

    /// Extra option 43 sub-option, as text or hex: `10=120` or `10=0x0078`. Repeatable; kept in order.
    #[arg(long = "sub", value_name = "CODE=TEXT|CODE=0xHEX")]
    #[serde(default)]
    pub subs: Vec<String>,

    /// Send option 120 as IPv4 addresses (encoding 1) instead of names. Lync needs names for
    /// TLS, so use this only for non-Lync SIP phones.
    #[arg(
        long = "sip-server-ip",
        value_name = "IP",
        conflicts_with = "sip_servers"
    )]
    #[serde(default)]
    pub sip_server_ip: Vec<Ipv4Addr>,

    /// Compress option 120 names (RFC 1035 pointers) the way dnsmasq and ISC dhcpd do.
    #[arg(long)]
    #[serde(default)]
    pub compress: bool,
}

fn default_scheme() -> String {
    "https".into()
}

fn default_port() -> String {
    "443".into()
}

fn default_path() -> String {
    ucprov_wire::profile::DEFAULT_PATH.into()
}

/// An empty web server field on the form means "not given", as leaving out the flag does.
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// The port as the flag takes it, text; JSON clients may send a number, which is the same text.
fn port_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        Text(String),
        Number(u64),
    }
    Ok(match Port::deserialize(d)? {
        Port::Text(s) => s,
        Port::Number(n) => n.to_string(),
    })
}

impl ProfileArgs {
    /// Build and validate what the flags describe. Every error names the flag and the fix.
    pub fn provisioning(&self) -> CliResult<Provisioning> {
        self.validated().map_err(|e| e.error)
    }

    /// [`Self::provisioning`], also saying which input is wrong (the web form marks it).
    pub fn validated(&self) -> Result<Provisioning, ProfileError> {
        use ProfileField as F;
        // clap enforces these two for the flags; JSON input needs them said here.
        if self.sip_servers.is_empty() && self.sip_server_ip.is_empty() {
            return Err(ProfileError::new(
                F::SipServers,
                CliError::usage("--sip-server is required: the registrar FQDN for option 120"),
            ));
        }
        if !self.sip_servers.is_empty() && !self.sip_server_ip.is_empty() {
            return Err(ProfileError::new(
                F::SipServerIp,
                CliError::usage(
                    "--sip-server-ip cannot be used with --sip-server: give names or addresses",
                ),
            ));
        }
        let web = match (&self.web_server, self.sip_servers.first()) {
            (Some(web), _) => web.clone(),
            (None, Some(sip)) => sip.clone(),
            (None, None) => return Err(ProfileError::new(
                F::WebServer,
                CliError::usage(
                    "--web-server is required when option 120 carries addresses (--sip-server-ip)",
                ),
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
            .map_err(|e| ProfileError::new(F::Scheme, CliError::usage(format!("--scheme: {e}"))))?;
        p.profile.port = parse_port(&self.port)
            .map_err(|e| ProfileError::new(F::Port, CliError::invalid(format!("--port: {e}"))))?;
        p.profile.path = self.path.clone();
        for sub in &self.subs {
            p.profile
                .extra
                .push(parse_sub(sub).map_err(|e| ProfileError::new(F::Subs, e))?);
        }
        p.validate().map_err(|e| ProfileError {
            field: self.field_of(&e),
            error: CliError::invalid(e),
        })?;
        Ok(p)
    }

    /// Inputs of the built profile `p` that look like mistakes, each with its flag or field:
    /// the web services FQDN is `--web-server` when given, else the first `--sip-server`.
    pub fn input_warnings(&self, p: &Provisioning) -> Vec<InputWarning> {
        use ProfileField as F;
        profile_warnings(p)
            .into_iter()
            .filter_map(|finding| {
                let field = match Input::of(&finding)? {
                    Input::WebFqdn if self.web_server.is_some() => F::WebServer,
                    Input::WebFqdn | Input::Registrar => F::SipServers,
                    Input::Scheme => F::Scheme,
                    Input::Port => F::Port,
                };
                Some(InputWarning { field, finding })
            })
            .collect()
    }

    /// The input a validation error comes from: sub-option 3 is the web server, or the first
    /// SIP server when no web server was given.
    fn field_of(&self, e: &ProvisioningError) -> Option<ProfileField> {
        use ucprov_wire::profile::{
            SUB_CERT_PROV_PATH, SUB_UC_IDENTIFIER, SUB_URL_SCHEME, SUB_WEB_FQDN, SUB_WEB_PORT,
        };
        use ProfileField as F;
        match e {
            ProvisioningError::SipServers(_) if self.sip_server_ip.is_empty() => {
                Some(F::SipServers)
            }
            ProvisioningError::SipServers(_) => Some(F::SipServerIp),
            ProvisioningError::Profile(p) => match p.code()? {
                SUB_WEB_FQDN if self.web_server.is_some() => Some(F::WebServer),
                SUB_WEB_FQDN => Some(F::SipServers),
                SUB_URL_SCHEME => Some(F::Scheme),
                SUB_WEB_PORT => Some(F::Port),
                SUB_CERT_PROV_PATH => Some(F::Path),
                SUB_UC_IDENTIFIER => None,
                _ => Some(F::Subs),
            },
        }
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
    fn input_warnings_name_the_flag_and_the_page_label() {
        let args = |argv: &[&str]| {
            let mut v = vec!["t"];
            v.extend_from_slice(argv);
            T::try_parse_from(v).unwrap().p
        };
        let a = args(&[
            "--sip-server",
            "pool.contoso.com",
            "--web-server",
            "192.0.2.10",
        ]);
        let w = a.input_warnings(&a.provisioning().unwrap());
        assert_eq!(w.len(), 1);
        assert!(
            w[0].cli()
                .starts_with("--web-server: \"192.0.2.10\" is an IPv4"),
            "{}",
            w[0].cli()
        );
        assert!(
            w[0].web().starts_with("Web services FQDN: "),
            "{}",
            w[0].web()
        );
        let a = args(&["--sip-server", "lync"]);
        let w = a.input_warnings(&a.provisioning().unwrap());
        assert_eq!(w.len(), 1);
        assert!(
            w[0].cli().starts_with("--sip-server: \"lync\""),
            "{}",
            w[0].cli()
        );
        let a = args(&["--sip-server", "lync.schertz.local"]);
        assert!(a.input_warnings(&a.provisioning().unwrap()).is_empty());
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
