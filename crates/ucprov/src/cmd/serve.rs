//! `ucprov serve`: the services a UC device talks to. This build runs the certificate
//! provisioning service (`--no-dhcp`); the DHCPINFORM responder joins it on the same runtime.

use std::sync::Arc;

use clap::Args;

use crate::cmd::cert::CertProvArgs;
use crate::exit::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Run without the DHCP responder (only the certificate provisioning service).
    #[arg(long)]
    pub no_dhcp: bool,
    #[command(flatten)]
    pub certprov: CertProvArgs,
}

pub fn run(args: &ServeArgs) -> CliResult {
    if !args.no_dhcp {
        return Err(CliError::usage(
            "the DHCP responder is not part of this build; use `serve --no-dhcp`",
        ));
    }
    init_logging();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let metrics = Arc::new(ucprov_certprov::Metrics::new());
        let svc = ucprov_certprov::CertProv::bind(args.certprov.to_config(), metrics)
            .await
            .map_err(CliError::env)?;
        if let Some(a) = svc.http_addr() {
            eprintln!("certprov: http://{a}{}", args.certprov.certprov_path);
        }
        if let Some(a) = svc.https_addr() {
            eprintln!("certprov: https://{a}{}", args.certprov.certprov_path);
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        svc.run(shutdown).await.map_err(CliError::env)
    })
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}
