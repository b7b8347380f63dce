//! Hex dumps as admins paste them: `tshark -x` and Wireshark's "Copy as Hex Dump", `xxd`,
//! `hexdump -C`, and `od -Ax -tx1` (with or without `z`). Each tool's layout is read exactly:
//! the offset column is checked against the bytes before it and never read as data, an ASCII
//! column is checked against the bytes it shows, and `*` (a repeated line, hexdump and od) is
//! expanded up to the next offset. A paste that looks like a dump but does not read as one
//! unambiguously is an error that says which line and why; plain hex is [`crate::hex`]'s.

use core::fmt;

/// Which tool's layout a dump has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DumpForm {
    /// `0000  02 00 …   ..ascii` (tshark -x, Wireshark's Copy as Hex Dump).
    Tshark,
    /// `00000000: 0200 0000  ..ascii`.
    Xxd,
    /// `00000000  02 00 …  |..ascii|`, `*` for repeats, the total on the last line.
    HexdumpC,
    /// `000000 02 00 …` (od -Ax -tx1, `  >ascii<` with z), `*` for repeats, the total last.
    Od,
}

impl DumpForm {
    /// The layout's name with its article, for sentences: "an xxd dump".
    pub fn name(self) -> &'static str {
        match self {
            DumpForm::Tshark => "a tshark -x / Wireshark hex dump",
            DumpForm::Xxd => "an xxd dump",
            DumpForm::HexdumpC => "a hexdump -C dump",
            DumpForm::Od => "an od -Ax -tx1 dump",
        }
    }
}

/// The most bytes one paste may hold: an Ethernet frame around the largest UDP datagram.
/// More is not one option, message or frame. Every other line adds bytes in proportion to
/// its text, but one `*` line asks for as many as the next offset says, so a repeat that
/// would pass this is refused before it is expanded.
pub const MAX_DECODED_BYTES: usize = 65_535 + 42;

/// The bytes of a dump, and where they started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub form: DumpForm,
    /// The first line's offset: nonzero when a selection was copied out of a larger dump.
    pub first_offset: usize,
    pub bytes: Vec<u8>,
}

/// A paste that looks like a dump but cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    pub form: DumpForm,
    /// 1-based line of the paste.
    pub line: usize,
    pub why: String,
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: this looks like {}, but {}; paste the whole dump as the tool printed it, or the bytes alone without offsets",
            self.line,
            self.form.name(),
            self.why
        )
    }
}

impl std::error::Error for DumpError {}

/// One line of a dump, read.
enum Line {
    Data {
        offset: usize,
        bytes: Vec<u8>,
    },
    /// `*`: the line before repeats up to the next offset.
    Repeat,
    /// An offset alone: the total length (hexdump, od).
    End {
        offset: usize,
    },
}

fn hex_value(s: &str) -> Option<usize> {
    (!s.is_empty() && s.len() <= 16 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| usize::from_str_radix(s, 16).ok())
        .flatten()
}

fn byte(s: &str) -> Option<u8> {
    (s.len() == 2)
        .then(|| u8::from_str_radix(s, 16).ok())
        .flatten()
}

/// The form the first line has, if it has one.
fn form_of(line: &str) -> Option<DumpForm> {
    let lead = line
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let rest = &line[lead..];
    let token_after = |gap: usize| {
        rest.get(gap..)
            .and_then(|r| r.split(' ').next())
            .and_then(byte)
            .is_some()
    };
    match lead {
        8 if rest.starts_with(": ") => Some(DumpForm::Xxd),
        8 if rest.starts_with("  ") && line.contains('|') && token_after(2) => {
            Some(DumpForm::HexdumpC)
        }
        6 | 7 if rest.starts_with(' ') && !rest.starts_with("  ") && token_after(1) => {
            Some(DumpForm::Od)
        }
        4 | 8
            if (rest.starts_with("  ") || rest.starts_with("   "))
                && (token_after(2) || token_after(3)) =>
        {
            Some(DumpForm::Tshark)
        }
        _ => None,
    }
}

