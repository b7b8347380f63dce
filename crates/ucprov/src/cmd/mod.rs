//! One module per subcommand. Each exposes an `Args` struct and a `run` function; `main`
//! dispatches.

pub mod config;
pub mod decode;
pub mod demo;
pub mod encode;
pub mod probe;
pub mod serve;
