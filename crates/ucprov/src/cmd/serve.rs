//! `ucprov serve`: the DHCPINFORM responder and the certificate provisioning service on one
//! tokio runtime. Each service is a future that runs until a shared shutdown signal; adding
//! one is a `spawn` into the set plus its metrics source. SIGHUP reloads both from the one
//! file, off the serving path ([`reload`]).

mod reload;

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use tokio::signal::unix::SignalKind;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{error, info, warn};
use ucprov_certprov::{CertProvConfig, CertProvSettings};
use ucprov_inspect::finding::Finding;
use ucprov_inspect::rules::input::{profile_warnings, Input};
use ucprov_responder::admin::{Admin, MetricsSource};
use ucprov_responder::config::{Config, ConfigError};
use ucprov_responder::overlap::site_findings;
use ucprov_responder::policy::Policy;
use ucprov_responder::privilege::{self, Account};
use ucprov_responder::reload::{read_bounded, ReloadMetrics, MAX_CONFIG_BYTES};
use ucprov_responder::server::Responder;
use ucprov_responder::service::Service as ServiceSettings;
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
leases. A [certprov] table in --config (or --certprov) also runs the certificate provisioning
service; its flags override the table's keys. SIGHUP reloads --config, the CA chain and the HTTPS
certificate without dropping connections (a bad file is rejected, logged once, and the old one
keeps serving; listen addresses change only at a restart); SIGTERM stops. Log level: RUST_LOG
(default info).

Examples:
  ucprov serve --sip-server pool.contoso.com --web-server web.contoso.com
  ucprov serve --config /etc/ucprov/serve.toml
  ucprov serve --check --config /etc/ucprov/serve.toml")]
pub struct ServeArgs {
    /// TOML configuration (sites, listen, admin, [certprov]); see deploy/serve.example.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Validate the configuration (file or flags) and exit: 0 valid, 1 invalid (including a
    /// site that earlier sites always win), 3 a file that cannot be read.
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
    /// --no-dhcp and by a [certprov] table in --config). Off by default so the responder
    /// alone never claims port 80.
    #[arg(long)]
    pub certprov: bool,

    #[command(flatten)]
    pub certprov_args: CertProvArgs,

    /// Receive workers: sockets on the DHCP port with SO_REUSEPORT, one task each
    /// [default: [listen] workers, else one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,

    /// Once every socket is bound, switch to this user (name or uid): its groups replace
    /// root's and every capability is dropped [default: [service] user]. Needs a start as
    /// root; the user must be able to read --config and the certificate files for SIGHUP.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// With --user: the group to switch to [default: [service] group, else the user's own].
    #[arg(long, value_name = "GROUP", requires = "user")]
    pub group: Option<String>,

    /// Log line format.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,

    /// With --check: print the result as one JSON document (errors too).
    #[arg(long, requires = "check")]
    pub json: bool,
}

/// The configuration file as read once at startup: its path and its text.
pub(crate) struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
}

impl ConfigFile {
    fn read(path: &std::path::Path) -> CliResult<Self> {
        // The same bound as a reload: a device or an endless file is an error, not a hang.
        let text = read_bounded(path, MAX_CONFIG_BYTES).map_err(CliError::env)?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            text,
        })
    }

    /// The directory relative paths in the file are taken from.
    pub fn base(&self) -> PathBuf {
        self.path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }
}

impl ServeArgs {
    /// The DHCP configuration the flags or the file describe.
    fn config(&self, file: Option<&ConfigFile>) -> CliResult<Config> {
        match (file, &self.profile) {
            (Some(_), Some(_)) => Err(CliError::usage(PROFILE_AND_CONFIG)),
            (Some(file), None) => Config::from_toml(&file.text).map_err(|e| match e {
                ConfigError::Read(_) => CliError::env(e),
                _ => CliError::invalid(format!("{}: {e}", file.path.display())),
            }),
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
                Ok(config)
            }
            (None, None) => Err(CliError::usage(
                "give --config FILE, or --sip-server FQDN for a single-site quick start",
            )),
        }
    }

    /// The certificate service's configuration: the file's `[certprov]` table with the flags
    /// over it, or `None` when the service is not asked for.
    fn certprov(&self, file: Option<&ConfigFile>) -> CliResult<Option<CertProvConfig>> {
        let from_file = match file {
            Some(f) => CertProvSettings::from_toml(&f.text, &f.base())
                .map_err(|e| CliError::invalid(format!("{}: {e}", f.path.display())))?,
            None => None,
        };
        if !(self.no_dhcp || self.certprov || from_file.is_some()) {
            return Ok(None);
        }
        let settings = from_file
            .unwrap_or_default()
            .overridden_by(self.certprov_args.to_settings());
        settings.to_config().map(Some).map_err(|e| match file {
            Some(f) => CliError::invalid(format!("{}: {e}", f.path.display())),
            None => CliError::invalid(e),
        })
    }
}

