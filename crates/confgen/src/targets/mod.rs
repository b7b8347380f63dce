//! One small renderer per syntax. Everything shared (header, limits, scoping note, names,
//! hex) comes from the platform row and [`crate::render::Ctx`].

pub mod cisco;
pub mod dnsmasq;
pub mod fortigate;
pub mod isc;
pub mod juniper;
pub mod kea;
pub mod mikrotik;
pub mod steps;
pub mod switches;
pub mod udhcpd;
pub mod windows;
