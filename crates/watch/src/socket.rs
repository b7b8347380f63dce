//! The capture socket: `AF_PACKET`, `SOCK_DGRAM` (packets from their network header, no link
//! header), protocol `ETH_P_ALL`, with a classic BPF filter that keeps in the kernel only the
//! watched interface's IPv4 UDP datagrams to or from port 67 or 68.
//!
//! `ETH_P_ALL` rather than `ETH_P_IP`: the kernel passes the packets the host itself sends
//! (`PACKET_OUTGOING`) only to `ETH_P_ALL` sockets, so an `ETH_P_IP` socket on a phone's or a
//! lab's own interface would see the replies but never the INFORMs. The filter's EtherType
//! check (`ld #proto`) makes it IPv4-only again before anything is copied to user space.
//!
//! No `unsafe`: socket2 builds the socket and attaches the filter, nix's `recvfrom` reads
//! the `sockaddr_ll` that says which interface a packet came from. A packet socket cannot be
//! bound to one interface without building a `sockaddr_ll` by hand (nix's `LinkAddr` has no
//! safe constructor, socket2's `SockAddr::new` is unsafe), so the filter's first instruction
//! checks the interface index instead (`ld #ifindex`, `SKF_AD_IFINDEX`), and user space checks
//! interface, EtherType and ports again: packets queued between `socket()` and
//! `SO_ATTACH_FILTER` were not filtered.

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use nix::sys::socket::{recvfrom, SockaddrStorage};
use socket2::{Domain, Protocol, SockFilter, Socket, Type};

/// The largest packet the filter lets through: one whole IPv4 packet.
pub const MAX_PACKET: usize = 65_536;

const SERVER_PORT: u32 = 67;
const CLIENT_PORT: u32 = 68;

// Classic BPF encodings (linux/filter.h, linux/bpf_common.h): stable kernel ABI.
const BPF_LD: u16 = 0x00;
const BPF_LDX: u16 = 0x01;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_W: u16 = 0x00;
const BPF_H: u16 = 0x08;
const BPF_B: u16 = 0x10;
const BPF_ABS: u16 = 0x20;
const BPF_IND: u16 = 0x40;
const BPF_MSH: u16 = 0xa0;
const BPF_JEQ: u16 = 0x10;
const BPF_JSET: u16 = 0x40;
const BPF_K: u16 = 0x00;
/// `SKF_AD_OFF + SKF_AD_IFINDEX`: the ancillary load of the packet's interface index.
const AD_IFINDEX: u32 = (libc::SKF_AD_OFF + libc::SKF_AD_IFINDEX) as u32;
/// `SKF_AD_OFF + SKF_AD_PROTOCOL`: the packet's EtherType, in host order.
const AD_PROTOCOL: u32 = (libc::SKF_AD_OFF + libc::SKF_AD_PROTOCOL) as u32;
const ETH_P_IP: u32 = libc::ETH_P_IP as u32;
/// Bytes of each packet the filter lets through: all of it.
const SNAP: u32 = 0x0004_0000;

/// One filter instruction, as plain numbers (tested without a kernel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

const fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    Insn { code, jt, jf, k }
}

