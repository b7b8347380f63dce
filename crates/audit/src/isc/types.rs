//! dhcpd option types and values (dhcp-options(5)): `string` (quoted text or colon-separated
//! octets, never `0x` or contiguous hex), `text` (quoted only), integers, `ip-address`,
//! `boolean`, `domain-list` (`compressed`), `encapsulate SPACE`, `array of T` and `{ … }`
//! records; and the option 60 expressions of `match if`.

use std::net::Ipv4Addr;

use ucprov_wire::dns_name::NameWriter;

use super::lexer::{Tok, Token};
use crate::model::{Condition, ValueType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `string`: quoted text or colon hex.
    Str,
    /// `text`: quoted text only.
    Text,
    Uint(u8),
    Int(u8),
    Ip,
    Bool,
    DomainList {
        compressed: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IscType {
    pub fields: Vec<Field>,
    /// The last field repeats.
    pub array: bool,
    pub encapsulate: Option<String>,
}

fn word(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Word(w)) => Some(w),
        _ => None,
    }
}

/// Colon-separated octets (`01:0c:4d`, one or two hex digits each); a single octet needs no
/// colon (`7f`), as dhcpd's colon-separated hex list reads it.
pub fn colon_hex(w: &str) -> Option<Vec<u8>> {
    w.split(':')
        .map(|g| {
            (!g.is_empty() && g.len() <= 2 && g.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u8::from_str_radix(g, 16).ok())
                .flatten()
        })
        .collect()
}

