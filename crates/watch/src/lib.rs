//! `ucprov watch --interface IF`: the capture engine of `ucprov pcap`
//! (`ucprov_inspect::capture`) on live traffic, for a SPAN port or a switch mirror. Every
//! request/reply exchange is printed as it closes (its findings one line each, or one JSON
//! object per exchange), and Prometheus metrics count clients seen, INFORMs unanswered, replies
//! per server, conflicting servers, rogue-detection probes and malformed options.
//!
//! # Capture and filtering
//!
//! One `AF_PACKET` / `SOCK_DGRAM` socket: the kernel delivers packets without their link
//! header, so each is fed to the engine as link type raw IPv4 (228). A classic BPF filter,
//! attached with socket2's safe `attach_filter`, keeps in the kernel only packets of the
//! watched interface (`ld #ifindex`) that are IPv4 (`ld #proto`), UDP to or from port 67 or 68
//! and not a later fragment; everything else never reaches user space. The socket's protocol
//! is `ETH_P_ALL`, not `ETH_P_IP`, because Linux shows the packets a host sends only to
//! `ETH_P_ALL` sockets: watching a phone's own segment from a host on it must see the INFORMs
//! too, not only the replies (see [`socket`]). The socket is
//! not `bind`-ed to the interface: that needs a hand-built `sockaddr_ll`, which no safe API
//! offers, and this crate forbids `unsafe`. User space checks the interface index (from
//! `recvfrom`'s `sockaddr_ll`) and the ports again, for the packets queued before the filter
//! was attached.
//!
//! Limits: the socket sees what the interface receives. A mirror port delivers frames for
//! other hosts' MACs only in promiscuous mode (`ip link set IF promisc on`); 802.1Q-tagged
//! mirror traffic is seen when the NIC strips the tag (the usual offload) and is reported
//! without its VLAN. IPv4 fragments are not reassembled (as in `ucprov pcap`).
//!
//! # Time
//!
//! Packets are stamped with the wall clock on receipt. An exchange closes `window` seconds
//! after its last packet; the engine is ticked every second even when nothing arrives, so a
//! silent server shows as `no_reply` a window after the INFORM.
//!
//! Status lines (listening, stopping) go to standard error; findings go to `out`.
#![forbid(unsafe_code)]

pub mod metrics;
pub mod output;
pub mod socket;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ucprov_inspect::capture::link::{peel, Peeled};
use ucprov_inspect::capture::reader::Record;
use ucprov_inspect::capture::time::Timestamp;
use ucprov_inspect::capture::Engine;
use ucprov_responder::admin::{Admin, MetricsSource};

use metrics::Metrics;
use output::Output;
use socket::{OpenError, PacketSocket, MAX_PACKET};

/// Default seconds an exchange waits for replies on live traffic (a capture file uses 120).
pub const DEFAULT_WINDOW_SECS: u64 = 10;
/// `LINKTYPE_IPV4`: what a `SOCK_DGRAM` packet socket hands over.
const LINKTYPE_IPV4: u16 = 228;
/// How long one read waits, so a stop signal is seen quickly.
const READ_TIMEOUT: Duration = Duration::from_millis(250);
/// How often the engine is told the time when no packet comes.
const TICK: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchConfig {
    /// The interface to watch (a SPAN / mirror port, or any interface).
    pub interface: String,
    /// Seconds an exchange waits for more replies, and a quiet client stays open.
    pub window_secs: u64,
    /// Where to serve `GET /metrics`, when wanted.
    pub metrics: Option<SocketAddr>,
    /// One JSON object per closed exchange instead of text lines.
    pub json_lines: bool,
}

impl WatchConfig {
    pub fn new(interface: impl Into<String>) -> Self {
        WatchConfig {
            interface: interface.into(),
            window_secs: DEFAULT_WINDOW_SECS,
            metrics: None,
            json_lines: false,
        }
    }
}

/// Why watching could not start or go on. Every one is an environment problem (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("no interface named {name:?} ({source}); list them with `ip link`")]
    NoSuchInterface { name: String, source: nix::Error },
    #[error("opening a packet socket needs CAP_NET_RAW ({0}): run as root, or grant it with `setcap cap_net_raw+ep $(command -v ucprov)`")]
    Permission(io::Error),
    #[error("packet socket on {interface}: {source}")]
    Socket {
        interface: String,
        source: io::Error,
    },
    #[error("cannot serve metrics on {addr}: {source}")]
    Metrics { addr: SocketAddr, source: io::Error },
    #[error("cannot start the runtime or the signal handlers: {0}")]
    Runtime(io::Error),
    #[error("writing the output: {0}")]
    Output(io::Error),
}

fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: d.as_secs(),
        nanos: d.subsec_nanos(),
    }
}

/// The interface's index, or why it has none.
pub fn interface_index(name: &str) -> Result<u32, WatchError> {
    let bad = |source| WatchError::NoSuchInterface {
        name: name.to_string(),
        source,
    };
    // Interface names are 1 to 15 bytes without `/` or whitespace (IFNAMSIZ).
    if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', '\0']) {
        return Err(bad(nix::Error::EINVAL));
    }
    nix::net::if_::if_nametoindex(name).map_err(bad)
}

