//! dhcpd.conf tokens: words (names, numbers, addresses, colon hex), quoted strings,
//! punctuation, each with its line; `#` comments dropped.

use crate::error::{AuditError, ErrorKind};
use crate::source::{FileId, Loc, Sources};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(String),
    /// A quoted string, escapes resolved (`\"`, `\\`, `\t`, `\n`, octal `\NNN`, `\xHH`).
    Str(Vec<u8>),
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub at: Loc,
}

const PUNCT: &str = "{};,=()!~";

pub fn lex(sources: &Sources, file: FileId, text: &str) -> Result<Vec<Token>, AuditError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut i = 0;
    while i < b.len() {
        let at = Loc { file, line };
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                let mut s = Vec::new();
                let unclosed = || {
                    sources.error(
                        ErrorKind::Syntax,
                        at,
                        "a quoted string is never closed",
                        "add the closing double quote",
                    )
                };
                loop {
                    let Some(&c) = b.get(i) else {
                        return Err(unclosed());
                    };
                    i += 1;
                    match c {
                        b'"' => break,
                        b'\n' => {
                            return Err(sources.error(
                                ErrorKind::Syntax,
                                at,
                                "a quoted string runs past the end of its line",
                                "add the closing double quote",
                            ));
                        }
                        b'\\' => {
                            let Some(&e) = b.get(i) else {
                                return Err(unclosed());
                            };
                            i += 1;
                            match e {
                                b't' => s.push(b'\t'),
                                b'n' => s.push(b'\n'),
                                b'r' => s.push(b'\r'),
                                b'x' => {
                                    let end = (i..b.len().min(i + 2))
                                        .take_while(|&k| b[k].is_ascii_hexdigit())
                                        .last()
                                        .map_or(i, |k| k + 1);
                                    let v = std::str::from_utf8(&b[i..end])
                                        .ok()
                                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                                    match v {
                                        Some(v) => s.push(v),
                                        None => {
                                            return Err(sources.error(
                                                ErrorKind::Syntax,
                                                at,
                                                "\\x without hex digits",
                                                "write \\x and two hex digits",
                                            ))
                                        }
                                    }
                                    i = end;
                                }
                                b'0'..=b'7' => {
                                    let end = (i - 1..b.len().min(i + 2))
                                        .take_while(|&k| (b'0'..=b'7').contains(&b[k]))
                                        .last()
                                        .map_or(i, |k| k + 1);
                                    let v = std::str::from_utf8(&b[i - 1..end])
                                        .ok()
                                        .and_then(|o| u8::from_str_radix(o, 8).ok());
                                    match v {
                                        Some(v) => s.push(v),
                                        None => {
                                            return Err(sources.error(
                                                ErrorKind::Syntax,
                                                at,
                                                "an octal escape over \\377",
                                                "write \\NNN up to \\377",
                                            ))
                                        }
                                    }
                                    i = end;
                                }
                                other => s.push(other),
                            }
                        }
                        c => s.push(c),
                    }
                }
                out.push(Token {
                    tok: Tok::Str(s),
                    at,
                });
            }
            c if PUNCT.as_bytes().contains(&c) => {
                out.push(Token {
                    tok: Tok::Punct(char::from(c)),
                    at,
                });
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !b[i].is_ascii_whitespace()
                    && !PUNCT.as_bytes().contains(&b[i])
                    && b[i] != b'"'
                    && b[i] != b'#'
                {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Word(text[start..i].to_string()),
                    at,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_strings_and_lines() {
        let t = lex(
            &Sources::default(),
            0,
            "option a 01:0c; # c\nclass \"x\\\"y\" {",
        )
        .unwrap();
        assert_eq!(t[2].tok, Tok::Word("01:0c".into()));
        assert_eq!(t[3].tok, Tok::Punct(';'));
        assert_eq!(t[5].tok, Tok::Str(b"x\"y".to_vec()));
        assert_eq!(t[5].at.line, 2);
        assert!(lex(&Sources::default(), 0, "\"open").is_err());
    }
}