/// The value tokens as written, for messages.
pub fn raw_text(toks: &[Token]) -> String {
    let mut out = String::new();
    for t in toks {
        let piece = match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Str(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
            Tok::Punct(c) => c.to_string(),
        };
        if !out.is_empty() && piece != "," {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
}

fn field(toks: &[Token], i: &mut usize) -> Result<Field, String> {
    let w = word(toks.get(*i)).ok_or("a type name expected")?;
    *i += 1;
    let bits = |toks: &[Token], i: &mut usize| -> Result<u8, String> {
        let b = word(toks.get(*i))
            .and_then(|b| b.parse::<u8>().ok())
            .filter(|b| matches!(b, 8 | 16 | 32))
            .ok_or("integer width must be 8, 16 or 32")?;
        *i += 1;
        Ok(b)
    };
    Ok(match w {
        "string" => Field::Str,
        "text" => Field::Text,
        "ip-address" => Field::Ip,
        "boolean" => Field::Bool,
        "domain-list" | "domain-name" => {
            let compressed = word(toks.get(*i)) == Some("compressed");
            if compressed {
                *i += 1;
            }
            Field::DomainList { compressed }
        }
        "unsigned" | "signed" => {
            if word(toks.get(*i)) != Some("integer") {
                return Err(format!("{w} must be followed by integer"));
            }
            *i += 1;
            let b = bits(toks, i)?;
            if w == "unsigned" {
                Field::Uint(b)
            } else {
                Field::Int(b)
            }
        }
        "integer" => Field::Int(bits(toks, i)?),
        other => return Err(format!("type {other:?} is not evaluated by ucprov")),
    })
}

impl IscType {
    #[cfg(test)]
    pub fn single(f: Field) -> Self {
        IscType {
            fields: vec![f],
            array: false,
            encapsulate: None,
        }
    }

    pub fn parse(toks: &[Token]) -> Result<Self, String> {
        let mut i = 0;
        if word(toks.first()) == Some("encapsulate") {
            let space = word(toks.get(1)).ok_or("encapsulate needs a space name")?;
            return Ok(IscType {
                fields: Vec::new(),
                array: false,
                encapsulate: Some(space.into()),
            });
        }
        let record = toks.first().map(|t| &t.tok) == Some(&Tok::Punct('{'));
        if record {
            i = 1;
        }
        let mut fields = Vec::new();
        let mut array = false;
        loop {
            if word(toks.get(i)) == Some("array") {
                if word(toks.get(i + 1)) != Some("of") {
                    return Err("array must be followed by of".into());
                }
                i += 2;
                array = true;
            }
            fields.push(field(toks, &mut i)?);
            match toks.get(i).map(|t| &t.tok) {
                Some(Tok::Punct(',')) if record && !array => i += 1,
                Some(Tok::Punct('}')) if record => {
                    i += 1;
                    break;
                }
                None if !record => break,
                _ => return Err("unexpected text in the type".into()),
            }
        }
        if i != toks.len() {
            return Err("unexpected text after the type".into());
        }
        Ok(IscType {
            fields,
            array,
            encapsulate: None,
        })
    }

    pub fn label(&self) -> String {
        if let Some(s) = &self.encapsulate {
            return format!("encapsulate {s}");
        }
        let f: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("{f:?}").to_lowercase())
            .collect();
        format!(
            "{}{}",
            if self.array { "array of " } else { "" },
            f.join(", ")
        )
    }

    pub fn declared(&self) -> ValueType {
        if let Some(s) = &self.encapsulate {
            return ValueType::Encapsulate(s.clone());
        }
        match self.fields.as_slice() {
            [Field::Str] => ValueType::Binary,
            [Field::Text] => ValueType::Text,
            [Field::Uint(b) | Field::Int(b)] => ValueType::Integer(*b),
            [Field::Ip] => ValueType::Ipv4,
            [Field::DomainList { .. }] => ValueType::Fqdn,
            _ => ValueType::Record(self.label()),
        }
    }

    /// The declared type as the value is written: a `string` given as quoted text is text.
    pub fn declared_for(&self, toks: &[Token]) -> ValueType {
        match (self.fields.as_slice(), toks.first().map(|t| &t.tok)) {
            ([Field::Str], Some(Tok::Str(_))) => ValueType::Text,
            _ => self.declared(),
        }
    }

    pub fn encode(&self, toks: &[Token]) -> Result<Vec<u8>, String> {
        if self.encapsulate.is_some() {
            return Err(
                "an encapsulating option is built from its space, not given a value".into(),
            );
        }
        let items: Vec<&Token> = toks.iter().filter(|t| t.tok != Tok::Punct(',')).collect();
        let mut out = Vec::new();
        let mut i = 0;
        for (n, f) in self.fields.iter().enumerate() {
            let last = n + 1 == self.fields.len();
            loop {
                if i >= items.len() {
                    if last && self.array && i > 0 {
                        break;
                    }
                    return Err(format!("{} value(s) for {}", items.len(), self.label()));
                }
                if let Field::DomainList { compressed } = f {
                    let mut names = Vec::new();
                    while let Some(Tok::Str(s)) = items.get(i).map(|t| &t.tok) {
                        names.push(String::from_utf8_lossy(s).into_owned());
                        i += 1;
                    }
                    if names.is_empty() {
                        return Err("domain-list values are quoted names".into());
                    }
                    let mut w = NameWriter::new(*compressed);
                    for name in names.iter().flat_map(|n| n.split_whitespace()) {
                        w.write(name, &mut out)
                            .map_err(|e| format!("{name:?}: {e}"))?;
                    }
                    break;
                }
                out.extend(one(f, &items[i].tok)?);
                i += 1;
                if !(last && self.array) {
                    break;
                }
            }
        }
        if i != items.len() {
            return Err(format!("{} value(s) for {}", items.len(), self.label()));
        }
        Ok(out)
    }
}

fn one(f: &Field, t: &Tok) -> Result<Vec<u8>, String> {
    let num = |w: &str, bits: u8, signed: bool| -> Result<Vec<u8>, String> {
        let v: i64 = w.parse().map_err(|_| format!("{w:?} is not a number"))?;
        let (min, max) = if signed {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        } else {
            (0, (1i64 << bits) - 1)
        };
        if v < min || v > max {
            return Err(format!("{w} is out of range for {bits} bits"));
        }
        Ok((v as u64).to_be_bytes()[8 - usize::from(bits / 8)..].to_vec())
    };
    match (f, t) {
        (Field::Str, Tok::Str(s)) | (Field::Text, Tok::Str(s)) => Ok(s.clone()),
        (Field::Str, Tok::Word(w)) => colon_hex(w).ok_or_else(|| format!("{w:?} is neither quoted text nor colon-separated octets (dhcpd reads no 0x or contiguous hex)")),
        (Field::Uint(b), Tok::Word(w)) => num(w, *b, false),
        (Field::Int(b), Tok::Word(w)) => num(w, *b, true),
        (Field::Ip, Tok::Word(w)) => w.parse::<Ipv4Addr>().map(|a| a.octets().to_vec()).map_err(|_| format!("{w:?} is not an IPv4 address (a host name is resolved by dhcpd at start-up)")),
        (Field::Bool, Tok::Word(w)) => match w.as_str() {
            "true" | "on" => Ok(vec![1]),
            "false" | "off" => Ok(vec![0]),
            _ => Err(format!("{w:?} is not a boolean")),
        },
        (f, t) => Err(format!("{t:?} does not fit type {f:?}")),
    }
}

/// dhcpd's own DHCPv4 options that matter to a reply (dhcp-options(5)).
pub fn standard(name: &str) -> Option<(u8, IscType)> {
    use Field::*;
    let (code, f, array) = match name {
        "subnet-mask" => (1, Ip, false),
        "time-offset" => (2, Int(32), false),
        "routers" => (3, Ip, true),
        "time-servers" => (4, Ip, true),
        "domain-name-servers" => (6, Ip, true),
        "log-servers" => (7, Ip, true),
        "host-name" => (12, Text, false),
        "domain-name" => (15, Text, false),
        "root-path" => (17, Text, false),
        "interface-mtu" => (26, Uint(16), false),
        "broadcast-address" => (28, Ip, false),
        "ntp-servers" => (42, Ip, true),
        "vendor-encapsulated-options" => (43, Str, false),
        "netbios-name-servers" => (44, Ip, true),
        "netbios-node-type" => (46, Uint(8), false),
        "dhcp-lease-time" => (51, Uint(32), false),
        "vendor-class-identifier" => (60, Str, false),
        "tftp-server-name" => (66, Text, false),
        "bootfile-name" => (67, Text, false),
        "domain-search" => (119, DomainList { compressed: true }, false),
        _ => return None,
    };
    Some((
        code,
        IscType {
            fields: vec![f],
            array,
            encapsulate: None,
        },
    ))
}

// ---- match if ----

struct E<'t> {
    t: &'t [Token],
    i: usize,
}

