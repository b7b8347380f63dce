//! The closed-loop DHCPINFORM generator: N client sockets, a fixed window of outstanding
//! INFORMs with distinct xids, every reply checked with `ucprov_wire`.
//!
//! One thread drives every socket through `poll`, so the generator takes at most one of the
//! machine's cores and the server under test keeps the other.

use std::collections::{HashMap, HashSet};
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use serde::Serialize;
use ucprov_inspect::rules::agreement::{compare, Provisions};
use ucprov_inspect::{ReplyInspection, Vendor};
use ucprov_wire::message::{code, DhcpMessage, MessageType, Packet, OP_BOOTREPLY};
use ucprov_wire::profile::{MsUcProfile, Provisioning, VENDOR_CLASS};
use ucprov_wire::SipServers;

use crate::procstat::cpu_seconds;

/// Where every server listens inside the namespace, and where every one of them replies.
pub const SERVER_PORT: u16 = 1067;
pub const REPLY_PORT: u16 = 1068;
/// Option 55 as a Lync device sends it: subnet mask, router, DNS, 43, 120.
pub const REQUESTED: [u8; 5] = [1, 3, 6, 43, 120];
/// Readiness probes carry this bit in their xid; load xids never do, so a late answer to a
/// probe is recognised and not counted as stray.
const PROBE_BIT: u32 = 0x8000_0000;
/// Bound on the xids remembered as lost (to tell a late reply from a stray one).
const RETIRED_MAX: usize = 100_000;

/// Client socket `i` binds `127.0.0.(10+i)` and puts that address in `ciaddr`. Kea and
/// ucprov answer ciaddr at the reply port and dnsmasq answers the source address and port, so
/// with one address per socket every server's reply lands on the socket that asked.
pub fn client_addr(i: usize) -> Ipv4Addr {
    let last = u8::try_from(10 + i).unwrap_or(u8::MAX);
    Ipv4Addr::new(127, 0, 0, last)
}

/// One measured run's shape.
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    pub sockets: usize,
    /// INFORMs outstanding at any time, over all sockets.
    pub window: usize,
    /// Run, but do not count, for this long first.
    pub warmup: Duration,
    /// The measured phase ends after this long …
    pub duration: Duration,
    /// … or once this many INFORMs were sent in it, whichever comes first.
    pub max_requests: u64,
    /// An INFORM unanswered for this long is lost.
    pub loss_timeout: Duration,
}

impl Load {
    /// A fixed-count run (no warm-up), bounded in time by `cap`.
    pub fn count(requests: u64, cap: Duration) -> Self {
        Load {
            sockets: 4,
            window: 32,
            warmup: Duration::ZERO,
            duration: cap,
            max_requests: requests,
            loss_timeout: Duration::from_millis(500),
        }
    }
}

/// What a correct reply carries, from the seed profile.
#[derive(Debug, Clone)]
pub struct Expected {
    option43: Vec<u8>,
    option120: Vec<u8>,
    profile: MsUcProfile,
    registrars: Vec<String>,
}

impl Expected {
    pub fn new(p: &Provisioning) -> Result<Self, String> {
        let option43 = p.option43().map_err(|e| format!("seed option 43: {e}"))?;
        let option120 = p.option120().map_err(|e| format!("seed option 120: {e}"))?;
        let registrars = match &p.sip_servers {
            SipServers::Names(n) => n.clone(),
            SipServers::Addresses(a) => a.iter().map(ToString::to_string).collect(),
        };
        Ok(Expected {
            option43,
            option120,
            profile: p.profile.clone(),
            registrars,
        })
    }

