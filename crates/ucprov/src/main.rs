//! `ucprov`: the command-line front end. Subcommands live in `cmd/`.
#![forbid(unsafe_code)]

// The certs branch adds `cert` and a certprov-only `serve`; the lead reconciles this
// with the full CLI (DHCP responder, config, admin endpoint).
mod cert;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "ucprov", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Certificate tools.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Run the services. This branch only has the certificate provisioning service.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Run without the DHCP responder (only the CertProvisioningService).
    #[arg(long)]
    no_dhcp: bool,
    #[command(flatten)]
    certprov: cert::CertProvArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Cert(cmd) => cert::run(cmd),
        Command::Serve(args) => serve(args),
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
