//! `ucprov`: the command-line front end. Subcommands live in `cmd/`.
#![forbid(unsafe_code)]

fn main() {
    println!("ucprov {}", env!("CARGO_PKG_VERSION"));
}