    fn provisions(&self) -> Provisions<'_> {
        Provisions {
            option43: Some(&self.option43),
            profile: Some(&self.profile),
            option120: Some(&self.option120),
            registrars: &self.registrars,
        }
    }

    /// Why `reply` is not a correct answer, or `Ok`. Peers may reorder option 43's
    /// sub-options, add an end byte, compress 120 or split options (RFC 3396): the check is
    /// `inspect`'s agreement rule, with a byte-compare fast path for the common case so the
    /// generator thread stays cheap.
    pub fn check(&self, reply: &[u8]) -> Result<(), String> {
        let p = Packet::new_checked(reply).map_err(|e| format!("not a DHCP message: {e}"))?;
        if p.op() != OP_BOOTREPLY {
            return Err(format!("op {}", p.op()));
        }
        if !p.yiaddr().is_unspecified() {
            return Err(format!("yiaddr {} on an INFORM reply", p.yiaddr()));
        }
        let options = p.options().map_err(|e| format!("options: {e}"))?;
        let kind = options.message_type();
        if kind != Some(MessageType::Ack) {
            return Err(format!("message type {kind:?}"));
        }
        let o43 = options.get(code::VENDOR_SPECIFIC).ok_or("no option 43")?;
        let o120 = options.get(code::SIP_SERVERS).ok_or("no option 120")?;
        if *o43 == self.option43[..] && *o120 == self.option120[..] {
            return Ok(());
        }
        let got = ReplyInspection::of(&p, Vendor::MsUcClient);
        let agreement = compare(&self.provisions(), &got.provisions());
        match agreement.conflicts.first() {
            None => Ok(()),
            Some(d) => Err(format!(
                "{} differs from the profile: {:?}",
                d.field, d.second
            )),
        }
    }
}

/// Counts of one measured phase. Only INFORMs sent inside the phase count.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub sent: u64,
    /// Replies that decode to a DHCPACK with the profile's 43 and 120.
    pub ok: u64,
    /// Replies to our xids that are not correct: errors, never successes.
    pub wrong: u64,
    /// No reply within the loss timeout.
    pub lost: u64,
    /// A reply after its INFORM was declared lost (also counted in `lost`).
    pub late: u64,
    /// Replies with an xid never sent, or a second reply to one.
    pub stray: u64,
    /// Sends the kernel refused (full buffer is not one: that only waits).
    pub send_errors: u64,
    pub elapsed_s: f64,
    pub replies_per_s: f64,
    pub loss: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// CPU time (user + system) of the server process during the phase.
    pub server_cpu_s: Option<f64>,
    pub replies_per_cpu_s: Option<f64>,
    /// CPU time of the generator's own process during the phase, for context.
    pub generator_cpu_s: Option<f64>,
    /// The first wrong reply's fault, to debug a config rather than guess.
    pub first_wrong: Option<String>,
}

/// Rewrite a request template's transaction id through the codec view.
fn set_xid(template: &mut [u8], xid: u32) {
    if let Ok(mut p) = Packet::new_checked(template) {
        p.set_xid(xid);
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u32], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    u64::from(sorted[i])
}

struct Client {
    socket: UdpSocket,
    template: Vec<u8>,
    window: usize,
    /// xid → (sent at, sent inside the measured phase).
    outstanding: HashMap<u32, (Instant, bool)>,
}

/// The generator's sockets and state, kept across phases so xids never repeat.
pub struct Generator {
    clients: Vec<Client>,
    server: SocketAddrV4,
    next_xid: u32,
    retired: HashSet<u32>,
    buf: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Warmup,
    Measure,
    Drain,
}