const PROFILE_AND_CONFIG: &str = "profile flags (--sip-server, --web-server, ...) and --config exclude each other; put the profile in the file's [default] table";

pub fn run(args: &ServeArgs) -> CliResult {
    // A usage error is one before any file is touched.
    if args.config.is_some() && args.profile.is_some() && !args.no_dhcp {
        return Err(CliError::usage(PROFILE_AND_CONFIG));
    }
    let file = args.config.as_deref().map(ConfigFile::read).transpose()?;
    let dhcp = if args.no_dhcp {
        None
    } else {
        Some(args.config(file.as_ref())?)
    };
    let certprov = args.certprov(file.as_ref())?;
    let source = file
        .as_ref()
        .map_or("flags".to_string(), |f| f.path.display().to_string());
    let findings = dhcp
        .as_ref()
        .map(|c| site_findings(&c.sites, &source))
        .unwrap_or_default();
    if let Some(config) = &dhcp {
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
            .map(|config| input_warnings(config, args.profile.as_ref()))
            .unwrap_or_default();
        let checked = Checked {
            dhcp: dhcp.as_ref().map(|c| (c, source.as_str())),
            warnings,
            findings,
            certprov: certprov.as_ref(),
        };
        return check(checked, args.json);
    }
    // Not fatal when serving: the earlier site answers, as --check explains.
    if !findings.is_empty() {
        eprint!("{}", ucprov_inspect::finding::render(&findings, "ucprov: "));
    }
    // Resolved before anything is bound: a missing account is a config error, not a
    // half-started service.
    let settings = match &file {
        Some(f) => ServiceSettings::from_toml(&f.text)
            .map_err(|e| CliError::invalid(format!("{}: {e}", f.path.display())))?,
        None => ServiceSettings::default(),
    }
    .overridden_by(args.user.as_deref(), args.group.as_deref());
    let account = settings
        .user
        .as_deref()
        .map(|u| privilege::resolve(u, settings.group.as_deref()))
        .transpose()
        .map_err(CliError::invalid)?;
    if account.is_some() {
        privilege::forbid_new_privileges().map_err(CliError::env)?;
    }
    init_logging(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    let path = file.map(|f| f.path);
    runtime.block_on(serve(args, dhcp, certprov, path, account))
}

/// `serve --check --json`'s document (docs/json.md).
#[derive(Debug, serde::Serialize)]
struct CheckReport {
    /// False when a finding is an error (a site that can never match).
    ok: bool,
    /// The file checked, `"flags"` for the command-line profile, `null` with --no-dhcp.
    source: Option<String>,
    sites: usize,
    default: bool,
    warnings: Vec<String>,
    /// Sites shadowed by earlier ones and overlapping subnets, with their line.
    findings: Vec<Finding>,
    /// What the certificate service would serve (`null` when it is not configured).
    certprov: Option<Vec<String>>,
}

struct Checked<'a> {
    dhcp: Option<(&'a Config, &'a str)>,
    warnings: Vec<String>,
    findings: Vec<Finding>,
    certprov: Option<&'a CertProvConfig>,
}