impl E<'_> {
    fn punct(&self, c: char) -> bool {
        self.t.get(self.i).map(|t| &t.tok) == Some(&Tok::Punct(c))
    }

    fn word(&self, w: &str) -> bool {
        word(self.t.get(self.i)) == Some(w)
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut l = self.and()?;
        while self.word("or") {
            self.i += 1;
            l = Condition::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut l = self.unary()?;
        while self.word("and") {
            self.i += 1;
            l = Condition::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }

    fn unary(&mut self) -> Result<Condition, String> {
        if self.word("not") {
            self.i += 1;
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.punct('(') {
            self.i += 1;
            let c = self.or()?;
            if !self.punct(')') {
                return Err("a ( is not closed".into());
            }
            self.i += 1;
            return Ok(c);
        }
        if self.word("exists") {
            self.i += 1;
            let name = word(self.t.get(self.i)).ok_or("exists needs an option name")?;
            self.i += 1;
            return match name {
                "vendor-class-identifier" | "dhcp.vendor-class-identifier" => {
                    Ok(Condition::Present)
                }
                other => Err(format!("exists {other}: only option 60 is evaluated")),
            };
        }
        let left = self.probe()?;
        if self.punct('~')
            || (self.punct('=') && self.t.get(self.i + 1).map(|t| &t.tok) == Some(&Tok::Punct('~')))
        {
            return Err("regular-expression matches (~= and ~~) are not evaluated".into());
        }
        if !self.punct('=') {
            return Err("'=' expected after the option 60 expression".into());
        }
        self.i += 1;
        let value = match self.t.get(self.i).map(|t| &t.tok) {
            Some(Tok::Str(s)) => s.clone(),
            Some(Tok::Word(w)) => colon_hex(w)
                .ok_or_else(|| format!("{w:?} is neither a quoted string nor colon hex"))?,
            other => return Err(format!("a value expected after '=', found {other:?}")),
        };
        self.i += 1;
        Ok(match left {
            Condition::Equals(_) => Condition::Equals(value),
            Condition::Substring { offset, len, .. } => Condition::Substring { offset, len, value },
            other => other,
        })
    }

    /// `option vendor-class-identifier` or `substring(option vendor-class-identifier, S, L)`.
    fn probe(&mut self) -> Result<Condition, String> {
        if self.word("option") {
            self.i += 1;
            let name = word(self.t.get(self.i)).ok_or("option needs a name")?;
            self.i += 1;
            return match name {
                "vendor-class-identifier" | "dhcp.vendor-class-identifier" => Ok(Condition::Equals(Vec::new())),
                other => Err(format!("a test on option {other}: only option 60 (vendor-class-identifier) is evaluated")),
            };
        }
        if self.word("substring") {
            self.i += 1;
            if !self.punct('(') {
                return Err("substring needs (".into());
            }
            self.i += 1;
            let inner = self.probe()?;
            if inner != Condition::Equals(Vec::new()) {
                return Err("nested substring is not evaluated".into());
            }
            let mut nums = Vec::new();
            for _ in 0..2 {
                if !self.punct(',') {
                    return Err("substring(option, start, length) expected".into());
                }
                self.i += 1;
                let n = word(self.t.get(self.i))
                    .and_then(|w| w.parse::<usize>().ok())
                    .ok_or("substring start and length are numbers")?;
                nums.push(n);
                self.i += 1;
            }
            if !self.punct(')') {
                return Err("substring( is not closed".into());
            }
            self.i += 1;
            return Ok(Condition::Substring {
                offset: nums[0],
                len: nums[1],
                value: Vec::new(),
            });
        }
        Err(format!(
            "{:?} is not an option 60 expression ucprov evaluates",
            self.t.get(self.i).map(|t| &t.tok)
        ))
    }
}

/// The condition of `match if …;`.
pub fn condition(toks: &[Token]) -> Result<Condition, String> {
    let mut e = E { t: toks, i: 0 };
    let c = e.or()?;
    if e.i != toks.len() {
        return Err("unexpected text after the condition".into());
    }
    Ok(c)
}

/// The expression of `match <expr>;` (values come from subclasses).
pub fn match_expr(toks: &[Token]) -> Result<Condition, String> {
    let mut e = E { t: toks, i: 0 };
    let c = e.probe()?;
    if e.i != toks.len() {
        return Err("unexpected text after the expression".into());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isc::lexer::lex;
    use crate::source::Sources;

    fn toks(s: &str) -> Vec<Token> {
        lex(&Sources::default(), 0, s).unwrap()
    }

    #[test]
    fn values_follow_the_type() {
        let s = IscType::single(Field::Str);
        assert_eq!(s.encode(&toks("\"443\"")).unwrap(), b"443");
        assert_eq!(s.encode(&toks("01:0c")).unwrap(), vec![1, 12]);
        assert!(
            s.encode(&toks("010C")).is_err(),
            "contiguous hex is not a string value"
        );
        assert_eq!(
            IscType::single(Field::Uint(16))
                .encode(&toks("443"))
                .unwrap(),
            vec![1, 0xBB]
        );
        let rec = IscType::parse(&toks("{ integer 8, domain-list }")).unwrap();
        assert_eq!(
            rec.encode(&toks("0 \"a.b\"")).unwrap(),
            vec![0, 1, b'a', 1, b'b', 0]
        );
        let arr = IscType::parse(&toks("array of ip-address")).unwrap();
        assert_eq!(arr.encode(&toks("10.0.0.1, 10.0.0.2")).unwrap().len(), 8);
    }

    #[test]
    fn match_if_forms() {
        assert_eq!(
            condition(&toks("option vendor-class-identifier = \"MS-UC-Client\"")).unwrap(),
            Condition::Equals(b"MS-UC-Client".to_vec())
        );
        assert_eq!(
            condition(&toks(
                "substring (option vendor-class-identifier, 0, 9) = \"PXEClient\""
            ))
            .unwrap(),
            Condition::Substring {
                offset: 0,
                len: 9,
                value: b"PXEClient".to_vec()
            }
        );
        assert!(condition(&toks("option vendor-class-identifier ~= \"^MS\"")).is_err());
        assert!(condition(&toks("option user-class = \"x\"")).is_err());
        assert!(matches!(
            condition(&toks("not (exists vendor-class-identifier)")).unwrap(),
            Condition::Not(_)
        ));
    }
}
