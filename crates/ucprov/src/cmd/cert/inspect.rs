//! `ucprov cert inspect`: detect the container, list every certificate in chain order,
//! say whether there is a self-signed root, print thumbprints the way Windows does, and show
//! each certificate's subject alternative names, extended key usage and key usage, with a
//! warning where they make a poor TLS server certificate (see `ucprov_pki::ext`).

use std::io::Read;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use ucprov_pki::{analyze, summarize, CertSummary, ChainProblem, ExpiryWarning, Warning};
use ucprov_probe::http::{fetch_url, FetchError};

use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// File, `http://` URL (fetched like a device does, plain HTTP) or `-` for stdin.
    #[arg(value_name = "FILE|URL|-", default_value = "-")]
    pub input: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the certificates do not form one valid chain.
    #[arg(long)]
    pub strict: bool,
    /// Give up on a URL after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub timeout: u64,
}

#[derive(Debug, Serialize)]
struct Report {
    source: String,
    format: ucprov_pki::ContainerFormat,
    warnings: Vec<Warning>,
    /// Certificates in chain order: end-most first, root last.
    certificates: Vec<Positioned>,
    chain: ChainReport,
}

#[derive(Debug, Serialize)]
struct Positioned {
    position: usize,
    #[serde(flatten)]
    summary: CertSummary,
}

#[derive(Debug, Serialize)]
struct ChainReport {
    /// Position (in `certificates`) of the root, if exactly one was found.
    root: Option<usize>,
    /// The root's issuer equals its subject.
    root_self_signed: bool,
    valid: bool,
    duplicates_removed: usize,
    problems: Vec<ChainProblem>,
    expiry: Vec<ExpiryWarning>,
}

pub fn run_inspect(args: InspectArgs) -> CliResult {
    let report = match inspect(&args) {
        Ok(report) => report,
        Err(InspectError::Usage(msg)) => return Err(CliError::usage(msg)),
        Err(InspectError::Data(msg)) => return Err(CliError::invalid(msg)),
    };
    if args.json {
        let s = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::env(format!("cannot render JSON: {e}")))?;
        println!("{s}");
    } else {
        print_table(&report);
    }
    if args.strict && !report.chain.valid {
        return Err(CliError::invalid(
            "the chain is broken (see the problems above) and --strict was given",
        ));
    }
    Ok(())
}

enum InspectError {
    Usage(String),
    Data(String),
}

fn read_input(args: &InspectArgs) -> Result<Vec<u8>, InspectError> {
    let cap = ucprov_pki::MAX_INPUT_BYTES;
    let input = args.input.as_str();
    let lower = input.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return fetch_url(input, Duration::from_secs(args.timeout.max(1)), cap)
            .and_then(|response| response.into_body(input))
            .map_err(|e| match e {
                FetchError::Scheme { .. } | FetchError::Url { .. } => {
                    InspectError::Usage(e.to_string())
                }
                _ => InspectError::Data(e.to_string()),
            });
    }
    let mut bytes = Vec::new();
    // One byte over the cap is enough for the parser to refuse it with a clear message.
    let limit = cap as u64 + 1;
    let result = if input == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(input).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    result.map_err(|e| InspectError::Data(format!("{input}: {e}")))?;
    Ok(bytes)
}

