//! The MS-UC-Client profile: option 43's five sub-options as a typed, validated struct, plus the
//! option 120 that goes with it. Everything `encode`, `config` and `serve` emit comes from here.

use core::fmt;

use crate::catalog;
use crate::hostname::{validate_hostname, HostnameError};
use crate::sip_servers::{Compression, SipServers, SipServersError};
use crate::tlv::emit_tlv;
use crate::vendor::VendorOptions;

/// Option 60 data of Lync / Skype for Business devices. Case-sensitive.
pub const VENDOR_CLASS: &str = "MS-UC-Client";
pub const DEFAULT_PATH: &str = "/CertProv/CertProvisioningService.svc";
pub const DEFAULT_PORT: u16 = 443;

pub const SUB_UC_IDENTIFIER: u8 = 1;
pub const SUB_URL_SCHEME: u8 = 2;
pub const SUB_WEB_FQDN: u8 = 3;
pub const SUB_WEB_PORT: u8 = 4;
pub const SUB_CERT_PROV_PATH: u8 = 5;
const PROFILE_CODES: [u8; 5] = [1, 2, 3, 4, 5];

/// The certificate provisioning URL scheme (sub-option 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Scheme {
    #[default]
    Https,
    Http,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Scheme {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "https" => Ok(Scheme::Https),
            "http" => Ok(Scheme::Http),
            _ => Err(ProfileError::invalid(
                SUB_URL_SCHEME,
                s,
                "must be \"https\" or \"http\" (lower case)",
            )),
        }
    }
}

/// A sub-option outside the profile's five, kept byte for byte and in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExtraSubOption {
    pub code: u8,
    pub value: Vec<u8>,
}

/// What a Lync / Skype for Business device needs from DHCP.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MsUcProfile {
    /// Sub-option 1; devices expect exactly `MS-UC-Client`.
    pub uc_identifier: String,
    /// Sub-option 2.
    pub scheme: Scheme,
    /// Sub-option 3: the pool's web services FQDN.
    pub web_fqdn: String,
    /// Sub-option 4, sent as ASCII digits.
    pub port: u16,
    /// Sub-option 5.
    pub path: String,
    /// Further sub-options, emitted after the five in this order.
    pub extra: Vec<ExtraSubOption>,
}

impl MsUcProfile {
    /// The profile DHCPUtil produces for a web services FQDN.
    pub fn new(web_fqdn: impl Into<String>) -> Self {
        MsUcProfile {
            uc_identifier: VENDOR_CLASS.to_string(),
            scheme: Scheme::Https,
            web_fqdn: web_fqdn.into(),
            port: DEFAULT_PORT,
            path: DEFAULT_PATH.to_string(),
            extra: Vec::new(),
        }
    }

    /// Check every field; the first problem is returned with its sub-option and a fix.
    pub fn validate(&self) -> Result<(), ProfileError> {
        check_printable(SUB_UC_IDENTIFIER, self.uc_identifier.as_bytes())?;
        if self.uc_identifier.is_empty() {
            return Err(ProfileError::invalid(
                SUB_UC_IDENTIFIER,
                "",
                "must not be empty; devices expect MS-UC-Client",
            ));
        }
        validate_hostname(&self.web_fqdn).map_err(|source| ProfileError::Fqdn {
            value: self.web_fqdn.clone(),
            source,
        })?;
        if self.port == 0 {
            return Err(ProfileError::invalid(
                SUB_WEB_PORT,
                "0",
                "port must be 1-65535",
            ));
        }
        check_printable(SUB_CERT_PROV_PATH, self.path.as_bytes())?;
        if !self.path.starts_with('/') {
            return Err(ProfileError::invalid(
                SUB_CERT_PROV_PATH,
                &self.path,
                "the path must start with '/' (default /CertProv/CertProvisioningService.svc)",
            ));
        }
        if self.path.contains(' ') {
            return Err(ProfileError::invalid(
                SUB_CERT_PROV_PATH,
                &self.path,
                "spaces are not allowed in a URL path; write them as %20",
            ));
        }
        if self.path.len() > 255 {
            return Err(ProfileError::TooLong {
                code: SUB_CERT_PROV_PATH,
                len: self.path.len(),
            });
        }
        for extra in &self.extra {
            if PROFILE_CODES.contains(&extra.code) {
                return Err(ProfileError::ExtraShadowsProfile { code: extra.code });
            }
            if extra.code == 0 || extra.code == 255 {
                return Err(ProfileError::ReservedCode { code: extra.code });
            }
            if extra.value.len() > 255 {
                return Err(ProfileError::TooLong {
                    code: extra.code,
                    len: extra.value.len(),
                });
            }
        }
        Ok(())
    }

