//! `ucprov demo`: the whole system on loopback. It starts the responder, the certificate
//! provisioning service (demo CA), a registrar TLS port that answers REGISTER as Lync does
//! and a tiny DNS server for the demo names, then runs `probe` against them in-process and
//! prints what a phone goes through, byte by byte. No root, no configuration.
//!
//! DNS without root: the probe's real resolver path (hickory-resolver, as `--dns-server`)
//! asks an authoritative server the demo runs on 127.0.0.1 at an ephemeral port. It knows
//! only the demo names (A records, the `_sipinternaltls._tcp` SRV record) and answers
//! NXDOMAIN for the rest, so nothing leaves the machine and no `--resolve` override is used.

mod services;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use ucprov_probe::{ProbeConfig, Report, Target};

use crate::cmd::probe::{probe_error, verdict};
use crate::exit::{CliError, CliResult};
use crate::output::{write_json, write_stdout};
use crate::render::walkthrough;
use services::{Addresses, Services, SIP_DOMAIN, SIP_FQDN, WEB_FQDN};

#[derive(Debug, Args)]
#[command(after_help = "\
Exit codes: 0 when every probe step passed; otherwise the probe's code for the failing step
(see `ucprov probe --help`), 3 when a service could not start.

Example:
  ucprov demo")]
pub struct DemoArgs {
    /// Keep the demo CA here (reused on the next run) instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Seconds the probe listens for DHCP replies.
    #[arg(long, default_value_t = 2.0, value_name = "S")]
    pub timeout: f64,

    /// Emit one JSON document: the services started and the probe's report.
    #[arg(long)]
    pub json: bool,
}

/// `demo --json`'s document: what was started, then the probe's report as `probe --json`.
#[derive(Debug, Serialize)]
struct DemoReport<'a> {
    services: ServicesReport,
    probe: &'a Report,
}

#[derive(Debug, Serialize)]
struct ServicesReport {
    dhcp: String,
    client_port: u16,
    dns: String,
    root_chain_url: String,
    web_services_url: String,
    registrar: String,
    state_dir: String,
    state_dir_temporary: bool,
}

fn services_report(a: &Addresses, state: &StateDir) -> ServicesReport {
    ServicesReport {
        dhcp: a.dhcp.to_string(),
        client_port: a.client_port,
        dns: a.dns.to_string(),
        root_chain_url: format!(
            "http://{WEB_FQDN}:{}/CertProv/CertProvisioningService.svc",
            a.http.port()
        ),
        web_services_url: format!(
            "https://{WEB_FQDN}:{}/CertProv/CertProvisioningService.svc",
            a.https.port()
        ),
        registrar: format!("{SIP_FQDN}:{}", a.registrar.port()),
        state_dir: state.path.display().to_string(),
        state_dir_temporary: state.temporary,
    }
}

/// A state directory removed on drop unless the user chose one.
struct StateDir {
    path: PathBuf,
    temporary: bool,
}

impl StateDir {
    fn new(explicit: Option<&PathBuf>) -> CliResult<StateDir> {
        if let Some(p) = explicit {
            return Ok(StateDir {
                path: p.clone(),
                temporary: false,
            });
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("ucprov-demo-{}-{nanos:08x}", std::process::id()));
        std::fs::create_dir(&path)
            .map_err(|e| CliError::env(format!("creating {}: {e}", path.display())))?;
        Ok(StateDir {
            path,
            temporary: true,
        })
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        if self.temporary {
            // Best effort: a leftover temp dir holds only the throwaway demo CA.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn probe_config(a: &Addresses, timeout: f64) -> ProbeConfig {
    let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, a.dhcp.port());
    let mut cfg = ProbeConfig::new(Target::Server(server));
    cfg.client_port = a.client_port;
    cfg.timeout = Duration::from_secs_f64(timeout.clamp(0.2, 60.0));
    cfg.io_timeout = Duration::from_secs(10);
    cfg.http_port = a.http.port();
    cfg.sip_port = a.registrar.port();
    // Names resolve through the demo's own DNS server, as --dns-server: every connection
    // uses its answers and nothing asks this host's resolver.
    cfg.dns_server = Some(a.dns);
    cfg.sip_domain = Some(SIP_DOMAIN.to_string());
    cfg
}

fn header(a: &Addresses, state: &StateDir) -> String {
    format!(
        "ucprov demo: a Lync / Skype for Business phone's first minute, on loopback\n\n\
Services started (ephemeral ports, all on 127.0.0.1):\n  \
DHCPINFORM responder   udp {dhcp}, replies to udp port {cp}\n  \
DNS (demo zone)        udp {dns}: {WEB_FQDN} and {SIP_FQDN} A 127.0.0.1, _sipinternaltls._tcp.{SIP_DOMAIN} SRV; NXDOMAIN otherwise\n  \
root chain (HTTP)      http://{WEB_FQDN}:{http}/CertProv/CertProvisioningService.svc\n  \
web services (HTTPS)   https://{WEB_FQDN}:{https}/CertProv/CertProvisioningService.svc\n  \
registrar (SIP/TLS)    {SIP_FQDN}:{sip}, answers REGISTER with 401 TLS-DSK as a Lync front end does\n  \
demo CA                {dir}{temp}\n\n",
        dhcp = a.dhcp,
        dns = a.dns,
        cp = a.client_port,
        http = a.http.port(),
        https = a.https.port(),
        sip = a.registrar.port(),
        dir = state.path.display(),
        temp = if state.temporary {
            " (temporary, removed at exit)"
        } else {
            ""
        },
    )
}

pub fn run(args: &DemoArgs) -> CliResult {
    let state = StateDir::new(args.state_dir.as_ref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    let (report, started): (Report, ServicesReport) = runtime.block_on(async {
        let services = Services::start(&state.path).await?;
        let started = services_report(&services.addresses, &state);
        if !args.json {
            write_stdout(&header(&services.addresses, &state))?;
        }
        let cfg = probe_config(&services.addresses, args.timeout);
        // The probe is synchronous (a phone's sockets, one step after another).
        let probed = tokio::task::spawn_blocking(move || ucprov_probe::run(&cfg)).await;
        let stopped = services.stop().await;
        let report = probed
            .map_err(|e| CliError::env(format!("the probe task failed: {e}")))?
            .map_err(probe_error)?;
        stopped?;
        Ok::<_, CliError>((report, started))
    })?;
    if args.json {
        write_json(&DemoReport {
            services: started,
            probe: &report,
        })?;
    } else {
        write_stdout(&format!(
            "── What the phone sends and what it gets back ──\n\n{}── The probe's verdict, step by step ──\n\n{}\nAll services stopped.\n",
            walkthrough::dhcp_bytes(&report),
            report.render_text()
        ))?;
    }
    verdict(&report)
}
