//! `ucprov serve`'s DHCP side: a DHCPINFORM responder for MS-UC-Client devices, like the Lync
//! registrar's built-in DHCP component. It answers only DHCPINFORM with the configured vendor
//! class, never leases, and serves many sites from one process.
//!
//! - [`config`]: the TOML file, validated whole; [`site`]: sites and their precomputed options.
//! - [`overlap`]: sites that earlier sites always win (`serve --check`).
//! - [`policy`]: the pure decision (datagram + arrival + config → reply bytes or a reason).
//! - [`reason`], [`metrics`]: why we stayed silent, and the counters.
//! - [`socket`]: the UDP socket with IP_PKTINFO and batched receive.
//! - [`state`]: the live config, swapped whole on reload, and the counters.
//! - [`server`]: the receive/decide/send loop; [`ratelimit`]: its per-reason log limit.
//! - [`service`]: the `[service]` table (the account to run as); [`privilege`]: switching to an unprivileged user once the sockets are bound.
//! - [`reload`]: bounded, off-thread reads and SIGHUP coalescing; [`admin`]: `/metrics`.
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
mod logline;
pub mod metrics;
pub mod overlap;
pub mod policy;
pub mod privilege;
pub mod ratelimit;
pub mod reason;
pub mod reload;
pub mod server;
pub mod service;
pub mod site;
pub mod socket;
pub mod state;