    /// The sub-options in emit order: 1-5, then the extras.
    pub fn suboptions(&self) -> Vec<(u8, Vec<u8>)> {
        let mut subs = vec![
            (SUB_UC_IDENTIFIER, self.uc_identifier.as_bytes().to_vec()),
            (SUB_URL_SCHEME, self.scheme.as_str().as_bytes().to_vec()),
            (SUB_WEB_FQDN, self.web_fqdn.as_bytes().to_vec()),
            (SUB_WEB_PORT, self.port.to_string().into_bytes()),
            (SUB_CERT_PROV_PATH, self.path.as_bytes().to_vec()),
        ];
        subs.extend(self.extra.iter().map(|e| (e.code, e.value.clone())));
        subs
    }

    /// Option 43's data: the sub-option TLVs, no option header. May exceed 255 bytes; the
    /// option writer then splits it (RFC 3396).
    pub fn option43(&self) -> Result<Vec<u8>, ProfileError> {
        self.validate()?;
        let mut out = Vec::with_capacity(67 + self.web_fqdn.len());
        for (code, value) in self.suboptions() {
            emit_tlv(code, &value, &mut out).map_err(|_| ProfileError::TooLong {
                code,
                len: value.len(),
            })?;
        }
        Ok(out)
    }

    /// `{scheme}://{fqdn}:{port}{path}`, as the device builds it.
    pub fn provisioning_url(&self) -> String {
        format!(
            "{}://{}:{}{}",
            self.scheme, self.web_fqdn, self.port, self.path
        )
    }

    /// Where the device fetches the root chain: plain HTTP, port 80 unless told otherwise.
    pub fn root_chain_url(&self, http_port: u16) -> String {
        if http_port == 80 {
            format!("http://{}{}", self.web_fqdn, self.path)
        } else {
            format!("http://{}:{}{}", self.web_fqdn, http_port, self.path)
        }
    }

    /// Read a profile from decoded sub-options. Unknown codes become `extra`; duplicates,
    /// missing and invalid values are errors that name the sub-option and its offset.
    pub fn from_vendor_options(v: &VendorOptions) -> Result<Self, ProfileError> {
        for (i, s) in v.items.iter().enumerate() {
            if let Some(dup) = v.items[i + 1..].iter().find(|d| d.code == s.code) {
                return Err(ProfileError::Duplicate {
                    code: s.code,
                    first: s.offset,
                    second: dup.offset,
                });
            }
        }
        let text = |code: u8| -> Result<(String, usize), ProfileError> {
            let s = v.get(code).ok_or(ProfileError::Missing { code })?;
            check_printable(code, &s.value).map_err(|e| e.at(s.offset))?;
            // check_printable guarantees ASCII, so this conversion is lossless.
            Ok((String::from_utf8_lossy(&s.value).into_owned(), s.offset))
        };
        let (uc_identifier, _) = text(SUB_UC_IDENTIFIER)?;
        let (scheme, at) = text(SUB_URL_SCHEME)?;
        let scheme: Scheme = scheme.parse().map_err(|e: ProfileError| e.at(at))?;
        let (web_fqdn, _) = text(SUB_WEB_FQDN)?;
        let (port, at) = text(SUB_WEB_PORT)?;
        let port = parse_port(&port).map_err(|e| e.at(at))?;
        let (path, _) = text(SUB_CERT_PROV_PATH)?;
        let extra = v
            .items
            .iter()
            .filter(|s| !PROFILE_CODES.contains(&s.code))
            .map(|s| ExtraSubOption {
                code: s.code,
                value: s.value.clone(),
            })
            .collect();
        let profile = MsUcProfile {
            uc_identifier,
            scheme,
            web_fqdn,
            port,
            path,
            extra,
        };
        profile.validate().map_err(|e| {
            let at = e.code().and_then(|c| v.get(c)).map(|s| s.offset);
            match at {
                Some(at) => e.at(at),
                None => e,
            }
        })?;
        Ok(profile)
    }
}

