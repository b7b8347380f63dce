//! Values whose declared data type changes the bytes: a sub-option typed as an integer (the
//! port as `uint16` is `01 BB`, not the text `443`), hex written into a text option (the
//! server sends the hex digits as characters), option 120 typed as text or a bare name (no
//! RFC 3361 encoding byte), and Kea's last-resort option 43 definition carrying raw bytes.

use ucprov_inspect::{Finding, Kind};
use ucprov_wire::catalog;

use super::Ctx;
use crate::fix::Want;
use crate::model::{Data, ValueType, DHCP4};

/// Text that is hex written by hand: colon- or space-separated octets, or `0x…`.
pub fn looks_like_hex(raw: &str) -> bool {
    let t = raw.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(t);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return digits(rest);
    }
    let sep = if t.contains(':') { ':' } else { ' ' };
    let groups: Vec<&str> = t.split(sep).collect();
    groups.len() >= 3 && groups.iter().all(|g| g.len() <= 2 && digits(g))
        || (t.len() >= 8
            && t.len().is_multiple_of(2)
            && digits(t)
            && t.bytes().any(|b| b.is_ascii_digit()))
}

/// Text as declared, or as dnsmasq guessed it (contiguous hex without colons is text there).
fn is_text(t: &ValueType) -> bool {
    matches!(t, ValueType::Text | ValueType::Guessed("text"))
}

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut reaching: Vec<usize> = ctx
        .scopes
        .iter()
        .flat_map(|s| {
            [43u8, 120]
                .into_iter()
                .filter_map(|c| s.ms().option(c))
                .flat_map(|o| o.settings.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    reaching.sort_unstable();
    reaching.dedup();
    reaching
        .into_iter()
        .filter_map(|i| judge(ctx, i).map(|f| ctx.at_setting(f, i)))
        .collect()
}

fn judge(ctx: &Ctx, setting: usize) -> Option<Finding> {
    let v = &ctx.config.settings[setting].value;
    let Data::Bytes(bytes) = &v.data else {
        return None;
    };
    let hex = ucprov_wire::hex::HexStyle::SPACED.format(bytes);
    let name = v.name.clone().unwrap_or_else(|| format!("code {}", v.code));
    if v.space != DHCP4 {
        let sub = catalog::suboption(v.code).map_or("a sub-option", |s| s.name);
        let typed_wrong = matches!(
            v.declared,
            ValueType::Integer(_) | ValueType::Ipv4 | ValueType::Fqdn
        ) || (matches!(v.declared, ValueType::Guessed(_))
            && !bytes.iter().all(|b| (0x20..=0x7E).contains(b)))
            // Text the server sends with a NUL of its own (Windows String options).
            || (v.declared == ValueType::Text && bytes.last() == Some(&0) && !v.raw.contains('\0'));
        if (1..=5).contains(&v.code) && typed_wrong {
            return Some(
                Finding::error(
                    Kind::WrongDataType,
                    format!(
                        "sub-option {} ({sub}, {name}) is typed {}: {:?} is sent as {hex}, where the phone reads text (\"443\" is 34 34 33)",
                        v.code,
                        v.declared.label(),
                        v.raw
                    ),
                )
                .field(format!("sub-option {}", v.code))
                .fix(ctx.fix(Want::SubOption(v.code))),
            );
        }
        if is_text(&v.declared) && looks_like_hex(&v.raw) {
            return Some(text_hex(
                ctx,
                v.code,
                &name,
                &v.raw,
                Want::SubOption(v.code),
            ));
        }
        return None;
    }
    match (v.code, &v.declared) {
        (43 | 120, t) if is_text(t) && looks_like_hex(&v.raw) => Some(text_hex(
            ctx,
            v.code,
            &name,
            &v.raw,
            if v.code == 43 { Want::Option43 } else { Want::Option120 },
        )),
        (120, ValueType::Text | ValueType::Fqdn) => Some(
            Finding::error(
                Kind::WrongDataType,
                format!(
                    "option 120 ({name}) is typed {}: {:?} is sent without the RFC 3361 encoding byte (00 for names), so the phone cannot read the registrar",
                    v.declared.label(),
                    v.raw
                ),
            )
            .field("option 120")
            .fix(ctx.fix(Want::Option120)),
        ),
        (43, ValueType::Builtin(what)) => Some(
            Finding::warning(
                Kind::WrongDataType,
                format!("option 43 carries raw bytes under {what}: Kea's manual warns this definition does not suit raw values, and some versions send option 43 empty"),
            )
            .field("option 43")
            .fix(ctx.fix(Want::Option43)),
        ),
        _ => None,
    }
}

fn text_hex(ctx: &Ctx, code: u8, name: &str, raw: &str, want: Want) -> Finding {
    Finding::error(
        Kind::WrongDataType,
        format!("{name} (code {code}) is typed as text but written as hex {raw:?}: the server sends the hex digits as characters, not the bytes they spell"),
    )
    .field(format!("option {code}"))
    .fix(ctx.fix(want))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn hex_by_hand_is_told_from_text() {
        assert!(
            looks_like_hex("01:0c:4d")
                && looks_like_hex("0x010C")
                && looks_like_hex("010C4D532D55")
        );
        assert!(
            !looks_like_hex("443") && !looks_like_hex("https") && !looks_like_hex("MS-UC-Client")
        );
    }

    #[test]
    fn the_port_as_uint16_and_120_as_text_are_errors() {
        let c = kea(&format!(
            r#"{{"Dhcp4": {{
"option-def": [{{"name": "port", "code": 4, "space": "s", "type": "uint16"}},
  {{"name": "sip", "code": 120, "type": "string"}}],
"client-classes": [{{"name": "ms", "test": "{MS_TEST}",
  "option-def": [{{"name": "vendor-encapsulated-options", "code": 43, "type": "empty", "encapsulate": "s"}}],
  "option-data": [{{"name": "vendor-encapsulated-options"}},
{{"name": "port", "space": "s", "data": "443"}},
{{"name": "sip", "data": "lync.example.com"}}]}}],
"subnet4": [{{"id": 1, "subnet": "10.0.0.0/24"}}]}}}}"#
        ));
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].message.contains("01 BB"), "{}", f[0].message);
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(7));
        assert!(f[1].message.contains("encoding byte"), "{}", f[1].message);
        assert!(f
            .iter()
            .all(|f| f.kind == Kind::WrongDataType && f.fix.is_some()));
    }
}
