//! Pure codec for the DHCP side of Lync / Skype for Business provisioning: no I/O, no async.
//!
//! Layers, bottom up:
//! - [`hex`]: hex as admins paste it, and every notation a DHCP server takes; [`dump`]: the
//!   hex dumps of tshark, xxd, hexdump and od, offsets checked and never read as data.
//! - [`tlv`]: the code/length/value walk shared by options and option 43 sub-options.
//! - [`vendor`]: option 43's data as an ordered sub-option list.
//! - [`hostname`], [`dns_name`], [`sip_servers`]: option 120 (RFC 3361) and its names.
//! - [`options`]: RFC 3396 join and split, and Microsoft's option-250 continuation.
//! - [`message`]: the DHCP message, as a checked view and an owned representation.
//! - [`profile`]: the MS-UC-Client profile as a typed, validated struct.
//! - [`catalog`]: names for codes, one table for every renderer.
//!
//! Every decode error carries a byte offset ([`error::DecodeError`]).
#![forbid(unsafe_code)]

pub mod catalog;
pub mod dns_name;
pub mod dump;
pub mod error;
pub mod hex;
pub mod hostname;
pub mod message;
pub mod options;
pub mod profile;
pub mod sip_servers;
pub mod tlv;
pub mod vendor;

pub use error::{DecodeError, DecodeErrorKind, Field};
pub use hex::{parse_hex, HexError, HexStyle};
pub use message::{DhcpMessage, MessageType, Packet};
pub use options::OptionSet;
pub use profile::{MsUcProfile, ProfileError, Provisioning, ProvisioningError, Scheme};
pub use sip_servers::{Compression, SipServers};
pub use vendor::VendorOptions;