/// Everything a DHCP server sends a UC device: option 43 from the profile and option 120.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Provisioning {
    pub profile: MsUcProfile,
    /// Registrars for option 120; Lync needs names (TLS checks them), addresses are allowed.
    pub sip_servers: SipServers,
    #[cfg_attr(feature = "serde", serde(skip))]
    pub compression: Compression,
}

impl Provisioning {
    /// DHCPUtil's defaults: one registrar, web services on the same FQDN unless given.
    pub fn new(sip_fqdn: impl Into<String>, web_fqdn: Option<String>) -> Self {
        let sip = sip_fqdn.into();
        let web = web_fqdn.unwrap_or_else(|| sip.clone());
        Provisioning {
            profile: MsUcProfile::new(web),
            sip_servers: SipServers::Names(vec![sip]),
            compression: Compression::Off,
        }
    }

    /// Option 43's data (sub-option TLVs, no header).
    pub fn option43(&self) -> Result<Vec<u8>, ProfileError> {
        self.profile.option43()
    }

    /// Option 120's data (encoding byte first, no header).
    pub fn option120(&self) -> Result<Vec<u8>, SipServersError> {
        self.sip_servers.to_bytes(self.compression)
    }

    /// Validate both options; the error says which field and how to fix it.
    pub fn validate(&self) -> Result<(), ProvisioningError> {
        self.option43()?;
        self.option120()?;
        Ok(())
    }
}

/// Either option of a [`Provisioning`] is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisioningError {
    #[error("option 43: {0}")]
    Profile(#[from] ProfileError),
    #[error("option 120: {0}")]
    SipServers(#[from] SipServersError),
}

/// The option 120 a profile goes with: the registrar FQDNs, names encoded (Lync needs names
/// for TLS).
pub fn sip_option(names: &[String], compression: Compression) -> Result<Vec<u8>, SipServersError> {
    SipServers::Names(names.to_vec()).to_bytes(compression)
}

/// ASCII digits 1-65535, no sign, no leading zero: exactly what `u16::to_string` writes back.
pub fn parse_port(text: &str) -> Result<u16, ProfileError> {
    let bad = |why| Err(ProfileError::invalid(SUB_WEB_PORT, text, why));
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return bad("the port is ASCII digits, e.g. \"443\" (34 34 33), not a binary number");
    }
    if text.starts_with('0') {
        return bad("no leading zeros: write 443, not 0443");
    }
    match text.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => bad("the port must be 1-65535"),
    }
}

fn check_printable(code: u8, value: &[u8]) -> Result<(), ProfileError> {
    match value.iter().position(|b| !(0x20..=0x7E).contains(b)) {
        None => Ok(()),
        Some(index) => Err(ProfileError::NotPrintable {
            code,
            index,
            byte: value[index],
            offset: None,
        }),
    }
}

