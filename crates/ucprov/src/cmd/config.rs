//! `ucprov config`: ready-to-paste DHCP server configuration from `ucprov-confgen`.
//!
//! Output contract: the configuration goes to stdout (or one file per target with `--out`);
//! warnings and errors go to stderr. A target that cannot carry the profile (a value over its
//! limit) produces no configuration and exit code 1; for `--target all` the other files are
//! still written. Bad profile input fails before anything is printed. `--json` writes one
//! document instead (docs/json.md): per target its id, server, file name, configuration text
//! (`null` when blocked), findings and the file written with `--out`.

use std::fs;
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use serde::Serialize;
use ucprov_confgen::{
    generate, platform, ConfgenError, Finding, Output, Platform, Request, Scope, Severity,
};

use ucprov_wire::profile::Provisioning;

use crate::exit::{CliError, CliResult};
use crate::output::{write_json, write_stdout};
use crate::profile_args::{strict, ProfileArgs};

/// `--target all` writes every target into `--out DIR`.
const ALL: &str = "all";

/// The scoping and limits prose comes from confgen's platform table, so it cannot drift from
/// what the generated files say.
fn after_help() -> String {
    format!(
        "Scoping: option 43 (and 120) go only to clients whose option 60 is MS-UC-Client where the
server can match it; elsewhere every client of the pool gets them, the output says so, and a
dedicated voice VLAN is the way out. Option 60 matching per target:
{}
Limits: each target's value limits are checked. A profile a target cannot carry gives an error
(exit 1) and no configuration, never a silently truncated one. Per target:
{}
Examples:
  ucprov config --target isc-dhcpd --sip-server lync.schertz.local --scope 10.20.0.0/24
  ucprov config --target windows-powershell --sip-server lync.schertz.local --scope 10.20.0.0/24 --scope 10.21.0.0/24
  ucprov config --target kea --full --interface eth1 --sip-server pool.contoso.com --scope 10.20.0.0/24
  ucprov config --target all --out dhcp-configs --sip-server lync.schertz.local",
        platform::scoping_table(),
        platform::limits_table(),
    )
}

/// `--full`'s help, naming the targets it applies to from the table.
fn full_help() -> String {
    format!(
        "Only with {}: a complete runnable configuration instead of a fragment to merge into \
         the server's existing one",
        platform::full_config_targets()
    )
}

#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct ConfigArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,

    /// DHCP server to write configuration for; `all` writes one file per target into --out.
    #[arg(long, value_name = "TARGET", value_parser = target_parser())]
    pub target: String,

    /// The phones' subnet (pools, subnet declarations, INFORM answers); repeat it to cover
    /// several subnets in one run: class and definition lines are written once, pool or
    /// subnet lines once per scope. Without it the output uses the placeholder 192.0.2.0/24
    /// and says so; Windows sets values server-wide.
    #[arg(long, value_name = "CIDR", value_parser = parse_scope)]
    pub scope: Vec<Scope>,

    /// Name of the vendor class, tag, option set or pool the options hang off [default: per
    /// target, e.g. MSUCClient for Windows, ms-uc-client for Kea, lync for dnsmasq].
    #[arg(long, value_name = "NAME")]
    pub class_name: Option<String>,

    /// Interface facing the phones (Kea --full, dnsmasq, udhcpd), the OpenWrt / pfSense
    /// interface section, the Junos / Huawei / Comware VLAN interface or the ArubaOS-Switch
    /// VLAN id (with one --scope).
    #[arg(long, value_name = "IFACE")]
    pub interface: Option<String>,

    #[arg(long, help = full_help())]
    pub full: bool,

    /// Write <DIR>/<target>.<ext> instead of printing; required with --target all.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Inputs that look like mistakes (an IP address or a single-label name for an FQDN,
    /// --scheme http, a non-default --port without https) are errors (exit 1, no
    /// configuration), not warnings.
    #[arg(long)]
    pub strict: bool,

    /// Emit one JSON document: per target the configuration text and its findings (with
    /// --out, the files are still written and the document names them).
    #[arg(long)]
    pub json: bool,
}

/// `config --json`'s document.
#[derive(Debug, Serialize)]
struct ConfigReport<'a> {
    /// Inputs that look like mistakes, about the profile rather than a target.
    warnings: Vec<String>,
    targets: Vec<TargetReport<'a>>,
}

#[derive(Debug, Serialize)]
struct TargetReport<'a> {
    target: &'static str,
    server: &'static str,
    file_name: String,
    /// `null` when the target cannot carry the profile (an error finding says why).
    config: Option<&'a str>,
    /// The file written with `--out`, else `null`.
    path: Option<String>,
    findings: &'a [Finding],
}