/// The filter, over a packet from its network header (what a `SOCK_DGRAM` packet socket
/// sees): the watched interface, IPv4, UDP, not a later fragment, and port 67 or 68 on either
/// side. Jump offsets count instructions after the next one.
pub(crate) fn program(ifindex: u32) -> [Insn; 17] {
    const ACCEPT: u8 = 15;
    const DROP: u8 = 16;
    // `jt`/`jf` of instruction `at` jumping to `target`.
    const fn to(at: u8, target: u8) -> u8 {
        target - at - 1
    }
    [
        /* 0 */ insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, AD_IFINDEX),
        /* 1 */ insn(BPF_JMP | BPF_JEQ | BPF_K, 0, to(1, DROP), ifindex),
        /* 2 */ insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, AD_PROTOCOL),
        /* 3 */ insn(BPF_JMP | BPF_JEQ | BPF_K, 0, to(3, DROP), ETH_P_IP),
        /* 4 */ insn(BPF_LD | BPF_B | BPF_ABS, 0, 0, 9), // IPv4 protocol
        /* 5 */ insn(BPF_JMP | BPF_JEQ | BPF_K, 0, to(5, DROP), 17),
        /* 6 */ insn(BPF_LD | BPF_H | BPF_ABS, 0, 0, 6), // flags and fragment offset
        /* 7 */ insn(BPF_JMP | BPF_JSET | BPF_K, to(7, DROP), 0, 0x1fff),
        /* 8 */ insn(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0), // X = IPv4 header length
        /* 9 */ insn(BPF_LD | BPF_H | BPF_IND, 0, 0, 0), // UDP source port
        /* 10 */ insn(BPF_JMP | BPF_JEQ | BPF_K, to(10, ACCEPT), 0, SERVER_PORT),
        /* 11 */ insn(BPF_JMP | BPF_JEQ | BPF_K, to(11, ACCEPT), 0, CLIENT_PORT),
        /* 12 */ insn(BPF_LD | BPF_H | BPF_IND, 0, 0, 2), // UDP destination port
        /* 13 */ insn(BPF_JMP | BPF_JEQ | BPF_K, to(13, ACCEPT), 0, SERVER_PORT),
        /* 14 */
        insn(
            BPF_JMP | BPF_JEQ | BPF_K,
            to(14, ACCEPT),
            to(14, DROP),
            CLIENT_PORT,
        ),
        /* 15 */ insn(BPF_RET | BPF_K, 0, 0, SNAP),
        /* 16 */ insn(BPF_RET | BPF_K, 0, 0, 0),
    ]
}

/// The same question as the filter, in user space: an unfragmented (or first-fragment) IPv4
/// UDP packet to or from port 67 or 68.
pub fn is_dhcp_udp(packet: &[u8]) -> bool {
    let Some(&first) = packet.first() else {
        return false;
    };
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || packet.get(9) != Some(&17) {
        return false;
    }
    let fragment = packet
        .get(6..8)
        .map(|b| u16::from_be_bytes([b[0], b[1]]) & 0x1fff);
    if fragment != Some(0) {
        return false;
    }
    let port = |at: usize| {
        packet
            .get(at..at + 2)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let dhcp = |p: Option<u32>| matches!(p, Some(SERVER_PORT | CLIENT_PORT));
    dhcp(port(ihl)) || dhcp(port(ihl + 2))
}

/// A packet socket watching one interface.
pub struct PacketSocket {
    socket: Socket,
    ifindex: u32,
}

/// Why the socket could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// `EPERM`/`EACCES`: CAP_NET_RAW is missing.
    Permission(io::Error),
    Other(io::Error),
}

impl PacketSocket {
    /// Open the socket for interface index `ifindex`, reads timing out after `timeout`.
    pub fn open(ifindex: u32, timeout: Duration) -> Result<Self, OpenError> {
        // ETH_P_ALL, not ETH_P_IP: the kernel hands packets the host sends only to ETH_P_ALL
        // sockets, and a phone watched from its own segment (or a lab) sends the INFORMs.
        // The filter keeps IPv4. The protocol of a packet socket is in network byte order.
        let protocol = Protocol::from(i32::from((libc::ETH_P_ALL as u16).to_be()));
        let socket = Socket::new(Domain::PACKET, Type::DGRAM.cloexec(), Some(protocol)).map_err(
            |e| match e.raw_os_error() {
                Some(libc::EPERM | libc::EACCES) => OpenError::Permission(e),
                _ => OpenError::Other(e),
            },
        )?;
        let filter: Vec<SockFilter> = program(ifindex)
            .iter()
            .map(|i| SockFilter::new(i.code, i.jt, i.jf, i.k))
            .collect();
        socket.attach_filter(&filter).map_err(OpenError::Other)?;
        socket
            .set_read_timeout(Some(timeout))
            .map_err(OpenError::Other)?;
        // Bigger than the default so a burst of phones booting at once is not dropped.
        let _ = socket.set_recv_buffer_size(4 << 20);
        Ok(PacketSocket { socket, ifindex })
    }

