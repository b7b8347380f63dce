//! `ucprov encode`: DHCPUtil's job, byte-exact, plus option 120 and every output form.

use clap::{Args, ValueEnum};
use serde::Serialize;
use ucprov_wire::catalog;
use ucprov_wire::hex::{ascii_preview, HexStyle};
use ucprov_wire::profile::Provisioning;
use ucprov_wire::sip_servers::SipServers;

use crate::exit::{CliError, CliResult};
use crate::profile_args::{strict, InputWarning, ProfileArgs};
use crate::render::dhcputil;
use crate::render::hex_form::HexForm;
use ucprov_inspect::render::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum EncodeFormat {
    /// Sub-option table, full values, URL and warnings.
    #[default]
    Table,
    /// Two lines: option 43 and option 120 values, in --hex-style.
    Hex,
    /// Everything, machine-readable.
    Json,
    /// DHCPUtil.exe's printed output, byte for byte.
    Dhcputil,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  ucprov encode --sip-server lync.schertz.local\n  ucprov encode --sip-server pool.contoso.com --web-server webpool.contoso.com --format json"
)]
pub struct EncodeArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: EncodeFormat,

    /// Emit the report as JSON: the same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Hex notation for the table and hex formats.
    #[arg(long, value_enum, default_value_t)]
    pub hex_style: HexForm,

    /// Inputs that look like mistakes (an IP address or a single-label name for an FQDN,
    /// --scheme http, a non-default --port without https) are errors (exit 1), not warnings.
    #[arg(long)]
    pub strict: bool,
}

/// Facts about the encoded options, computed once and rendered by every format.
#[derive(Debug, Serialize)]
pub struct Encoded {
    pub option43: OptionFacts,
    pub option120: OptionFacts,
    pub suboptions: Vec<SubOptionFacts>,
    pub sip_servers: SipServers,
    pub provisioning_url: String,
    pub root_chain_url: String,
    pub warnings: Vec<String>,
    /// What each DHCP server `ucprov config` targets does with options this long.
    pub limits: Vec<LimitFacts>,
}

