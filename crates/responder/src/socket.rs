//! The DHCP server socket: one UDP socket on the wildcard (or a given) address that receives
//! broadcast and unicast alike, with IP_PKTINFO telling which interface and local address each
//! datagram came in on. Receives are batched with `recvmmsg`; replies leave from the address the
//! request arrived on, chosen per datagram with an `IP_PKTINFO` control message.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::AsRawFd;

use nix::sys::socket::{
    recvmmsg, sendmmsg, setsockopt, sockopt, ControlMessage, ControlMessageOwned, MsgFlags,
    MultiHeaders, SockaddrIn,
};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::Interest;

use crate::policy::Arrival;

/// Datagrams read per `recvmmsg` call.
pub const BATCH: usize = 32;
/// Larger than any DHCP message a client may send (RFC 2131's ceiling is the link MTU); a
/// longer datagram is flagged as truncated and counted as malformed.
pub const BUFFER: usize = 4096;
/// Requested SO_RCVBUF.
const RECV_BUFFER: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub len: usize,
    pub arrival: Arrival,
    /// The datagram was longer than the buffer (MSG_TRUNC).
    pub truncated: bool,
    /// Its IP destination was not the local address it arrived on (a limited or subnet
    /// broadcast): the kernel hands such a datagram to every socket on the port, each worker
    /// of a SO_REUSEPORT group included, so only one worker may answer it.
    pub broadcast: bool,
}

/// Receive buffers reused for every batch.
pub struct RecvBatch {
    bufs: Box<[[u8; BUFFER]; BATCH]>,
    meta: [Received; BATCH],
    count: usize,
}

impl Default for RecvBatch {
    fn default() -> Self {
        let empty = Received {
            len: 0,
            arrival: Arrival {
                source: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0),
                local: Ipv4Addr::UNSPECIFIED,
                ifindex: 0,
            },
            truncated: false,
            broadcast: false,
        };
        RecvBatch {
            bufs: Box::new([[0; BUFFER]; BATCH]),
            meta: [empty; BATCH],
            count: 0,
        }
    }
}

impl RecvBatch {
    /// The datagrams of the last receive, with where each arrived.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Received)> {
        self.meta[..self.count]
            .iter()
            .zip(self.bufs.iter())
            .map(|(m, b)| (&b[..m.len.min(BUFFER)], m))
    }
}

#[derive(Debug)]
pub struct DhcpSocket {
    io: tokio::net::UdpSocket,
}