/// Why a profile is not what a device can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    Missing {
        code: u8,
    },
    Duplicate {
        code: u8,
        first: usize,
        second: usize,
    },
    NotPrintable {
        code: u8,
        index: usize,
        byte: u8,
        /// Offset of the sub-option's code byte in option 43, when decoded.
        offset: Option<usize>,
    },
    Invalid {
        code: u8,
        value: String,
        why: &'static str,
        offset: Option<usize>,
    },
    Fqdn {
        value: String,
        source: HostnameError,
    },
    FqdnAt {
        value: String,
        source: HostnameError,
        offset: usize,
    },
    TooLong {
        code: u8,
        len: usize,
    },
    ExtraShadowsProfile {
        code: u8,
    },
    ReservedCode {
        code: u8,
    },
}

impl ProfileError {
    fn invalid(code: u8, value: &str, why: &'static str) -> Self {
        ProfileError::Invalid {
            code,
            value: value.to_string(),
            why,
            offset: None,
        }
    }

    /// The sub-option the problem is in, if it is about one.
    pub fn code(&self) -> Option<u8> {
        use ProfileError::*;
        match self {
            Missing { code }
            | Duplicate { code, .. }
            | NotPrintable { code, .. }
            | Invalid { code, .. }
            | TooLong { code, .. }
            | ExtraShadowsProfile { code }
            | ReservedCode { code } => Some(*code),
            Fqdn { .. } | FqdnAt { .. } => Some(SUB_WEB_FQDN),
        }
    }

    /// Where in option 43's data the offending sub-option starts, when known.
    pub fn offset(&self) -> Option<usize> {
        match self {
            ProfileError::NotPrintable { offset, .. } | ProfileError::Invalid { offset, .. } => {
                *offset
            }
            ProfileError::FqdnAt { offset, .. } => Some(*offset),
            ProfileError::Duplicate { second, .. } => Some(*second),
            _ => None,
        }
    }

    /// The same error with its offset moved by `base` bytes, for option 43 data that sits
    /// inside a larger buffer (after a `2B LL` header, inside a DHCP message).
    #[must_use]
    pub fn shifted(self, base: usize) -> Self {
        match self.offset() {
            Some(o) => match self {
                ProfileError::Duplicate {
                    code,
                    first,
                    second,
                } => ProfileError::Duplicate {
                    code,
                    first: first + base,
                    second: second + base,
                },
                other => other.at(o + base),
            },
            None => self,
        }
    }

    /// Attach the offset of the sub-option this error is about.
    #[must_use]
    pub fn at(self, at: usize) -> Self {
        match self {
            ProfileError::NotPrintable {
                code, index, byte, ..
            } => ProfileError::NotPrintable {
                code,
                index,
                byte,
                offset: Some(at),
            },
            ProfileError::Invalid {
                code, value, why, ..
            } => ProfileError::Invalid {
                code,
                value,
                why,
                offset: Some(at),
            },
            ProfileError::Fqdn { value, source } | ProfileError::FqdnAt { value, source, .. } => {
                ProfileError::FqdnAt {
                    value,
                    source,
                    offset: at,
                }
            }
            other => other,
        }
    }
}

fn sub_label(code: u8) -> String {
    match catalog::suboption(code) {
        Some(info) => format!("sub-option {code} ({})", info.name),
        None => format!("sub-option {code}"),
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProfileError::*;
        if let Some(at) = self.offset() {
            write!(f, "byte {at}: ")?;
        }
        match self {
            Missing { code } => write!(
                f,
                "{} is missing; a device needs all of sub-options 1-5",
                sub_label(*code)
            ),
            Duplicate { code, first, .. } => write!(
                f,
                "{} appears twice (first at byte {first}); keep one",
                sub_label(*code)
            ),
            NotPrintable {
                code, index, byte, ..
            } => write!(
                f,
                "{}: byte {index} of the value is 0x{byte:02X}, not printable ASCII; values are plain text with no NUL",
                sub_label(*code)
            ),
            Invalid {
                code, value, why, ..
            } => write!(f, "{} value {value:?}: {why}", sub_label(*code)),
            Fqdn { value, source } | FqdnAt { value, source, .. } => write!(
                f,
                "{} {value:?}: {source}",
                sub_label(SUB_WEB_FQDN)
            ),
            TooLong { code, len } => write!(
                f,
                "{}: value is {len} bytes; a sub-option holds at most 255",
                sub_label(*code)
            ),
            ExtraShadowsProfile { code } => write!(
                f,
                "extra sub-option {code} would replace profile {}; set it with its own flag",
                sub_label(*code)
            ),
            ReservedCode { code } => write!(
                f,
                "sub-option code {code} is reserved (0 pad, 255 end); use 1-254"
            ),
        }
    }
}

