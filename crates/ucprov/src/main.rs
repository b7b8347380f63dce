//! `ucprov`: provision Lync / Skype for Business devices over DHCP.
//!
//! Each subcommand lives in `cmd/`; renderers shared by several commands live in `render/`.
//! Byte-level work is always delegated to `ucprov-wire`.
#![forbid(unsafe_code)]

mod annotate;
// The certs branch adds `cert` and a certprov-only `serve`; the lead reconciles this
// with the full CLI (DHCP responder, config, admin endpoint).
mod cert;
mod cli;
mod cmd;
mod exit;
mod profile_args;
mod render;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use cli::{Command, ServeArgs};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // `cert` and the certprov-only `serve` report their own exit codes.
    let result = match cli.command {
        Command::Cert(cmd) => return cert::run(cmd),
        Command::Serve(args) => return serve(args),
        Command::Encode(args) => cmd::encode::run(&args),
        Command::Decode(args) => cmd::decode::run(&args),
        Command::Probe(args) => cmd::probe::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucprov: error: {e}");
            e.exit_code()
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    if !args.no_dhcp {
        eprintln!("error: the DHCP responder is not part of this build; use `serve --no-dhcp`");
        return ExitCode::from(cert::exit::USAGE);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let metrics = Arc::new(ucprov_certprov::Metrics::new());
        let svc = match ucprov_certprov::CertProv::bind(args.certprov.to_config(), metrics).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(a) = svc.http_addr() {
            eprintln!("certprov: http://{a}{}", args.certprov.certprov_path);
        }
        if let Some(a) = svc.https_addr() {
            eprintln!("certprov: https://{a}{}", args.certprov.certprov_path);
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match svc.run(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
