//! What a DHCP message, a pasted option or a capture means to a Lync / Skype for Business
//! phone. This layer sits between the codec (`ucprov-wire`, bytes ⇄ values) and every
//! front-end and service (the CLI, the web page, the probe, the responder): they ask here and
//! only render or act on the answer.
//!
//! - [`finding`]: the one [`Finding`] and [`Severity`] every part of ucprov reports with.
//! - [`option43`], [`option120`], [`options`]: values explained, offsets in the user's bytes.
//!   Option 43 is judged against the MS-UC-Client profile only when the client asked as one.
//! - [`message`]: [`RequestInspection`] and [`ReplyInspection`], a message read once.
//! - [`frame`]: the DHCP message inside a pasted Ethernet, IPv4 or UDP frame.
//! - [`rules`]: one rule per question: do two servers agree, is this a rogue-detection
//!   probe, where must a reply go.
//! - [`capture`]: pcap and pcapng read as a stream, requests paired with replies per client,
//!   and each client judged.
//! - [`render`]: the text printers; JSON is the same structs serialised.
#![forbid(unsafe_code)]

pub mod capture;
pub mod finding;
pub mod frame;
pub mod message;
pub mod option120;
pub mod option43;
pub mod options;
pub mod render;
pub mod rules;

pub use finding::{has_error, Finding, Kind, Location, Severity};
pub use message::{ReplyInspection, RequestInspection};
pub use option43::Vendor;
