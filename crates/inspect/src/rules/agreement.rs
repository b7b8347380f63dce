//! Do two servers provision the same thing? A device uses whichever answer lands first, so two
//! servers that differ make provisioning a race (`docs/wire.md` §6). The comparison is by
//! meaning, never by bytes: dnsmasq reverses sub-option order and adds an end byte, ISC and
//! dnsmasq compress option 120, DNS names compare without case. A sub-option one server adds
//! (NAP, a voice VLAN) is reported but is not a conflict: devices ignore what they do not use.

use serde::Serialize;
use ucprov_wire::profile::MsUcProfile;

/// What one answer provisions, as a device reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provisions<'a> {
    /// Option 43's bytes, when the reply has one.
    pub option43: Option<&'a [u8]>,
    /// Option 43 as a valid MS-UC-Client profile.
    pub profile: Option<&'a MsUcProfile>,
    /// Option 120's bytes, when the reply has one.
    pub option120: Option<&'a [u8]>,
    /// Option 120's names as decoded; empty when it did not decode.
    pub registrars: &'a [String],
}

impl Provisions<'_> {
    /// Whether the answer provisions UC devices at all: a DHCP server answering the INFORM
    /// with only router and DNS options is not taking part, and so cannot disagree.
    pub fn takes_part(&self) -> bool {
        self.option43.is_some() || self.option120.is_some()
    }

    fn says_43(&self) -> String {
        match (self.option43, self.profile) {
            (None, _) => "no option 43".into(),
            (Some(_), Some(p)) => p.provisioning_url(),
            (Some(bytes), None) => format!("an invalid option 43 ({} bytes)", bytes.len()),
        }
    }

    fn says_120(&self) -> String {
        match self.option120 {
            None => "no option 120".into(),
            Some(_) if self.registrars.is_empty() => "an invalid option 120".into(),
            Some(_) => self.registrars.join(", "),
        }
    }
}

/// One field on which two answers differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `option 43 sub-option 3 (WebServerFqdn)`, `option 120`, …
    pub field: String,
    pub first: String,
    pub second: String,
}

/// The comparison of two answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Agreement {
    /// Differences a device would act on.
    pub conflicts: Vec<Difference>,
    /// Sub-options only one side sends (code and which side), reported but not a conflict.
    pub extras: Vec<String>,
}

impl Agreement {
    pub fn agrees(&self) -> bool {
        self.conflicts.is_empty()
    }
}

fn diff(field: &str, first: impl Into<String>, second: impl Into<String>) -> Difference {
    Difference {
        field: field.to_string(),
        first: first.into(),
        second: second.into(),
    }
}

/// Compare what two answers provision.
pub fn compare(a: &Provisions<'_>, b: &Provisions<'_>) -> Agreement {
    let mut out = Agreement::default();
    match (a.profile, b.profile) {
        (Some(p), Some(q)) => compare_profiles(p, q, &mut out),
        (None, None) if a.option43 == b.option43 => {}
        _ => out
            .conflicts
            .push(diff("option 43", a.says_43(), b.says_43())),
    }
    let names = |p: &Provisions<'_>| -> Vec<String> {
        p.registrars
            .iter()
            .map(|r| r.to_ascii_lowercase())
            .collect()
    };
    let same_120 = match (a.option120, b.option120) {
        (None, None) => true,
        (Some(x), Some(y)) => x == y || (!a.registrars.is_empty() && names(a) == names(b)),
        _ => false,
    };
    if !same_120 {
        out.conflicts
            .push(diff("option 120", a.says_120(), b.says_120()));
    }
    out
}

fn compare_profiles(p: &MsUcProfile, q: &MsUcProfile, out: &mut Agreement) {
    let text = |x: &MsUcProfile| {
        [
            x.uc_identifier.clone(),
            x.scheme.as_str().to_string(),
            x.web_fqdn.clone(),
            x.port.to_string(),
            x.path.clone(),
        ]
    };
    // Host names are DNS names: case does not make them different (RFC 4343).
    let fields = [
        (
            "option 43 sub-option 1 (UCIdentifier)",
            p.uc_identifier == q.uc_identifier,
        ),
        ("option 43 sub-option 2 (URLScheme)", p.scheme == q.scheme),
        (
            "option 43 sub-option 3 (WebServerFqdn)",
            p.web_fqdn.eq_ignore_ascii_case(&q.web_fqdn),
        ),
        ("option 43 sub-option 4 (WebServerPort)", p.port == q.port),
        ("option 43 sub-option 5 (CertProvRelPath)", p.path == q.path),
    ];
    for ((field, same), (a, b)) in fields.into_iter().zip(text(p).into_iter().zip(text(q))) {
        if !same {
            out.conflicts.push(diff(field, a, b));
        }
    }
    for (side, mine, theirs) in [("first", p, q), ("second", q, p)] {
        for extra in &mine.extra {
            if !theirs.extra.iter().any(|t| t == extra) {
                out.extras.push(format!(
                    "sub-option {} only in the {side} answer",
                    extra.code
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucprov_wire::profile::ExtraSubOption;

    fn answer<'a>(p: &'a MsUcProfile, names: &'a [String]) -> Provisions<'a> {
        Provisions {
            option43: Some(b"43"),
            profile: Some(p),
            option120: Some(b"120"),
            registrars: names,
        }
    }

    #[test]
    fn host_names_compare_without_case() {
        let (p, q) = (MsUcProfile::new("web.test"), MsUcProfile::new("WEB.Test"));
        let (n, m) = (vec!["pool.test".to_string()], vec!["POOL.test".to_string()]);
        let mut b = answer(&q, &m);
        b.option120 = Some(b"other bytes, same names");
        assert!(compare(&answer(&p, &n), &b).agrees());
    }

    #[test]
    fn a_different_web_server_is_a_conflict_named_by_field() {
        let (p, q) = (MsUcProfile::new("web.test"), MsUcProfile::new("rogue.test"));
        let n = vec!["pool.test".to_string()];
        let a = compare(&answer(&p, &n), &answer(&q, &n));
        assert_eq!(a.conflicts.len(), 1);
        assert_eq!(
            a.conflicts[0].field,
            "option 43 sub-option 3 (WebServerFqdn)"
        );
        assert_eq!(a.conflicts[0].second, "rogue.test");
    }

    #[test]
    fn an_extra_sub_option_is_reported_but_agrees() {
        let p = MsUcProfile::new("web.test");
        let mut q = p.clone();
        q.extra.push(ExtraSubOption {
            code: 220,
            value: b"NAP".to_vec(),
        });
        let n = vec!["pool.test".to_string()];
        let a = compare(&answer(&p, &n), &answer(&q, &n));
        assert!(a.agrees());
        assert_eq!(a.extras, ["sub-option 220 only in the second answer"]);
    }

    #[test]
    fn a_missing_or_invalid_option_is_a_conflict_and_none_at_all_takes_no_part() {
        let p = MsUcProfile::new("web.test");
        let n = vec!["pool.test".to_string()];
        let mut broken = answer(&p, &n);
        broken.profile = None;
        broken.option43 = Some(b"\x01\x09cut");
        let a = compare(&answer(&p, &n), &broken);
        assert_eq!(a.conflicts[0].field, "option 43");
        assert!(a.conflicts[0].second.contains("invalid"));
        let silent = Provisions {
            option43: None,
            profile: None,
            option120: None,
            registrars: &[],
        };
        assert!(!silent.takes_part());
        assert_eq!(compare(&answer(&p, &n), &silent).conflicts.len(), 2);
    }
}
