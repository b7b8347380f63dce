//! The receive, decide, send loop. One task owns the socket and its reused buffers; a bad
//! datagram or a failed send is counted and logged, and the loop goes on.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, error, info, warn};

use crate::logline::{Addr, Mac, Text};
use crate::policy::{decide, Outcome, Verdict};
use crate::socket::{DhcpSocket, Received, RecvBatch};
use crate::state::State;

pub struct Responder {
    socket: DhcpSocket,
    state: Arc<State>,
}

impl Responder {
    /// Bind the DHCP socket the current config names. Must be called inside a tokio runtime.
    pub fn bind(state: Arc<State>) -> io::Result<Self> {
        let listen = state.current().config.listen.clone();
        let socket = DhcpSocket::bind(SocketAddrV4::new(listen.address, listen.port))?;
        Ok(Responder { socket, state })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serve until `shutdown` resolves. Only the socket itself failing ends it early.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let mut batch = RecvBatch::default();
        let mut out = Vec::with_capacity(1500);
        tokio::pin!(shutdown);
        let mut failures = 0u32;
        loop {
            let received = tokio::select! {
                () = &mut shutdown => break,
                r = self.socket.recv_batch(&mut batch) => r,
            };
            if let Err(e) = received {
                // Transient errors (ENOMEM, an ICMP error surfacing) must not end the service;
                // a short pause keeps a persistent one from spinning the CPU.
                failures += 1;
                warn!(error = %e, failures, "receive failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            failures = 0;
            let policy = self.state.current();
            for (datagram, meta) in batch.iter() {
                self.handle(datagram, meta, &policy, &mut out).await;
            }
        }
        info!("DHCP responder stopped");
        Ok(())
    }

    async fn handle(
        &self,
        datagram: &[u8],
        meta: &Received,
        policy: &crate::policy::Policy,
        out: &mut Vec<u8>,
    ) {
        let metrics = &self.state.metrics;
        metrics.received.fetch_add(1, Relaxed);
        let src = meta.arrival.source;
        if meta.truncated {
            metrics.malformed.fetch_add(1, Relaxed);
            debug!(%src, len = meta.len, "dropped: datagram larger than the receive buffer");
            return;
        }
        let Outcome { client, verdict } = decide(datagram, &meta.arrival, policy, out);
        let mac = Mac(client.hardware_address());
        let (ciaddr, giaddr) = (Addr(client.ciaddr), Addr(client.giaddr));
        let vendor_class = Text(client.vendor_class);
        match verdict {
            Verdict::Reply { to, from, site } => match self.socket.send(out, to, from).await {
                Ok(_) => {
                    metrics.answer(out.len());
                    info!(%mac, %ciaddr, %giaddr, %vendor_class, %src, xid = client.xid, site, %to, decision = "ack", "answered DHCPINFORM");
                }
                Err(e) => {
                    metrics.send_errors.fetch_add(1, Relaxed);
                    warn!(%mac, %ciaddr, %giaddr, %src, xid = client.xid, site, %to, error = %e, decision = "send_failed", "could not send DHCPACK");
                }
            },
            Verdict::Ignore(reason) => {
                metrics.ignore(reason);
                let message_type = client.message_type.map_or("-", |t| t.name());
                info!(%mac, %ciaddr, %giaddr, %vendor_class, %src, xid = client.xid, message_type, %reason, decision = "ignore", "ignored");
            }
            Verdict::Malformed(e) => {
                metrics.malformed.fetch_add(1, Relaxed);
                debug!(%src, len = datagram.len(), offset = e.offset, error = %e, "dropped malformed datagram");
            }
            Verdict::Encode(e) => {
                metrics.send_errors.fetch_add(1, Relaxed);
                error!(%mac, %src, error = %e, "could not build the reply");
            }
        }
    }
}

/// Reload the config on every SIGHUP until `shutdown` resolves. A rejected config is logged
/// and the previous one keeps serving.
pub async fn reload_on_sighup(
    state: Arc<State>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup())?;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            got = hup.recv() => if got.is_none() { return Ok(()) },
        }
        log_reload(&state);
    }
}

/// Reload and write the outcome to the log.
pub fn log_reload(state: &State) {
    let path = state.path().map(|p| p.display().to_string());
    let path = path.as_deref().unwrap_or("-");
    match state.reload() {
        Ok(r) => {
            info!(path, sites = r.sites, "configuration reloaded");
            if r.listen_changed {
                warn!(
                    path,
                    "listen address or port changed: takes effect at the next start"
                );
            }
            if r.admin_changed {
                warn!(
                    path,
                    "admin address changed: takes effect at the next start"
                );
            }
        }
        Err(e) => {
            error!(path, error = %e, "configuration reload rejected; still serving the previous configuration")
        }
    }
}
