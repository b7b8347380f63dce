//! A lab on loopback for `ucprov probe`: a tiny DHCPINFORM responder whose answer each test
//! shapes (including broken ones), a plain-HTTP root chain server and TLS listeners, with
//! certificates from throwaway demo CAs. Everything binds 127.0.0.1 on ephemeral ports.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use ucprov_pki::demo_ca::{generate_root, issue_server, PemPair};
use ucprov_wire::message::{code, DhcpMessage, Packet, OP_BOOTREPLY};
use ucprov_wire::profile::{sip_option, MsUcProfile};
use ucprov_wire::Compression;

pub const WEB: &str = "web.lab.test";
pub const SIP: &str = "sip.lab.test";
/// Bounds a hung peer thread; no assertion depends on it.
const SAFETY: Duration = Duration::from_secs(10);

pub struct Ca {
    pub root: PemPair,
}

impl Ca {
    pub fn new() -> Ca {
        Ca {
            root: generate_root().unwrap(),
        }
    }

    pub fn issue(&self, name: &str) -> PemPair {
        issue_server(&self.root.key_pem, &[name.to_string()]).unwrap()
    }

    /// What the provisioning service returns: base64 of a certs-only PKCS#7.
    pub fn chain_body(&self) -> Vec<u8> {
        let certs = ucprov_pki::parse(self.root.cert_pem.as_bytes(), "root")
            .unwrap()
            .certs;
        ucprov_pki::pkcs7::build_base64(&certs)
            .unwrap()
            .into_bytes()
    }

    pub fn sha1(&self) -> String {
        let cert = &ucprov_pki::parse(self.root.cert_pem.as_bytes(), "root")
            .unwrap()
            .certs[0];
        ucprov_pki::summarize(cert, 0).sha1
    }
}

/// One server's answer: (server id, options after 53 and 54), and an optional byte patch
/// applied to the encoded reply (offset, value) to break it on purpose.
#[derive(Clone)]
pub struct Answer {
    pub server_id: [u8; 4],
    pub options: Vec<(u8, Vec<u8>)>,
    pub patch: Option<(usize, u8)>,
}

/// Options 43 and 120 as the lab's pool would send them, with the HTTPS port.
pub fn lync_options(https_port: u16) -> Vec<(u8, Vec<u8>)> {
    let mut profile = MsUcProfile::new(WEB);
    profile.port = https_port;
    vec![
        (code::VENDOR_SPECIFIC, profile.option43().unwrap()),
        (
            code::SIP_SERVERS,
            sip_option(&[SIP.to_string()], Compression::Off).unwrap(),
        ),
    ]
}

/// A responder that answers every DHCPINFORM with each of `answers`, to the source address
/// (so the probe can listen on any port).
pub fn dhcp(answers: Vec<Answer>) -> SocketAddr {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let Ok(request) = Packet::new_checked(&buf[..n]) else {
                continue;
            };
            for a in &answers {
                let mut options = vec![
                    (code::MESSAGE_TYPE, vec![5]),
                    (code::SERVER_ID, a.server_id.to_vec()),
                ];
                options.extend(a.options.iter().cloned());
                let mut bytes = DhcpMessage {
                    op: OP_BOOTREPLY,
                    xid: request.xid(),
                    ciaddr: request.ciaddr(),
                    chaddr: request.chaddr(),
                    options,
                    ..DhcpMessage::default()
                }
                .to_bytes()
                .unwrap();
                if let Some((at, v)) = a.patch {
                    bytes[at] = v;
                }
                let _ = socket.send_to(&bytes, from);
            }
        }
    });
    addr
}

/// A UDP port where nothing ever answers (the socket stays open, so no ICMP either).
pub fn silent_udp() -> SocketAddr {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while socket.recv_from(&mut buf).is_ok() {}
    });
    addr
}

/// A UDP port free a moment ago: bound, then closed.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP port nobody listens on: bound, then closed.
pub fn closed_tcp_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Plain HTTP: `status` and `body` for every request.
pub fn http(status: &'static str, body: Vec<u8>) -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let _ = s.set_read_timeout(Some(SAFETY));
            let mut head = Vec::new();
            let mut b = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&b[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    port
}

/// A TLS listener on loopback presenting `pair` (leaf certificate and key).
pub fn tls(pair: &PemPair) -> u16 {
    tls_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), pair)
}

