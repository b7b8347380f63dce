//! `ucprov serve`: the DHCPINFORM responder and the certificate provisioning service on one
//! tokio runtime. Each service is a future that runs until a shared shutdown signal; adding
//! one is a `spawn` into the set plus its metrics source.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use tokio::signal::unix::SignalKind;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{error, info};
use ucprov_inspect::rules::input::{profile_warnings, Input};
use ucprov_responder::admin::{Admin, MetricsSource};
use ucprov_responder::config::{Config, ConfigError};
use ucprov_responder::policy::Policy;
use ucprov_responder::server::{reload_on_sighup, Responder};
use ucprov_responder::state::{interface_index, State};

use crate::cmd::cert::CertProvArgs;
use crate::exit::{CliError, CliResult};
use crate::profile_args::ProfileArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
// The shared profile flags demand --sip-server; here a --config file can stand in for them.
#[command(mut_arg("sip_servers", |a| a.required_unless_present_any(["sip_server_ip", "config", "no_dhcp"])))]
#[command(after_help = "\
Answers only DHCPINFORM from MS-UC-Client devices, side by side with the real DHCP server; never
leases. SIGHUP reloads --config (a bad file is rejected and the old config keeps serving);
SIGTERM stops. Log level: RUST_LOG (default info).

Examples:
  ucprov serve --sip-server pool.contoso.com --web-server web.contoso.com
  ucprov serve --config /etc/ucprov/serve.toml
  ucprov serve --check --config /etc/ucprov/serve.toml")]
pub struct ServeArgs {
    /// TOML configuration (sites, listen, admin); see deploy/serve.example.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Validate the configuration (file or flags) and exit: 0 valid, 1 invalid.
    #[arg(long)]
    pub check: bool,

    /// Profile inputs that look like mistakes (an IP address or a single-label name in
    /// sip_servers or web_server, scheme http, a non-default port without https) are errors
    /// (exit 1; nothing is served), not warnings.
    #[arg(long)]
    pub strict: bool,

    /// Single-site quick start: the profile every MS-UC-Client gets.
    #[command(flatten)]
    pub profile: Option<ProfileArgs>,

    /// Address and port to receive INFORMs on [default: 0.0.0.0:67].
    #[arg(long, value_name = "ADDR:PORT", conflicts_with = "config")]
    pub listen: Option<SocketAddrV4>,

    /// Answer only INFORMs that arrive on this interface. Repeatable.
    #[arg(long = "interface", value_name = "IF", conflicts_with = "config")]
    pub interfaces: Vec<String>,

    /// Serve Prometheus metrics at http://ADDR:PORT/metrics.
    #[arg(long, value_name = "ADDR:PORT", conflicts_with = "config")]
    pub admin: Option<SocketAddr>,

    /// Server identifier (option 54) [default: the address each INFORM arrived on].
    #[arg(long, value_name = "IP", conflicts_with = "config")]
    pub server_id: Option<Ipv4Addr>,

    /// Send options 43 and 120 even when option 55 does not ask for them.
    #[arg(long, conflicts_with = "config")]
    pub force_options: bool,

    /// Run without the DHCP responder (only the certificate provisioning service).
    #[arg(long)]
    pub no_dhcp: bool,

    /// Also run the certificate provisioning service next to the DHCP responder (implied by
    /// --no-dhcp). Off by default so the responder alone never claims port 80.
    #[arg(long)]
    pub certprov: bool,

    #[command(flatten)]
    pub certprov_args: CertProvArgs,

    /// Log line format.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,

    /// With --check: print the result as one JSON document (errors too).
    #[arg(long, requires = "check")]
    pub json: bool,
}

