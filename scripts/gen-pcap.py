#!/usr/bin/env python3
"""Deterministic capture generator for the `ucprov pcap` benchmark (scripts/bench-pcap).

    scripts/gen-pcap.py N OUT [--seed S]

Writes OUT as a classic pcap (little-endian, microsecond timestamps, link type Ethernet)
holding exactly N packets, streamed to the file in large chunks (memory stays flat):

* about 50%: DHCPINFORM / DHCPACK exchanges of 5,000 Lync/SfB phones (MAC 02:00:0a:14:hi:lo,
  ciaddr 10.20.hi.lo+2).  INFORM: option 53=8, 60 "MS-UC-Client", 55 [1,3,6,15,42,43,120],
  61, end; broadcast from ciaddr:68.  ACK: from 10.0.0.1:67 to ciaddr:68, option 53=5,
  54=10.0.0.1, 43 = the MS-UC-Client profile (https://lync.schertz.local:443/CertProv/...),
  120 = lync.schertz.local, end.  The ACK follows its INFORM 2-6 ms later; phones take
  turns in a shuffled order, so exchanges interleave and every phone repeats over time.
* about 20%: DISCOVER/OFFER/REQUEST/ACK noise from 2,000 other clients (02:01:00:00:hi:lo).
* about 30%: other traffic: DNS queries/answers (UDP 53) and TLS-on-TCP 443 segments.

Every frame has a valid Ethernet/IPv4 header (checksum included), correct UDP/TCP lengths
and checksums; every BOOTP message has op/htype 1/hlen 6, an xid unique per exchange,
chaddr, the magic cookie at offset 236 and is padded to at least 300 bytes.  Timestamps
increase strictly, about 1 ms apart.  The same N and seed always give the same bytes.
"""

import argparse
import heapq
import os
import random
import struct
import sys

PHONES = 5000
DORA_CLIENTS = 2000
BASE_SEC = 1_700_000_000  # 2023-11-14T22:13:20Z

SERVER_IP = bytes([10, 0, 0, 1])
SERVER_MAC = bytes([0x02, 0xFF, 0x00, 0x00, 0x00, 0x01])
DNS_IP = bytes([10, 0, 0, 53])
DNS_MAC = bytes([0x02, 0xFF, 0x00, 0x00, 0x00, 0x35])
ROUTER_MAC = bytes([0x02, 0xFF, 0x00, 0x00, 0x00, 0xFE])
BCAST_MAC = b"\xff" * 6
BCAST_IP = b"\xff" * 4
ZERO_IP = b"\x00" * 4

OPT43 = bytes.fromhex(
    "010C4D532D55432D436C69656E740205687474707303126C796E632E7363686572747A2E6C6F63616C"
    "040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663"
)
OPT120 = bytes.fromhex("00046C796E63077363686572747A056C6F63616C00")
MAGIC = bytes.fromhex("63825363")

ETH_HDR = 14
IP_HDR = 20
# Offsets inside a frame.
UDP_CSUM_OFF = ETH_HDR + IP_HDR + 6  # 40
XID_OFF = ETH_HDR + IP_HDR + 8 + 4  # 46
TCP_SEQ_OFF = ETH_HDR + IP_HDR + 4  # 38
TCP_ACK_OFF = ETH_HDR + IP_HDR + 8  # 42
TCP_CSUM_OFF = ETH_HDR + IP_HDR + 16  # 50


def csum_sum(data: bytes) -> int:
    """Unfolded one's-complement sum of 16-bit big-endian words."""
    if len(data) % 2:
        data += b"\x00"
    return sum(struct.unpack(f">{len(data) // 2}H", data))


def fold(s: int) -> int:
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ipv4(src: bytes, dst: bytes, proto: int, payload_len: int, ident: int, ttl: int = 64) -> bytes:
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, IP_HDR + payload_len, ident, 0x4000, ttl, proto, 0, src, dst)
    c = (~fold(csum_sum(hdr))) & 0xFFFF
    return hdr[:10] + struct.pack(">H", c) + hdr[12:]


def eth(dst: bytes, src: bytes) -> bytes:
    return dst + src + b"\x08\x00"


def pseudo_sum(src: bytes, dst: bytes, proto: int, length: int) -> int:
    return csum_sum(src + dst + struct.pack(">BBH", 0, proto, length))