/// A TLS listener on `addr` (call inside `Netns::run` to listen in a namespace).
pub fn tls_at(addr: SocketAddr, pair: &PemPair) -> u16 {
    serve_tls(addr, pair, |_, _| {})
}

/// Accept TLS on `addr`, complete each handshake and hand the session to `then`.
fn serve_tls(
    addr: SocketAddr,
    pair: &PemPair,
    then: impl Fn(&mut rustls::ServerConnection, &mut std::net::TcpStream) + Send + 'static,
) -> u16 {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pair.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pair.key_pem.as_bytes()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut tcp in listener.incoming().flatten() {
            let _ = tcp.set_read_timeout(Some(SAFETY));
            let Ok(mut conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            while conn.is_handshaking() {
                if conn.complete_io(&mut tcp).is_err() {
                    break;
                }
            }
            // Flush the final handshake flight, then the session, then close.
            let _ = conn.complete_io(&mut tcp);
            then(&mut conn, &mut tcp);
        }
    });
    port
}

/// The certificate provisioning URL a Lync registrar names in its TLS-DSK `sts-uri`.
pub fn sts_uri(web: &str, port: u16) -> String {
    format!("https://{web}:{port}/CertProv/CertProvisioningService.svc")
}

/// A Lync-like registrar on loopback: TLS with `pair`, and every REGISTER answered with a
/// 401 carrying a TLS-DSK challenge whose `sts-uri` is `sts` (and an NTLM one beside it).
pub fn registrar(pair: &PemPair, sts: &str) -> u16 {
    registrar_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), pair, sts)
}

/// [`registrar`] on `addr` (call inside `Netns::run` to listen in a namespace).
pub fn registrar_at(addr: SocketAddr, pair: &PemPair, sts: &str) -> u16 {
    let reply = format!(
        "SIP/2.0 401 Unauthorized\r\n\
WWW-Authenticate: NTLM realm=\"SIP Communications Service\", targetname=\"{SIP}\", version=4\r\n\
WWW-Authenticate: TLS-DSK realm=\"SIP Communications Service\", targetname=\"{SIP}\", version=4, sts-uri=\"{sts}\"\r\n\
Content-Length: 0\r\n\r\n"
    );
    serve_tls(addr, pair, move |conn, tcp| {
        let mut stream = rustls::Stream::new(conn, tcp);
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        if head.starts_with(b"REGISTER ") {
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.flush();
        }
    })
}

/// A TLS listener presenting `pair` that answers whatever the client sends first with
/// `reply` (a non-SIP service, or a registrar with another status).
pub fn tls_reply(pair: &PemPair, reply: &'static str) -> u16 {
    serve_tls(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        pair,
        move |conn, tcp| {
            let mut stream = rustls::Stream::new(conn, tcp);
            let mut first = [0u8; 64];
            if stream.read(&mut first).is_ok() {
                let _ = stream.write_all(reply.as_bytes());
                let _ = stream.flush();
            }
        },
    )
}

/// A whole good lab: one responder, the chain on HTTP, HTTPS and registrar certs from `ca`.
pub struct Lab {
    pub ca: Ca,
    pub https: u16,
    pub http: u16,
    pub sip: u16,
}

impl Lab {
    pub fn good() -> Lab {
        let ca = Ca::new();
        let https = tls(&ca.issue(WEB));
        let sip = registrar(&ca.issue(SIP), &sts_uri(WEB, https));
        let http = http("200 OK", ca.chain_body());
        Lab {
            ca,
            https,
            http,
            sip,
        }
    }

    pub fn answer(&self) -> Answer {
        Answer {
            server_id: [127, 0, 0, 1],
            options: lync_options(self.https),
            patch: None,
        }
    }
}

/// The probe's arguments for a lab: unicast to `server`, replies on any port, names pinned
/// to loopback, a short DHCP window.
pub fn probe_args(server: SocketAddr, http: u16, sip: u16) -> Vec<String> {
    [
        "probe",
        "--server",
        &server.to_string(),
        "--client-port",
        "0",
        "--timeout",
        "1",
        "--http-port",
        &http.to_string(),
        "--sip-port",
        &sip.to_string(),
        "--resolve",
        &format!("{WEB}:127.0.0.1"),
        "--resolve",
        &format!("{SIP}:127.0.0.1"),
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}
