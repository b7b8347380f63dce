//! `ucprov apply --kea-ctrl URL`: merge the profile into a running Kea through its Control
//! Agent: `config-get`, merge confgen's class and definitions keeping every other class,
//! definition and option ([`ucprov_audit::kea::merge`]), audit the result, `config-test`,
//! `config-set`, `config-write`. Prints the diff; a second run finds the profile served and
//! changes nothing; a failing `config-test` or audit refuses with the reason.

use clap::Args;
use serde::Serialize;
use serde_json::Value;
use ucprov_audit::kea::merge::{diff, fragment, merge};
use ucprov_audit::source::{Loader, MemFs};
use ucprov_audit::{audit, Report};
use ucprov_inspect::Finding;
use ucprov_wire::hex::HexStyle;
use ucprov_wire::profile::Provisioning;

use super::audit::kea_ctrl::KeaCtrl;
use super::audit::unusable;
use crate::exit::{CliError, CliResult};
use crate::output::{write_json, write_stdout};
use crate::profile_args::ProfileArgs;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  ucprov apply --kea-ctrl http://127.0.0.1:8000 --sip-server pool.contoso.com --dry-run
  ucprov apply --kea-ctrl http://127.0.0.1:8000 --sip-server pool.contoso.com --web-server web.contoso.com")]
pub struct ApplyArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,

    /// The Kea Control Agent (http://HOST:PORT).
    #[arg(long, value_name = "URL")]
    pub kea_ctrl: String,

    /// Name of the client class [default: ms-uc-client].
    #[arg(long, value_name = "NAME")]
    pub class_name: Option<String>,

    /// Show the diff and run config-test, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Emit one JSON document (docs/json.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ApplyDoc {
    kea_ctrl: String,
    /// `unchanged`, `dry_run` or `applied`.
    outcome: &'static str,
    diff: Vec<String>,
    findings: Vec<Finding>,
}

/// Whether every served scope already gives MS-UC-Client devices exactly `p` with no error.
fn serves(report: &Report, p: &Provisioning) -> bool {
    let hex = |b: Vec<u8>| HexStyle::CONTIGUOUS.format(&b);
    let (Ok(o43), Ok(o120)) = (p.option43().map(hex), p.option120().map(hex)) else {
        return false;
    };
    !report.has_errors()
        && !report.scopes.is_empty()
        && report.scopes.iter().all(|s| {
            s.option43.as_ref().map(|o| &o.hex) == Some(&o43)
                && s.option120.as_ref().map(|o| &o.hex) == Some(&o120)
        })
}

fn audit_dhcp4(name: &str, dhcp4: &Value, p: &Provisioning) -> CliResult<Report> {
    let text =
        serde_json::to_string_pretty(&serde_json::json!({ "Dhcp4": dhcp4 })).unwrap_or_default();
    let fs = MemFs::default();
    let config = ucprov_audit::kea::parse_text(&mut Loader::new(&fs), name, text)
        .map_err(|e| unusable(&e))?;
    Ok(audit(&config, Some(p)))
}

pub fn run(args: &ApplyArgs) -> CliResult {
    let p = args.profile.provisioning()?;
    let ctrl = KeaCtrl::parse(&args.kea_ctrl)?;
    let got = ctrl.command("config-get", None)?;
    if got.result != 0 {
        return Err(CliError::env(format!(
            "{}: config-get failed: {}",
            ctrl.url, got.text
        )));
    }
    let dhcp4 = got
        .arguments
        .as_ref()
        .and_then(|a| a.get("Dhcp4"))
        .cloned()
        .ok_or_else(|| CliError::env(format!("{}: config-get returned no \"Dhcp4\"", ctrl.url)))?;
    let before = audit_dhcp4("running configuration", &dhcp4, &p)?;
    let report = |outcome: &'static str,
                  diff: Vec<String>,
                  findings: Vec<Finding>,
                  text: String|
     -> CliResult {
        if args.json {
            write_json(&ApplyDoc {
                kea_ctrl: ctrl.url.clone(),
                outcome,
                diff,
                findings,
            })
        } else {
            write_stdout(&text)
        }
    };
    if serves(&before, &p) {
        return report(
            "unchanged",
            Vec::new(),
            Vec::new(),
            format!("{}: no change: every subnet already gives MS-UC-Client devices this profile ({})\n", ctrl.url, p.profile.provisioning_url()),
        );
    }
    let frag = fragment(&p, args.class_name.as_deref()).map_err(CliError::invalid)?;
    let merged = merge(&dhcp4, &frag).map_err(CliError::invalid)?;
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let changes = diff(&pretty(&dhcp4), &pretty(&merged));
    let after = audit_dhcp4("merged configuration", &merged, &p)?;
    if !serves(&after, &p) {
        let text = ucprov_inspect::finding::render(&after.findings, "  ");
        return Err(CliError::invalid(format!(
            "refusing to apply: with the profile merged, MS-UC-Client devices still would not get it everywhere:\n{text}"
        )));
    }
    let args_of = |v: &Value| serde_json::json!({ "Dhcp4": v });
    let test = ctrl.command("config-test", Some(args_of(&merged)))?;
    if test.result != 0 {
        return Err(CliError::invalid(format!(
            "refusing to apply: Kea's config-test rejects the merged configuration: {}",
            test.text
        )));
    }
    let mut text: String = changes.iter().map(|l| format!("{l}\n")).collect();
    if args.dry_run {
        text.push_str(&format!(
            "{}: dry run: config-test accepts the change; nothing was set\n",
            ctrl.url
        ));
        return report("dry_run", changes, after.findings, text);
    }
    let set = ctrl.command("config-set", Some(args_of(&merged)))?;
    if set.result != 0 {
        return Err(CliError::env(format!(
            "{}: config-set failed: {}",
            ctrl.url, set.text
        )));
    }
    let write = ctrl.command("config-write", None)?;
    if write.result != 0 {
        return Err(CliError::env(format!(
            "{}: config-set applied, but config-write failed (the change is lost at restart): {}",
            ctrl.url, write.text
        )));
    }
    text.push_str(&format!(
        "{}: applied and written ({})\n",
        ctrl.url, write.text
    ));
    report("applied", changes, after.findings, text)
}
