//! One module per subcommand. Each exposes an `Args` struct and a `run` function.

pub mod cert;
pub mod config;
pub mod decode;
pub mod demo;
pub mod encode;
pub mod pcap;
pub mod probe;
pub mod serve;
pub mod web;

use crate::cli::Command;
use crate::exit::CliResult;

pub fn run(command: Command) -> CliResult {
    match command {
        Command::Encode(args) => encode::run(&args),
        Command::Decode(args) => decode::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Probe(args) => probe::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Cert(cmd) => cert::run(cmd),
        Command::Serve(args) => serve::run(&args),
        Command::Pcap(args) => pcap::run(&args),
        Command::Web(args) => web::run(&args),
    }
}
