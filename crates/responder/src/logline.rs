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

/// A transaction id as `0x0000b0ad`: hexadecimal, as probe and Wireshark show it, so a log
/// line can be matched against a capture by eye.
#[derive(Clone, Copy)]
pub struct Xid(pub u32);

impl fmt::Display for Xid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
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
        assert_eq!(
            Addr(Some(Ipv4Addr::new(192, 0, 2, 1))).to_string(),
            "192.0.2.1"
        );
        assert_eq!(Xid(0xB0AD).to_string(), "0x0000b0ad");
        assert_eq!(Xid(u32::MAX).to_string(), "0xffffffff");
        assert_eq!(Xid(0).to_string(), "0x00000000");
        assert_eq!(Text(Some(b"MS\nUC\"")).to_string(), "MS\\nUC\\\"");
    }
}
