//! The services `demo` runs on loopback: the DHCPINFORM responder, the certificate
//! provisioning service (HTTP and HTTPS, demo CA), a registrar TLS port that answers
//! `REGISTER` as a Lync front end does (401 with a TLS-DSK challenge), and a tiny
//! authoritative DNS server for the demo names. Every port is ephemeral, so no root and no
//! clash.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use ucprov_certprov::state::{demo_root, demo_server};
use ucprov_certprov::{CertProv, CertProvConfig, ChainSource, TlsSource};
use ucprov_probe::dns::proto::op::{Message, MessageType, OpCode, ResponseCode};
use ucprov_probe::dns::proto::rr::rdata::{A, SRV};
use ucprov_probe::dns::proto::rr::{Name, RData, Record, RecordType};
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;
use ucprov_responder::server::Responder;
use ucprov_responder::state::{interface_index, State};
use ucprov_wire::profile::Provisioning;

use crate::exit::{CliError, CliResult};

pub const WEB_FQDN: &str = "ucprov-demo.test";
pub const SIP_FQDN: &str = "sip.ucprov-demo.test";
/// The demo's SIP domain: the SRV records live under it and the REGISTER is addressed to it.
pub const SIP_DOMAIN: &str = WEB_FQDN;

/// Where everything listens, for the walk-through and the probe's config.
pub struct Addresses {
    pub dhcp: SocketAddr,
    pub client_port: u16,
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub registrar: SocketAddr,
    pub dns: SocketAddr,
}

pub struct Services {
    pub addresses: Addresses,
    stop: watch::Sender<bool>,
    tasks: JoinSet<Result<(), String>>,
}

