//! Hex in and out, in every notation admins paste and every DHCP server expects.
//!
//! Parsing is forgiving about *form* (separators, `0x` prefixes, case, line breaks, `\xNN`
//! escapes) and strict about *content*: a character that is not hex, or a group with an odd
//! number of digits, is an error that names its line and column and quotes the text around it.
//! Silently dropping a nibble is exactly the mistake that breaks phones in the field.

use core::fmt;

/// Why hex input was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum HexErrorKind {
    /// No hex digits at all.
    Empty,
    /// A character that is neither a hex digit nor an accepted separator.
    InvalidChar { found: char },
    /// A group of digits between separators with an odd count.
    OddDigits { group: String },
    /// `\x` not followed by exactly two hex digits.
    BadEscape,
}

/// Hex input error with a 1-based line and column and the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HexError {
    pub line: usize,
    pub column: usize,
    /// The input around the problem, with the problem in the middle.
    pub context: String,
    pub kind: HexErrorKind,
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("hex input line {}, column {}", self.line, self.column);
        match &self.kind {
            HexErrorKind::Empty => f.write_str("hex input is empty: paste the option bytes"),
            HexErrorKind::InvalidChar { found } => write!(
                f,
                "{at}: {found:?} is not a hex digit (near \"{}\"); accepted: 0-9 a-f, separators space : . - , and 0x or \\x prefixes",
                self.context
            ),
            HexErrorKind::OddDigits { group } => write!(
                f,
                "{at}: group \"{group}\" has an odd number of hex digits; every byte needs two digits (write 0C, not C)"
            ),
            HexErrorKind::BadEscape => write!(
                f,
                "{at}: \\x must be followed by exactly two hex digits (near \"{}\")",
                self.context
            ),
        }
    }
}

impl std::error::Error for HexError {}

/// Characters that only separate bytes or groups of bytes.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | '.' | '-' | ',' | ';' | '"' | '\'')
}

/// Parse hex as admins paste it. See the module docs for the accepted forms.
pub fn parse_hex(input: &str) -> Result<Vec<u8>, HexError> {
    if input.contains("\\x") || input.contains("\\X") {
        return parse_escaped(input);
    }
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::with_capacity(chars.len() / 2);
    let mut i = 0;
    while i < chars.len() {
        if is_separator(chars[i]) {
            i += 1;
            continue;
        }
        // A group runs to the next separator; `0x` opens it (per byte or for the whole string).
        let start = i;
        if chars[i] == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
            i += 2;
        }
        let digits_start = i;
        while i < chars.len() && !is_separator(chars[i]) {
            if !chars[i].is_ascii_hexdigit() {
                return Err(error_at(
                    &chars,
                    i,
                    HexErrorKind::InvalidChar { found: chars[i] },
                ));
            }
            i += 1;
        }
        let digits = &chars[digits_start..i];
        if !digits.len().is_multiple_of(2) {
            let group: String = chars[start..i].iter().collect();
            return Err(error_at(&chars, start, HexErrorKind::OddDigits { group }));
        }
        out.extend(
            digits
                .chunks_exact(2)
                .map(|pair| hex_pair(pair[0], pair[1])),
        );
    }
    if out.is_empty() {
        return Err(error_at(&chars, 0, HexErrorKind::Empty));
    }
    Ok(out)
}

/// `\x01\x0cMS-UC-Client…`: escapes mixed with literal printable text, as systemd and C print.
/// Line breaks are layout; every other character stands for itself.
fn parse_escaped(input: &str) -> Result<Vec<u8>, HexError> {
    let chars: Vec<char> = input.trim().chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\r' | '\n' => i += 1,
            '\\' => {
                let escape = chars.get(i + 1).copied();
                match escape {
                    Some('x' | 'X') => {
                        let (hi, lo) = (chars.get(i + 2), chars.get(i + 3));
                        match (hi, lo) {
                            (Some(h), Some(l))
                                if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() =>
                            {
                                out.push(hex_pair(*h, *l));
                                i += 4;
                            }
                            _ => return Err(error_at(&chars, i, HexErrorKind::BadEscape)),
                        }
                    }
                    Some('\\') => push_and_skip(&mut out, b'\\', &mut i),
                    Some('0') => push_and_skip(&mut out, 0, &mut i),
                    Some('n') => push_and_skip(&mut out, b'\n', &mut i),
                    Some('r') => push_and_skip(&mut out, b'\r', &mut i),
                    Some('t') => push_and_skip(&mut out, b'\t', &mut i),
                    Some('"') => push_and_skip(&mut out, b'"', &mut i),
                    _ => return Err(error_at(&chars, i, HexErrorKind::BadEscape)),
                }
            }
            c if c.is_ascii() && !c.is_ascii_control() => {
                out.push(c as u8);
                i += 1;
            }
            found => return Err(error_at(&chars, i, HexErrorKind::InvalidChar { found })),
        }
    }
    if out.is_empty() {
        return Err(error_at(&chars, 0, HexErrorKind::Empty));
    }
    Ok(out)
}