#[derive(Debug, Serialize)]
pub struct LimitFacts {
    pub target: &'static str,
    pub server: &'static str,
    pub severity: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct OptionFacts {
    pub code: u8,
    pub length: usize,
    pub hex_chars: usize,
    pub hex: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl OptionFacts {
    fn new(code: u8, bytes: Vec<u8>) -> Self {
        OptionFacts {
            code,
            length: bytes.len(),
            hex_chars: bytes.len() * 2,
            hex: HexStyle::CONTIGUOUS.format(&bytes),
            bytes,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SubOptionFacts {
    pub code: u8,
    pub name: &'static str,
    pub ascii: String,
    pub hex: String,
    pub length: usize,
}

pub fn encode(p: &Provisioning) -> CliResult<Encoded> {
    let option43 = p
        .option43()
        .map_err(|e| CliError::invalid(format!("option 43: {e}")))?;
    let option120 = p
        .option120()
        .map_err(|e| CliError::invalid(format!("option 120: {e}")))?;
    let suboptions = p
        .profile
        .suboptions()
        .into_iter()
        .map(|(code, value)| SubOptionFacts {
            code,
            name: catalog::suboption(code).map_or("(site-specific)", |s| s.name),
            ascii: ascii_preview(&value),
            hex: HexStyle::CONTIGUOUS.format(&value),
            length: value.len(),
        })
        .collect();
    let option43 = OptionFacts::new(43, option43);
    let option120 = OptionFacts::new(120, option120);
    let warnings = warnings(p, &option43, &option120);
    let limits = ucprov_confgen::all_limit_findings(p)
        .map_err(CliError::invalid)?
        .into_iter()
        .map(|t| LimitFacts {
            target: t.platform.id,
            server: t.platform.name,
            severity: t.finding.severity.tag(),
            message: t.finding.message,
        })
        .collect();
    Ok(Encoded {
        provisioning_url: p.profile.provisioning_url(),
        root_chain_url: p.profile.root_chain_url(80),
        sip_servers: p.sip_servers.clone(),
        option43,
        option120,
        suboptions,
        warnings,
        limits,
    })
}

fn warnings(p: &Provisioning, o43: &OptionFacts, o120: &OptionFacts) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(f) = ucprov_confgen::reply_size_finding(o43.length, o120.length) {
        w.push(f.message);
    }
    if matches!(p.sip_servers, SipServers::Addresses(_)) {
        w.push(
            "option 120 carries addresses: Lync / Skype for Business devices need an FQDN there, because TLS checks the name".into(),
        );
    }
    if p.profile.uc_identifier != ucprov_wire::profile::VENDOR_CLASS {
        w.push("sub-option 1 is not MS-UC-Client: devices ignore the option".into());
    }
    if p.profile.port != 443 {
        w.push(format!(
            "web services port {} is not 443: make sure the pool's internal web services really listen there",
            p.profile.port
        ));
    }
    w
}

pub fn run(args: &EncodeArgs) -> CliResult {
    let p = args.profile.provisioning()?;
    let input = args.profile.input_warnings(&p);
    if args.strict {
        strict(&input)?;
    }
    let format = if args.json {
        EncodeFormat::Json
    } else {
        args.format
    };
    let mut e = encode(&p)?;
    let input: Vec<String> = input.iter().map(InputWarning::cli).collect();
    if matches!(format, EncodeFormat::Hex | EncodeFormat::Dhcputil) {
        // These formats are only the bytes: the warnings go to stderr.
        for w in &input {
            eprintln!("ucprov: warning: {w}");
        }
    }
    e.warnings.splice(0..0, input);
    if format == EncodeFormat::Json {
        return crate::output::write_json(&e);
    }
    let text = match format {
        EncodeFormat::Table => render_table(&e, args.hex_style),
        EncodeFormat::Hex => format!(
            "43 {}\n120 {}\n",
            args.hex_style.format(&e.option43.bytes),
            args.hex_style.format(&e.option120.bytes)
        ),
        // Written above, with its schema version.
        EncodeFormat::Json => String::new(),
        EncodeFormat::Dhcputil => {
            let sip = match (&p.sip_servers, args.profile.subs.is_empty()) {
                (SipServers::Names(names), true) if names.len() == 1 => names[0].clone(),
                _ => {
                    return Err(CliError::usage(
                        "--format dhcputil reproduces DHCPUtil.exe, which takes exactly one --sip-server and no --sub",
                    ))
                }
            };
            dhcputil::render(&sip, &p, &e.option43.bytes, &e.option120.bytes)
        }
    };
    crate::output::write_stdout(&text)
}

pub fn render_table(e: &Encoded, form: HexForm) -> String {
    let mut t = Table::new(["Sub", "Name", "Value (ASCII)", "Value (hex)", "Length"]);
    for s in &e.suboptions {
        t.row([
            s.code.to_string(),
            s.name.to_string(),
            s.ascii.clone(),
            s.hex.clone(),
            format!("{} (0x{:02X})", s.length, s.length),
        ]);
    }
    let mut out = String::new();
    out.push_str("Option 43 sub-options (vendor class MS-UC-Client)\n\n");
    out.push_str(&t.render());
    for (o, title) in [
        (&e.option43, "Option 43, vendor-specific information"),
        (&e.option120, "Option 120, SIP servers"),
    ] {
        out.push_str(&format!(
            "\n{title}: {} bytes (0x{:02X}), {} hex characters\n  {}\n",
            o.length,
            o.length,
            o.hex_chars,
            form.format(&o.bytes)
        ));
    }
    let servers = match &e.sip_servers {
        SipServers::Names(n) => n.join(", "),
        SipServers::Addresses(a) => a
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    out.push_str(&format!("  registrars: {servers}\n"));
    out.push_str(&format!("\nProvisioning URL: {}\n", e.provisioning_url));
    out.push_str(&format!("Root chain URL:   {}\n", e.root_chain_url));
    if !e.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &e.warnings {
            out.push_str(&format!("  - {w}\n"));
        }
    }
    if !e.limits.is_empty() {
        out.push_str("\nLimits of the DHCP servers `ucprov config` targets:\n");
        for l in &e.limits {
            out.push_str(&format!(
                "  - {} ({}): {}: {}\n",
                l.server, l.target, l.severity, l.message
            ));
        }
    }
    out
}