/// Split `area` into hex tokens separated by single spaces; `max_gap` spaces may appear once
/// (the middle gap of hexdump -C and Wireshark). Returns the tokens and what follows them.
fn tokens(area: &str, max_gap: usize) -> (Vec<&str>, &str) {
    let mut out = Vec::new();
    let mut rest = area;
    let mut wide_gap_used = false;
    loop {
        let end = rest.find(' ').unwrap_or(rest.len());
        let token = &rest[..end];
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return (out, rest);
        }
        out.push(token);
        let after = &rest[end..];
        let gap = after.len() - after.trim_start_matches(' ').len();
        if gap == 0 {
            return (out, "");
        }
        if gap > 1 {
            if gap > max_gap || wide_gap_used || out.len() != 8 {
                return (out, after.trim_start_matches(' '));
            }
            wide_gap_used = true;
        }
        rest = &after[gap..];
    }
}

/// What a tool prints for `bytes` in its ASCII column.
fn ascii(bytes: &[u8]) -> String {
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

fn read_line(form: DumpForm, text: &str) -> Result<Line, String> {
    let t = text.trim_end();
    if t == "*" && matches!(form, DumpForm::HexdumpC | DumpForm::Od) {
        return Ok(Line::Repeat);
    }
    let lead = t.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(t.len());
    let offset = hex_value(&t[..lead])
        .ok_or_else(|| format!("it does not start with an offset ({:?})", t))?;
    let rest = &t[lead..];
    if rest.is_empty() {
        return match form {
            DumpForm::HexdumpC | DumpForm::Od => Ok(Line::End { offset }),
            _ => Err("an offset stands alone on the line".into()),
        };
    }
    let area = match form {
        DumpForm::Xxd => rest.strip_prefix(": "),
        DumpForm::HexdumpC => rest.strip_prefix("  "),
        DumpForm::Od => rest.strip_prefix(' '),
        DumpForm::Tshark => rest.strip_prefix("   ").or_else(|| rest.strip_prefix("  ")),
    };
    let area = area.ok_or("the offset is not followed by the tool's separator")?;
    let (groups, tail) = match form {
        DumpForm::Xxd => tokens(area, 1),
        DumpForm::HexdumpC => tokens(area, 2),
        DumpForm::Od => tokens(area, 1),
        DumpForm::Tshark => tokens(area, 2),
    };
    let mut bytes = Vec::new();
    for g in &groups {
        if g.len() % 2 != 0 || (form != DumpForm::Xxd && g.len() != 2) {
            return Err(format!("the group {g:?} is not whole bytes"));
        }
        for i in (0..g.len()).step_by(2) {
            bytes.push(byte(&g[i..i + 2]).ok_or_else(|| format!("{g:?} is not hex"))?);
        }
    }
    if bytes.is_empty() {
        return Err("no bytes follow the offset".into());
    }
    // The ASCII column, when the tool prints one, must show these bytes.
    let shown = match form {
        DumpForm::HexdumpC => Some(
            tail.strip_prefix('|')
                .and_then(|s| s.strip_suffix('|'))
                .ok_or("its ASCII column is not between | |")?,
        ),
        DumpForm::Od if !tail.is_empty() => Some(
            tail.strip_prefix('>')
                .and_then(|s| s.strip_suffix('<'))
                .ok_or("text follows the bytes that is not od's >ascii< column")?,
        ),
        DumpForm::Xxd | DumpForm::Tshark if !tail.is_empty() => Some(tail),
        _ => None,
    };
    if let Some(shown) = shown {
        let want = ascii(&bytes);
        // Tools pad a short last line's column; the shown text must be the bytes' text.
        if shown.trim_end() != want.trim_end() {
            return Err(format!(
                "its ASCII column {shown:?} is not what its bytes show ({want:?}), so the bytes are not where this tool puts them"
            ));
        }
    }
    Ok(Line::Data { offset, bytes })
}

/// Read `text` as a dump when its first line has a dump's layout; `None` when it does not
/// (plain hex, for [`crate::hex::parse_hex`]).
pub fn parse_dump(text: &str) -> Option<Result<Dump, DumpError>> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let (_, first) = lines.first()?;
    let form = form_of(first.trim_start())?;
    Some(read(form, &lines))
}

