//! Kea's JSON: standard JSON plus `//`, `#` and `/* */` comments, trailing commas, and
//! `<?include "file"?>` read in place. Every value keeps its file and line, which serde_json
//! would not give back, so this small reader exists.

use crate::error::{AuditError, ErrorKind};
use crate::source::{Loader, Loc};

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub at: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }
}

/// Deepest nesting of arrays and objects read.
const MAX_NESTING: usize = 128;

/// One character of the merged text and where it came from.
#[derive(Clone, Copy)]
struct Ch {
    c: char,
    at: Loc,
}

/// Read `name` and what it includes into characters with their locations, comments removed.
fn expand(
    loader: &mut Loader,
    name: &str,
    from: Option<Loc>,
    out: &mut Vec<Ch>,
) -> Result<(), AuditError> {
    let file = loader.enter(name, from)?;
    let text = loader.text(file).to_string();
    let chars: Vec<char> = text.chars().collect();
    let mut line = 1u32;
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        let at = Loc { file, line };
        if in_string {
            out.push(Ch { c, at });
            if c == '\\' && i + 1 < chars.len() {
                out.push(Ch {
                    c: chars[i + 1],
                    at,
                });
                i += 2;
                continue;
            }
            if c == '"' {
                in_string = false;
            }
            if c == '\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('"', _) => {
                in_string = true;
                out.push(Ch { c, at });
                i += 1;
            }
            ('#', _) | ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                i += 2;
                loop {
                    match chars.get(i) {
                        None => {
                            loader.leave();
                            return Err(loader.sources.error(
                                ErrorKind::Syntax,
                                at,
                                "a /* comment is never closed",
                                "close it with */",
                            ));
                        }
                        Some('*') if chars.get(i + 1) == Some(&'/') => {
                            i += 2;
                            break;
                        }
                        Some('\n') => {
                            line += 1;
                            out.push(Ch {
                                c: '\n',
                                at: Loc { file, line },
                            });
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            ('<', Some('?')) => {
                let rest: String = chars[i..].iter().take(4096).collect();
                let Some(end) = rest.find("?>") else {
                    loader.leave();
                    return Err(loader.sources.error(
                        ErrorKind::Syntax,
                        at,
                        "a <? directive is never closed with ?>",
                        "write <?include \"file\"?>",
                    ));
                };
                let directive = rest[2..end].trim();
                let Some(path) = directive
                    .strip_prefix("include")
                    .map(str::trim)
                    .and_then(|p| p.strip_prefix('"'))
                    .and_then(|p| p.strip_suffix('"'))
                else {
                    loader.leave();
                    return Err(loader.sources.error(
                        ErrorKind::Syntax,
                        at,
                        format!("unknown directive <?{directive}?>"),
                        "Kea knows only <?include \"file\"?>",
                    ));
                };
                let path = path.to_string();
                if let Err(e) = expand(loader, &path, Some(at), out) {
                    loader.leave();
                    return Err(e);
                }
                i += rest[..end + 2].chars().count();
            }
            ('\n', _) => {
                out.push(Ch { c, at });
                line += 1;
                i += 1;
            }
            _ => {
                out.push(Ch { c, at });
                i += 1;
            }
        }
    }
    loader.leave();
    Ok(())
}

struct Reader<'a> {
    chars: Vec<Ch>,
    pos: usize,
    loader: &'a Loader<'a>,
    end: Loc,
}

