//! The receive, decide, send loop. One task per worker owns its socket and reused buffers; a
//! bad datagram or a failed send is counted and logged, and the loop goes on.
//!
//! Workers: N sockets bound to the one address with SO_REUSEPORT, one task each, all reading
//! the one [`State`] (so a reload reaches every worker with one swap). The kernel picks a
//! worker per unicast datagram by hashing its source and destination address and port, so a
//! relay's or a phone's retries always reach the same worker. A broadcast reaches every
//! socket on the port, so only worker 0 answers broadcasts; the others drop them uncounted.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{debug, error, info, warn};

use crate::logline::{Addr, Mac, Text, Xid};
use crate::policy::{decide, Client, Outcome, Policy, Verdict};
use crate::ratelimit::{Gate, LogLimiter};
use crate::socket::{DhcpSocket, Received, RecvBatch, BATCH};
use crate::state::State;

pub struct Responder {
    socket: DhcpSocket,
    state: Arc<State>,
    /// Index in the SO_REUSEPORT group; worker 0 also answers broadcasts.
    worker: usize,
    /// The "ignored" line per reason. Only the receive task takes it: never contended.
    limiter: std::sync::Mutex<LogLimiter>,
}

impl Responder {
    /// Bind one DHCP socket (no SO_REUSEPORT) on the address the current config names. Must
    /// be called inside a tokio runtime.
    pub fn bind(state: Arc<State>) -> io::Result<Self> {
        let mut workers = Self::bind_workers(state, 1)?;
        workers
            .responders
            .pop()
            .ok_or_else(|| io::Error::other("no socket bound"))
    }

