//! Renderers shared by several subcommands. Each takes facts computed by the codec and only
//! lays them out; none of them parses bytes.

pub mod dhcputil;
pub mod hex_form;
pub mod walkthrough;
