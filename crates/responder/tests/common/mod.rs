//! A responder on loopback with real UDP sockets, for the unprivileged integration tests.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;
use ucprov_responder::server::Responder;
use ucprov_responder::state::{interface_index, State};
use ucprov_wire::message::DhcpMessage;

/// Only a bound against a hung test; no assertion depends on it.
pub const SAFETY: Duration = Duration::from_secs(10);

pub struct Harness {
    pub rt: Runtime,
    pub state: Arc<State>,
    pub server: SocketAddr,
    /// The client's socket; replies to `ciaddr` 127.0.0.1 arrive here.
    pub client: UdpSocket,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Bind a client socket on 127.0.0.1, then start a responder whose replies go to its port.
/// `config` is TOML appended after the listen and ports tables.
pub fn start(config: &str) -> Harness {
    start_with(config, None)
}

pub fn start_with(config: &str, path: Option<std::path::PathBuf>) -> Harness {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(SAFETY)).unwrap();
    let port = client.local_addr().unwrap().port();
    let text = format!(
        "[listen]\naddress = \"127.0.0.1\"\nport = 0\n[ports]\nclient = {port}\nrelay = {port}\n{config}"
    );
    let policy = Policy::new(Config::from_toml(&text).unwrap(), interface_index).unwrap();
    let state = Arc::new(State::new(policy, path));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let responder = rt
        .block_on(async { Responder::bind(Arc::clone(&state)) })
        .unwrap();
    let server = responder.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = rt.spawn(responder.run(async {
        let _ = stopped.await;
    }));
    Harness {
        rt,
        state,
        server,
        client,
        stop: Some(stop),
        done: Some(done),
    }
}

impl Harness {
    pub fn send(&self, bytes: &[u8]) {
        self.client.send_to(bytes, self.server).unwrap();
    }

    pub fn recv(&self) -> DhcpMessage {
        recv_on(&self.client)
    }

    /// Send a valid INFORM and wait for its answer: every datagram sent before it has then
    /// been handled, because one task reads the socket in order.
    pub fn probe(&self, xid: u32) -> DhcpMessage {
        self.send(&inform(xid, None));
        let reply = self.recv();
        assert_eq!(reply.xid, xid, "the probe's answer, and nothing before it");
        reply
    }

    /// Stop the responder loop and wait for it to end. Counters are final afterwards: a
    /// reply is counted after its send, so a client can see it before the counter moves.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            self.rt.block_on(done).unwrap().unwrap();
        }
    }

    pub fn shutdown(mut self) {
        self.stop();
    }
}

pub fn recv_on(socket: &UdpSocket) -> DhcpMessage {
    let mut buf = [0u8; 4096];
    let (n, _) = socket
        .recv_from(&mut buf)
        .expect("a reply within the safety bound");
    DhcpMessage::parse(&buf[..n]).unwrap()
}

/// An MS-UC-Client INFORM from 127.0.0.1 asking for 43 and 120, optionally with a giaddr.
pub fn inform(xid: u32, giaddr: Option<Ipv4Addr>) -> Vec<u8> {
    inform_message(xid, giaddr).to_bytes().unwrap()
}

pub fn inform_message(xid: u32, giaddr: Option<Ipv4Addr>) -> DhcpMessage {
    DhcpMessage {
        giaddr: giaddr.unwrap_or(Ipv4Addr::UNSPECIFIED),
        ..ucprov_testkit::inform_message(
            xid,
            Ipv4Addr::LOCALHOST,
            [0x02, 0, 0x5E, 0, 0, 0x10],
            Some(b"MS-UC-Client"),
            &[1, 6, 43, 120],
        )
    }
}
