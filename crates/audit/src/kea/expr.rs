//! Kea client-class `test` expressions, the part that decides option 60 membership: `==`
//! between `option[60].text|hex`, `substring(…, start, length|'all')` and string or hex
//! literals; `and`, `or`, `not`, parentheses, `member('class')`, `option[N].exists`. Tests on
//! other options are evaluated for clients that do not send them (the MS-UC-Client INFORM
//! sends options 53, 55 and 60 only); anything else is refused, never guessed.

use crate::model::Condition;

/// Options an MS-UC-Client INFORM carries besides 60: a test on them cannot be decided.
const SENT_BY_PHONES: &[u64] = &[53, 55, 61];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(Vec<u8>),
    Int(i64),
    Word(String),
    Punct(char),
    Eq,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'\'' => {
                let end = b[i + 1..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .ok_or("a '…' string is not closed")?;
                out.push(Tok::Str(b[i + 1..i + 1 + end].to_vec()));
                i += end + 2;
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Eq);
                i += 2;
            }
            b'(' | b')' | b'[' | b']' | b',' | b'.' => {
                out.push(Tok::Punct(char::from(c)));
                i += 1;
            }
            b'0' if matches!(b.get(i + 1), Some(b'x' | b'X')) => {
                let start = i + 2;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_hexdigit() {
                    end += 1;
                }
                let digits = &s[start..end];
                let padded = if digits.len() % 2 == 1 {
                    format!("0{digits}")
                } else {
                    digits.to_string()
                };
                let bytes = (0..padded.len())
                    .step_by(2)
                    .map(|k| u8::from_str_radix(&padded[k..k + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| "a 0x literal has no hex digits")?;
                out.push(Tok::Str(bytes));
                i = end;
            }
            b'0'..=b'9' | b'-' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let n = s[start..i]
                    .parse()
                    .map_err(|_| format!("{:?} is not a number", &s[start..i]))?;
                out.push(Tok::Int(n));
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b'_')
                {
                    i += 1;
                }
                out.push(Tok::Word(s[start..i].to_string()));
            }
            other => return Err(format!("unexpected character {:?}", char::from(other))),
        }
    }
    Ok(out)
}

/// A string-valued expression.
#[derive(Debug, Clone, PartialEq)]
enum StrExpr {
    Lit(Vec<u8>),
    /// Option 60's data (`.text` and `.hex` give the same bytes).
    Opt60,
    /// An option the phones do not send: the empty string.
    Absent,
    /// `substring(inner, start, len)`; `None` length is `'all'`.
    Sub(Box<StrExpr>, usize, Option<usize>),
}

/// What `member('name')` means: a class defined before, or a built-in one.
pub type Resolve<'r> = &'r dyn Fn(&str) -> Result<Condition, String>;

struct P<'r> {
    toks: Vec<Tok>,
    pos: usize,
    resolve: Resolve<'r>,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn punct(&mut self, c: char) -> Result<(), String> {
        match self.next() {
            Some(Tok::Punct(p)) if p == c => Ok(()),
            other => Err(format!("expected '{c}', found {other:?}")),
        }
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut left = self.and()?;
        while self.word("or") {
            self.pos += 1;
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut left = self.unary()?;
        while self.word("and") {
            self.pos += 1;
            left = Condition::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Condition, String> {
        if self.word("not") {
            self.pos += 1;
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::Punct('(')) {
            // A parenthesised boolean, or a string expression compared after it.
            let save = self.pos;
            self.pos += 1;
            if let Ok(c) = self.or() {
                if self.peek() == Some(&Tok::Punct(')')) {
                    self.pos += 1;
                    return Ok(c);
                }
            }
            self.pos = save;
        }
        if self.word("member") {
            self.pos += 1;
            self.punct('(')?;
            let name = match self.next() {
                Some(Tok::Str(s)) => String::from_utf8_lossy(&s).into_owned(),
                other => {
                    return Err(format!(
                        "member() takes a quoted class name, found {other:?}"
                    ))
                }
            };
            self.punct(')')?;
            return (self.resolve)(&name);
        }
        if self.word("option") {
            let save = self.pos;
            let code = self.option_code()?;
            self.punct('.')?;
            match self.next() {
                Some(Tok::Word(w)) if w == "exists" => {
                    return Ok(if code == 60 {
                        Condition::Present
                    } else {
                        Condition::Never
                    });
                }
                _ => self.pos = save,
            }
        }
        let left = self.string()?;
        match self.next() {
            Some(Tok::Eq) => {}
            other => {
                return Err(format!(
                    "expected '==' after a string expression, found {other:?}"
                ))
            }
        }
        let right = self.string()?;
        compare(left, right)
    }

    fn option_code(&mut self) -> Result<u64, String> {
        self.pos += 1;
        self.punct('[')?;
        let code = match self.next() {
            Some(Tok::Int(n)) if (1..=254).contains(&n) => n.unsigned_abs(),
            Some(Tok::Word(w)) if w == "vendor-class-identifier" => 60,
            other => return Err(format!("option[…] names {other:?}: ucprov evaluates option codes and option[vendor-class-identifier] only")),
        };
        self.punct(']')?;
        if code != 60 && SENT_BY_PHONES.contains(&code) {
            return Err(format!("a test on option {code}, which MS-UC-Client devices send, cannot be evaluated without their actual value"));
        }
        Ok(code)
    }

    fn string(&mut self) -> Result<StrExpr, String> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(StrExpr::Lit(s))
            }
            Some(Tok::Word(w)) if w == "option" => {
                let code = self.option_code()?;
                self.punct('.')?;
                match self.next() {
                    Some(Tok::Word(w)) if w == "text" || w == "hex" => {}
                    other => return Err(format!("option[{code}].{other:?} is not evaluated: use .text or .hex")),
                }
                Ok(if code == 60 { StrExpr::Opt60 } else { StrExpr::Absent })
            }
            Some(Tok::Word(w)) if w == "substring" => {
                self.pos += 1;
                self.punct('(')?;
                let inner = self.string()?;
                self.punct(',')?;
                let start = match self.next() {
                    Some(Tok::Int(n)) if n >= 0 => n.unsigned_abs() as usize,
                    other => return Err(format!("substring start {other:?}: ucprov evaluates non-negative starts only")),
                };
                self.punct(',')?;
                let len = match self.next() {
                    Some(Tok::Int(n)) if n >= 0 => Some(n.unsigned_abs() as usize),
                    Some(Tok::Str(s)) if s == b"all" => None,
                    other => return Err(format!("substring length {other:?}: ucprov evaluates non-negative lengths and 'all' only")),
                };
                self.punct(')')?;
                Ok(StrExpr::Sub(Box::new(inner), start, len))
            }
            other => Err(format!("{other:?} is not an expression ucprov evaluates (option[60].text|hex, substring, a '…' or 0x literal)")),
        }
    }
}

