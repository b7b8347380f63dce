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
        Err(InspectError::Environment(msg)) => return Err(CliError::env(msg)),
    };
    if args.json {
        crate::output::write_json(&report)?;
    } else {
        crate::output::write_stdout(&render_table(&report))?;
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
    /// A file that cannot be read, a server that cannot be reached (exit 3).
    Environment(String),
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
                FetchError::Io { .. } | FetchError::Timeout { .. } => {
                    InspectError::Environment(e.to_string())
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
    result.map_err(|e| InspectError::Environment(format!("{input}: {e}")))?;
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

/// `println!` into the report text.
macro_rules! out_line {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($t:tt)*) => {{
        $o.push_str(&format!($($t)*));
        $o.push('\n');
    }};
}

fn render_table(r: &Report) -> String {
    let mut o = String::new();
    let n = r.certificates.len();
    out_line!(
        o,
        "Source:  {} ({}, {n} certificate{})",
        r.source,
        r.format.describe(),
        if n == 1 { "" } else { "s" }
    );
    for w in &r.warnings {
        out_line!(o, "WARNING: {w}");
    }
    out_line!(o);
    out_line!(o, "Chain order (end-most first, root last):");
    for c in &r.certificates {
        let tag = if Some(c.position) == r.chain.root {
            "  <- root"
        } else {
            ""
        };
        out_line!(o, "  [{}] {}{tag}", c.position, c.summary.subject);
    }
    match r.chain.root.and_then(|p| r.certificates.get(p)) {
        Some(root) => out_line!(
            o,
            "Root:    {} (self-signed: {}, issuer == subject)",
            root.summary.subject,
            if r.chain.root_self_signed {
                "yes"
            } else {
                "no"
            }
        ),
        None => out_line!(
            o,
            "Root:    none (no single certificate has issuer == subject)"
        ),
    }
    if r.chain.valid {
        out_line!(o, "Chain:   valid (every link's signature verifies)");
    } else {
        out_line!(o, "Chain:   NOT valid");
        for p in &r.chain.problems {
            out_line!(o, "  - {p}");
        }
    }
    for e in &r.chain.expiry {
        out_line!(o, "WARNING: {e}");
    }
    for c in &r.certificates {
        for w in &c.summary.tls_server_warnings {
            out_line!(o, "WARNING: {w}");
        }
        for p in &c.summary.extension_problems {
            out_line!(o, "WARNING: `{}`: {p}", c.summary.subject);
        }
    }
    for c in &r.certificates {
        let s = &c.summary;
        out_line!(o);
        out_line!(o, "Certificate [{}]", c.position);
        out_line!(o, "  Subject:     {}", s.subject);
        out_line!(o, "  Issuer:      {}", s.issuer);
        out_line!(o, "  Serial:      {}", s.serial);
        out_line!(o, "  Not before:  {}", s.not_before);
        let expiry = if s.expires_in_days < 0 {
            format!("EXPIRED {} days ago", -s.expires_in_days)
        } else {
            format!("expires in {} days", s.expires_in_days)
        };
        out_line!(o, "  Not after:   {} ({expiry})", s.not_after);
        let ca = match (s.is_ca, s.path_len) {
            (true, Some(n)) => format!("yes (path length {n})"),
            (true, None) => "yes".to_owned(),
            (false, _) => "no".to_owned(),
        };
        out_line!(o, "  CA:          {ca}");
        let bits = s
            .key_bits
            .map(|b| format!(" ({b} bits)"))
            .unwrap_or_default();
        out_line!(o, "  Key:         {}{bits}", s.key_type);
        out_line!(o, "  SAN:         {}", san_text(s));
        out_line!(o, "  EKU:         {}", eku_text(s));
        out_line!(o, "  Key usage:   {}", ku_text(s));
        out_line!(o, "  SHA-1:       {}", s.sha1);
        out_line!(o, "  SHA-256:     {}", s.sha256);
    }
    o
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