impl ServeArgs {
    /// The configuration the flags or the file describe, and the file to reload from.
    fn config(&self) -> CliResult<(Config, Option<PathBuf>)> {
        match (&self.config, &self.profile) {
            (Some(_), Some(_)) => Err(CliError::usage(
                "profile flags (--sip-server, --web-server, ...) and --config exclude each other; put the profile in the file's [default] table",
            )),
            (Some(path), None) => {
                let config = Config::load(path).map_err(|e| match e {
                    ConfigError::Read { .. } => CliError::env(e),
                    _ => CliError::invalid(format!("{}: {e}", path.display())),
                })?;
                Ok((config, Some(path.clone())))
            }
            (None, Some(profile)) => {
                let mut config =
                    Config::single_site(profile.provisioning()?).map_err(CliError::invalid)?;
                if let Some(listen) = self.listen {
                    config.listen.address = *listen.ip();
                    config.listen.port = listen.port();
                }
                config.listen.interfaces = self.interfaces.clone();
                config.admin = self.admin;
                config.server_id = self.server_id;
                config.always_send = self.force_options;
                Ok((config, None))
            }
            (None, None) => Err(CliError::usage(
                "give --config FILE, or --sip-server FQDN for a single-site quick start",
            )),
        }
    }
}

pub fn run(args: &ServeArgs) -> CliResult {
    let dhcp = if args.no_dhcp {
        None
    } else {
        Some(args.config()?)
    };
    if let Some((config, _)) = &dhcp {
        let warnings = input_warnings(config, args.profile.as_ref());
        if args.strict && !warnings.is_empty() {
            for w in &warnings {
                eprintln!("ucprov: error: {w}");
            }
            return Err(CliError::invalid(format!(
                "--strict: {} input(s) look like mistakes (see above)",
                warnings.len()
            )));
        }
        for w in &warnings {
            eprintln!("ucprov: warning: {w}");
        }
    }
    if args.check {
        let warnings = dhcp
            .as_ref()
            .map(|(config, _)| input_warnings(config, args.profile.as_ref()))
            .unwrap_or_default();
        return check(dhcp.as_ref(), warnings, args.json);
    }
    init_logging(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(args, dhcp))
}

/// `serve --check --json`'s document (docs/json.md).
#[derive(Debug, serde::Serialize)]
struct CheckReport {
    ok: bool,
    /// The file checked, `"flags"` for the command-line profile, `null` with --no-dhcp.
    source: Option<String>,
    sites: usize,
    default: bool,
    warnings: Vec<String>,
}

/// `--check`: the configuration was already loaded and validated; say what it holds.
fn check(dhcp: Option<&(Config, Option<PathBuf>)>, warnings: Vec<String>, json: bool) -> CliResult {
    let report = match dhcp {
        None => CheckReport {
            ok: true,
            source: None,
            sites: 0,
            default: false,
            warnings,
        },
        Some((config, path)) => CheckReport {
            ok: true,
            source: Some(
                path.as_ref()
                    .map_or("flags".to_string(), |p| p.display().to_string()),
            ),
            sites: config.sites.sites.len(),
            default: config.sites.default.is_some(),
            warnings,
        },
    };
    if json {
        return crate::output::write_json(&report);
    }
    let text = match &report.source {
        None => "ok: --no-dhcp: no DHCP configuration to check\n".to_string(),
        Some(what) => {
            let default = if report.default {
                " and a default"
            } else {
                ", no default"
            };
            format!("ok: {what}: {} site(s){default}\n", report.sites)
        }
    };
    crate::output::write_stdout(&text)
}