class Template:
    """A frame whose 32-bit field at var_off varies per packet; the L4 checksum at csum_off
    is patched incrementally (base_sum is the sum with the variable field zeroed)."""

    __slots__ = ("frame", "var_off", "csum_off", "base_sum", "udp")

    def __init__(self, frame: bytes, var_off: int, csum_off: int, base_sum: int, udp: bool):
        self.frame, self.var_off, self.csum_off, self.base_sum, self.udp = frame, var_off, csum_off, base_sum, udp

    def render(self, var: int) -> bytes:
        s = fold(self.base_sum + (var >> 16) + (var & 0xFFFF))
        c = (~s) & 0xFFFF
        if c == 0 and self.udp:
            c = 0xFFFF
        f = self.frame
        a, b = self.var_off, self.csum_off
        v, k = struct.pack(">I", var), struct.pack(">H", c)
        if a < b:
            return f[:a] + v + f[a + 4 : b] + k + f[b + 2 :]
        return f[:b] + k + f[b + 2 : a] + v + f[a + 4 :]


def udp_frame(eth_dst, eth_src, ip_src, ip_dst, sport, dport, payload, ident=0, ttl=64):
    """Frame with a correct UDP checksum (returned), plus the unfolded checksum sum."""
    ulen = 8 + len(payload)
    udp_nock = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    s = pseudo_sum(ip_src, ip_dst, 17, ulen) + csum_sum(udp_nock)
    frame = eth(eth_dst, eth_src) + ipv4(ip_src, ip_dst, 17, ulen, ident, ttl) + udp_nock
    return frame, s


def finish_udp(frame: bytes, s: int) -> bytes:
    c = (~fold(s)) & 0xFFFF or 0xFFFF
    return frame[:UDP_CSUM_OFF] + struct.pack(">H", c) + frame[UDP_CSUM_OFF + 2 :]


def dhcp_template(eth_dst, eth_src, ip_src, ip_dst, sport, dport, op, ciaddr, yiaddr, siaddr, mac, options):
    bootp = (
        struct.pack(">BBBBIHH", op, 1, 6, 0, 0, 0, 0)
        + ciaddr
        + yiaddr
        + siaddr
        + ZERO_IP
        + mac
        + b"\x00" * 10
        + b"\x00" * 64
        + b"\x00" * 128
    )
    assert len(bootp) == 236
    body = bootp + MAGIC + options + b"\xff"
    if len(body) < 300:
        body += b"\x00" * (300 - len(body))
    frame, s = udp_frame(eth_dst, eth_src, ip_src, ip_dst, sport, dport, body, ttl=64 if op == 2 else 128)
    assert frame[ETH_HDR + IP_HDR + 8 + 236 : ETH_HDR + IP_HDR + 8 + 240] == MAGIC
    return Template(frame, XID_OFF, UDP_CSUM_OFF, s, True)


def opt(code: int, value: bytes) -> bytes:
    assert len(value) < 256
    return bytes([code, len(value)]) + value


