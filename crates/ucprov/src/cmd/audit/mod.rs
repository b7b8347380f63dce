//! `ucprov audit`: read the DHCP configuration admins already run (files, or a running Kea
//! through its Control Agent) and say what an MS-UC-Client device receives from it, what else
//! option 43 reaches, and every mistake with the file, line and fix (`ucprov_audit`; this
//! module only adapts and renders). Exit 3 when a file or the agent cannot be used, 1 when the
//! audit finds errors (docs/audit.md, docs/json.md).

pub mod kea_ctrl;

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use serde::Serialize;
use ucprov_audit::dialect::DIALECTS;
use ucprov_audit::source::{Loader, RealFs};
use ucprov_audit::{audit, read, AuditError, Dialect, Report};
use ucprov_wire::profile::Provisioning;
use ucprov_wire::sip_servers::SipServers;

use crate::exit::{CliError, CliResult};
use crate::output::{write_json, write_stdout};
use kea_ctrl::KeaCtrl;

fn dialects() -> PossibleValuesParser {
    PossibleValuesParser::new(
        DIALECTS
            .iter()
            .map(|r| PossibleValue::new(r.id).help(r.name)),
    )
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ucprov audit /etc/kea/kea-dhcp4.conf
  ucprov audit /etc/dhcp/dhcpd.conf --expect-sip-server pool.contoso.com --expect-web-server web.contoso.com
  ucprov audit --kea-ctrl http://127.0.0.1:8000 --json")]
pub struct AuditArgs {
    /// Configuration files (each audited on its own, with what it includes).
    #[arg(value_name = "FILE", required_unless_present = "kea_ctrl")]
    pub files: Vec<PathBuf>,

    /// Read the files as this dialect instead of telling it from their content.
    #[arg(long, value_name = "DIALECT", value_parser = dialects())]
    pub dialect: Option<String>,

    /// The registrar the phones should get in option 120 (repeat for more): every difference
    /// is an error.
    #[arg(long, value_name = "FQDN")]
    pub expect_sip_server: Vec<String>,

    /// The web services FQDN option 43 should carry [default: the first --expect-sip-server].
    #[arg(long, value_name = "FQDN", requires = "expect_sip_server")]
    pub expect_web_server: Option<String>,

    /// Audit a running Kea: config-get through its Control Agent (http://HOST:PORT).
    #[arg(long, value_name = "URL")]
    pub kea_ctrl: Option<String>,

    /// Emit one JSON document (docs/json.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct AuditDoc<'a> {
    audits: &'a [Report],
}

/// How an audit error ends the command: the file or agent cannot be used (exit 3).
pub fn unusable(e: &AuditError) -> CliError {
    CliError::env(e)
}

/// The intended profile from `--expect-*`.
pub fn expected(sip: &[String], web: Option<&String>) -> CliResult<Option<Provisioning>> {
    let Some(first) = sip.first() else {
        return Ok(None);
    };
    let mut p = Provisioning::new(first.clone(), web.cloned());
    p.sip_servers = SipServers::Names(sip.to_vec());
    p.validate()
        .map_err(|e| CliError::usage(format!("--expect-sip-server/--expect-web-server: {e}")))?;
    Ok(Some(p))
}

/// Audit what a running Kea serves (config-get through its Control Agent).
pub fn audit_kea_ctrl(url: &str, expect: Option<&Provisioning>) -> CliResult<Report> {
    let ctrl = KeaCtrl::parse(url)?;
    let answer = ctrl.command("config-get", None)?;
    if answer.result != 0 {
        return Err(CliError::env(format!(
            "Kea Control Agent {url}: config-get failed: {}",
            answer.text
        )));
    }
    let fs = ucprov_audit::source::MemFs::default();
    let mut loader = Loader::new(&fs);
    let name = format!("{url} (config-get)");
    let config = ucprov_audit::kea::parse_text(&mut loader, &name, answer.pretty)
        .map_err(|e| unusable(&e))?;
    Ok(audit(&config, expect))
}

pub fn run(args: &AuditArgs) -> CliResult {
    let expect = expected(&args.expect_sip_server, args.expect_web_server.as_ref())?;
    let dialect = args.dialect.as_deref().and_then(Dialect::from_id);
    let mut reports = Vec::new();
    for file in &args.files {
        let name = file.to_string_lossy();
        let config = read(&RealFs, &name, dialect).map_err(|e| unusable(&e))?;
        reports.push(audit(&config, expect.as_ref()));
    }
    if let Some(url) = &args.kea_ctrl {
        reports.push(audit_kea_ctrl(url, expect.as_ref())?);
    }
    if args.json {
        write_json(&AuditDoc { audits: &reports })?;
    } else {
        let text: Vec<String> = reports.iter().map(Report::text).collect();
        write_stdout(&text.join("\n"))?;
    }
    let errors: usize = reports
        .iter()
        .map(|r| r.findings.iter().filter(|f| f.is_error()).count())
        .sum();
    if errors > 0 {
        return Err(CliError::invalid(format!(
            "{errors} error(s): MS-UC-Client devices do not get a working options 43 and 120 as configured (see the findings and their fixes above)"
        )));
    }
    Ok(())
}