fn push_and_skip(out: &mut Vec<u8>, byte: u8, i: &mut usize) {
    out.push(byte);
    *i += 2;
}

fn hex_pair(hi: char, lo: char) -> u8 {
    // Both were checked with `is_ascii_hexdigit`, so `to_digit` cannot fail; 0 is unreachable.
    let nibble = |c: char| c.to_digit(16).unwrap_or(0) as u8;
    (nibble(hi) << 4) | nibble(lo)
}

fn error_at(chars: &[char], index: usize, kind: HexErrorKind) -> HexError {
    let before = &chars[..index.min(chars.len())];
    let line = before.iter().filter(|&&c| c == '\n').count() + 1;
    let column = before.iter().rev().take_while(|&&c| c != '\n').count() + 1;
    let from = index.saturating_sub(6);
    let to = (index + 7).min(chars.len());
    let context = chars[from..to]
        .iter()
        .map(|&c| if c.is_control() { ' ' } else { c })
        .collect();
    HexError {
        line,
        column,
        context,
        kind,
    }
}

/// How to print bytes as hex: one row of this table per notation a DHCP server takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexStyle {
    /// Written before every group.
    pub group_prefix: &'static str,
    /// Written between groups.
    pub separator: &'static str,
    /// Bytes per group.
    pub group_bytes: usize,
    pub upper: bool,
}

impl HexStyle {
    /// `010C4D53…`: DHCPUtil, netsh, Kea, udhcpd, Meraki, FortiGate, Comware, Huawei.
    pub const CONTIGUOUS: HexStyle = HexStyle::new("", "", 1, true);
    /// `01:0c:4d:53…`: dnsmasq, ISC dhcpd, pfSense, OpenWrt.
    pub const COLON: HexStyle = HexStyle::new("", ":", 1, false);
    /// `01 0C 4D 53…`: readable tables and Wireshark-like dumps.
    pub const SPACED: HexStyle = HexStyle::new("", " ", 1, true);
    /// `010c.4d53…`: Cisco IOS.
    pub const CISCO: HexStyle = HexStyle::new("", ".", 2, false);
    /// `0x01 0x0C…`: Junos `byte-stream`.
    pub const JUNOS: HexStyle = HexStyle::new("0x", " ", 1, true);
    /// `0x01,0x0C…`: PowerShell byte arrays.
    pub const POWERSHELL: HexStyle = HexStyle::new("0x", ",", 1, true);

    pub const fn new(
        group_prefix: &'static str,
        separator: &'static str,
        group_bytes: usize,
        upper: bool,
    ) -> Self {
        HexStyle {
            group_prefix,
            separator,
            group_bytes,
            upper,
        }
    }

    pub fn format(&self, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() * (2 + self.separator.len() + 2));
        for (n, group) in bytes.chunks(self.group_bytes.max(1)).enumerate() {
            if n > 0 {
                out.push_str(self.separator);
            }
            out.push_str(self.group_prefix);
            for b in group {
                push_hex_byte(&mut out, *b, self.upper);
            }
        }
        out
    }
}

fn push_hex_byte(out: &mut String, b: u8, upper: bool) {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let table = if upper { UPPER } else { LOWER };
    out.push(table[usize::from(b >> 4)] as char);
    out.push(table[usize::from(b & 0x0F)] as char);
}

/// `\x01\x0cMS-UC-Client…`: printable ASCII stays, everything else is `\xNN` with exactly two
/// digits (systemd and Rust read it that way; C compilers read `\x` greedily, beware).
pub fn c_escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7E => out.push(b as char),
            _ => {
                out.push_str("\\x");
                push_hex_byte(&mut out, b, false);
            }
        }
    }
    out
}

