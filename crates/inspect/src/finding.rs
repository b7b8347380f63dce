//! One `Finding` for everything ucprov tells an admin about bytes it read: the decoder, the
//! capture reader, the probe and the web page all speak through it.

use serde::Serialize;
use ucprov_wire::error::DecodeError;

/// How much a finding matters. Ordered: `Error` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The tag the text printer puts before the message.
    pub fn tag(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a finding is about, for filtering JSON and for deciding a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The DHCP header or the options framing could not be read.
    MalformedPacket,
    /// The options field ends without option 255.
    MissingEnd,
    /// The frame was cut by the capture's snap length.
    SnapTruncated,
    /// Option 43 does not walk, or is not a valid MS-UC-Client profile.
    MalformedOption43,
    /// Option 120 does not decode.
    MalformedOption120,
    /// Option 120 decodes, but names a server a device cannot use.
    UnusableSipServer,
    /// Bytes after the end of what was decoded.
    TrailingBytes,
    /// Why a value is what it is (lengths, joined instances): nothing is wrong.
    Explanation,
    /// Option 43 for a vendor class other than MS-UC-Client, shown as that vendor's.
    OtherVendorOption43,
    /// Two servers answer one request with different provisioning.
    ConflictingServers,
    /// A request that expects a reply got none.
    NoReply,
    /// A reply leaves out option 43 or 120 although the client asked for it.
    MissingOptions,
    /// A reply went somewhere RFC 2131 §4.1 does not send it.
    WrongDestination,
    /// A request without option 60.
    NoVendorClass,
    /// A request whose option 60 is not MS-UC-Client.
    OtherVendorClass,
    /// A Windows DHCP server probing for rogue servers, or a server answering that probe.
    RogueDetection,
    /// A reply whose request is not in the capture.
    UnmatchedReply,
    /// A value over what a DHCP server platform can carry (`ucprov config`).
    PlatformLimit,
    /// How a platform can scope options to vendor class MS-UC-Client.
    Scoping,
    /// A reply over the 576 bytes a client accepts by default (RFC 2131 §2).
    ReplySize,
    /// A value a generated configuration assumes, for the admin to set (`ucprov config`).
    Assumption,
    /// An input the codec accepts that looks like a mistake (an address or a single-label
    /// name where an FQDN belongs, plain HTTP): [`crate::rules::input`].
    SuspiciousInput,
    /// A configured option value whose declared data type changes its bytes (String where
    /// Binary belongs, the port as an integer): `ucprov audit`.
    WrongDataType,
    /// A configured option 43 that reaches clients other than MS-UC-Client (`ucprov audit`).
    UnscopedOption43,
    /// A vendor-class condition that is almost, but not, option 60 `MS-UC-Client`.
    MisspeltVendorClass,
    /// Scopes of one configuration give MS-UC-Client devices different options 43 or 120.
    InconsistentScopes,
    /// A configured value differs from the intended profile (`--expect-*`).
    ProfileMismatch,
    /// A responder site (or one of its relays or subnets) that earlier sites always win:
    /// its clients never get its profile (`ucprov serve --check`).
    ShadowedSite,
    /// Two responder sites' subnets overlap: the earlier one serves the shared addresses.
    OverlappingSubnets,
    /// Settings of one option reach a client at the same precedence with different values,
    /// and which one the server sends is not documented (`ucprov audit`).
    AmbiguousSetting,
}

/// A place in a configuration file (`ucprov audit`): the file as the user named it (or as an
/// include named it) and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

