//! The audit of one configuration: read it, evaluate every served scope for every client,
//! run every rule, and report what MS-UC-Client devices get, what else option 43 reaches, and
//! the findings. [`Report::text`] is the text printer; JSON is the same structs serialised.

use serde::Serialize;
use ucprov_inspect::option120;
use ucprov_inspect::option43::{self, Vendor};
use ucprov_inspect::{has_error, Finding, Location};
use ucprov_wire::hex::HexStyle;
use ucprov_wire::profile::Provisioning;

use crate::dialect::{detect, Dialect};
use crate::error::{AuditError, ErrorKind};
use crate::eval::Assembled;
use crate::model::Config;
use crate::rules::{Ctx, RULES};
use crate::source::{FileSystem, Loader};

/// Read `name` in `dialect`, or in the dialect its content shows.
pub fn read(
    fs: &dyn FileSystem,
    name: &str,
    dialect: Option<Dialect>,
) -> Result<Config, AuditError> {
    let dialect = match dialect {
        Some(d) => d,
        None => {
            let bytes = fs.read(std::path::Path::new(name)).map_err(|e| {
                AuditError::new(ErrorKind::Io, name, None, e.to_string(), "check the path")
            })?;
            detect(name, &String::from_utf8_lossy(&bytes))?
        }
    };
    let row = dialect.row().ok_or_else(|| {
        AuditError::new(
            ErrorKind::Dialect,
            name,
            None,
            format!("no reader for dialect {}", dialect.id()),
            "",
        )
    })?;
    (row.parse)(&mut Loader::new(fs), name)
}

/// One option as a client gets it.
#[derive(Debug, Clone, Serialize)]
pub struct OptionReport {
    pub length: usize,
    pub hex: String,
    /// What a phone makes of it: the provisioning URL, the registrars, or why neither.
    pub meaning: String,
    /// The setting that decides it, then the sub-option settings.
    pub from: Vec<Location>,
}

/// What a client other than MS-UC-Client gets as option 43 in the scope.
#[derive(Debug, Clone, Serialize)]
pub struct OtherClient {
    pub client: String,
    pub option43: Option<OptionReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeReport {
    pub scope: String,
    pub level: &'static str,
    pub location: Location,
    pub option43: Option<OptionReport>,
    pub option120: Option<OptionReport>,
    pub others: Vec<OtherClient>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dialect: &'static str,
    pub server: &'static str,
    pub files: Vec<String>,
    /// Per served scope, what an MS-UC-Client INFORM gets.
    pub scopes: Vec<ScopeReport>,
    /// Most severe first.
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        has_error(&self.findings)
    }

    /// The report as text: per scope what the phones get, then the findings with their fixes.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} ({}): {}\n",
            self.server,
            self.dialect,
            self.files.join(", ")
        );
        for s in &self.scopes {
            out.push_str(&format!("\n{} {} ({})\n", s.level, s.scope, s.location));
            for (code, o) in [(43, &s.option43), (120, &s.option120)] {
                match o {
                    Some(o) => out.push_str(&format!(
                        "  MS-UC-Client option {code}: {} bytes, {} (from {})\n    {}\n",
                        o.length,
                        o.meaning,
                        o.from
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        o.hex
                    )),
                    None => out.push_str(&format!("  MS-UC-Client option {code}: not sent\n")),
                }
            }
            for c in &s.others {
                if let Some(o) = &c.option43 {
                    out.push_str(&format!(
                        "  {} option 43: {} bytes (from {})\n",
                        c.client,
                        o.length,
                        o.from.first().map_or_else(String::new, ToString::to_string)
                    ));
                }
            }
        }
        out.push('\n');
        if self.findings.is_empty() {
            out.push_str("no findings: MS-UC-Client devices get options 43 and 120 as shown\n");
        } else {
            out.push_str(&ucprov_inspect::finding::render(&self.findings, ""));
        }
        out
    }
}

fn option_report(config: &Config, code: u8, o: &Assembled, ms: bool) -> OptionReport {
    let meaning = match (code, ms) {
        (43, true) => {
            let r = option43::inspect(&o.bytes, 0, None, Vendor::MsUcClient);
            r.provisioning_url
                .unwrap_or_else(|| "not a valid MS-UC-Client profile".into())
        }
        (43, false) => "another vendor's option 43".into(),
        _ => {
            let r = option120::inspect(&o.bytes, 0);
            if r.servers.is_empty() {
                "no registrar decodes".into()
            } else {
                format!("SIP server {}", r.registrars().join(", "))
            }
        }
    };
    OptionReport {
        length: o.bytes.len(),
        hex: HexStyle::CONTIGUOUS.format(&o.bytes),
        meaning,
        from: o
            .settings
            .iter()
            .filter_map(|&i| config.settings.get(i))
            .map(|s| config.sources.location(s.value.at))
            .collect(),
    }
}

/// Audit `config`, against the intended profile `expect` when given.
pub fn audit(config: &Config, expect: Option<&Provisioning>) -> Report {
    let ctx = Ctx::new(config, expect);
    let mut findings: Vec<Finding> = Vec::new();
    for (_, rule) in RULES {
        for f in rule(&ctx) {
            if !findings.contains(&f) {
                findings.push(f);
            }
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let scopes = ctx
        .scopes
        .iter()
        .map(|s| {
            let scope = &config.scopes[s.scope];
            let ms = s.ms();
            ScopeReport {
                scope: scope.name.clone(),
                level: scope.level.label(),
                location: config.sources.location(scope.at),
                option43: ms.option(43).map(|o| option_report(config, 43, o, true)),
                option120: ms.option(120).map(|o| option_report(config, 120, o, true)),
                others: s.clients[1..]
                    .iter()
                    .map(|e| OtherClient {
                        client: e.client.label.clone(),
                        option43: e.option(43).map(|o| option_report(config, 43, o, false)),
                    })
                    .collect(),
            }
        })
        .collect();
    Report {
        dialect: config.dialect.id(),
        server: config.dialect.assembly().platform.name,
        files: config
            .sources
            .files
            .iter()
            .map(|f| f.name.clone())
            .collect(),
        scopes,
        findings,
    }
}