fn target_parser() -> PossibleValuesParser {
    let targets = platform::PLATFORMS
        .iter()
        .map(|p| PossibleValue::new(p.id).help(p.name));
    PossibleValuesParser::new(
        targets.chain([
            PossibleValue::new(ALL).help("every target above, one file each (needs --out)")
        ]),
    )
}

pub fn parse_scope(s: &str) -> Result<Scope, String> {
    s.parse().map_err(|e: ConfgenError| e.to_string())
}

pub fn run(args: &ConfigArgs) -> CliResult {
    let targets = select(args)?;
    let p = args.profile.provisioning()?;
    let input = args.profile.input_warnings(&p);
    if args.strict {
        strict(&input)?;
    }
    let req = request(
        &p,
        args.scope.clone(),
        args.class_name.clone(),
        args.interface.clone(),
        args.full,
    )?;
    let outputs = targets
        .into_iter()
        .map(|t| generate(t, &req))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::invalid)?;
    // Once, whatever the number of targets: they are about the profile, not a platform.
    for w in &input {
        eprintln!("ucprov: warning: {}", w.cli());
    }
    for o in &outputs {
        report(o);
    }
    let written = match &args.out {
        Some(dir) => write_all(dir, &outputs)?,
        None => Vec::new(),
    };
    if args.json {
        let targets = outputs
            .iter()
            .map(|o| TargetReport {
                target: o.platform.id,
                server: o.platform.name,
                file_name: o.platform.file_name(),
                config: o.config.as_deref(),
                path: written
                    .iter()
                    .find(|(id, _)| *id == o.platform.id)
                    .map(|(_, p)| p.display().to_string()),
                findings: &o.findings,
            })
            .collect();
        write_json(&ConfigReport {
            warnings: input.iter().map(|w| w.cli()).collect(),
            targets,
        })?;
    } else if args.out.is_some() {
        let list: String = written
            .iter()
            .map(|(_, p)| format!("{}\n", p.display()))
            .collect();
        write_stdout(&list)?;
    } else if let Some(text) = outputs.first().and_then(|o| o.config.as_ref()) {
        write_stdout(text)?;
    }
    let blocked: Vec<&str> = outputs
        .iter()
        .filter(|o| o.config.is_none())
        .map(|o| o.platform.id)
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "no configuration for {}: the profile exceeds the limits reported above",
            blocked.join(", ")
        )))
    }
}

/// The generation request for a validated profile and every `--scope`: a profile error is
/// invalid data, a bad `--class-name`, `--interface` or overlapping scopes are usage.
pub fn request(
    p: &Provisioning,
    scopes: Vec<Scope>,
    class_name: Option<String>,
    interface: Option<String>,
    full: bool,
) -> CliResult<Request<'_>> {
    Request::with_scopes(p, scopes, class_name, interface, full).map_err(request_error)
}

/// How `config` reports a generation error.
pub fn request_error(e: ConfgenError) -> CliError {
    match e {
        ConfgenError::Profile(e) => CliError::invalid(e),
        other => CliError::usage(other),
    }
}

fn select(args: &ConfigArgs) -> CliResult<Vec<&'static Platform>> {
    let targets: Vec<&'static Platform> = if args.target == ALL {
        if args.out.is_none() {
            return Err(CliError::usage(
                "--target all writes one file per target: give --out DIR",
            ));
        }
        platform::PLATFORMS.iter().collect()
    } else {
        // The value parser only lets known ids through.
        platform::find(&args.target).into_iter().collect()
    };
    check_full(&targets, args.full)?;
    Ok(targets)
}

/// `--full` only means something to a target whose row says it can write a full configuration.
pub fn check_full(targets: &[&'static Platform], full: bool) -> CliResult {
    if full && !targets.iter().any(|t| t.full_config) {
        return Err(CliError::usage(format!(
            "--full applies to {} only",
            platform::full_config_targets()
        )));
    }
    Ok(())
}

/// Warnings and errors go to stderr; notes stay in the generated file.
fn report(o: &Output) {
    for f in o
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
    {
        eprintln!(
            "ucprov: {}: {}: {}",
            f.severity.tag(),
            o.platform.id,
            f.message
        );
    }
}

/// Write every configuration into `dir`; the files written, per target id.
fn write_all(dir: &Path, outputs: &[Output]) -> CliResult<Vec<(&'static str, PathBuf)>> {
    fs::create_dir_all(dir).map_err(|e| CliError::env(format!("--out {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for o in outputs {
        if let Some(text) = &o.config {
            let path = dir.join(o.platform.file_name());
            fs::write(&path, text)
                .map_err(|e| CliError::env(format!("{}: {e}", path.display())))?;
            written.push((o.platform.id, path));
        }
    }
    Ok(written)
}