impl core::fmt::Display for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Something the user should know, at a place in their bytes when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: Kind,
    /// The capture frame the finding is about, when it came from a capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// First byte concerned, in the buffer the user gave (a paste, or one DHCP message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// How many bytes from `offset` are concerned, when that is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    /// The structure concerned, in the codec's words (`option 43`, `sub-option 5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The configuration line the finding is about, when it came from a configuration file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, kind: Kind, message: impl Into<String>) -> Self {
        Finding {
            severity,
            kind,
            frame: None,
            offset: None,
            length: None,
            field: None,
            location: None,
            message: message.into(),
            fix: None,
        }
    }

    pub fn error(kind: Kind, message: impl Into<String>) -> Self {
        Finding::new(Severity::Error, kind, message)
    }

    pub fn warning(kind: Kind, message: impl Into<String>) -> Self {
        Finding::new(Severity::Warning, kind, message)
    }

    pub fn note(kind: Kind, message: impl Into<String>) -> Self {
        Finding::new(Severity::Note, kind, message)
    }

    /// A codec error as a finding: its offset, field, wording and fix.
    pub fn from_decode(kind: Kind, e: &DecodeError) -> Self {
        Finding {
            offset: Some(e.offset),
            field: Some(e.field.to_string()),
            fix: Some(e.fix().to_string()),
            ..Finding::error(kind, e.to_string())
        }
    }

    pub fn at(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn in_frame(mut self, frame: u64) -> Self {
        self.frame = Some(frame);
        self
    }

    pub fn span(mut self, offset: usize, length: usize) -> Self {
        self.offset = Some(offset);
        self.length = Some(length);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The configuration file and line the finding is about.
    pub fn located(mut self, file: impl Into<String>, line: u32) -> Self {
        self.location = Some(Location {
            file: file.into(),
            line,
        });
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl core::fmt::Display for Finding {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.severity.tag(), self.message)
    }
}

/// Whether any of `findings` is an error.
pub fn has_error<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> bool {
    findings.into_iter().any(Finding::is_error)
}

/// The findings as text: `file:line: ` when located, a tag, the message, and the fix on the
/// lines below (a fix of several lines keeps its lines, indented).
pub fn render(findings: &[Finding], indent: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let at = f
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!("{l}: "));
        out.push_str(&format!(
            "{indent}{at}{}: {}\n",
            f.severity.tag(),
            f.message
        ));
        if let Some(fix) = &f.fix {
            let mut lines = fix.lines();
            if let Some(first) = lines.next() {
                out.push_str(&format!("{indent}  fix: {first}\n"));
            }
            for more in lines {
                out.push_str(&format!("{indent}       {more}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::error::{DecodeErrorKind, Field};

    #[test]
    fn a_codec_error_keeps_its_offset_field_and_fix() {
        let e = DecodeError::new(
            1,
            Field::SubOption { code: 5 },
            DecodeErrorKind::LengthPastEnd {
                declared: 37,
                available: 30,
            },
        );
        let f = Finding::from_decode(Kind::MalformedOption43, &e);
        assert_eq!(f.offset, Some(1));
        assert_eq!(f.field.as_deref(), Some("sub-option 5"));
        assert!(f.is_error());
        assert_eq!(f.fix.as_deref(), Some(e.fix()));
    }

    #[test]
    fn severities_order_and_json_spell_one_key_each() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Note);
        let f = Finding::warning(Kind::MissingEnd, "no end").span(300, 1);
        let json = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(json["severity"], "warning");
        assert_eq!(json["kind"], "missing_end");
        assert_eq!(json["offset"], 300);
        assert!(json.get("fix").is_none());
    }

    #[test]
    fn a_located_finding_starts_with_its_file_and_line() {
        let f = Finding::error(Kind::NoReply, "bad")
            .located("dhcpd.conf", 12)
            .fix("one\ntwo");
        assert_eq!(
            render(std::slice::from_ref(&f), ""),
            "dhcpd.conf:12: error: bad\n  fix: one\n       two\n"
        );
        let json = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(json["location"]["file"], "dhcpd.conf");
        assert_eq!(json["location"]["line"], 12);
    }

    #[test]
    fn the_printer_puts_the_fix_under_its_message() {
        let f = Finding::error(Kind::NoReply, "nobody answered").fix("start a responder");
        assert_eq!(
            render(&[f], "  "),
            "  error: nobody answered\n    fix: start a responder\n"
        );
    }
}