impl DhcpSocket {
    /// Bind with SO_REUSEADDR (so a real DHCP server on the same host can share the port for
    /// broadcasts), SO_BROADCAST and IP_PKTINFO; with `reuse_port`, also SO_REUSEPORT, so
    /// several sockets of this process form one group the kernel spreads unicast datagrams
    /// over (by a hash of source and destination address and port: one client's retries all
    /// reach the same socket). Must be called inside a tokio runtime.
    pub fn bind(addr: SocketAddrV4, reuse_port: bool) -> io::Result<Self> {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_reuse_address(true)?;
        if reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.set_broadcast(true)?;
        socket.set_nonblocking(true)?;
        // Room for bursts (a branch office's phones booting after a power cut); the kernel
        // caps it at net.core.rmem_max.
        socket.set_recv_buffer_size(RECV_BUFFER)?;
        setsockopt(&socket, sockopt::Ipv4PacketInfo, &true).map_err(io::Error::from)?;
        socket.bind(&SocketAddr::V4(addr).into())?;
        let io = tokio::net::UdpSocket::from_std(socket.into())?;
        Ok(DhcpSocket { io })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// Wait for datagrams and read up to [`BATCH`] of them in one system call.
    pub async fn recv_batch(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        loop {
            self.io.readable().await?;
            match self.io.try_io(Interest::READABLE, || self.recv_now(batch)) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn recv_now(&self, batch: &mut RecvBatch) -> io::Result<usize> {
        // The headers hold raw pointers and so are not `Send`; building them per batch keeps
        // the server future `Send`, and costs a few allocations per batch, not per datagram.
        let mut headers = MultiHeaders::<SockaddrIn>::preallocate(
            BATCH,
            Some(nix::cmsg_space!(libc::in_pktinfo)),
        );
        let mut iovs = batch.bufs.each_mut().map(|b| [IoSliceMut::new(&mut b[..])]);
        let results = recvmmsg(
            self.io.as_raw_fd(),
            &mut headers,
            iovs.iter_mut(),
            MsgFlags::MSG_DONTWAIT,
            None,
        )
        .map_err(io::Error::from)?;
        let mut count = 0;
        for (msg, meta) in results.zip(batch.meta.iter_mut()) {
            let source = msg
                .address
                .map(SocketAddrV4::from)
                .unwrap_or_else(|| SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
            let mut arrival = Arrival {
                source,
                local: Ipv4Addr::UNSPECIFIED,
                ifindex: 0,
            };
            let mut destination = Ipv4Addr::UNSPECIFIED;
            if let Ok(cmsgs) = msg.cmsgs() {
                for cmsg in cmsgs {
                    if let ControlMessageOwned::Ipv4PacketInfo(info) = cmsg {
                        arrival.local = Ipv4Addr::from(u32::from_be(info.ipi_spec_dst.s_addr));
                        arrival.ifindex = u32::try_from(info.ipi_ifindex).unwrap_or(0);
                        destination = Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr));
                    }
                }
            }
            *meta = Received {
                len: msg.bytes,
                arrival,
                truncated: msg.flags.contains(MsgFlags::MSG_TRUNC),
                broadcast: is_broadcast(destination, arrival.local),
            };
            count += 1;
        }
        batch.count = count;
        Ok(count)
    }

    /// Send `bufs[i]` to `dests[i]` (at most [`BATCH`] of them), all from our address `from`
    /// when known (so the source matches the server identifier), else from whatever the route
    /// picks. Uses as few `sendmmsg` calls as the kernel allows; `done(i, result)` is called
    /// once per message, in order. A message the kernel refuses is reported and skipped.
    pub async fn send_all(
        &self,
        bufs: &[Vec<u8>],
        dests: &[SocketAddrV4],
        from: Option<Ipv4Addr>,
        mut done: impl FnMut(usize, io::Result<usize>),
    ) {
        let count = bufs.len().min(dests.len()).min(BATCH);
        let info = from.map(|a| libc::in_pktinfo {
            ipi_ifindex: 0,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from(a).to_be(),
            },
            ipi_addr: libc::in_addr { s_addr: 0 },
        });
        let mut start = 0;
        while start < count {
            let sent = self
                .io
                .async_io(Interest::WRITABLE, || {
                    self.send_now(&bufs[start..count], &dests[start..count], info.as_ref())
                })
                .await;
            match sent {
                Ok(n) if n > 0 => {
                    for (i, bytes) in (start..start + n).zip(bufs[start..].iter()) {
                        done(i, Ok(bytes.len()));
                    }
                    start += n;
                }
                Ok(_) => {
                    done(start, Err(io::Error::other("sendmmsg sent nothing")));
                    start += 1;
                }
                Err(e) => {
                    // The error belongs to the first unsent message; the rest get their turn.
                    done(start, Err(e));
                    start += 1;
                }
            }
        }
    }

    fn send_now(
        &self,
        bufs: &[Vec<u8>],
        dests: &[SocketAddrV4],
        info: Option<&libc::in_pktinfo>,
    ) -> io::Result<usize> {
        let n = bufs.len();
        let iovs: [[IoSlice<'_>; 1]; BATCH] =
            std::array::from_fn(|i| [IoSlice::new(bufs.get(i).map_or(&[][..], |b| &b[..]))]);
        let addrs: [Option<SockaddrIn>; BATCH] =
            std::array::from_fn(|i| dests.get(i).map(|d| SockaddrIn::from(*d)));
        let cmsg = info.map(ControlMessage::Ipv4PacketInfo);
        // Like the receive headers: rebuilt per call so the future stays `Send`.
        let mut headers = MultiHeaders::<SockaddrIn>::preallocate(
            n,
            info.map(|_| nix::cmsg_space!(libc::in_pktinfo)),
        );
        let results = sendmmsg(
            self.io.as_raw_fd(),
            &mut headers,
            iovs[..n].iter(),
            &addrs[..n],
            cmsg.as_slice(),
            MsgFlags::MSG_DONTWAIT,
        )
        .map_err(io::Error::from)?;
        Ok(results.count())
    }
}

/// Whether a datagram sent to `destination` that arrived for our `local` address reached
/// every socket on the port: anything but a unicast to that address (255.255.255.255, a
/// subnet broadcast such as 10.1.0.255). With no packet info both are unspecified: unicast.
pub fn is_broadcast(destination: Ipv4Addr, local: Ipv4Addr) -> bool {
    destination.is_broadcast() || destination != local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_unicast_to_the_arrival_address_is_not_shared() {
        let local = Ipv4Addr::new(10, 1, 0, 1);
        assert!(!is_broadcast(local, local));
        assert!(is_broadcast(Ipv4Addr::BROADCAST, local));
        assert!(is_broadcast(Ipv4Addr::new(10, 1, 0, 255), local));
        assert!(!is_broadcast(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED));
    }
}