impl Generator {
    /// Bind the client sockets. Call on a thread inside the namespace (`Netns::run`).
    pub fn new(sockets: usize) -> Result<Self, String> {
        if sockets == 0 || sockets > 200 {
            return Err(format!("need 1..=200 client sockets, not {sockets}"));
        }
        let mut clients = Vec::with_capacity(sockets);
        for i in 0..sockets {
            let addr = SocketAddrV4::new(client_addr(i), REPLY_PORT);
            let socket = UdpSocket::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
            socket
                .set_nonblocking(true)
                .map_err(|e| format!("nonblocking {addr}: {e}"))?;
            let mac = [0x02, 0x00, 0x00, 0x00, 0x01, i as u8];
            let template = DhcpMessage::inform(
                0,
                client_addr(i),
                mac,
                Some(VENDOR_CLASS.as_bytes()),
                &REQUESTED,
            )
            .to_bytes()
            .map_err(|e| format!("building the INFORM: {e}"))?;
            clients.push(Client {
                socket,
                template,
                window: 1,
                outstanding: HashMap::new(),
            });
        }
        Ok(Generator {
            clients,
            server: SocketAddrV4::new(Ipv4Addr::LOCALHOST, SERVER_PORT),
            next_xid: 1,
            retired: HashSet::new(),
            buf: vec![0; 4096],
        })
    }

