//! `ucprov web`: `encode`, `decode`, `config` and `pcap` as a small local web page, for the
//! admins who would rather click than type (docs/web.md).
//!
//! The server is thin: one self-contained page (HTML, CSS and JS compiled into the binary, no
//! external resources) and a JSON API whose handlers call the very functions the subcommands
//! call ([`crate::cmd::encode::encode`], [`crate::cmd::decode::decode`],
//! [`ucprov_confgen::generate`], `ucprov_inspect::capture` through `pcap`'s JSON writer), with
//! the profile validated by [`crate::profile_args`]. Same hyper 1 stack as the responder's
//! admin endpoint.
//!
//! Limits: JSON bodies of at most [`BODY_LIMIT`] bytes and captures of at most
//! [`CAPTURE_LIMIT`] (413 beyond), request headers within [`HEADER_TIMEOUT`], bodies within
//! [`BODY_TIMEOUT`] ([`CAPTURE_TIMEOUT`] for a capture), and a `Host` header that names the
//! listen address (so a DNS-rebinding page cannot use the API from another origin).

pub mod api;
mod fields;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use tokio::net::TcpListener;
use tokio::signal::unix::SignalKind;

use crate::exit::{CliError, CliResult};

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 64 * 1024;
/// A client has this long to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// ... and this long to send the body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest capture the Capture tab reads (413 beyond: never a truncated capture). The page
/// holds the file and its report in memory; `ucprov pcap` streams files of any size.
pub const CAPTURE_LIMIT: usize = 16 << 20;
/// A capture's bytes may take this long to arrive.
pub const CAPTURE_TIMEOUT: Duration = Duration::from_secs(60);
/// Open connections get this long to finish after Ctrl-C or SIGTERM.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OpenBrowser {
    /// Open the page with xdg-open when a desktop session is there (DISPLAY or WAYLAND_DISPLAY).
    Yes,
    /// Only print the address.
    No,
}

#[derive(Debug, Args)]
#[command(after_help = "\
The page does what `encode`, `decode`, `config` and `pcap` do, through the same code (the
Capture tab reads files up to 16 MiB). Its address follows the form, so a link shares the
page's state. It needs no network access and loads nothing from outside. The API has no
authentication: keep the default loopback address unless the network it listens on is
trusted; on every address (0.0.0.0) its Host check is off too. See docs/web.md.

Examples:
  ucprov web
  ucprov web --listen 127.0.0.1:9000 --open-browser no")]
pub struct WebArgs {
    /// Address and port to serve the page on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8043")]
    pub listen: SocketAddr,

    /// Open the page in the desktop's browser once listening.
    #[arg(long, value_enum, value_name = "yes|no", default_value = "yes")]
    pub open_browser: OpenBrowser,
}

/// What every request handler may need to know about the server.
#[derive(Debug)]
pub struct Site {
    /// `Host` header values the API answers; `None` when listening on every address.
    allowed_hosts: Option<Vec<String>>,
}

impl Site {
    /// The `Host` check for a page listening on `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        if addr.ip().is_unspecified() {
            return Site {
                allowed_hosts: None,
            };
        }
        let port = addr.port();
        let mut hosts = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            hosts.push(format!("localhost:{port}"));
        }
        if port == 80 {
            let bare: Vec<String> = hosts
                .iter()
                .filter_map(|h| h.strip_suffix(":80").map(str::to_owned))
                .collect();
            hosts.extend(bare);
        }
        Site {
            allowed_hosts: Some(hosts),
        }
    }

    /// What the admin must know before using the page on `addr`: each line a warning.
    fn warnings(&self, addr: SocketAddr) -> Vec<String> {
        let mut out = Vec::new();
        if !addr.ip().is_loopback() {
            out.push(format!(
                "listening on {addr}, not loopback: anyone who can reach it can use the page; it has no authentication"
            ));
        }
        if self.allowed_hosts.is_none() {
            out.push(format!(
                "listening on every address ({addr}): the Host check is off, so a web page open in a browser that reaches this port can use the API through DNS rebinding; listen on one address (--listen ADDR:{}) to turn the check on",
                addr.port()
            ));
        }
        out
    }

    fn host_allowed(&self, host: Option<&str>) -> bool {
        match (&self.allowed_hosts, host) {
            (None, _) => true,
            (Some(hosts), Some(h)) => hosts.iter().any(|a| a.eq_ignore_ascii_case(h)),
            (Some(_), None) => false,
        }
    }
}

/// A bound, not yet serving web server: [`Web::local_addr`] tells the real port of `:0`.
pub struct Web {
    listener: TcpListener,
    site: Arc<Site>,
}

impl Web {
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let site = Arc::new(Site::new(listener.local_addr()?));
        Ok(Web { listener, site })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` resolves, then give open connections [`GRACE`] to finish; on
    /// the shared accept loop (`ucprov-http`: cap, deadlines, accept back-off).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let limits = ucprov_http::Limits {
            // A browser opens a handful of connections; a local page needs no more.
            max_connections: 64,
            header_timeout: HEADER_TIMEOUT,
            // A capture upload may take CAPTURE_TIMEOUT, then its analysis.
            connection_lifetime: CAPTURE_TIMEOUT + Duration::from_secs(30),
            grace: GRACE,
            ..ucprov_http::Limits::default()
        };
        let site = self.site;
        let answer = move |req| {
            let site = Arc::clone(&site);
            async move {
                match api::respond(req, site).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                }
            }
        };
        ucprov_http::Server::new("web", self.listener, limits)
            .serve(answer, shutdown)
            .await;
        Ok(())
    }
}

pub fn run(args: &WebArgs) -> CliResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::env(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(args))
}

async fn serve(args: &WebArgs) -> CliResult {
    let mut term = tokio::signal::unix::signal(SignalKind::terminate())
        .map_err(|e| CliError::env(format!("cannot watch SIGTERM: {e}")))?;
    let web = Web::bind(args.listen)
        .await
        .map_err(|e| CliError::env(format!("--listen {}: {e}", args.listen)))?;
    let addr = web
        .local_addr()
        .map_err(|e| CliError::env(format!("--listen {}: {e}", args.listen)))?;
    let url = format!("http://{addr}/");
    println!("ucprov web: serving {url} (Ctrl-C stops)");
    for w in web.site.warnings(addr) {
        eprintln!("ucprov web: warning: {w}");
    }
    if args.open_browser == OpenBrowser::Yes {
        open_browser(&url);
    }
    web.run(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    })
    .await
    .map_err(|e| CliError::env(format!("web server: {e}")))?;
    println!("ucprov web: stopped");
    Ok(())
}

/// Best effort: a desktop opens the page, anywhere else the printed address is the way in.
fn open_browser(url: &str) {
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !desktop {
        return;
    }
    let started = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        // Reap it when it exits so no zombie is left behind.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("ucprov web: could not start xdg-open ({e}); open {url} in a browser"),
    }
}