/// Inputs that look like mistakes, per site: naming the flag when the profile came from
/// flags, else the site and its TOML key (`site "berlin": web_server: ...`).
fn input_warnings(config: &Config, flags: Option<&ProfileArgs>) -> Vec<String> {
    let sites = config
        .sites
        .sites
        .iter()
        .map(|s| (format!("site {:?}", s.name), s));
    let default = config
        .sites
        .default
        .iter()
        .map(|s| ("default".to_string(), s));
    let mut out = Vec::new();
    for (label, site) in sites.chain(default) {
        if let Some(flags) = flags {
            out.extend(
                flags
                    .input_warnings(&site.provisioning)
                    .iter()
                    .map(|w| w.cli()),
            );
            continue;
        }
        for f in profile_warnings(&site.provisioning) {
            let key = match Input::of(&f) {
                Some(Input::WebFqdn) => "web_server",
                Some(Input::Registrar) | None => "sip_servers",
                Some(Input::Scheme) => "scheme",
                Some(Input::Port) => "port",
            };
            let fix = f
                .fix
                .as_deref()
                .map(|x| format!(" (fix: {x})"))
                .unwrap_or_default();
            out.push(format!("{label}: {key}: {}{fix}", f.message));
        }
    }
    out
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only on a terminal: journald and log files get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_writer(io::stderr);
    // A second init (tests calling run twice) is harmless; the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

type Service = (&'static str, io::Result<()>);

async fn named(name: &'static str, service: impl Future<Output = io::Result<()>>) -> Service {
    (name, service.await)
}

async fn serve(args: &ServeArgs, dhcp: Option<(Config, Option<PathBuf>)>) -> CliResult {
    // Handlers first: until they exist, SIGHUP and SIGTERM would kill the process outright.
    let signal = |kind| tokio::signal::unix::signal(kind).map_err(CliError::env);
    let hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let (stop, stopped) = watch::channel(false);
    let shutdown = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    };
    let mut services: JoinSet<Service> = JoinSet::new();
    let mut metrics: Vec<MetricsSource> = Vec::new();
    let mut admin_addr = None;
    if let Some((config, path)) = dhcp {
        admin_addr = config.admin;
        let policy = Policy::new(config, interface_index).map_err(CliError::invalid)?;
        let state = Arc::new(State::new(policy, path));
        let responder = Responder::bind(Arc::clone(&state)).map_err(|e| {
            CliError::env(format!(
                "cannot listen for DHCP: {e} (port 67 needs root or CAP_NET_BIND_SERVICE; is another server bound without SO_REUSEADDR?)"
            ))
        })?;
        let addr = responder.local_addr().map_err(CliError::env)?;
        info!(%addr, "DHCPINFORM responder listening");
        let source = Arc::clone(&state);
        metrics.push(Arc::new(move || source.metrics.render_prometheus()));
        services.spawn(named("dhcp", responder.run(shutdown())));
        services.spawn(named("reload", reload_on_sighup(state, hup, shutdown())));
    }
    if args.no_dhcp || args.certprov {
        let counters = Arc::new(ucprov_certprov::Metrics::new());
        let svc =
            ucprov_certprov::CertProv::bind(args.certprov_args.to_config(), Arc::clone(&counters))
                .await
                .map_err(CliError::env)?;
        let path = &args.certprov_args.certprov_path;
        if let Some(a) = svc.http_addr() {
            eprintln!("certprov: http://{a}{path}");
        }
        if let Some(a) = svc.https_addr() {
            eprintln!("certprov: https://{a}{path}");
        }
        metrics.push(Arc::new(move || counters.render_prometheus()));
        let run = svc.run(shutdown());
        services.spawn(named("certprov", async move {
            run.await.map_err(io::Error::other)
        }));
    }
    if let Some(addr) = args.admin.or(admin_addr) {
        let admin = Admin::bind(addr, metrics)
            .await
            .map_err(|e| CliError::env(format!("cannot listen on admin address {addr}: {e}")))?;
        services.spawn(named("admin", admin.run(shutdown())));
    }
    let early = tokio::select! {
        _ = term.recv() => None,
        _ = tokio::signal::ctrl_c() => None,
        ended = services.join_next() => ended,
    };
    info!("shutting down");
    let _ = stop.send(true);
    let mut failed: Vec<String> = early.and_then(failure).into_iter().collect();
    while let Some(ended) = services.join_next().await {
        failed.extend(failure(ended));
    }
    if failed.is_empty() {
        info!("stopped");
        Ok(())
    } else {
        Err(CliError::env(failed.join("; ")))
    }
}

fn failure(ended: Result<Service, tokio::task::JoinError>) -> Option<String> {
    match ended {
        Ok((_, Ok(()))) => None,
        Ok((name, Err(e))) => {
            error!(service = name, error = %e, "service failed");
            Some(format!("{name}: {e}"))
        }
        Err(e) => Some(format!("a service panicked: {e}")),
    }
}