/// `--check`: the configuration was already loaded and validated; check the certificate
/// files, say what it holds and what looks wrong.
fn check(c: Checked<'_>, json: bool) -> CliResult {
    let certprov = c
        .certprov
        .map(|cfg| {
            ucprov_certprov::check_files(cfg).map_err(|e| match e {
                // A file that cannot be read is the environment's (exit 3), as everywhere.
                ucprov_certprov::CertProvError::Read { .. } => CliError::env(e),
                _ => CliError::invalid(e),
            })
        })
        .transpose()?;
    let report = CheckReport {
        ok: !c.findings.iter().any(Finding::is_error),
        source: c.dhcp.map(|(_, s)| s.to_string()),
        sites: c.dhcp.map_or(0, |(d, _)| d.sites.sites.len()),
        default: c.dhcp.is_some_and(|(d, _)| d.sites.default.is_some()),
        warnings: c.warnings,
        findings: c.findings,
        certprov,
    };
    let errors = report.findings.iter().filter(|f| f.is_error()).count();
    let verdict = || {
        if errors == 0 {
            Ok(())
        } else {
            Err(CliError::invalid(format!(
                "{errors} site(s) can never match (see the findings)"
            )))
        }
    };
    if json {
        crate::output::write_json(&report)?;
        return verdict();
    }
    let mut text = match &report.source {
        None => "--no-dhcp: no DHCP configuration to check\n".to_string(),
        Some(what) => {
            let default = if report.default {
                " and a default"
            } else {
                ", no default"
            };
            format!("{what}: {} site(s){default}\n", report.sites)
        }
    };
    text.insert_str(0, if report.ok { "ok: " } else { "not ok: " });
    text.push_str(&ucprov_inspect::finding::render(&report.findings, ""));
    for line in report.certprov.iter().flatten() {
        text.push_str(&format!("certprov: {line}\n"));
    }
    crate::output::write_stdout(&text)?;
    verdict()
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

async fn serve(
    args: &ServeArgs,
    dhcp: Option<Config>,
    certprov: Option<CertProvConfig>,
    path: Option<PathBuf>,
    account: Option<Account>,
) -> CliResult {
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
    let reload_metrics = Arc::new(ReloadMetrics::started());
    let build = ucprov_responder::metrics::build_info(env!("CARGO_PKG_VERSION"), revision());
    let reloads = Arc::clone(&reload_metrics);
    let mut metrics: Vec<MetricsSource> = vec![
        Arc::new(move || build.clone()),
        Arc::new(move || reloads.render_prometheus()),
    ];
    let mut admin_addr = None;
    let mut dhcp_state = None;
    if let Some(config) = dhcp {
        admin_addr = config.admin;
        let policy = Policy::new(config, interface_index).map_err(CliError::invalid)?;
        let state = Arc::new(State::new(policy, path.clone()));
        let count = args
            .workers
            .map_or_else(|| state.current().config.listen.worker_count(), usize::from);
        let workers = Responder::bind_workers(Arc::clone(&state), count).map_err(|e| {
            CliError::env(format!(
                "cannot listen for DHCP: {e} (port 67 needs root or CAP_NET_BIND_SERVICE; is another server bound without SO_REUSEADDR?)"
            ))
        })?;
        if let Some(e) = &workers.fallback {
            warn!(error = %e, asked = count, "SO_REUSEPORT refused: one receive socket serves every INFORM");
        }
        let addr = workers
            .responders
            .first()
            .ok_or_else(|| CliError::env("no DHCP socket bound"))?
            .local_addr()
            .map_err(CliError::env)?;
        let n = workers.responders.len();
        info!(%addr, workers = n, "DHCPINFORM responder listening");
        let source = Arc::clone(&state);
        metrics.push(Arc::new(move || source.metrics.render_prometheus()));
        services.spawn(named("dhcp", workers.run(shutdown.clone())));
        dhcp_state = Some(state);
    }
    let mut certprov_reloader = None;
    if let Some(config) = certprov {
        let counters = Arc::new(ucprov_certprov::Metrics::new());
        let svc = ucprov_certprov::CertProv::bind(config.clone(), Arc::clone(&counters))
            .await
            .map_err(CliError::env)?;
        let path = &config.path;
        if let Some(a) = svc.http_addr() {
            eprintln!("certprov: http://{a}{path}");
        }
        if let Some(a) = svc.https_addr() {
            eprintln!("certprov: https://{a}{path}");
        }
        metrics.push(Arc::new(move || counters.render_prometheus()));
        metrics.push(Arc::new(svc.render_http_prometheus()));
        let reloader = svc.reloader();
        let expiry = reloader.clone();
        metrics.push(Arc::new(move || expiry.render_prometheus()));
        certprov_reloader = Some(reloader);
        let run = svc.run(shutdown());
        services.spawn(named("certprov", async move {
            run.await.map_err(io::Error::other)
        }));
    }
    let reload = reload::Reload {
        path,
        dhcp: dhcp_state,
        certprov: certprov_reloader.map(|r| (r, args.certprov_args.to_settings())),
        metrics: reload_metrics,
        readers: Default::default(),
    };
    services.spawn(named("reload", reload.serve(hup, shutdown())));
    if let Some(addr) = args.admin.or(admin_addr) {
        let admin = Admin::bind(addr, metrics)
            .await
            .map_err(|e| CliError::env(format!("cannot listen on admin address {addr}: {e}")))?;
        let bound = admin.local_addr().map_err(CliError::env)?;
        info!(addr = %bound, "admin endpoint listening: /metrics");
        services.spawn(named("admin", admin.run(shutdown())));
    }
    // Every socket is bound (DHCP, CertProv, admin): root is no longer needed.
    match &account {
        Some(account) => {
            let dropped = privilege::drop_to(account).map_err(CliError::env)?;
            info!(user = %account.user, %dropped, "running as an unprivileged user; capabilities dropped");
        }
        None if privilege::is_root() => warn!(
            "running as root with every capability: set [service] user = \"ucprov\" (or --user) to switch after binding, or run from deploy/ucprov.service (DynamicUser, CAP_NET_BIND_SERVICE only)"
        ),
        None => {}
    }
    let early = tokio::select! {
        _ = term.recv() => None,
        _ = tokio::signal::ctrl_c() => None,
        ended = services.join_next() => ended,
    };
    info!("shutting down");
    let _ = stop.send(true);
    let mut failed: Vec<String> = early.and_then(failure).into_iter().collect();
    // Every service ends at the shutdown signal; a reload thread blocked on a FIFO is
    // detached and does not hold this (crate::cmd::serve::reload).
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

/// The git revision for `ucprov_build_info` (`abc123456789`, `-dirty` when it was).
fn revision() -> &'static str {
    let rev = env!("UCPROV_GIT_REV");
    rev.strip_prefix("git ").unwrap_or(rev)
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
