//! How dnsmasq reads a `dhcp-option` value (dnsmasq(8), src/option.c): options it knows
//! by type (addresses, names, RFC 3361 option 120), and for the rest its guess from the text:
//! colon hex (one byte per group, at least one colon), a decimal number sized by its value
//! (`443` is two bytes, `01 BB`), dotted addresses, else text; quotes force text.

use std::net::Ipv4Addr;

use ucprov_wire::sip_servers::{Compression, SipServers};

use crate::model::ValueType;

/// dnsmasq's option names (`option:NAME`) that matter here, with their type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Addresses,
    Text,
    Sip,
    DomainSearch,
    /// Sent as dnsmasq guesses the value.
    Guess,
}

const NAMES: &[(&str, u8, Known)] = &[
    ("netmask", 1, Known::Addresses),
    ("router", 3, Known::Addresses),
    ("time-server", 4, Known::Addresses),
    ("dns-server", 6, Known::Addresses),
    ("log-server", 7, Known::Addresses),
    ("hostname", 12, Known::Text),
    ("domain-name", 15, Known::Text),
    ("root-path", 17, Known::Text),
    ("mtu", 26, Known::Guess),
    ("broadcast", 28, Known::Addresses),
    ("ntp-server", 42, Known::Addresses),
    ("vendor-encap", 43, Known::Guess),
    ("netbios-ns", 44, Known::Addresses),
    ("netbios-nodetype", 46, Known::Guess),
    ("lease-time", 51, Known::Guess),
    ("vendor-class", 60, Known::Text),
    ("tftp-server", 66, Known::Text),
    ("bootfile-name", 67, Known::Text),
    ("domain-search", 119, Known::DomainSearch),
    ("sip-server", 120, Known::Sip),
];

/// The code and type of `option:NAME`.
pub fn named(name: &str) -> Option<(u8, Known)> {
    NAMES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, c, k)| (*c, *k))
}

/// The type dnsmasq uses for option `code` given by number.
pub fn by_code(code: u8) -> Known {
    NAMES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or(Known::Guess, |(_, _, k)| *k)
}

fn unquote(v: &str) -> Option<&str> {
    v.strip_prefix('"').and_then(|x| x.strip_suffix('"'))
}

fn colon_hex(v: &str) -> Option<Result<Vec<u8>, String>> {
    if !v.contains(':') || !v.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
        return None;
    }
    Some(
        v.split(':')
            .map(|g| match g.len() {
                1 | 2 => u8::from_str_radix(g, 16).map_err(|e| e.to_string()),
                _ => Err(format!("colon group {g:?} in {v:?}: dnsmasq reads one byte per group, so write 01:0c:…, two digits each")),
            })
            .collect(),
    )
}

/// The bytes of a value dnsmasq guesses the type of, and how it read it.
pub fn guess(v: &str) -> Result<(Vec<u8>, ValueType), String> {
    let v = v.trim();
    if let Some(text) = unquote(v) {
        return Ok((text.as_bytes().to_vec(), ValueType::Text));
    }
    if let Some(hex) = colon_hex(v) {
        return Ok((hex?, ValueType::Binary));
    }
    let (digits, suffix) = match v.as_bytes().last() {
        Some(b'b' | b's' | b'i')
            if v.len() > 1 && v[..v.len() - 1].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&v[..v.len() - 1], v.as_bytes().last().copied())
        }
        _ => (v, None),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let n: u32 = digits.parse().map_err(|_| format!("{v} is too large"))?;
        let len = match suffix {
            Some(b'b') => 1,
            Some(b's') => 2,
            Some(b'i') => 4,
            _ if n & 0xffff_0000 != 0 => 4,
            _ if n & 0xff00 != 0 => 2,
            _ => 1,
        };
        let bytes = n.to_be_bytes()[4 - len..].to_vec();
        return Ok((
            bytes,
            ValueType::Guessed("a decimal number, sized by its value"),
        ));
    }
    let items: Vec<&str> = v.split(',').map(str::trim).collect();
    if items.iter().all(|i| i.parse::<Ipv4Addr>().is_ok()) {
        let bytes = items
            .iter()
            .filter_map(|i| i.parse::<Ipv4Addr>().ok())
            .flat_map(|a| a.octets())
            .collect();
        return Ok((bytes, ValueType::Ipv4));
    }
    if v.contains(',') {
        return Err(format!(
            "{v:?}: unquoted text with commas is read item by item by dnsmasq; quote it"
        ));
    }
    Ok((v.as_bytes().to_vec(), ValueType::Guessed("text")))
}

/// The bytes of `value` for an option of type `known`.
pub fn encode(known: Known, value: &str) -> Result<(Vec<u8>, ValueType), String> {
    let v = value.trim();
    match known {
        Known::Guess => guess(v),
        Known::Text => Ok((unquote(v).unwrap_or(v).as_bytes().to_vec(), ValueType::Text)),
        Known::Addresses => {
            let mut out = Vec::new();
            for i in v.split(',').map(str::trim) {
                let a: Ipv4Addr = i
                    .parse()
                    .map_err(|_| format!("{i:?} is not an IPv4 address"))?;
                out.extend(a.octets());
            }
            Ok((out, ValueType::Ipv4))
        }
        Known::Sip => {
            if let Some(hex) = colon_hex(v) {
                return Ok((hex?, ValueType::Binary));
            }
            let items: Vec<String> = v
                .split(',')
                .map(|i| unquote(i.trim()).unwrap_or(i.trim()).to_string())
                .collect();
            let servers = if items.iter().all(|i| i.parse::<Ipv4Addr>().is_ok()) {
                SipServers::Addresses(items.iter().filter_map(|i| i.parse().ok()).collect())
            } else {
                SipServers::Names(items)
            };
            // dnsmasq compresses the names' common suffixes (observed with 2.90).
            let bytes = servers
                .to_bytes(Compression::On)
                .map_err(|e| e.to_string())?;
            let ty = match servers {
                SipServers::Addresses(_) => ValueType::Ipv4,
                SipServers::Names(_) => ValueType::Fqdn,
            };
            Ok((bytes, ty))
        }
        Known::DomainSearch => {
            Err("domain-search (RFC 3397 compression) is not sized by ucprov".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_follow_dnsmasq() {
        assert_eq!(guess("443").unwrap().0, vec![1, 0xBB]);
        assert_eq!(guess("\"443\"").unwrap().0, b"443".to_vec());
        assert_eq!(guess("7b").unwrap().0, vec![7]);
        assert_eq!(guess("01:0c:4d").unwrap().0, vec![1, 12, 0x4d]);
        assert!(guess("010C:4D53").is_err());
        assert_eq!(guess("192.0.2.1,192.0.2.2").unwrap().0.len(), 8);
        assert_eq!(guess("https").unwrap().0, b"https".to_vec());
        assert_eq!(encode(Known::Sip, "lync.example.com").unwrap().0[0], 0);
        assert_eq!(
            encode(Known::Sip, "192.0.2.10").unwrap().0,
            vec![1, 192, 0, 2, 10]
        );
    }
}