fn inspect(args: &InspectArgs) -> Result<Report, InspectError> {
    let bytes = read_input(args)?;
    let source = if args.input == "-" {
        "stdin"
    } else {
        &args.input
    };
    let parsed =
        ucprov_pki::parse(&bytes, source).map_err(|e| InspectError::Data(e.to_string()))?;
    let now = now_unix();
    let analysis = analyze(&parsed.certs, now);
    let certificates: Vec<Positioned> = analysis
        .order
        .iter()
        .enumerate()
        .map(|(position, &i)| Positioned {
            position,
            summary: summarize(&analysis.certs[i], now),
        })
        .collect();
    let root = analysis
        .root
        .and_then(|r| analysis.order.iter().position(|&i| i == r));
    let root_self_signed = analysis
        .root
        .is_some_and(|r| analysis.certs[r].is_self_issued());
    Ok(Report {
        source: source.to_owned(),
        format: parsed.format,
        warnings: parsed.warnings,
        certificates,
        chain: ChainReport {
            root,
            root_self_signed,
            valid: analysis.problems.is_empty(),
            duplicates_removed: analysis.duplicates_removed,
            problems: analysis.problems,
            expiry: analysis.expiry,
        },
    })
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn print_table(r: &Report) {
    let n = r.certificates.len();
    println!(
        "Source:  {} ({}, {n} certificate{})",
        r.source,
        r.format.describe(),
        if n == 1 { "" } else { "s" }
    );
    for w in &r.warnings {
        println!("WARNING: {w}");
    }
    println!();
    println!("Chain order (end-most first, root last):");
    for c in &r.certificates {
        let tag = if Some(c.position) == r.chain.root {
            "  <- root"
        } else {
            ""
        };
        println!("  [{}] {}{tag}", c.position, c.summary.subject);
    }
    match r.chain.root.and_then(|p| r.certificates.get(p)) {
        Some(root) => println!(
            "Root:    {} (self-signed: {}, issuer == subject)",
            root.summary.subject,
            if r.chain.root_self_signed {
                "yes"
            } else {
                "no"
            }
        ),
        None => println!("Root:    none (no single certificate has issuer == subject)"),
    }
    if r.chain.valid {
        println!("Chain:   valid (every link's signature verifies)");
    } else {
        println!("Chain:   NOT valid");
        for p in &r.chain.problems {
            println!("  - {p}");
        }
    }
    for e in &r.chain.expiry {
        println!("WARNING: {e}");
    }
    for c in &r.certificates {
        for w in &c.summary.tls_server_warnings {
            println!("WARNING: {w}");
        }
        for p in &c.summary.extension_problems {
            println!("WARNING: `{}`: {p}", c.summary.subject);
        }
    }
    for c in &r.certificates {
        let s = &c.summary;
        println!();
        println!("Certificate [{}]", c.position);
        println!("  Subject:     {}", s.subject);
        println!("  Issuer:      {}", s.issuer);
        println!("  Serial:      {}", s.serial);
        println!("  Not before:  {}", s.not_before);
        let expiry = if s.expires_in_days < 0 {
            format!("EXPIRED {} days ago", -s.expires_in_days)
        } else {
            format!("expires in {} days", s.expires_in_days)
        };
        println!("  Not after:   {} ({expiry})", s.not_after);
        let ca = match (s.is_ca, s.path_len) {
            (true, Some(n)) => format!("yes (path length {n})"),
            (true, None) => "yes".to_owned(),
            (false, _) => "no".to_owned(),
        };
        println!("  CA:          {ca}");
        let bits = s
            .key_bits
            .map(|b| format!(" ({b} bits)"))
            .unwrap_or_default();
        println!("  Key:         {}{bits}", s.key_type);
        println!("  SAN:         {}", san_text(s));
        println!("  EKU:         {}", eku_text(s));
        println!("  Key usage:   {}", ku_text(s));
        println!("  SHA-1:       {}", s.sha1);
        println!("  SHA-256:     {}", s.sha256);
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn critical(c: bool) -> &'static str {
    if c {
        " (critical)"
    } else {
        ""
    }
}

fn san_text(s: &CertSummary) -> String {
    if s.subject_alt_names.is_empty() {
        "none".to_owned()
    } else {
        list(&s.subject_alt_names)
    }
}

fn eku_text(s: &CertSummary) -> String {
    match &s.extended_key_usage {
        None => "none (extension absent: any purpose)".to_owned(),
        Some(e) if e.purposes.is_empty() => format!("empty{}", critical(e.critical)),
        Some(e) => format!("{}{}", list(&e.purposes), critical(e.critical)),
    }
}

fn ku_text(s: &CertSummary) -> String {
    match &s.key_usage {
        None => "none (extension absent)".to_owned(),
        Some(k) if k.usages.is_empty() => format!("empty{}", critical(k.critical)),
        Some(k) => format!("{}{}", k.usages.join(", "), critical(k.critical)),
    }
}
