//! Where connections come from, and what an accept error means.
//!
//! `accept(2)` fails for two kinds of reason. Some concern only the connection being taken
//! (it was reset or aborted before we got to it): the next one is fine, so we retry at once.
//! The rest concern the process or the host (EMFILE, ENFILE: out of descriptors; ENOBUFS,
//! ENOMEM: out of memory): retrying at once fails again at once and spins a core, as the
//! old admin loop did. Those back off, doubling from [`Backoff::FIRST`] to [`Backoff::MAX`],
//! and the pending connections wait in the kernel's queue until something frees up.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// A source of connections: a [`TcpListener`], or in tests one that fails on purpose.
pub trait Accept: Send + 'static {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Io, SocketAddr)>> + Send;
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl Accept for TcpListener {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = TcpListener::accept(self).await?;
        // Responses are small and written whole: Nagle would only add a round trip.
        let _ = stream.set_nodelay(true);
        Ok((stream, peer))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }
}

/// True when the error belongs to the one connection being accepted, not to the listener.
pub(crate) fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Exponential back-off between failed accepts; reset by the next success.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    current: Option<Duration>,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_millis(5);
    pub const MAX: Duration = Duration::from_secs(1);

    /// How long to wait after `e` before accepting again; `None` to retry at once.
    pub fn on_error(&mut self, e: &io::Error) -> Option<Duration> {
        if is_per_connection(e) {
            return None;
        }
        let next = match self.current {
            None => Self::FIRST,
            Some(d) => (d * 2).min(Self::MAX),
        };
        self.current = Some(next);
        Some(next)
    }

    /// True when this is the first error of a run, the one worth a log line.
    pub fn is_first(&self) -> bool {
        self.current == Some(Self::FIRST)
    }

    pub fn on_success(&mut self) {
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    // EMFILE 24, ENFILE 23, ENOBUFS 105, ENOMEM 12, ECONNABORTED 103 on Linux.
    #[test]
    fn descriptor_exhaustion_backs_off_doubling_to_the_cap() {
        let mut b = Backoff::default();
        let waits: Vec<_> = (0..12).map(|_| b.on_error(&os(24))).collect();
        assert_eq!(waits[0], Some(Backoff::FIRST));
        assert!(b.on_error(&os(23)).is_some());
        assert_eq!(waits[1], Some(Backoff::FIRST * 2));
        assert_eq!(waits[11], Some(Backoff::MAX));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        b.on_success();
        assert_eq!(b.on_error(&os(105)), Some(Backoff::FIRST));
        assert!(b.is_first());
        assert_eq!(b.on_error(&os(12)), Some(Backoff::FIRST * 2));
        assert!(!b.is_first());
    }

    #[test]
    fn an_aborted_connection_is_retried_at_once() {
        let mut b = Backoff::default();
        assert_eq!(b.on_error(&os(103)), None);
        assert_eq!(
            b.on_error(&io::Error::from(io::ErrorKind::ConnectionReset)),
            None
        );
    }
}
