//! How Kea turns an `option-data` entry's `data` into bytes: with `csv-format: false` hex
//! (`01:02`, `01 02`, `0x0102`, `0102`) or `'quoted text'`; with `csv-format: true` (the
//! default) comma-separated fields read by the definition's type (ARM, "Standard DHCPv4
//! options" and "Custom DHCPv4 options"). Also the standard definitions Kea has built in.

use std::net::Ipv4Addr;

/// A Kea option type, as in `option-def` `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeaType {
    pub ty: String,
    pub array: bool,
    pub record: Vec<String>,
    pub encapsulate: Option<String>,
}

impl KeaType {
    pub fn simple(ty: &str, array: bool) -> Self {
        KeaType {
            ty: ty.into(),
            array,
            record: Vec::new(),
            encapsulate: None,
        }
    }
}

/// Kea's built-in DHCPv4 definitions the audit meets in practice (name, code, type, array).
/// Option 120 has none in Kea (dhcp4.h); 43's built-in definition encapsulates
/// `vendor-encapsulated-options-space`.
const STANDARD: &[(&str, u8, &str, bool)] = &[
    ("subnet-mask", 1, "ipv4-address", false),
    ("time-offset", 2, "int32", false),
    ("routers", 3, "ipv4-address", true),
    ("time-servers", 4, "ipv4-address", true),
    ("name-servers", 5, "ipv4-address", true),
    ("domain-name-servers", 6, "ipv4-address", true),
    ("log-servers", 7, "ipv4-address", true),
    ("host-name", 12, "string", false),
    ("boot-size", 13, "uint16", false),
    ("merit-dump", 14, "string", false),
    ("domain-name", 15, "fqdn", false),
    ("swap-server", 16, "ipv4-address", false),
    ("root-path", 17, "string", false),
    ("extensions-path", 18, "string", false),
    ("ip-forwarding", 19, "boolean", false),
    ("default-ip-ttl", 23, "uint8", false),
    ("interface-mtu", 26, "uint16", false),
    ("broadcast-address", 28, "ipv4-address", false),
    ("router-discovery", 31, "boolean", false),
    ("static-routes", 33, "ipv4-address", true),
    ("nis-domain", 40, "string", false),
    ("nis-servers", 41, "ipv4-address", true),
    ("ntp-servers", 42, "ipv4-address", true),
    ("vendor-encapsulated-options", 43, "empty", false),
    ("netbios-name-servers", 44, "ipv4-address", true),
    ("netbios-dd-server", 45, "ipv4-address", true),
    ("netbios-node-type", 46, "uint8", false),
    ("netbios-scope", 47, "string", false),
    ("dhcp-lease-time", 51, "uint32", false),
    ("dhcp-server-identifier", 54, "ipv4-address", false),
    ("dhcp-message", 56, "string", false),
    ("dhcp-max-message-size", 57, "uint16", false),
    ("vendor-class-identifier", 60, "string", false),
    ("nwip-domain-name", 62, "string", false),
    ("tftp-server-name", 66, "string", false),
    ("boot-file-name", 67, "string", false),
    ("smtp-server", 69, "ipv4-address", true),
    ("pop-server", 70, "ipv4-address", true),
    ("www-server", 72, "ipv4-address", true),
    ("user-class", 77, "binary", false),
    ("domain-search", 119, "fqdn", true),
    ("v4-captive-portal", 114, "string", false),
];

/// The space Kea's built-in option 43 definition encapsulates.
pub const BUILTIN_43_SPACE: &str = "vendor-encapsulated-options-space";

/// A built-in `dhcp4` definition by name or code.
pub fn standard(name: Option<&str>, code: Option<u8>) -> Option<(&'static str, u8, KeaType)> {
    STANDARD
        .iter()
        .find(|(n, c, _, _)| name.is_none_or(|x| x == *n) && code.is_none_or(|x| x == *c))
        .map(|(n, c, t, a)| {
            let mut ty = KeaType::simple(t, *a);
            if *c == 43 {
                ty.encapsulate = Some(BUILTIN_43_SPACE.into());
            }
            (*n, *c, ty)
        })
}

/// `csv-format: false` data: hex in Kea's forms, or `'text'`.
pub fn binary(data: &str) -> Result<Vec<u8>, String> {
    let d = data.trim();
    if let Some(text) = d.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Ok(text.as_bytes().to_vec());
    }
    if d.is_empty() {
        return Ok(Vec::new());
    }
    let groups: Vec<&str> = if d.contains(':') {
        d.split(':').collect()
    } else if d.contains(' ') {
        d.split_whitespace().collect()
    } else {
        let digits = d
            .strip_prefix("0x")
            .or_else(|| d.strip_prefix("0X"))
            .unwrap_or(d);
        return contiguous(digits, data);
    };
    groups
        .iter()
        .map(|g| {
            if g.is_empty() || g.len() > 2 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                Err(format!("{g:?} in {data:?} is not one or two hex digits (Kea hex is 01:02, 01 02 or 0x0102)"))
            } else {
                u8::from_str_radix(g, 16).map_err(|e| e.to_string())
            }
        })
        .collect()
}