fn read(form: DumpForm, lines: &[(usize, &str)]) -> Result<Dump, DumpError> {
    let err = |line: usize, why: String| DumpError { form, line, why };
    let mut bytes: Vec<u8> = Vec::new();
    let mut first_offset = None;
    let mut last: Option<Vec<u8>> = None;
    let mut repeating = false;
    let mut ended = None;
    let mut confirmed = false;
    for &(n, text) in lines {
        if let Some(end_line) = ended {
            return Err(err(
                n,
                format!("text follows the total length on line {end_line}"),
            ));
        }
        let line = read_line(form, text.trim_start()).map_err(|why| err(n, why))?;
        let at = first_offset.unwrap_or(0) + bytes.len();
        match line {
            Line::Repeat => {
                if last.is_none() {
                    return Err(err(
                        n,
                        "`*` repeats a line, but none comes before it".into(),
                    ));
                }
                repeating = true;
            }
            Line::Data { offset, bytes: b } => {
                if first_offset.is_none() {
                    first_offset = Some(offset);
                } else {
                    fill_repeat(&mut bytes, &mut repeating, &last, at, offset, form, n)?;
                    let at = first_offset.unwrap_or(0) + bytes.len();
                    if offset != at {
                        return Err(err(n, format!("its offset 0x{offset:x} is not the 0x{at:x} bytes the lines before it hold")));
                    }
                    confirmed = true;
                }
                bytes.extend_from_slice(&b);
                last = Some(b);
            }
            Line::End { offset } => {
                fill_repeat(&mut bytes, &mut repeating, &last, at, offset, form, n)?;
                let total = first_offset.unwrap_or(0) + bytes.len();
                if offset != total {
                    return Err(err(
                        n,
                        format!(
                            "the total 0x{offset:x} is not the 0x{total:x} bytes the lines hold"
                        ),
                    ));
                }
                confirmed = true;
                ended = Some(n);
            }
        }
    }
    if repeating {
        let n = lines.last().map_or(1, |l| l.0);
        return Err(err(
            n,
            "it ends with `*` and no offset saying how far the repeat goes".into(),
        ));
    }
    // One line alone with nothing to check its offset against could as well be plain hex
    // whose first bytes look like an offset: refuse to guess, unless the tool's own marks
    // (xxd's colon, hexdump's |column|, an ASCII column that matched) say what it is.
    let marked = match form {
        DumpForm::Xxd | DumpForm::HexdumpC => true,
        DumpForm::Tshark | DumpForm::Od => lines
            .first()
            .is_some_and(|(_, l)| has_ascii_column(form, l)),
    };
    if !confirmed && !marked {
        let n = lines.first().map_or(1, |l| l.0);
        return Err(err(n, "a single line without an ASCII column leaves it open whether its first group is an offset or data".into()));
    }
    Ok(Dump {
        form,
        first_offset: first_offset.unwrap_or(0),
        bytes,
    })
}

fn has_ascii_column(form: DumpForm, line: &str) -> bool {
    match form {
        DumpForm::Od => line.trim_end().ends_with('<'),
        _ => {
            line.contains("   ") && {
                let after = line.rsplit("   ").next().unwrap_or("");
                !after.trim().is_empty() && byte(after.trim()).is_none()
            }
        }
    }
}