fn literal_eval(e: &StrExpr) -> Option<Vec<u8>> {
    match e {
        StrExpr::Lit(v) => Some(v.clone()),
        StrExpr::Absent => Some(Vec::new()),
        StrExpr::Opt60 => None,
        StrExpr::Sub(inner, start, len) => {
            let v = literal_eval(inner)?;
            let s = (*start).min(v.len());
            let e = len.map_or(v.len(), |l| s.saturating_add(l).min(v.len()));
            Some(v[s..e].to_vec())
        }
    }
}

fn compare(left: StrExpr, right: StrExpr) -> Result<Condition, String> {
    let (probe, lit) = match (literal_eval(&left), literal_eval(&right)) {
        (Some(a), Some(b)) => {
            return Ok(if a == b {
                Condition::Always
            } else {
                Condition::Never
            })
        }
        (None, Some(b)) => (left, b),
        (Some(a), None) => (right, a),
        (None, None) => return Err("comparing option 60 with itself is not evaluated".into()),
    };
    match probe {
        StrExpr::Opt60 => Ok(Condition::Equals(lit)),
        StrExpr::Sub(inner, start, len) if *inner == StrExpr::Opt60 => Ok(Condition::Substring {
            offset: start,
            len: len.unwrap_or(usize::MAX),
            value: lit,
        }),
        _ => Err("nested substring of option 60 is not evaluated".into()),
    }
}

/// The condition a `test` expression states.
pub fn parse(test: &str, resolve: Resolve) -> Result<Condition, String> {
    let toks = lex(test)?;
    if toks.is_empty() {
        return Err("the test is empty".into());
    }
    let mut p = P {
        toks,
        pos: 0,
        resolve,
    };
    let c = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "unexpected {:?} after the expression",
            p.toks[p.pos]
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(test: &str) -> Result<Condition, String> {
        super::parse(test, &|name| match name {
            "KNOWN" => Ok(Condition::Member(7)),
            _ => Err(format!("no class {name}")),
        })
    }

    #[test]
    fn the_forms_admins_write_become_exact_conditions() {
        assert_eq!(
            parse("option[vendor-class-identifier].text == 'MS-UC-Client'").unwrap(),
            Condition::Equals(b"MS-UC-Client".to_vec())
        );
        assert_eq!(
            parse("substring(option[60].hex,0,9) == 'PXEClient'").unwrap(),
            Condition::Substring {
                offset: 0,
                len: 9,
                value: b"PXEClient".to_vec()
            }
        );
        assert_eq!(
            parse("option[60].hex == 0x4D53").unwrap(),
            Condition::Equals(b"MS".to_vec())
        );
        let c = parse("not (option[60].text == 'a') and option[93].hex == 0x0007").unwrap();
        assert!(matches!(c, Condition::And(_, _)));
        assert!(
            !c.eval(Some(b"b"), &|_| false),
            "option 93 is absent: '' != 0x0007"
        );
        assert_eq!(parse("member('KNOWN')").unwrap(), Condition::Member(7));
        assert!(parse("member('nope')").is_err());
    }

    #[test]
    fn what_cannot_be_evaluated_is_refused() {
        for bad in [
            "option[61].hex == 0x01",
            "pkt4.mac == 0x010203",
            "option[60].text == ",
            "substring(option[60].hex,-3,all) == 'x'",
            "option[60].text == 'a' extra",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