fn contiguous(digits: &str, data: &str) -> Result<Vec<u8>, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{data:?} is not hex (with csv-format false Kea reads hex or a 'quoted' text)"
        ));
    }
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Split CSV data at commas not escaped as `\,`; fields are trimmed, escapes removed.
fn fields(data: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = data.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                if let Some(last) = out.last_mut() {
                    last.push(',');
                }
            }
            ',' => out.push(String::new()),
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

/// A DNS name in wire form, without compression (Kea's `fqdn`).
pub fn fqdn(name: &str) -> Result<Vec<u8>, String> {
    let name = name.trim_end_matches('.');
    let mut out = Vec::new();
    if !name.is_empty() {
        for label in name.split('.') {
            let len = u8::try_from(label.len())
                .ok()
                .filter(|l| (1..=63).contains(l))
                .ok_or_else(|| format!("label {label:?} of {name:?} must be 1-63 characters"))?;
            out.push(len);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(out)
}

fn one(ty: &str, field: &str) -> Result<Vec<u8>, String> {
    let int = |bits: u32, signed: bool| -> Result<Vec<u8>, String> {
        let v: i128 = if let Some(h) = field.strip_prefix("0x") {
            i128::from_str_radix(h, 16).map_err(|e| format!("{field:?}: {e}"))?
        } else {
            field
                .parse()
                .map_err(|_| format!("{field:?} is not a {ty}"))?
        };
        let (min, max) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        if v < min || v > max {
            return Err(format!("{field} is out of range for {ty}"));
        }
        let bytes = (v as u128).to_be_bytes();
        Ok(bytes[16 - (bits as usize / 8)..].to_vec())
    };
    match ty {
        "string" => Ok(field.as_bytes().to_vec()),
        "binary" => binary(field),
        "uint8" => int(8, false),
        "uint16" => int(16, false),
        "uint32" => int(32, false),
        "int8" => int(8, true),
        "int16" => int(16, true),
        "int32" => int(32, true),
        "boolean" => match field {
            "true" | "1" => Ok(vec![1]),
            "false" | "0" => Ok(vec![0]),
            _ => Err(format!("{field:?} is not a boolean (true or false)")),
        },
        "ipv4-address" => field
            .parse::<Ipv4Addr>()
            .map(|a| a.octets().to_vec())
            .map_err(|_| format!("{field:?} is not an IPv4 address")),
        "fqdn" => fqdn(field),
        other => Err(format!("option type {other:?} is not evaluated by ucprov")),
    }
}

/// `csv-format: true` data read by the definition.
pub fn csv(ty: &KeaType, data: &str) -> Result<Vec<u8>, String> {
    match ty.ty.as_str() {
        "empty" => {
            if data.trim().is_empty() {
                Ok(Vec::new())
            } else {
                Err("an option of type empty takes no data".into())
            }
        }
        // A string is the whole text (Kea keeps escaped commas as commas).
        "string" if !ty.array => {
            let f = fields(data);
            if f.len() > 1 {
                return Err(format!("{data:?} has an unescaped comma: Kea splits CSV data there; write \\\\, or use csv-format false"));
            }
            Ok(data.replace("\\,", ",").into_bytes())
        }
        "record" => {
            let f = fields(data);
            let types = &ty.record;
            if types.is_empty() {
                return Err("a record definition without record-types".into());
            }
            if f.len() < types.len() || (!ty.array && f.len() > types.len()) {
                return Err(format!(
                    "{} fields for a record of {} ({})",
                    f.len(),
                    types.len(),
                    types.join(", ")
                ));
            }
            let mut out = Vec::new();
            for (i, field) in f.iter().enumerate() {
                let t = types
                    .get(i)
                    .or(types.last())
                    .map_or("binary", String::as_str);
                out.extend(one(t, field)?);
            }
            Ok(out)
        }
        t => {
            let f = fields(data);
            if f.len() > 1 && !ty.array {
                return Err(format!("{} values for a single {t} option", f.len()));
            }
            let mut out = Vec::new();
            for field in &f {
                out.extend(one(t, field)?);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms_and_quoted_text() {
        for form in ["01:0c", "01 0c", "0x010c", "010c", "1:c", "0x10c"] {
            assert_eq!(binary(form).unwrap(), vec![1, 12], "{form}");
        }
        assert_eq!(binary("'443'").unwrap(), b"443".to_vec());
        assert!(binary("MS-UC-Client").is_err());
    }

    #[test]
    fn csv_reads_by_type_the_port_as_uint16_is_two_bytes() {
        assert_eq!(
            csv(&KeaType::simple("uint16", false), "443").unwrap(),
            vec![1, 0xBB]
        );
        assert_eq!(
            csv(&KeaType::simple("string", false), "443").unwrap(),
            b"443".to_vec()
        );
        assert_eq!(
            csv(
                &KeaType::simple("ipv4-address", true),
                "192.0.2.1, 192.0.2.2"
            )
            .unwrap(),
            vec![192, 0, 2, 1, 192, 0, 2, 2]
        );
        let rec = KeaType {
            ty: "record".into(),
            array: true,
            record: vec!["uint8".into(), "fqdn".into()],
            encapsulate: None,
        };
        assert_eq!(csv(&rec, "0, a.b").unwrap(), vec![0, 1, b'a', 1, b'b', 0]);
        assert!(csv(&KeaType::simple("string", false), "a,b").is_err());
        assert_eq!(
            csv(&KeaType::simple("string", false), "a\\,b").unwrap(),
            b"a,b".to_vec()
        );
    }
}