impl Reader<'_> {
    fn err(&self, at: Loc, message: impl Into<String>, fix: impl Into<String>) -> AuditError {
        self.loader
            .sources
            .error(ErrorKind::Syntax, at, message, fix)
    }

    fn here(&self) -> Loc {
        self.chars.get(self.pos).map_or(self.end, |c| c.at)
    }

    fn skip_ws(&mut self) {
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.c.is_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|c| c.c)
    }

    fn expect(&mut self, want: char) -> Result<(), AuditError> {
        self.skip_ws();
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            let found = self
                .peek()
                .map_or("the end of the file".to_string(), |c| format!("{c:?}"));
            Err(self.err(
                self.here(),
                format!("expected {want:?}, found {found}"),
                "check the JSON syntax on this line",
            ))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, AuditError> {
        self.skip_ws();
        let at = self.here();
        if depth > MAX_NESTING {
            return Err(self.err(
                at,
                format!("nested deeper than {MAX_NESTING} levels"),
                "flatten the configuration",
            ));
        }
        let value = match self.peek() {
            Some('{') => {
                self.pos += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some('}') {
                        self.pos += 1;
                        break;
                    }
                    let key_at = self.here();
                    if self.peek() != Some('"') {
                        return Err(self.err(
                            key_at,
                            "expected a quoted key or '}'",
                            "quote the key; remove a stray comma",
                        ));
                    }
                    let key = self.string()?;
                    self.expect(':')?;
                    let v = self.value(depth + 1)?;
                    if members.iter().any(|(k, _): &(String, Node)| *k == key) {
                        return Err(self.err(
                            key_at,
                            format!("key {key:?} appears twice in one object"),
                            "keep one of them",
                        ));
                    }
                    members.push((key, v));
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some('}') => {}
                        _ => {
                            return Err(self.err(
                                self.here(),
                                "expected ',' or '}' after a value",
                                "add the missing comma or brace",
                            ))
                        }
                    }
                }
                Value::Object(members)
            }
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(']') {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => {}
                        _ => {
                            return Err(self.err(
                                self.here(),
                                "expected ',' or ']' after a list item",
                                "add the missing comma or bracket",
                            ))
                        }
                    }
                }
                Value::Array(items)
            }
            Some('"') => Value::String(self.string()?),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || "+-.eE".contains(c))
                {
                    self.pos += 1;
                }
                Value::Number(self.chars[start..self.pos].iter().map(|c| c.c).collect())
            }
            Some(_) => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.pos += 1;
                }
                let word: String = self.chars[start..self.pos].iter().map(|c| c.c).collect();
                match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => {
                        return Err(self.err(
                            at,
                            format!(
                                "unexpected {:?}",
                                if word.is_empty() {
                                    self.peek().map(String::from).unwrap_or_default()
                                } else {
                                    word
                                }
                            ),
                            "check the JSON syntax on this line (strings need double quotes)",
                        ))
                    }
                }
            }
            None => {
                return Err(self.err(
                    at,
                    "the JSON ends where a value belongs",
                    "complete the file",
                ))
            }
        };
        Ok(Node { value, at })
    }

    fn string(&mut self) -> Result<String, AuditError> {
        let at = self.here();
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(
                    at,
                    "a string is never closed",
                    "add the closing double quote",
                ));
            };
            self.pos += 1;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err(
                            at,
                            "a string is never closed",
                            "add the closing double quote",
                        ));
                    };
                    self.pos += 1;
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'u' => {
                            let hex: String = self
                                .chars
                                .iter()
                                .skip(self.pos)
                                .take(4)
                                .map(|c| c.c)
                                .collect();
                            let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                            match code {
                                Some(ch) if hex.len() == 4 => {
                                    out.push(ch);
                                    self.pos += 4;
                                }
                                _ => {
                                    return Err(self.err(
                                        self.here(),
                                        format!("bad \\u escape {hex:?}"),
                                        "write \\u and four hex digits",
                                    ))
                                }
                            }
                        }
                        // Kea keeps "\," (an escaped comma in CSV data) as backslash-comma.
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                '\n' => {
                    return Err(self.err(
                        at,
                        "a string runs past the end of its line",
                        "add the closing double quote",
                    ))
                }
                c => out.push(c),
            }
        }
    }
}

/// Read the Kea JSON file `name` (with its includes) into a located tree.
pub fn read(loader: &mut Loader, name: &str) -> Result<Node, AuditError> {
    let mut chars = Vec::new();
    expand(loader, name, None, &mut chars)?;
    parse_chars(loader, chars)
}

/// Read a text already in [`Loader`] as file `file` (a Control Agent answer).
pub fn read_text(loader: &mut Loader, name: &str, text: String) -> Result<Node, AuditError> {
    let file = loader.enter_text(name, text.clone());
    loader.leave();
    let mut line = 1;
    let mut chars = Vec::with_capacity(text.len());
    for c in text.chars() {
        chars.push(Ch {
            c,
            at: Loc { file, line },
        });
        if c == '\n' {
            line += 1;
        }
    }
    parse_chars(loader, chars)
}

fn parse_chars(loader: &Loader, chars: Vec<Ch>) -> Result<Node, AuditError> {
    let end = chars.last().map_or(Loc { file: 0, line: 1 }, |c| c.at);
    let mut r = Reader {
        chars,
        pos: 0,
        loader,
        end,
    };
    let v = r.value(0)?;
    r.skip_ws();
    if r.pos < r.chars.len() {
        return Err(r.err(
            r.here(),
            "text after the end of the JSON document",
            "remove it, or wrap everything in one { }",
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemFs;

    #[test]
    fn comments_trailing_commas_and_includes_keep_their_lines() {
        let fs = MemFs::default()
            .with("/k/main.json", "{ // c\n  # c\n  /* a\n b */ \"a\": [1, 2,],\n  \"b\": <?include \"sub.json\"?>\n}")
            .with("/k/sub.json", "\n{\"c\": \"x\\,y\"}");
        let mut l = Loader::new(&fs);
        let v = read(&mut l, "/k/main.json").unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(a.at.line, 4);
        assert_eq!(a.as_array().unwrap().len(), 2);
        let c = v.get("b").unwrap().get("c").unwrap();
        assert_eq!(c.as_str(), Some("x\\,y"));
        assert_eq!((l.sources.name(c.at.file), c.at.line), ("sub.json", 2));
    }

    #[test]
    fn errors_name_the_line() {
        let fs = MemFs::default().with("/a", "{\n\"a\": 1\n\"b\": 2}");
        let e = read(&mut Loader::new(&fs), "/a").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let fs = MemFs::default().with("/a", "{\"a\": <?include \"/a\"?>}");
        let e = read(&mut Loader::new(&fs), "/a").unwrap_err();
        assert!(e.message.contains("cycle"), "{e}");
    }
}