    /// Receive one packet into `buf`: `Ok(Some(len))` for a DHCP-port IPv4 packet on the
    /// watched interface, `Ok(None)` when the read timed out, was interrupted or the packet was
    /// not one of those (queued before the filter was attached).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // Read as `SockaddrStorage`, not `LinkAddr`: the kernel returns a `sockaddr_ll` only as
        // long as its hardware address (18 bytes for Ethernet), and nix's `LinkAddr` refuses
        // any length but the full 20.
        match recvfrom::<SockaddrStorage>(self.socket.as_raw_fd(), buf) {
            Ok((n, from)) => {
                let here = from
                    .as_ref()
                    .and_then(SockaddrStorage::as_link_addr)
                    .is_some_and(|a| {
                        a.ifindex() == self.ifindex as usize
                            && a.protocol() == (libc::ETH_P_IP as u16).to_be()
                    });
                let packet = buf.get(..n).unwrap_or_default();
                Ok((here && is_dhcp_udp(packet)).then_some(n))
            }
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => Ok(None),
            Err(e) => Err(io::Error::from(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classic BPF instructions `program` uses, run as the kernel would.
    fn run(prog: &[Insn], packet: &[u8], ifindex: u32, proto: u32) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |at: u32| packet.get(at as usize).map(|b| u32::from(*b));
        let half = |at: u32| Some(byte(at)? << 8 | byte(at + 1)?);
        loop {
            let i = prog[pc];
            pc += 1;
            let load = |v: Option<u32>| v.ok_or(());
            let step: Result<(), ()> = match i.code {
                c if c == BPF_LD | BPF_W | BPF_ABS && i.k == AD_IFINDEX => {
                    a = ifindex;
                    Ok(())
                }
                c if c == BPF_LD | BPF_W | BPF_ABS && i.k == AD_PROTOCOL => {
                    a = proto;
                    Ok(())
                }
                c if c == BPF_LD | BPF_B | BPF_ABS => load(byte(i.k)).map(|v| a = v),
                c if c == BPF_LD | BPF_H | BPF_ABS => load(half(i.k)).map(|v| a = v),
                c if c == BPF_LD | BPF_H | BPF_IND => load(half(x + i.k)).map(|v| a = v),
                c if c == BPF_LDX | BPF_B | BPF_MSH => load(byte(i.k)).map(|v| x = (v & 0xf) * 4),
                c if c == BPF_JMP | BPF_JEQ | BPF_K => {
                    pc += usize::from(if a == i.k { i.jt } else { i.jf });
                    Ok(())
                }
                c if c == BPF_JMP | BPF_JSET | BPF_K => {
                    pc += usize::from(if a & i.k != 0 { i.jt } else { i.jf });
                    Ok(())
                }
                c if c == BPF_RET | BPF_K => return i.k,
                other => panic!("instruction {other:#x} not emulated"),
            };
            // A load past the end of the packet ends the program with 0, as in the kernel.
            if step.is_err() {
                return 0;
            }
        }
    }

    fn udp(sport: u16, dport: u16, proto: u8, frag: u16) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, proto, 0, 0];
        p[6..8].copy_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[192, 0, 2, 10, 192, 0, 2, 1]);
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&[0, 8, 0, 0]);
        p
    }

    #[test]
    fn the_filter_and_user_space_agree_on_what_is_dhcp() {
        let prog = program(7);
        let cases = [
            (udp(68, 67, 17, 0), true),
            (udp(67, 68, 17, 0), true),
            (udp(40000, 67, 17, 0), true),
            (udp(67, 40000, 17, 0), true),
            (udp(53, 40000, 17, 0), false),
            (udp(68, 67, 6, 0), false),                 // TCP
            (udp(68, 67, 17, 0x2000), true),            // first fragment: has the UDP header
            (udp(68, 67, 17, 0x0010), false),           // a later fragment
            (udp(68, 67, 17, 0)[..21].to_vec(), false), // cut inside the UDP header
        ];
        for (packet, dhcp) in &cases {
            assert_eq!(is_dhcp_udp(packet), *dhcp, "{packet:02x?}");
            let verdict = run(&prog, packet, 7, ETH_P_IP);
            assert_eq!(verdict != 0, *dhcp, "{packet:02x?}");
            assert_eq!(run(&prog, packet, 8, ETH_P_IP), 0, "another interface");
            assert_eq!(run(&prog, packet, 7, 0x86dd), 0, "not IPv4");
        }
        // Options make the IPv4 header longer; the ports follow it.
        let mut long = udp(68, 67, 17, 0);
        long[0] = 0x46;
        long.splice(20..20, [1, 1, 1, 1]);
        assert!(is_dhcp_udp(&long));
        assert_eq!(run(&prog, &long, 7, ETH_P_IP), SNAP);
    }
}
