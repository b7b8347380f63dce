//! Display helpers for the per-client log line; they format lazily, only when a line is
//! actually written at the active level.

use std::fmt;
use std::net::Ipv4Addr;

/// A hardware address as `02:00:5e:00:00:10`.
pub struct Mac<'a>(pub &'a [u8]);

impl fmt::Display for Mac<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// An address the packet may not have reached us with: `-` when unknown.
pub struct Addr(pub Option<Ipv4Addr>);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(a) => write!(f, "{a}"),
            None => f.write_str("-"),
        }
    }
}

/// Client-supplied text, escaped so it cannot forge log lines; `-` when absent.
pub struct Text<'a>(pub Option<&'a [u8]>);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => write!(f, "{}", t.escape_ascii()),
            None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            Mac(&[2, 0, 0x5e, 0, 0, 0x10]).to_string(),
            "02:00:5e:00:00:10"
        );
        assert_eq!(Addr(None).to_string(), "-");
        assert_eq!(Text(Some(b"MS\nUC\"")).to_string(), "MS\\nUC\\\"");
    }
}