/// Printable ASCII as is, every other byte as `.`, like a hex dump's text column.
pub fn ascii_preview(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..=0x7E).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SUB1: [u8; 14] = [
        0x01, 0x0C, 0x4D, 0x53, 0x2D, 0x55, 0x43, 0x2D, 0x43, 0x6C, 0x69, 0x65, 0x6E, 0x74,
    ];

    #[test]
    fn accepts_every_pasted_form() {
        for form in [
            "010C4D532D55432D436C69656E74",
            "010c4d532d55432d436c69656e74",
            "01 0C 4D 53 2D 55 43 2D 43 6C 69 65 6E 74",
            "01:0c:4d:53:2d:55:43:2d:43:6c:69:65:6e:74",
            "010c.4d53.2d55.432d.436c.6965.6e74",
            "0x010C4D532D55432D436C69656E74",
            "0x01 0x0C 0x4D 0x53 0x2D 0x55 0x43 0x2D 0x43 0x6C 0x69 0x65 0x6E 0x74",
            "0x01,0x0C,0x4D,0x53,0x2D,0x55,0x43,0x2D,0x43,0x6C,0x69,0x65,0x6E,0x74",
            "\"0x01 0x0C 0x4D 0x53 0x2D 0x55 0x43 0x2D 0x43 0x6C 0x69 0x65 0x6E 0x74\"",
            "010C4D53\n2D55432D\r\n436C69656E74\n",
            "\\x01\\x0cMS-UC-Client",
            "\\x01\\x0c\\x4d\\x53\\x2d\\x55\\x43\\x2d\\x43\\x6c\\x69\\x65\\x6e\\x74",
        ] {
            assert_eq!(
                parse_hex(form).as_deref(),
                Ok(&SEED_SUB1[..]),
                "form {form:?}"
            );
        }
    }

    #[test]
    fn bad_character_names_line_column_and_text() {
        let err = parse_hex("010C\n4D5G3").unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
        assert_eq!(err.kind, HexErrorKind::InvalidChar { found: 'G' });
        assert_eq!(err.context, "0C 4D5G3");
        assert_eq!(
            err.to_string(),
            "hex input line 2, column 4: 'G' is not a hex digit (near \"0C 4D5G3\"); accepted: 0-9 a-f, separators space : . - , and 0x or \\x prefixes"
        );
    }

    #[test]
    fn odd_digit_group_is_an_error_not_a_guess() {
        let err = parse_hex("01 0C 4D5").unwrap_err();
        assert_eq!(err.column, 7);
        assert_eq!(
            err.kind,
            HexErrorKind::OddDigits {
                group: "4D5".into()
            }
        );
        assert!(err
            .to_string()
            .contains("group \"4D5\" has an odd number of hex digits"));
        assert!(parse_hex("ABC").is_err());
    }

    #[test]
    fn empty_and_separator_only_input_is_rejected() {
        assert_eq!(parse_hex("").unwrap_err().kind, HexErrorKind::Empty);
        assert_eq!(parse_hex(" : \n").unwrap_err().kind, HexErrorKind::Empty);
    }

    #[test]
    fn bad_escape_is_reported() {
        let err = parse_hex("\\x0").unwrap_err();
        assert_eq!(err.kind, HexErrorKind::BadEscape);
        assert_eq!(err.column, 1);
        assert_eq!(
            parse_hex("\\x0G").unwrap_err().kind,
            HexErrorKind::BadEscape
        );
    }

    #[test]
    fn styles_print_each_servers_notation() {
        let b = [0x01, 0x0C, 0x4D, 0x53, 0x2D];
        assert_eq!(HexStyle::CONTIGUOUS.format(&b), "010C4D532D");
        assert_eq!(HexStyle::COLON.format(&b), "01:0c:4d:53:2d");
        assert_eq!(HexStyle::SPACED.format(&b), "01 0C 4D 53 2D");
        assert_eq!(HexStyle::CISCO.format(&b), "010c.4d53.2d");
        assert_eq!(HexStyle::JUNOS.format(&b), "0x01 0x0C 0x4D 0x53 0x2D");
        assert_eq!(HexStyle::POWERSHELL.format(&b), "0x01,0x0C,0x4D,0x53,0x2D");
        assert_eq!(HexStyle::CONTIGUOUS.format(&[]), "");
    }

    #[test]
    fn c_escape_round_trips_through_parse() {
        let s = c_escape(&SEED_SUB1);
        assert_eq!(s, "\\x01\\x0cMS-UC-Client");
        assert_eq!(parse_hex(&s).as_deref(), Ok(&SEED_SUB1[..]));
    }

    #[test]
    fn every_style_parses_back() {
        let bytes: Vec<u8> = (0..=255).collect();
        for style in [
            HexStyle::CONTIGUOUS,
            HexStyle::COLON,
            HexStyle::SPACED,
            HexStyle::CISCO,
            HexStyle::JUNOS,
            HexStyle::POWERSHELL,
        ] {
            assert_eq!(parse_hex(&style.format(&bytes)).as_deref(), Ok(&bytes[..]));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_hex(&s);
        }

        #[test]
        fn round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 1..300)) {
            proptest::prop_assert_eq!(parse_hex(&HexStyle::CISCO.format(&bytes)).ok(), Some(bytes));
        }
    }
}
