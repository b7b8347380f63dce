//! What every target shares: the values computed once, the document a renderer fills, and
//! the header (what the file is, how to regenerate it, lengths, scoping, findings, traps).

use ucprov_wire::catalog;
use ucprov_wire::profile::{Provisioning, VENDOR_CLASS};
use ucprov_wire::sip_servers::SipServers;

use crate::findings::{limit_findings, reply_size_finding, vci_finding, Finding, Kind};
use crate::platform::Platform;
use crate::request::{Request, Scope};

/// A target's renderer: writes its syntax into the document.
pub type Renderer = fn(&Ctx, &mut Doc);

/// Everything a renderer reads, computed once per target.
pub struct Ctx<'a> {
    pub platform: &'static Platform,
    pub req: &'a Request<'a>,
    /// Option 43's data: sub-option TLVs, no header.
    pub o43: Vec<u8>,
    /// Option 120's data: encoding byte first, no header.
    pub o120: Vec<u8>,
}

impl Ctx<'_> {
    pub fn provisioning(&self) -> &Provisioning {
        self.req.provisioning
    }

    /// Option 43 in the platform's hex notation.
    pub fn hex43(&self) -> String {
        self.platform.hex.format(&self.o43)
    }

    /// Option 120 in the platform's hex notation.
    pub fn hex120(&self) -> String {
        self.platform.hex.format(&self.o120)
    }

    /// Options 43 and 120 in the platform's notation, with what each carries.
    pub fn options(&self) -> [OptionValue; 2] {
        [
            OptionValue {
                code: 43,
                hex: self.hex43(),
                why: "option 43: the MS-UC-Client sub-options as raw bytes (the server adds code and length)".into(),
            },
            OptionValue {
                code: 120,
                hex: self.hex120(),
                why: format!("option 120: SIP server {}", self.sip_list()),
            },
        ]
    }

    /// One commented configuration line per option, spelled by `line`.
    pub fn option_lines(&self, doc: &mut Doc, line: impl Fn(&OptionValue) -> String) {
        for o in self.options() {
            doc.line(line(&o), o.why);
        }
    }

    /// The name of the class, tag, option set or pool.
    pub fn name(&self) -> &str {
        self.req
            .class_name
            .as_deref()
            .unwrap_or(self.platform.default_name)
    }

    /// Every scope the request names, or the documentation placeholder with a finding telling
    /// the admin to set it. Renderers write class and definition lines once and pool or subnet
    /// lines once per scope.
    pub fn scopes(&self, doc: &mut Doc) -> Vec<Scope> {
        if self.req.scopes.is_empty() {
            doc.assumed(format!(
                "no --scope given: {} is a documentation placeholder; put the phones' subnet there",
                Scope::PLACEHOLDER
            ));
            vec![Scope::PLACEHOLDER]
        } else {
            self.req.scopes.clone()
        }
    }

    /// The one scope of a syntax that serves a single subnet per configuration file. Several
    /// scopes are an error finding (no configuration), never a file that serves only the first.
    pub fn scope(&self, doc: &mut Doc) -> Scope {
        let scopes = self.scopes(doc);
        if scopes.len() > 1 {
            doc.findings.push(Finding::error(
                Kind::PlatformLimit,
                format!(
                    "{} serves one subnet per configuration file and {} scopes were given: run ucprov config once per scope",
                    self.platform.name,
                    scopes.len()
                ),
            ));
        }
        scopes.first().copied().unwrap_or(Scope::PLACEHOLDER)
    }

    /// Pool names, one per scope: `name` for a single scope, `name-1`, `name-2`, … for several
    /// (pools are looked up by name, so two scopes cannot share one).
    pub fn pool_names(&self, count: usize) -> Vec<String> {
        let name = self.name();
        if count == 1 {
            vec![name.to_string()]
        } else {
            (1..=count).map(|i| format!("{name}-{i}")).collect()
        }
    }

    /// The interface, or the platform's default with a finding telling the admin to check it.
    pub fn interface(&self, doc: &mut Doc) -> String {
        match (&self.req.interface, self.platform.default_interface) {
            (Some(i), _) => i.clone(),
            (None, default) => {
                let default = default.unwrap_or("eth0");
                doc.assumed(format!("no --interface given: {default} is assumed; change it to the interface facing the phones"),
                );
                default.to_string()
            }
        }
    }

    /// The sub-options in emit order with their catalog names (`sub-N` when the catalog has none).
    pub fn suboptions(&self) -> Vec<SubOption> {
        self.provisioning()
            .profile
            .suboptions()
            .into_iter()
            .map(|(code, value)| SubOption {
                code,
                name: catalog::suboption(code)
                    .map_or_else(|| format!("sub-{code}"), |s| s.name.to_string()),
                meaning: catalog::suboption(code).map_or("site-specific sub-option", |s| s.meaning),
                value,
            })
            .collect()
    }

    /// The SIP servers option 120 names, for comments.
    pub fn sip_list(&self) -> String {
        match &self.provisioning().sip_servers {
            SipServers::Names(n) => n.join(", "),
            SipServers::Addresses(a) => a
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// One option's value in the platform's hex notation.
pub struct OptionValue {
    pub code: u8,
    pub hex: String,
    /// What the option carries, for the comment.
    pub why: String,
}

/// One option 43 sub-option, named for the configuration syntax.
pub struct SubOption {
    pub code: u8,
    pub name: String,
    pub meaning: &'static str,
    pub value: Vec<u8>,
}

impl SubOption {
    /// The value as text when every byte is printable ASCII and none is in `avoid` (characters
    /// the target's quoting cannot carry); otherwise the caller writes hex.
    pub fn text(&self, avoid: &[u8]) -> Option<&str> {
        let plain = self
            .value
            .iter()
            .all(|b| (0x20..=0x7E).contains(b) && !avoid.contains(b));
        if plain {
            std::str::from_utf8(&self.value).ok()
        } else {
            None
        }
    }
}

/// One piece of a generated configuration.
enum Item {
    /// A configuration line with why it is there (written as a comment above it).
    Line {
        text: String,
        why: String,
    },
    /// A comment on its own.
    Comment(String),
    Blank,
    /// Text written as is (JSON bodies, numbered steps).
    Raw(String),
}

/// The document a renderer fills, plus the findings it adds.
#[derive(Default)]
pub struct Doc {
    items: Vec<Item>,
    pub(crate) findings: Vec<Finding>,
}

impl Doc {
    pub fn line(&mut self, text: impl Into<String>, why: impl Into<String>) {
        self.items.push(Item::Line {
            text: text.into(),
            why: why.into(),
        });
    }

    /// A configuration line that needs no comment of its own (block ends, continuation lines).
    pub fn plain(&mut self, text: impl Into<String>) {
        self.line(text, "");
    }

    pub fn comment(&mut self, text: impl Into<String>) {
        self.items.push(Item::Comment(text.into()));
    }

    pub fn blank(&mut self) {
        self.items.push(Item::Blank);
    }

    pub fn raw(&mut self, text: impl Into<String>) {
        self.items.push(Item::Raw(text.into()));
    }

    /// A value the configuration assumes and the admin should set.
    pub fn assumed(&mut self, message: impl Into<String>) {
        self.findings.push(Finding::note(Kind::Assumption, message));
    }

    /// The body, comments above the lines they explain, indented like the line.
    fn write_body(&self, comment: &str, out: &mut String) {
        for item in &self.items {
            match item {
                Item::Line { text, why } => {
                    if !why.is_empty() {
                        let indent: String =
                            text.chars().take_while(|c| c.is_whitespace()).collect();
                        out.push_str(&format!("{indent}{comment} {why}\n"));
                    }
                    out.push_str(text);
                    out.push('\n');
                }
                Item::Comment(c) => out.push_str(&format!("{comment} {c}\n")),
                Item::Blank => out.push('\n'),
                Item::Raw(r) => {
                    out.push_str(r);
                    if !r.ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
        }
    }
}

/// Run the platform's renderer (from [`crate::targets::TARGETS`]) and assemble the file:
/// header, body, findings.
pub(crate) fn assemble(ctx: &Ctx, render: Renderer) -> (String, Vec<Finding>) {
    let mut doc = Doc::default();
    render(ctx, &mut doc);
    let mut findings = limit_findings(ctx.platform, ctx.provisioning(), &ctx.o43, &ctx.o120);
    findings.extend(reply_size_finding(ctx.o43.len(), ctx.o120.len()));
    findings.extend(vci_finding(ctx.platform));
    findings.append(&mut doc.findings);
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let c = ctx.platform.comment;
    let mut out = String::new();
    let mut head = |line: String| out.push_str(&format!("{c} {line}\n"));
    head(format!(
        "{}: options 43 and 120 for Lync / Skype for Business devices (vendor class {VENDOR_CLASS})",
        ctx.platform.name
    ));
    head(format!(
        "Generated by: {}",
        ctx.req.command_line(ctx.platform.id)
    ));
    head(format!(
        "Option 43: {} bytes ({} hex characters), provisioning URL {}",
        ctx.o43.len(),
        ctx.o43.len() * 2,
        ctx.provisioning().profile.provisioning_url()
    ));
    head(format!(
        "Option 120: {} bytes ({} hex characters), SIP server {}",
        ctx.o120.len(),
        ctx.o120.len() * 2,
        ctx.sip_list()
    ));
    head(format!(
        "Vendor-class scoping ({}): {}",
        ctx.platform.vci.label(),
        ctx.platform.vci_note
    ));
    if !findings.is_empty() {
        head("Findings:".to_string());
        for f in &findings {
            head(format!("  {f}"));
        }
    }
    head("Avoided traps:".to_string());
    for t in ctx.platform.traps {
        head(format!("  - {t}"));
    }
    out.push('\n');
    doc.write_body(c, &mut out);
    (out, findings)
}