impl std::error::Error for ProfileError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::parse_hex;

    /// The seed article's option 43 data (docs/wire.md §2, docs/dhcp-servers.md §2).
    pub(crate) const SEED_43: &str = "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663";

    #[test]
    fn seed_profile_encodes_byte_exact() {
        let p = MsUcProfile::new("lync.schertz.local");
        let bytes = p.option43().unwrap();
        assert_eq!(bytes, parse_hex(SEED_43).unwrap());
        assert_eq!(bytes.len(), 85);
        assert_eq!(bytes.len(), 67 + "lync.schertz.local".len());
        assert_eq!(
            p.provisioning_url(),
            "https://lync.schertz.local:443/CertProv/CertProvisioningService.svc"
        );
        assert_eq!(
            p.root_chain_url(80),
            "http://lync.schertz.local/CertProv/CertProvisioningService.svc"
        );
        assert_eq!(
            sip_option(&["lync.schertz.local".into()], Compression::Off).unwrap(),
            parse_hex("00046C796E63077363686572747A056C6F63616C00").unwrap()
        );
    }

    #[test]
    fn decodes_seed_with_nap_as_extra() {
        let mut data = parse_hex(SEED_43).unwrap();
        data.extend_from_slice(&[0xDC, 3, b'N', b'A', b'P']);
        assert_eq!(data.len(), 0x5A);
        let p = MsUcProfile::from_vendor_options(&VendorOptions::parse(&data)).unwrap();
        assert_eq!(p.web_fqdn, "lync.schertz.local");
        assert_eq!(
            p.extra,
            vec![ExtraSubOption {
                code: 220,
                value: b"NAP".to_vec()
            }]
        );
        assert_eq!(p.option43().unwrap(), data);
    }

    #[test]
    fn port_rules() {
        assert_eq!(parse_port("443"), Ok(443));
        assert_eq!(parse_port("65535"), Ok(65535));
        for bad in ["", "0", "0443", "65536", "+443", "44 3", "\u{1}\u{bb}"] {
            assert!(parse_port(bad).is_err(), "{bad:?}");
        }
        let e = parse_port("0443").unwrap_err().at(40);
        assert_eq!(
            e.to_string(),
            "byte 40: sub-option 4 (WebServerPort) value \"0443\": no leading zeros: write 443, not 0443"
        );
    }

    #[test]
    fn binary_port_is_caught_with_offset() {
        // The classic mistake: port typed as a 2-byte integer, 04 02 01 BB.
        let mut v = VendorOptions::parse(&parse_hex(SEED_43).unwrap());
        let port = v.items.iter_mut().find(|s| s.code == 4).unwrap();
        port.value = vec![0x01, 0xBB];
        let e = MsUcProfile::from_vendor_options(&v).unwrap_err();
        assert_eq!(e.offset(), Some(41));
        assert_eq!(
            e.to_string(),
            "byte 41: sub-option 4 (WebServerPort): byte 0 of the value is 0x01, not printable ASCII; values are plain text with no NUL"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let mut p = MsUcProfile::new("lync_pool.contoso.com");
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "sub-option 3 (WebServerFqdn) \"lync_pool.contoso.com\": '_' at character 4 is not allowed; use letters, digits, hyphens and dots (RFC 1123)"
        );
        p.web_fqdn = "pool.contoso.com".into();
        p.path = "CertProv".into();
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must start with '/'"));
        p.path = DEFAULT_PATH.into();
        p.uc_identifier = "MS-UC-Clïent".into();
        assert!(matches!(
            p.validate(),
            Err(ProfileError::NotPrintable { code: 1, .. })
        ));
        p.uc_identifier = VENDOR_CLASS.into();
        p.port = 0;
        assert!(p.validate().is_err());
        p.port = 443;
        p.extra.push(ExtraSubOption {
            code: 3,
            value: vec![],
        });
        assert_eq!(
            p.validate(),
            Err(ProfileError::ExtraShadowsProfile { code: 3 })
        );
    }

    #[test]
    fn shifted_moves_every_offset() {
        let e = parse_port("0443").unwrap_err().at(41).shifted(2);
        assert_eq!(e.offset(), Some(43));
        assert!(e.to_string().starts_with("byte 43: "));
        let d = ProfileError::Duplicate {
            code: 1,
            first: 0,
            second: 3,
        }
        .shifted(2);
        assert_eq!(
            d.to_string(),
            "byte 5: sub-option 1 (UCIdentifier) appears twice (first at byte 2); keep one"
        );
        assert_eq!(ProfileError::Missing { code: 2 }.shifted(9).offset(), None);
        let f = ProfileError::Fqdn {
            value: "a_b".into(),
            source: HostnameError::Empty,
        }
        .at(21)
        .shifted(2);
        assert_eq!(f.offset(), Some(23));
    }

    #[test]
    fn missing_and_duplicate_subs_are_errors() {
        let v = VendorOptions::parse(&parse_hex("010C4D532D55432D436C69656E74").unwrap());
        assert_eq!(
            MsUcProfile::from_vendor_options(&v),
            Err(ProfileError::Missing { code: 2 })
        );
        let v = VendorOptions::parse(&parse_hex("0101410101 42").unwrap());
        assert_eq!(
            MsUcProfile::from_vendor_options(&v),
            Err(ProfileError::Duplicate {
                code: 1,
                first: 0,
                second: 3
            })
        );
    }

    #[test]
    fn long_fqdn_overflows_255_at_189_characters() {
        let label = "a".repeat(60);
        let fqdn = format!("{label}.{label}.{label}.{}", "b".repeat(8)); // 191 chars
        let bytes = MsUcProfile::new(fqdn.clone()).option43().unwrap();
        assert_eq!(bytes.len(), 67 + fqdn.len());
        assert!(bytes.len() > 255);
    }

    fn arb_profile() -> impl proptest::strategy::Strategy<Value = MsUcProfile> {
        use proptest::prelude::*;
        (
            "[a-z]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z]([a-z0-9-]{0,20}[a-z0-9])?){0,4}",
            1u16..=65535,
            prop_oneof![Just(Scheme::Https), Just(Scheme::Http)],
            "/[ -~&&[^ ]]{0,60}",
            proptest::collection::vec(
                (6u8..=254, proptest::collection::vec(any::<u8>(), 0..40)),
                0..3,
            ),
        )
            .prop_map(|(fqdn, port, scheme, path, extra)| {
                let mut p = MsUcProfile::new(fqdn);
                p.port = port;
                p.scheme = scheme;
                p.path = path;
                let mut seen = Vec::new();
                for (code, value) in extra {
                    if !seen.contains(&code) {
                        seen.push(code);
                        p.extra.push(ExtraSubOption { code, value });
                    }
                }
                p
            })
    }

    proptest::proptest! {
        #[test]
        fn any_valid_profile_round_trips(p in arb_profile()) {
            let bytes = p.option43().unwrap();
            let back = MsUcProfile::from_vendor_options(&VendorOptions::parse(&bytes)).unwrap();
            proptest::prop_assert_eq!(back, p);
        }
    }
}
