//! `ucprov`: provision Lync / Skype for Business devices over DHCP.
//!
//! The command line as a library: each subcommand lives in `cmd/`; renderers shared by
//! several commands live in `render/`. Byte-level work is always delegated to `ucprov-wire`,
//! meaning to `ucprov-inspect`. `main.rs` only parses arguments and reports the outcome; the
//! library form lets the fuzz targets drive the web API and the other front-end code paths
//! as the binary runs them.
#![forbid(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod exit;
pub mod output;
pub mod profile_args;
pub mod render;