    /// Bind `count` workers' sockets on the address the current config names: one plain
    /// socket for 1, a SO_REUSEPORT group for more. Where the kernel refuses SO_REUSEPORT the
    /// result is one worker and [`Workers::fallback`] says why. Must be called inside a tokio
    /// runtime.
    pub fn bind_workers(state: Arc<State>, count: usize) -> io::Result<Workers> {
        let listen = state.current().config.listen.clone();
        let addr = SocketAddrV4::new(listen.address, listen.port);
        let count = count.max(1);
        let (sockets, fallback) = if count == 1 {
            (vec![DhcpSocket::bind(addr, false)?], None)
        } else {
            match DhcpSocket::bind(addr, true) {
                Ok(first) => {
                    // Port 0 (tests, labs): the others join the port the kernel gave the
                    // first, or each would get a port of its own.
                    let port = first.local_addr()?.port();
                    let joined = SocketAddrV4::new(*addr.ip(), port);
                    let mut sockets = vec![first];
                    for _ in 1..count {
                        sockets.push(DhcpSocket::bind(joined, true)?);
                    }
                    (sockets, None)
                }
                // ENOPROTOOPT/EINVAL: a kernel without SO_REUSEPORT (before 3.9) or a
                // sandbox that filters it. One socket still answers everything correctly.
                Err(e)
                    if e.kind() != io::ErrorKind::AddrInUse
                        && e.kind() != io::ErrorKind::PermissionDenied =>
                {
                    (vec![DhcpSocket::bind(addr, false)?], Some(e))
                }
                Err(e) => return Err(e),
            }
        };
        state.metrics.set_workers(sockets.len());
        let responders = sockets
            .into_iter()
            .enumerate()
            .map(|(worker, socket)| Responder {
                socket,
                state: Arc::clone(&state),
                worker,
                limiter: std::sync::Mutex::new(LogLimiter::default()),
            })
            .collect();
        Ok(Workers {
            responders,
            fallback,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serve until `shutdown` resolves. Only the socket itself failing ends it early.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let mut batch = RecvBatch::default();
        // One reply buffer per datagram of a batch, reused for every batch.
        let mut replies: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(1500)).collect();
        tokio::pin!(shutdown);
        let mut failures = 0u32;
        let interval = self.with_limiter(|l| l.interval());
        let mut summaries = tokio::time::interval(interval);
        summaries.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let received = tokio::select! {
                () = &mut shutdown => break,
                _ = summaries.tick() => {
                    self.log_summaries();
                    continue;
                }
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
            self.handle_batch(&batch, &policy, &mut replies).await;
        }
        for (reason, suppressed) in self.with_limiter(LogLimiter::flush) {
            log_suppressed(reason, suppressed);
        }
        debug!(worker = self.worker, "receive worker stopped");
        Ok(())
    }

    fn with_limiter<T>(&self, f: impl FnOnce(&mut LogLimiter) -> T) -> T {
        // Uncontended: only this task takes it. A panic while holding it left whole state.
        match self.limiter.lock() {
            Ok(mut l) => f(&mut l),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    /// One line per reason whose lines were left out during the last interval.
    fn log_summaries(&self) {
        for (reason, suppressed) in self.with_limiter(|l| l.due(Instant::now())) {
            log_suppressed(reason, suppressed);
        }
    }

    /// Decide every datagram of a batch, then send the replies together.
    async fn handle_batch(&self, batch: &RecvBatch, policy: &Policy, replies: &mut [Vec<u8>]) {
        let mut pending: [Option<Pending<'_, '_>>; BATCH] = std::array::from_fn(|_| None);
        let mut dests = [SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0); BATCH];
        let mut n = 0;
        for (datagram, meta) in batch.iter() {
            let Some(out) = replies.get_mut(n) else { break };
            if let Some(reply) = self.decide_one(datagram, meta, policy, out) {
                dests[n] = reply.to;
                pending[n] = Some(reply);
                n += 1;
            }
        }
        // Runs of replies from the same local address share one sendmmsg call.
        let mut start = 0;
        while start < n {
            let from = pending[start].as_ref().and_then(|p| p.from);
            let run = pending[start..n]
                .iter()
                .take_while(|p| p.as_ref().and_then(|p| p.from) == from)
                .count();
            let end = start + run;
            let done = |i: usize, result: io::Result<usize>| {
                if let Some(p) = pending.get(start + i).and_then(Option::as_ref) {
                    self.log_sent(p, result);
                }
            };
            self.socket
                .send_all(&replies[start..end], &dests[start..end], from, done)
                .await;
            start = end;
        }
    }

    /// Count and log one datagram; a reply to send is returned, its bytes left in `out`.
    fn decide_one<'p, 'c>(
        &self,
        datagram: &'p [u8],
        meta: &Received,
        policy: &'c Policy,
        out: &mut Vec<u8>,
    ) -> Option<Pending<'p, 'c>> {
        let metrics = &self.state.metrics;
        if meta.broadcast && self.worker != 0 {
            // Worker 0 got its own copy of this datagram and answers it.
            return None;
        }
        metrics.received.fetch_add(1, Relaxed);
        if let Some(w) = metrics.worker(self.worker) {
            w.received.fetch_add(1, Relaxed);
        }
        let src = meta.arrival.source;
        if meta.truncated {
            metrics.malformed.fetch_add(1, Relaxed);
            debug!(%src, len = meta.len, "dropped: datagram larger than the receive buffer");
            return None;
        }
        let Outcome { client, verdict } = decide(datagram, &meta.arrival, policy, out);
        match verdict {
            Verdict::Reply { to, from, site } => {
                return Some(Pending {
                    client,
                    src,
                    to,
                    from,
                    site,
                    len: out.len(),
                })
            }
            Verdict::Ignore(reason) => {
                metrics.ignore(reason);
                let Gate::Log { suppressed } =
                    self.with_limiter(|l| l.admit(reason, Instant::now()))
                else {
                    return None;
                };
                if suppressed > 0 {
                    log_suppressed(reason, suppressed);
                }
                let message_type = client.message_type.map_or("-", |t| t.name());
                info!(mac = %Mac(client.hardware_address), ciaddr = %Addr(client.ciaddr), giaddr = %Addr(client.giaddr), vendor_class = %Text(client.vendor_class), %src, xid = %Xid(client.xid), message_type, %reason, decision = "ignore", "ignored");
            }
            Verdict::Malformed(e) => {
                metrics.malformed.fetch_add(1, Relaxed);
                debug!(%src, len = datagram.len(), offset = e.offset, error = %e, "dropped malformed datagram");
            }
            Verdict::Encode(e) => {
                metrics.send_errors.fetch_add(1, Relaxed);
                error!(mac = %Mac(client.hardware_address), %src, error = %e, "could not build the reply");
            }
        }
        None
    }

    fn log_sent(&self, p: &Pending<'_, '_>, result: io::Result<usize>) {
        let metrics = &self.state.metrics;
        let c = &p.client;
        let (mac, ciaddr, giaddr) = (Mac(c.hardware_address), Addr(c.ciaddr), Addr(c.giaddr));
        let (src, to, site) = (p.src, p.to, p.site);
        match result {
            Ok(_) => {
                metrics.answer(site, p.len);
                if let Some(w) = metrics.worker(self.worker) {
                    w.answered.fetch_add(1, Relaxed);
                }
                info!(%mac, %ciaddr, %giaddr, vendor_class = %Text(c.vendor_class), %src, xid = %Xid(c.xid), site, %to, decision = "ack", "answered DHCPINFORM");
            }
            Err(e) => {
                metrics.send_errors.fetch_add(1, Relaxed);
                warn!(%mac, %ciaddr, %giaddr, %src, xid = %Xid(c.xid), site, %to, error = %e, decision = "send_failed", "could not send DHCPACK");
            }
        }
    }
}

/// The bound workers of one responder.
pub struct Workers {
    pub responders: Vec<Responder>,
    /// Why only one socket was bound though more workers were asked for.
    pub fallback: Option<io::Error>,
}

impl Workers {
    /// Run every worker as a task of its own until the future each `shutdown()` call returns resolves
    /// (called once per worker); returns when all have stopped, each having logged what its
    /// log limiter held back, so "DHCP responder stopped" is the responder's last line. The
    /// first worker's error, if any, is the result; the others still run to the shutdown.
    pub async fn run<F, Fut>(self, shutdown: F) -> io::Result<()>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let count = self.responders.len();
        let mut tasks = tokio::task::JoinSet::new();
        for responder in self.responders {
            tasks.spawn(responder.run(shutdown()));
        }
        let mut first_error = None;
        while let Some(ended) = tasks.join_next().await {
            let result = ended.unwrap_or_else(|e| Err(io::Error::other(e)));
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        info!(workers = count, "DHCP responder stopped");
        first_error.map_or(Ok(()), Err)
    }
}

/// A decided reply waiting for the batch's send.
struct Pending<'p, 'c> {
    client: Client<'p>,
    src: SocketAddrV4,
    to: SocketAddrV4,
    from: Option<Ipv4Addr>,
    site: &'c str,
    len: usize,
}

fn log_suppressed(reason: crate::reason::Reason, suppressed: u64) {
    info!(%reason, suppressed, interval_s = crate::ratelimit::LOG_INTERVAL.as_secs(), "ignored: further lines of this reason left out (every one is counted in ucprov_dhcp_ignored_total)");
}