def phone_templates(p: int):
    mac = bytes([0x02, 0x00, 0x0A, 0x14, p >> 8, p & 0xFF])
    ip = bytes([10, 20, p // 250, p % 250 + 2])
    inform_opts = (
        opt(53, b"\x08")
        + opt(60, b"MS-UC-Client")
        + opt(55, bytes([1, 3, 6, 15, 42, 43, 120]))
        + opt(61, b"\x01" + mac)
    )
    ack_opts = opt(53, b"\x05") + opt(54, SERVER_IP) + opt(43, OPT43) + opt(120, OPT120)
    inform = dhcp_template(BCAST_MAC, mac, ip, BCAST_IP, 68, 67, 1, ip, ZERO_IP, ZERO_IP, mac, inform_opts)
    ack = dhcp_template(mac, SERVER_MAC, SERVER_IP, ip, 67, 68, 2, ip, ZERO_IP, ZERO_IP, mac, ack_opts)
    return inform, ack


def dora_templates(c: int):
    mac = bytes([0x02, 0x01, 0x00, 0x00, c >> 8, c & 0xFF])
    yi = bytes([10, 30, c // 250, c % 250 + 2])
    prl = opt(55, bytes([1, 3, 6, 15, 28, 51, 58, 59]))
    cid = opt(61, b"\x01" + mac)
    host = opt(12, b"pc-%04d" % c)
    lease = (
        opt(54, SERVER_IP)
        + opt(51, struct.pack(">I", 86400))
        + opt(1, bytes([255, 255, 0, 0]))
        + opt(3, bytes([10, 30, 0, 1]))
        + opt(6, DNS_IP)
    )
    discover = dhcp_template(
        BCAST_MAC, mac, ZERO_IP, BCAST_IP, 68, 67, 1, ZERO_IP, ZERO_IP, ZERO_IP, mac,
        opt(53, b"\x01") + cid + host + opt(57, struct.pack(">H", 1500)) + prl,
    )
    offer = dhcp_template(
        mac, SERVER_MAC, SERVER_IP, yi, 67, 68, 2, ZERO_IP, yi, SERVER_IP, mac, opt(53, b"\x02") + lease
    )
    request = dhcp_template(
        BCAST_MAC, mac, ZERO_IP, BCAST_IP, 68, 67, 1, ZERO_IP, ZERO_IP, ZERO_IP, mac,
        opt(53, b"\x03") + cid + opt(50, yi) + opt(54, SERVER_IP) + host + prl,
    )
    ack = dhcp_template(
        mac, SERVER_MAC, SERVER_IP, yi, 67, 68, 2, ZERO_IP, yi, SERVER_IP, mac, opt(53, b"\x05") + lease
    )
    return discover, offer, request, ack


def dns_name(name: str) -> bytes:
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"


def dns_packets(rng: random.Random, count: int):
    """Fixed DNS query/answer frames (cycled; a real network repeats lookups too)."""
    names = ["lync.schertz.local", "sip.schertz.local", "lyncdiscover.schertz.local", "www.example.com",
             "login.microsoftonline.com", "outlook.office365.com", "time.windows.com", "update.example.org"]
    out = []
    for i in range(count):
        host = 1000 + i
        src = bytes([10, 40, (host >> 8) & 0xFF, host & 0xFF])
        smac = bytes([0x02, 0x02, 0x00, 0x00, (host >> 8) & 0xFF, host & 0xFF])
        sport = 49152 + rng.randrange(16384)
        txid = rng.randrange(65536)
        qname = dns_name(names[i % len(names)])
        qtype = 1 if i % 3 else 33  # A, or SRV
        q = struct.pack(">HHHHHH", txid, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", qtype, 1)
        if qtype == 1:
            ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + bytes([10, 0, 0, 20 + i % 50])
        else:
            target = dns_name("sip.schertz.local")
            ans = b"\xc0\x0c" + struct.pack(">HHIHHHH", 33, 1, 300, 6 + len(target), 0, 0, 5061) + target
        r = struct.pack(">HHHHHH", txid, 0x8180, 1, 1, 0, 0) + q[12:] + ans
        f, s = udp_frame(DNS_MAC, smac, src, DNS_IP, sport, 53, q, ident=rng.randrange(65536))
        out.append(finish_udp(f, s))
        f, s = udp_frame(smac, DNS_MAC, DNS_IP, src, 53, sport, r, ident=rng.randrange(65536))
        out.append(finish_udp(f, s))
    return out


class TcpFlow:
    """A TLS download on port 443: server data segments (varying seq) and client pure ACKs
    (varying ack number), each a template with an incrementally patched checksum."""

    __slots__ = ("data", "acks", "seq", "cseq", "next", "sizes")

    def __init__(self, rng: random.Random, i: int):
        host = 3000 + i
        cip = bytes([10, 50, (host >> 8) & 0xFF, host & 0xFF])
        cmac = bytes([0x02, 0x03, 0x00, 0x00, (host >> 8) & 0xFF, host & 0xFF])
        sip = bytes([52, 112, (i >> 8) & 0xFF, i & 0xFF])
        cport = 49152 + rng.randrange(16384)
        self.seq = rng.randrange(1 << 32)  # server's next seq
        self.cseq = rng.randrange(1 << 32)  # client's (fixed) seq
        self.sizes = [rng.choice((96, 240, 512, 1024, 1380)) for _ in range(8)]
        self.next = 0
        self.data = []
        for size in self.sizes:
            rec_len = size - 5
            payload = b"\x17\x03\x03" + struct.pack(">H", rec_len) + rng.randbytes(rec_len)
            self.data.append(self._tpl(ROUTER_MAC, cmac, sip, cip, 443, cport, TCP_SEQ_OFF, self.cseq, payload, True))
        self.acks = self._tpl(cmac, ROUTER_MAC, cip, sip, cport, 443, TCP_ACK_OFF, self.cseq, b"", False)

    @staticmethod
    def _tpl(emac_dst, emac_src, src, dst, sport, dport, var_off, other, payload, server):
        # The varying field is zero in the template; `other` fills the fixed one.
        seq, ack = (0, other) if server else (other, 0)
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18 if payload else 0x10,
                          64240, 0, 0) + payload
        s = pseudo_sum(src, dst, 6, len(tcp)) + csum_sum(tcp)
        frame = eth(emac_dst, emac_src) + ipv4(src, dst, 6, len(tcp), 0) + tcp
        return Template(frame, var_off, TCP_CSUM_OFF, s, False)


def main() -> int:
    ap = argparse.ArgumentParser(description="Deterministic DHCP capture for the ucprov pcap benchmark.")
    ap.add_argument("n", type=int, help="number of packets")
    ap.add_argument("out", help="output pcap file ('-' for standard output)")
    ap.add_argument("--seed", type=int, default=20240611)
    args = ap.parse_args()
    if args.n < 0:
        ap.error("N must be >= 0")

    rng = random.Random(args.seed)
    phones = [phone_templates(p) for p in range(PHONES)]
    dora = [dora_templates(c) for c in range(DORA_CLIENTS)]
    dns = dns_packets(rng, 512)
    flows = [TcpFlow(rng, i) for i in range(64)]

    # Event mix: packet shares 50% phone (2 per event), 20% DORA (4 per event), 30% other (1).
    # Event probabilities are share/size, normalised: 0.25 : 0.05 : 0.30.
    p_phone = 0.25 / 0.60
    p_dora = p_phone + 0.05 / 0.60
    p_dns = p_dora + 0.10 / 0.60  # a third of "other" is DNS, the rest TCP 443

    jitter = [rng.randrange(1000) for _ in range(4096)]
    phone_order = list(range(PHONES))
    rng.shuffle(phone_order)
    phone_pos = 0
    dora_next = 0
    dns_next = 0
    xid_counter = 0
    rand = rng.random
    randrange = rng.randrange
    heappush, heappop = heapq.heappush, heapq.heappop
    rec = struct.Struct("<IIII").pack

    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb", buffering=0)
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    pending = []  # (due slot, sequence, frame bytes)
    seq = 0
    chunk = []
    n = args.n
    emitted = 0
    while emitted < n:
        if pending and (pending[0][0] <= emitted or n - emitted <= len(pending)):
            frame = heappop(pending)[2]
        else:
            free = n - emitted - len(pending)
            r = rand()
            if r < p_phone and free >= 2:
                p = phone_order[phone_pos]
                phone_pos += 1
                if phone_pos == PHONES:
                    phone_pos = 0
                    rng.shuffle(phone_order)
                xid_counter += 1
                xid = (xid_counter * 2654435761) & 0xFFFFFFFF  # odd multiplier: a bijection
                inform, ack = phones[p]
                frame = inform.render(xid)
                seq += 1
                heappush(pending, (emitted + 2 + randrange(5), seq, ack.render(xid)))
            elif p_phone <= r < p_dora and free >= 4:
                d, o, q, a = dora[dora_next]
                dora_next = (dora_next + 1) % DORA_CLIENTS
                xid_counter += 1
                xid = (xid_counter * 2654435761) & 0xFFFFFFFF
                frame = d.render(xid)
                t = emitted + 2 + randrange(3)
                heappush(pending, (t, seq + 1, o.render(xid)))
                t += 2 + randrange(3)
                heappush(pending, (t, seq + 2, q.render(xid)))
                t += 2 + randrange(3)
                heappush(pending, (t, seq + 3, a.render(xid)))
                seq += 3
            elif r < p_dns:
                frame = dns[dns_next]
                dns_next = (dns_next + 1) & 511
            else:
                fl = flows[randrange(64)]
                k = fl.next
                fl.next = (k + 1) & 7
                if k & 1:
                    frame = fl.acks.render(fl.seq)
                else:
                    frame = fl.data[k].render(fl.seq)
                    fl.seq = (fl.seq + fl.sizes[k]) & 0xFFFFFFFF
        us = emitted * 1000 + jitter[emitted & 4095]
        ln = len(frame)
        chunk.append(rec(BASE_SEC + us // 1_000_000, us % 1_000_000, ln, ln))
        chunk.append(frame)
        emitted += 1
        if len(chunk) >= 16384:
            out.write(b"".join(chunk))
            chunk.clear()
    out.write(b"".join(chunk))
    if out is not sys.stdout.buffer:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
