//! RFC 1123 host names: what a device can put in a URL and check against a TLS certificate.

use core::fmt;

/// Longest host name in text form (RFC 1035 §2.3.4 allows 255 on the wire: 253 characters).
pub const MAX_HOSTNAME_LEN: usize = 253;
pub const MAX_LABEL_LEN: usize = 63;

/// Why a host name is not valid, with the 0-based character position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum HostnameError {
    Empty,
    TooLong {
        len: usize,
    },
    EmptyLabel {
        position: usize,
    },
    LabelTooLong {
        position: usize,
        len: usize,
    },
    InvalidChar {
        position: usize,
        found: char,
    },
    HyphenAtLabelEdge {
        position: usize,
    },
    TrailingDot,
    /// An IPv6 address (bare or in brackets) where a host name belongs.
    Ipv6Literal,
}

impl fmt::Display for HostnameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HostnameError::*;
        match self {
            Empty => f.write_str("host name is empty"),
            TooLong { len } => write!(
                f,
                "host name is {len} characters; at most {MAX_HOSTNAME_LEN} are allowed"
            ),
            EmptyLabel { position } => write!(
                f,
                "empty label at character {position} (two dots in a row, or a leading dot)"
            ),
            LabelTooLong { position, len } => write!(
                f,
                "label at character {position} is {len} characters; a label holds at most {MAX_LABEL_LEN}"
            ),
            InvalidChar { position, found } => write!(
                f,
                "{found:?} at character {position} is not allowed; use letters, digits, hyphens and dots (RFC 1123)"
            ),
            HyphenAtLabelEdge { position } => write!(
                f,
                "label starts or ends with a hyphen at character {position} (RFC 1123)"
            ),
            TrailingDot => f.write_str(
                "trailing dot: write the name without it (devices put it into the URL verbatim)",
            ),
            Ipv6Literal => f.write_str(
                "this is an IPv6 address, not a host name: devices need the server's DNS name, because TLS checks the certificate against it",
            ),
        }
    }
}

impl std::error::Error for HostnameError {}

/// Check a host name against RFC 1123 §2.1 (letters, digits, hyphens; labels 1-63 characters;
/// no hyphen at either end of a label; 253 characters in all).
pub fn validate_hostname(name: &str) -> Result<(), HostnameError> {
    if name.is_empty() {
        return Err(HostnameError::Empty);
    }
    let bare = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    if bare.parse::<std::net::Ipv6Addr>().is_ok() {
        return Err(HostnameError::Ipv6Literal);
    }
    let len = name.chars().count();
    if len > MAX_HOSTNAME_LEN {
        return Err(HostnameError::TooLong { len });
    }
    if name.ends_with('.') && len > 1 {
        return Err(HostnameError::TrailingDot);
    }
    let mut position = 0;
    for label in name.split('.') {
        let label_len = label.chars().count();
        if label.is_empty() {
            return Err(HostnameError::EmptyLabel { position });
        }
        if label_len > MAX_LABEL_LEN {
            return Err(HostnameError::LabelTooLong {
                position,
                len: label_len,
            });
        }
        for (i, c) in label.chars().enumerate() {
            if !(c.is_ascii_alphanumeric() || c == '-') {
                return Err(HostnameError::InvalidChar {
                    position: position + i,
                    found: c,
                });
            }
        }
        if label.starts_with('-') {
            return Err(HostnameError::HyphenAtLabelEdge { position });
        }
        if label.ends_with('-') {
            return Err(HostnameError::HyphenAtLabelEdge {
                position: position + label_len - 1,
            });
        }
        position += label_len + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in [
            "lync.schertz.local",
            "pool01.contoso.com",
            "a",
            "xn--bcher-kva.example",
            "1.2.3.example",
        ] {
            assert_eq!(validate_hostname(ok), Ok(()), "{ok}");
        }
        assert_eq!(validate_hostname(&"a".repeat(63)), Ok(()));
    }

    #[test]
    fn rejects_with_position() {
        assert_eq!(
            validate_hostname("lync..local"),
            Err(HostnameError::EmptyLabel { position: 5 })
        );
        assert_eq!(
            validate_hostname("lync_pool.local"),
            Err(HostnameError::InvalidChar {
                position: 4,
                found: '_'
            })
        );
        assert_eq!(
            validate_hostname("ly nc"),
            Err(HostnameError::InvalidChar {
                position: 2,
                found: ' '
            })
        );
        assert_eq!(
            validate_hostname("lync.-pool"),
            Err(HostnameError::HyphenAtLabelEdge { position: 5 })
        );
        assert_eq!(
            validate_hostname("pool-.x"),
            Err(HostnameError::HyphenAtLabelEdge { position: 4 })
        );
        assert_eq!(
            validate_hostname("lync.local."),
            Err(HostnameError::TrailingDot)
        );
        assert_eq!(validate_hostname(""), Err(HostnameError::Empty));
        assert_eq!(
            validate_hostname(&format!("{}.x", "a".repeat(64))),
            Err(HostnameError::LabelTooLong {
                position: 0,
                len: 64
            })
        );
        let long = ["a".repeat(63).as_str(); 4].join(".");
        assert_eq!(
            validate_hostname(&long),
            Err(HostnameError::TooLong { len: 255 })
        );
        for v6 in ["2001:db8::1", "[2001:db8::1]", "::1"] {
            assert_eq!(
                validate_hostname(v6),
                Err(HostnameError::Ipv6Literal),
                "{v6}"
            );
        }
        assert!(matches!(
            validate_hostname("lyncé.local"),
            Err(HostnameError::InvalidChar { position: 4, .. })
        ));
    }
}