/// Expand a pending `*`: the last line repeats until `to`.
fn fill_repeat(
    bytes: &mut Vec<u8>,
    repeating: &mut bool,
    last: &Option<Vec<u8>>,
    at: usize,
    to: usize,
    form: DumpForm,
    line: usize,
) -> Result<(), DumpError> {
    if !std::mem::take(repeating) {
        return Ok(());
    }
    let Some(row) = last.as_ref().filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    let gap = to
        .checked_sub(at)
        .filter(|g| g % row.len() == 0)
        .ok_or(DumpError {
            form,
            line,
            why: format!(
            "after `*` the offset 0x{to:x} is not a whole number of repeated lines past 0x{at:x}"
        ),
        })?;
    let total = bytes.len().saturating_add(gap);
    if total > MAX_DECODED_BYTES {
        return Err(DumpError {
            form,
            line,
            why: format!(
                "after `*` the offset 0x{to:x} would make it {total} bytes, over the \
                 {MAX_DECODED_BYTES} an Ethernet frame with the largest UDP datagram can have"
            ),
        });
    }
    for _ in 0..gap / row.len() {
        bytes.extend_from_slice(row);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(text: &str) -> Dump {
        match parse_dump(text) {
            Some(Ok(d)) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_hex_is_not_a_dump() {
        for t in [
            "2B5A010C4D53",
            "2b 5a 01 0c",
            "010c.4d53.2d55",
            "010c 4d53 2d55",
            "0x2b,0x5a",
        ] {
            assert!(parse_dump(t).is_none(), "{t}");
        }
    }

    #[test]
    fn each_tools_layout_reads_to_its_bytes() {
        let want: Vec<u8> = (0u8..20).collect();
        let tshark = "0000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   ................\n0010  10 11 12 13                                       ....\n";
        let wireshark = "0000   00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f   ................\n0010   10 11 12 13                                        ....\n";
        let xxd = "00000000: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................\n00000010: 1011 1213                                ....\n";
        let hexdump = "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n00000010  10 11 12 13                                       |....|\n00000014\n";
        let od =
            "000000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n000010 10 11 12 13\n000014\n";
        for (text, form) in [
            (tshark, DumpForm::Tshark),
            (wireshark, DumpForm::Tshark),
            (xxd, DumpForm::Xxd),
            (hexdump, DumpForm::HexdumpC),
            (od, DumpForm::Od),
        ] {
            let d = read_ok(text);
            assert_eq!(
                (d.form, d.bytes.as_slice()),
                (form, want.as_slice()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_star_repeats_the_line_before_up_to_the_next_offset() {
        let od = "000000 00 00 00 00\n*\n000010 01 02\n000012\n";
        let d = read_ok(od);
        assert_eq!(d.bytes.len(), 18);
        assert_eq!(&d.bytes[16..], &[1, 2]);
        let bad = "000000 00 00 00 00\n*\n00000e 01\n00000f\n";
        assert!(matches!(parse_dump(bad), Some(Err(_))));
    }

    /// Found by the `paste` fuzz target: one `*` and a far offset asked for 1.4 GB.
    #[test]
    fn a_star_may_not_expand_past_one_frame() {
        let row = "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|";
        let dump = |to: usize| format!("00000000  {row}\n*\n{to:08x}  {row}\n");
        // Repeats up to 0x10000 and one last line: 65,552 bytes. 0x10030 (65,584) is over.
        assert_eq!(read_ok(&dump(0x10000)).bytes.len(), 0x10010);
        for to in [0x10030, 0x5516_15e0, usize::MAX & !0xf] {
            let Some(Err(e)) = parse_dump(&dump(to)) else {
                panic!("0x{to:x} was read")
            };
            assert_eq!(e.line, 3);
            assert!(
                e.to_string().contains(&format!(
                    "after `*` the offset 0x{to:x} would make it {to} bytes, over the 65577"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn an_offset_that_disagrees_is_an_error_at_its_line() {
        let t = "0000  00 01 02 03   ....\n0008  04 05   ..\n";
        let Some(Err(e)) = parse_dump(t) else {
            panic!()
        };
        assert_eq!(e.line, 2);
        assert!(
            e.to_string().contains("offset 0x8 is not the 0x4 bytes"),
            "{e}"
        );
    }

    #[test]
    fn an_ascii_column_that_does_not_match_is_an_error() {
        let t = "00000000: 4142 4344  ABCE\n";
        let Some(Err(e)) = parse_dump(t) else {
            panic!()
        };
        assert!(e.to_string().contains("ASCII column"), "{e}");
    }

    #[test]
    fn one_unmarked_line_is_ambiguous_and_refused() {
        let Some(Err(e)) = parse_dump("0000  2b 5a 01 0c") else {
            panic!()
        };
        assert!(e.to_string().contains("leaves it open"), "{e}");
        // With tshark's ASCII column the same line is unambiguous.
        assert_eq!(
            read_ok("0000  2b 5a 01 0c   +Z..").bytes,
            [0x2b, 0x5a, 1, 0x0c]
        );
    }

    #[test]
    fn a_selection_copied_from_the_middle_keeps_its_start() {
        let d = read_ok("0110  63 82 53 63   c.Sc\n0114  35 01   5.\n");
        assert_eq!(d.first_offset, 0x110);
        assert_eq!(d.bytes, [0x63, 0x82, 0x53, 0x63, 0x35, 1]);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
            let _ = parse_dump(&s);
        }

        #[test]
        fn dump_shaped_noise_never_panics(lines in proptest::collection::vec("[0-9a-f]{4,8}[ :|*>]{1,3}[0-9a-f .|<>]{0,60}", 0..6)) {
            let _ = parse_dump(&lines.join("\n"));
        }
    }
}