/// Watch until SIGINT or SIGTERM; then close every open exchange, print it, and return.
pub fn run(cfg: &WatchConfig, out: impl Write) -> Result<(), WatchError> {
    let ifindex = interface_index(&cfg.interface)?;
    let socket = PacketSocket::open(ifindex, READ_TIMEOUT).map_err(|e| match e {
        OpenError::Permission(e) => WatchError::Permission(e),
        OpenError::Other(source) => WatchError::Socket {
            interface: cfg.interface.clone(),
            source,
        },
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("ucprov-watch")
        .enable_all()
        .build()
        .map_err(WatchError::Runtime)?;
    let stop = Arc::new(AtomicBool::new(false));
    let metrics = Arc::new(Mutex::new(Metrics::new()));
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let listening = runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).map_err(WatchError::Runtime)?;
        let mut term = signal(SignalKind::terminate()).map_err(WatchError::Runtime)?;
        let flag = Arc::clone(&stop);
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            flag.store(true, Ordering::SeqCst);
        });
        let Some(addr) = cfg.metrics else {
            return Ok(None);
        };
        // The responder's admin endpoint, with this watch's counters as its one source.
        let source_metrics = Arc::clone(&metrics);
        let source: MetricsSource = Arc::new(move || {
            source_metrics
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .render()
        });
        let admin = Admin::bind(addr, vec![source])
            .await
            .map_err(|source| WatchError::Metrics { addr, source })?;
        let bound = admin
            .local_addr()
            .map_err(|source| WatchError::Metrics { addr, source })?;
        tokio::spawn(admin.run(async {
            let _ = shutdown_rx.await;
        }));
        Ok(Some(bound))
    })?;
    let window = cfg.window_secs.max(1);
    eprintln!(
        "ucprov watch: watching {} (ifindex {ifindex}) for DHCP, window {window} s{}",
        cfg.interface,
        listening.map_or_else(String::new, |a| format!(", metrics on http://{a}/metrics"))
    );
    let result = capture(
        &socket,
        cfg,
        &stop,
        &metrics,
        Output::new(out, cfg.json_lines),
    );
    eprintln!("ucprov watch: stopped");
    let _ = shutdown_tx.send(());
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Count and print what closed; a closed output (`| head`) stops the watch quietly.
fn report<W: Write>(
    closed: &[ucprov_inspect::capture::engine::ClosedExchange],
    clients: &[ucprov_inspect::capture::ClientReport],
    in_flight: usize,
    metrics: &Mutex<Metrics>,
    out: &mut Output<W>,
) -> io::Result<()> {
    {
        let mut m = metrics.lock().unwrap_or_else(PoisonError::into_inner);
        for e in closed {
            m.exchange(e);
        }
        for c in clients {
            m.client(c);
        }
        m.set_in_flight(in_flight);
    }
    if closed.is_empty() && clients.is_empty() {
        return Ok(());
    }
    for e in closed {
        out.exchange(e)?;
    }
    for c in clients {
        out.client(c)?;
    }
    out.flush()
}

fn capture<W: Write>(
    socket: &PacketSocket,
    cfg: &WatchConfig,
    stop: &AtomicBool,
    metrics: &Mutex<Metrics>,
    mut out: Output<W>,
) -> Result<(), WatchError> {
    let mut engine = Engine::new(cfg.window_secs.max(1)).with_exchange_events();
    let mut buf = vec![0u8; MAX_PACKET];
    let mut frame = 0u64;
    let mut last_tick = Instant::now();
    let written = |r: io::Result<()>| match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(WatchError::Output(e)),
    };
    while !stop.load(Ordering::SeqCst) {
        let received = socket.recv(&mut buf).map_err(|source| WatchError::Socket {
            interface: cfg.interface.clone(),
            source,
        })?;
        if let Some(n) = received {
            frame += 1;
            let data = buf.get(..n).unwrap_or_default();
            let record = Record {
                frame,
                time: now(),
                link: LINKTYPE_IPV4,
                fcs_len: 0,
                data,
                original_len: n,
            };
            let dhcp = match peel(&record) {
                Peeled::Dhcp(d) => Some(d),
                _ => None,
            };
            {
                let mut m = metrics.lock().unwrap_or_else(PoisonError::into_inner);
                m.packet();
                if let Some(d) = &dhcp {
                    m.datagram(d.payload);
                }
            }
            if let Some(d) = &dhcp {
                engine.feed(d);
            }
        }
        if last_tick.elapsed() >= TICK {
            engine.tick(now());
            last_tick = Instant::now();
        }
        let closed = engine.take_closed_exchanges();
        let clients = engine.take_ready();
        let r = report(&closed, &clients, engine.in_flight(), metrics, &mut out);
        if !written(r)? {
            return Ok(());
        }
    }
    // Stopping: what is still open is judged now, as at the end of a capture file.
    let clients = engine.finish();
    let closed = engine.take_closed_exchanges();
    written(report(&closed, &clients, 0, metrics, &mut out)).map(|_| ())
}
