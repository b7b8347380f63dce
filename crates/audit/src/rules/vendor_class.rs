//! Option 60 conditions that are almost `MS-UC-Client`: the Windows class *name* `MSUCClient`,
//! another case, stray spaces; and classes that carry the MS-UC-Client options but whose
//! condition never admits a phone (no test at all, or one that cannot match).

use ucprov_inspect::{Finding, Kind};
use ucprov_wire::profile::VENDOR_CLASS;

use super::Ctx;
use crate::eval::{admits, describe};
use crate::fix::Want;
use crate::model::{Condition, Data};

/// Letters and digits only, lower case: `MSUCClient`, `ms-uc-client` and `MS-UC-Client ` all
/// reduce to `msucclient`.
fn folded(v: &[u8]) -> Vec<u8> {
    v.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// Whether `v` is a misspelling of `MS-UC-Client` (and not the thing itself).
pub fn misspelt(v: &[u8]) -> bool {
    v != VENDOR_CLASS.as_bytes() && folded(v) == folded(VENDOR_CLASS.as_bytes())
}

/// Whether a setting's value is made for MS-UC-Client devices: sub-option 1 says so.
fn for_phones(ctx: &Ctx, data: &Data) -> bool {
    let needle = VENDOR_CLASS.as_bytes();
    match data {
        Data::Bytes(b) => b.windows(needle.len()).any(|w| w == needle),
        Data::Encapsulate(space) => ctx.config.settings.iter().any(|s| {
            s.value.space == *space
                && matches!(&s.value.data, Data::Bytes(b) if b.as_slice() == needle)
        }),
        Data::Unsized(_) => false,
    }
}

pub fn check(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, class) in ctx.config.classes.iter().enumerate() {
        let names = class.condition.named_values();
        if let Some(bad) = names.iter().find(|v| misspelt(v)) {
            let text = String::from_utf8_lossy(bad);
            let why = if bad.as_slice() == b"MSUCClient" {
                " (MSUCClient is the Windows vendor class's name; its data, which the phones send, is MS-UC-Client)"
            } else {
                " (the match is case-sensitive and exact)"
            };
            let f = Finding::error(
                Kind::MisspeltVendorClass,
                format!(
                    "class {:?} tests {}: the phones send option 60 \"{VENDOR_CLASS}\", not \"{text}\"{why}, so the class never matches them",
                    class.name,
                    describe(&class.condition)
                ),
            )
            .fix(ctx.fix(Want::VendorClass));
            out.push(ctx.at(f, class.at));
            continue;
        }
        let carries = ctx.config.settings.iter().any(|s| {
            s.classes.iter().any(|r| r.class == i && !r.negated)
                && s.value.code == 43
                && for_phones(ctx, &s.value.data)
        });
        if carries && !admits(ctx.config, i, Some(VENDOR_CLASS.as_bytes())) {
            let cond = match class.condition {
                Condition::Never => "has no test it can match on (a Kea class without \"test\" is only assigned by reservations)".to_string(),
                ref c => format!("tests {}", describe(c)),
            };
            let f = Finding::error(
                Kind::MisspeltVendorClass,
                format!(
                    "class {:?} carries the MS-UC-Client option 43 but {cond}: no MS-UC-Client device matches it",
                    class.name
                ),
            )
            .fix(ctx.fix(Want::VendorClass));
            out.push(ctx.at(f, class.at));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    #[test]
    fn misspellings_are_told_from_the_real_thing() {
        for bad in [
            "MSUCClient",
            "ms-uc-client",
            "MS-UC-Client ",
            "MS_UC_Client",
        ] {
            assert!(misspelt(bad.as_bytes()), "{bad}");
        }
        assert!(!misspelt(b"MS-UC-Client") && !misspelt(b"PXEClient"));
    }

    #[test]
    fn the_windows_class_name_as_option_60_is_found_at_the_test() {
        let c = kea_with(
            Some("option[vendor-class-identifier].text == 'MSUCClient'"),
            &good43(),
            Some(&good120()),
            "",
        );
        let f = check(&Ctx::new(&c, None));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("Windows vendor class's name"));
        assert_eq!(f[0].location.as_ref().map(|l| l.line), Some(2));
        assert!(
            f[0].fix.as_deref().is_some_and(|x| x.contains("\"test\"")),
            "{:?}",
            f[0].fix
        );
    }
}