fn stopped(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// A free loopback UDP port for the probe's replies. The responder sends replies to a fixed
/// client port, so the port is chosen here and handed to both sides.
fn free_udp_port() -> CliResult<u16> {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .map_err(|e| CliError::env(format!("no free UDP port on 127.0.0.1: {e}")))
}

fn tls_acceptor(cert_pem: &str, key_pem: &str) -> CliResult<TlsAcceptor> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::env(format!("registrar certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| CliError::env(format!("registrar key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::env(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| CliError::env(format!("registrar TLS: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The answer a Lync front end gives an unauthenticated REGISTER: 401 with NTLM, Kerberos
/// and TLS-DSK challenges, the last naming the certificate provisioning service.
fn lync_401(request: &str, sts_uri: &str) -> String {
    let mut echo = String::new();
    for line in request.split("\r\n").skip(1) {
        let name = line.split(':').next().unwrap_or_default().trim();
        if ["via", "from", "to", "call-id", "cseq"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            echo.push_str(line);
            if name.eq_ignore_ascii_case("to") && !line.contains(";tag=") {
                echo.push_str(";tag=ucprovdemo401");
            }
            echo.push_str("\r\n");
        }
    }
    let realm = "SIP Communications Service";
    format!(
        "SIP/2.0 401 Unauthorized\r\n{echo}\
WWW-Authenticate: NTLM realm=\"{realm}\", targetname=\"{SIP_FQDN}\", version=4\r\n\
WWW-Authenticate: Kerberos realm=\"{realm}\", targetname=\"sip/{SIP_FQDN}\", version=4\r\n\
WWW-Authenticate: TLS-DSK realm=\"{realm}\", targetname=\"{SIP_FQDN}\", version=4, sts-uri=\"{sts_uri}\"\r\n\
Server: RTC/5.0 (ucprov demo registrar)\r\n\
Content-Length: 0\r\n\r\n"
    )
}

/// One registrar connection: TLS, then REGISTERs answered with the 401 until the client
/// closes; anything that is not a REGISTER gets `405` and the connection is closed.
async fn registrar_session(
    tcp: tokio::net::TcpStream,
    acceptor: TlsAcceptor,
    sts_uri: Arc<String>,
) -> Result<(), String> {
    let mut tls = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n");
        if let Some(end) = end {
            let head: Vec<u8> = buf.drain(..end + 4).collect();
            let text = String::from_utf8_lossy(&head).into_owned();
            let text = text.trim_start_matches(['\r', '\n']);
            if text.is_empty() {
                continue; // keep-alive
            }
            let reply = if text.starts_with("REGISTER ") {
                lync_401(text, &sts_uri)
            } else {
                "SIP/2.0 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".to_string()
            };
            tls.write_all(reply.as_bytes())
                .await
                .map_err(|e| e.to_string())?;
            tls.flush().await.map_err(|e| e.to_string())?;
            if !text.starts_with("REGISTER ") {
                return Ok(());
            }
            continue;
        }
        if buf.len() > 16 * 1024 {
            return Err("request head over 16 KiB".into());
        }
        let n = tls.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Accept TLS connections until stopped; each answers REGISTER as a Lync front end does.
async fn registrar(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    sts_uri: String,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    tokio::pin!(stop);
    let sts_uri = Arc::new(sts_uri);
    loop {
        let (tcp, _) = tokio::select! {
            () = &mut stop => return Ok(()),
            a = listener.accept() => a.map_err(|e| format!("registrar accept: {e}"))?,
        };
        let acceptor = acceptor.clone();
        let sts_uri = Arc::clone(&sts_uri);
        tokio::spawn(async move {
            // A failed session is the client's business (the probe reports it).
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                registrar_session(tcp, acceptor, sts_uri),
            )
            .await;
        });
    }
}

/// The demo zone: A records for the two names, the SRV record Lync clients look up, and
/// NXDOMAIN for anything else. Authoritative, no recursion: it never asks anyone.
fn dns_answer(query: &[u8], registrar_port: u16) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut reply = Message::response(request.metadata.id, request.metadata.op_code);
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    let Some(q) = request.queries.first().cloned() else {
        reply.metadata.response_code = ResponseCode::FormErr;
        return reply.to_vec().ok();
    };
    if request.metadata.op_code != OpCode::Query {
        reply.metadata.response_code = ResponseCode::NotImp;
        return reply.to_vec().ok();
    }
    let asked = q.name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
    let srv_name = format!("_sipinternaltls._tcp.{SIP_DOMAIN}");
    let known = [WEB_FQDN, SIP_FQDN, srv_name.as_str()];
    let owner = q.name.clone();
    match (asked.as_str(), q.query_type) {
        (n, RecordType::A) if n == WEB_FQDN || n == SIP_FQDN => {
            reply.add_answer(Record::from_rdata(
                owner,
                60,
                RData::A(A(Ipv4Addr::LOCALHOST)),
            ));
        }
        (n, RecordType::SRV) if n == srv_name => {
            let target = Name::from_ascii(format!("{SIP_FQDN}.")).ok()?;
            reply.add_answer(Record::from_rdata(
                owner,
                60,
                RData::SRV(SRV::new(0, 0, registrar_port, target)),
            ));
        }
        (n, _) if known.contains(&n) => {} // the name exists, no record of that type
        _ => reply.metadata.response_code = ResponseCode::NXDomain,
    }
    reply.add_query(q);
    reply.to_vec().ok()
}

async fn dns_server(
    socket: tokio::net::UdpSocket,
    registrar_port: u16,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    tokio::pin!(stop);
    let mut buf = [0u8; 1500];
    loop {
        let (n, from) = tokio::select! {
            () = &mut stop => return Ok(()),
            r = socket.recv_from(&mut buf) => r.map_err(|e| format!("DNS receive: {e}"))?,
        };
        if let Some(reply) = dns_answer(&buf[..n], registrar_port) {
            // A lost reply is the resolver's to retry.
            let _ = socket.send_to(&reply, from).await;
        }
    }
}

impl Services {
    pub async fn start(state_dir: &Path) -> CliResult<Services> {
        let (stop, rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let certprov = CertProv::bind(
            CertProvConfig {
                http_listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
                https_listen: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
                chain: ChainSource::DemoCa,
                tls: TlsSource::DemoCa,
                web_fqdn: WEB_FQDN.to_string(),
                state_dir: Some(state_dir.to_path_buf()),
                ..CertProvConfig::default()
            },
            Arc::new(ucprov_certprov::Metrics::new()),
        )
        .await
        .map_err(|e| CliError::env(format!("certificate provisioning service: {e}")))?;
        let (Some(http), Some(https)) = (certprov.http_addr(), certprov.https_addr()) else {
            return Err(CliError::env(
                "certificate provisioning service has no listeners",
            ));
        };
        let s = stopped(&rx);
        tasks.spawn(async move { certprov.run(s).await.map_err(|e| e.to_string()) });

        let root = demo_root(state_dir).map_err(|e| CliError::env(e.to_string()))?;
        let sip = demo_server(state_dir, &root.root, SIP_FQDN)
            .map_err(|e| CliError::env(e.to_string()))?;
        let acceptor = tls_acceptor(&sip.cert_pem, &sip.key_pem)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| CliError::env(format!("registrar listener: {e}")))?;
        let registrar_addr = listener
            .local_addr()
            .map_err(|e| CliError::env(e.to_string()))?;
        let sts_uri = format!(
            "https://{WEB_FQDN}:{}/CertProv/CertProvisioningService.svc",
            https.port()
        );
        tasks.spawn(registrar(listener, acceptor, sts_uri, stopped(&rx)));

        let dns_socket = tokio::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| CliError::env(format!("demo DNS server: {e}")))?;
        let dns = dns_socket
            .local_addr()
            .map_err(|e| CliError::env(e.to_string()))?;
        tasks.spawn(dns_server(dns_socket, registrar_addr.port(), stopped(&rx)));

        let client_port = free_udp_port()?;
        let mut provisioning = Provisioning::new(SIP_FQDN, Some(WEB_FQDN.to_string()));
        // Option 43 carries the HTTPS port; on loopback it is the ephemeral one.
        provisioning.profile.port = https.port();
        let mut config = Config::single_site(provisioning).map_err(CliError::invalid)?;
        config.listen.address = Ipv4Addr::LOCALHOST;
        config.listen.port = 0;
        config.client_port = client_port;
        let policy = Policy::new(config, interface_index).map_err(CliError::invalid)?;
        let responder = Responder::bind(Arc::new(State::new(policy, None)))
            .map_err(|e| CliError::env(format!("DHCP responder: {e}")))?;
        let dhcp = responder
            .local_addr()
            .map_err(|e| CliError::env(e.to_string()))?;
        let s = stopped(&rx);
        tasks.spawn(async move { responder.run(s).await.map_err(|e| e.to_string()) });

        Ok(Services {
            addresses: Addresses {
                dhcp,
                client_port,
                http,
                https,
                registrar: registrar_addr,
                dns,
            },
            stop,
            tasks,
        })
    }

    /// Stop every service and wait for each; any that failed is reported.
    pub async fn stop(mut self) -> CliResult {
        let _ = self.stop.send(true);
        let mut failed = Vec::new();
        while let Some(done) = self.tasks.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed.push(e),
                Err(e) => failed.push(format!("a service task failed: {e}")),
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(CliError::env(failed.join("; ")))
        }
    }
}