    /// Send one INFORM a tick until a correct reply comes back, or fail after `timeout`: the
    /// servers say "ready" differently (and at WARN not at all), an answer is the one signal
    /// they share.
    pub fn wait_ready(&mut self, expected: &Expected, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        let mut last = String::from("no reply");
        let mut n = 0u32;
        while start.elapsed() < timeout {
            n += 1;
            let xid = PROBE_BIT | n;
            let client = &mut self.clients[0];
            let mut request = client.template.clone();
            set_xid(&mut request, xid);
            // The server may not be bound yet: a refused send is just "not ready".
            let _ = client.socket.send_to(&request, self.server);
            let tick = Instant::now();
            while tick.elapsed() < Duration::from_millis(100) {
                match client.socket.recv_from(&mut self.buf) {
                    Ok((len, _)) => {
                        let reply = &self.buf[..len];
                        let ours = Packet::new_checked(reply).is_ok_and(|p| p.xid() == xid);
                        if ours {
                            match expected.check(reply) {
                                Ok(()) => return Ok(()),
                                Err(e) => last = e,
                            }
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    // ECONNREFUSED from an ICMP port unreachable: not listening yet.
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        }
        Err(format!(
            "no correct answer within {timeout:?} (last: {last})"
        ))
    }

    /// Run warm-up, the measured phase and a drain; `server_pid` is read for CPU time.
    pub fn run(
        &mut self,
        load: &Load,
        expected: &Expected,
        server_pid: Option<u32>,
    ) -> Result<Stats, String> {
        let sockets = self.clients.len();
        if load.sockets != sockets || load.window < sockets {
            return Err(format!(
                "the load needs {} sockets (the generator has {sockets}) and a window of at least one INFORM per socket (window {})",
                load.sockets, load.window
            ));
        }
        for (i, client) in self.clients.iter_mut().enumerate() {
            // Spread the window evenly; the first sockets take the remainder.
            client.window = load.window / sockets + usize::from(i < load.window % sockets);
        }
        let start = Instant::now();
        let measure_at = start + load.warmup;
        let mut measure_start = measure_at;
        let mut stop_at = measure_at + load.duration;
        let mut phase = if load.warmup.is_zero() {
            Phase::Measure
        } else {
            Phase::Warmup
        };
        let mut stats = Stats::default();
        let mut latencies: Vec<u32> = Vec::new();
        let mut cpu0 = None;
        let mut gen0 = None;
        if phase == Phase::Measure {
            measure_start = Instant::now();
            cpu0 = server_pid.and_then(|p| cpu_seconds(p).ok());
            gen0 = cpu_seconds(std::process::id()).ok();
        }
        let mut drain_deadline = None;
        let mut next_expiry = Instant::now();
        loop {
            let now = Instant::now();
            match phase {
                Phase::Warmup if now >= measure_at => {
                    phase = Phase::Measure;
                    measure_start = now;
                    stop_at = now + load.duration;
                    cpu0 = server_pid.and_then(|p| cpu_seconds(p).ok());
                    gen0 = cpu_seconds(std::process::id()).ok();
                }
                Phase::Measure if now >= stop_at || stats.sent >= load.max_requests => {
                    phase = Phase::Drain;
                    drain_deadline = Some(now + load.loss_timeout);
                }
                _ => {}
            }
            if phase == Phase::Drain {
                let empty = self.clients.iter().all(|c| c.outstanding.is_empty());
                if empty || drain_deadline.is_some_and(|d| now >= d) {
                    break;
                }
            } else {
                self.fill(phase == Phase::Measure, load.max_requests, &mut stats);
            }
            self.receive(expected, &mut stats, &mut latencies)?;
            if now >= next_expiry {
                self.expire(now, load.loss_timeout, &mut stats);
                next_expiry = now + Duration::from_millis(10);
            }
        }
        // Whatever is still outstanding after the drain is lost.
        self.expire(
            Instant::now() + load.loss_timeout * 2,
            load.loss_timeout,
            &mut stats,
        );
        let elapsed = measure_start.elapsed();
        let cpu1 = server_pid.and_then(|p| cpu_seconds(p).ok());
        let gen1 = cpu_seconds(std::process::id()).ok();
        latencies.sort_unstable();
        stats.elapsed_s = elapsed.as_secs_f64();
        stats.replies_per_s = stats.ok as f64 / stats.elapsed_s.max(1e-9);
        stats.loss = if stats.sent == 0 {
            0.0
        } else {
            stats.lost as f64 / stats.sent as f64
        };
        stats.p50_us = percentile(&latencies, 0.50);
        stats.p99_us = percentile(&latencies, 0.99);
        stats.max_us = latencies.last().copied().map_or(0, u64::from);
        if let (Some(a), Some(b)) = (cpu0, cpu1) {
            let cpu = (b - a).max(0.0);
            stats.server_cpu_s = Some(cpu);
            stats.replies_per_cpu_s = (cpu > 0.0).then(|| stats.ok as f64 / cpu);
        }
        if let (Some(a), Some(b)) = (gen0, gen1) {
            stats.generator_cpu_s = Some((b - a).max(0.0));
        }
        Ok(stats)
    }

    /// Top every socket up to its share of the window.
    fn fill(&mut self, measured: bool, max: u64, stats: &mut Stats) {
        for client in &mut self.clients {
            while client.outstanding.len() < client.window && (!measured || stats.sent < max) {
                let xid = self.next_xid;
                // Wrap below the probe bit; at most a few million xids are used per run.
                self.next_xid = (self.next_xid + 1) & !PROBE_BIT;
                set_xid(&mut client.template, xid);
                match client.socket.send_to(&client.template, self.server) {
                    Ok(_) => {
                        client.outstanding.insert(xid, (Instant::now(), measured));
                        if measured {
                            stats.sent += 1;
                        }
                    }
                    // The socket buffer is full: the reply side will make room.
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        if measured {
                            stats.send_errors += 1;
                        }
                        break;
                    }
                }
            }
        }
    }

    /// Wait up to a few milliseconds for replies and account every one that came.
    fn receive(
        &mut self,
        expected: &Expected,
        stats: &mut Stats,
        latencies: &mut Vec<u32>,
    ) -> Result<(), String> {
        let ready: Vec<bool> = {
            let mut fds: Vec<PollFd<'_>> = self
                .clients
                .iter()
                .map(|c| PollFd::new(c.socket.as_fd(), PollFlags::POLLIN))
                .collect();
            match poll(&mut fds, PollTimeout::from(5u8)) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => return Ok(()),
                Err(e) => return Err(format!("poll: {e}")),
            }
            fds.iter()
                .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        for (client, ready) in self.clients.iter_mut().zip(ready) {
            if !ready {
                continue;
            }
            // Drain the socket; bounded so one busy socket cannot starve the others.
            for _ in 0..256 {
                let len = match client.socket.recv_from(&mut self.buf) {
                    Ok((len, _)) => len,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    // An ICMP error queued on the socket: not a reply, read on.
                    Err(_) => continue,
                };
                let at = Instant::now();
                let reply = &self.buf[..len];
                let Some(xid) = Packet::new_checked(reply).ok().map(|p| p.xid()) else {
                    stats.stray += 1;
                    continue;
                };
                if xid & PROBE_BIT != 0 {
                    continue;
                }
                match client.outstanding.remove(&xid) {
                    Some((sent, measured)) => {
                        let verdict = expected.check(reply);
                        if !measured {
                            continue;
                        }
                        match verdict {
                            Ok(()) => {
                                stats.ok += 1;
                                let us = at.duration_since(sent).as_micros();
                                latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
                            }
                            Err(e) => {
                                stats.wrong += 1;
                                stats.first_wrong.get_or_insert(e);
                            }
                        }
                    }
                    None if self.retired.remove(&xid) => stats.late += 1,
                    None => stats.stray += 1,
                }
            }
        }
        Ok(())
    }

    /// Declare INFORMs older than `timeout` lost, and free their window slots.
    fn expire(&mut self, now: Instant, timeout: Duration, stats: &mut Stats) {
        for client in &mut self.clients {
            let retired = &mut self.retired;
            client.outstanding.retain(|xid, (sent, measured)| {
                let keep = now.saturating_duration_since(*sent) < timeout;
                if !keep {
                    if *measured {
                        stats.lost += 1;
                    }
                    if retired.len() < RETIRED_MAX {
                        retired.insert(*xid);
                    }
                }
                keep
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ucprov_wire::VendorOptions;

    fn seed() -> Expected {
        Expected::new(&Provisioning::new("lync.schertz.local", None)).unwrap()
    }

    fn ack(o43: Vec<u8>, o120: Vec<u8>) -> Vec<u8> {
        let p = Provisioning::new("lync.schertz.local", None);
        let _ = &p;
        let mut m = DhcpMessage::inform(7, client_addr(0), [2, 0, 0, 0, 0, 1], None, &[]);
        m.op = OP_BOOTREPLY;
        m.options = vec![
            (code::MESSAGE_TYPE, vec![MessageType::Ack.to_u8()]),
            (code::VENDOR_SPECIFIC, o43),
            (code::SIP_SERVERS, o120),
        ];
        m.to_bytes().unwrap()
    }

    #[test]
    fn the_seed_reply_passes_and_reordered_suboptions_pass() {
        let e = seed();
        assert_eq!(
            e.check(&ack(e.option43.clone(), e.option120.clone())),
            Ok(())
        );
        // Sub-options reversed, with an end byte, as dnsmasq's vendor: form would send them.
        let v = VendorOptions::parse(&e.option43);
        let mut reversed = Vec::new();
        for s in v.items.iter().rev() {
            reversed.push(s.code);
            reversed.push(s.value.len() as u8);
            reversed.extend_from_slice(&s.value);
        }
        reversed.push(255);
        assert_eq!(e.check(&ack(reversed, e.option120.clone())), Ok(()));
    }

    #[test]
    fn a_wrong_43_or_120_or_type_is_an_error() {
        let e = seed();
        let mut o43 = e.option43.clone();
        let last = o43.len() - 1;
        o43[last] ^= 1;
        assert!(e.check(&ack(o43, e.option120.clone())).is_err());
        assert!(e
            .check(&ack(e.option43.clone(), vec![0, 1, b'x', 0]))
            .is_err());
        let mut nak = DhcpMessage::parse(&ack(e.option43.clone(), e.option120.clone())).unwrap();
        nak.options[0].1 = vec![MessageType::Nak.to_u8()];
        assert!(e.check(&nak.to_bytes().unwrap()).is_err());
        assert!(e.check(&[0u8; 100]).is_err());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.50), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
        assert_eq!(percentile(&[7], 0.99), 7);
    }
}
