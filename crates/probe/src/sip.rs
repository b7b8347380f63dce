//! Step 6: SIP. Over TLS to each registrar (trusting only the downloaded root, as step 5),
//! send the `REGISTER` a Lync Phone Edition device sends before it has credentials and read
//! the answer with a bounded reader. A Lync registrar answers `401 Unauthorized` with a
//! `WWW-Authenticate: TLS-DSK ...` challenge whose `sts-uri` names the certificate
//! provisioning service the device must get its client certificate from: it has to be the
//! one option 43 names. See docs/sip.md for the message and where the facts come from.
//!
//! The reader and parser are small and written by hand: status line, headers (folded lines,
//! any case), a byte limit and a time limit; any input yields a value or an error, never a
//! panic.

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use serde::Serialize;

use crate::net::ResolveMap;
use crate::step::{Failure, Problem};

/// The most a registrar's answer may take, status line and headers (a Lync 401 is ~1 KiB).
pub const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct SipTarget {
    /// Where the name came from: "option 120" or the SRV record.
    pub role: String,
    pub host: String,
    pub port: u16,
}

/// What the probe expects the challenge to point at: option 43's provisioning service.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub web_fqdn: String,
    pub port: u16,
    pub path: String,
}

/// The parameters of a `WWW-Authenticate: TLS-DSK ...` challenge ([MS-SIPAE] 2.2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsDsk {
    pub realm: Option<String>,
    pub version: Option<String>,
    pub targetname: Option<String>,
    pub sts_uri: Option<String>,
}

/// A SIP response as read off the wire: status line and headers in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn status_line(&self) -> String {
        format!("SIP/2.0 {} {}", self.status, self.reason)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SipCheck {
    #[serde(flatten)]
    pub target: SipTarget,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<SocketAddr>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_line: Option<String>,
    /// The scheme of every WWW-Authenticate challenge (TLS-DSK, NTLM, Kerberos, ...).
    pub challenges: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_dsk: Option<TlsDsk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    pub notes: Vec<String>,
}

/// Why no response could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Nothing (or only keep-alive CRLFs) before the deadline.
    Silent(String),
    /// The peer closed before a whole head arrived; carries what it sent.
    Closed(Vec<u8>),
    /// More than [`MAX_HEAD`] bytes without the end of the headers.
    TooLong,
    /// Some other transport error, with what had arrived.
    Io(String, Vec<u8>),
}

/// Why the bytes are not a SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    NotSip(String),
    Malformed(String),
}

/// Random hex for branch, tag and Call-ID. The system RNG failing is not worth failing the
/// probe over: a time-derived value is as unique for one REGISTER.
fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if SystemRandom::new().fill(&mut buf).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8);
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The REGISTER of a device without credentials yet. `local` is this end of the TCP
/// connection (Via and Contact), `domain` the SIP domain (Request-URI and the address of
/// record `ucprov-probe@domain`).
pub fn register_request(domain: &str, local: SocketAddr) -> String {
    let branch = format!("z9hG4bK{}", random_hex(8));
    let tag = random_hex(6);
    let call_id = random_hex(12);
    let instance = random_hex(16);
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &instance[0..8],
        &instance[8..12],
        &instance[12..16],
        &instance[16..20],
        &instance[20..32]
    );
    let aor = format!("sip:ucprov-probe@{domain}");
    format!(
        "REGISTER sip:{domain} SIP/2.0\r\n\
Via: SIP/2.0/TLS {local};branch={branch}\r\n\
Max-Forwards: 70\r\n\
From: <{aor}>;tag={tag}\r\n\
To: <{aor}>\r\n\
Call-ID: {call_id}\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:{local};transport=tls;ms-opaque=d3470f2e1d>;methods=\"INVITE, MESSAGE, INFO, SUBSCRIBE, OPTIONS, BYE, CANCEL, NOTIFY, ACK, REFER, BENOTIFY\";proxy=replace;+sip.instance=\"<urn:uuid:{uuid}>\"\r\n\
User-Agent: ucprov-probe\r\n\
Supported: gruu-10, adhoclist, msrtc-event-categories\r\n\
Supported: ms-forking\r\n\
ms-keep-alive: UAC;hop-hop=yes\r\n\
Event: registration\r\n\
Content-Length: 0\r\n\r\n"
    )
}

/// Where the head ends (index just past the blank line), accepting CRLF or bare LF.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            let rest = &buf[i + 1..];
            if rest.starts_with(b"\r\n") {
                return Some(i + 3);
            }
            if rest.starts_with(b"\n") {
                return Some(i + 2);
            }
        }
        i += 1;
    }
    None
}

/// Read one response head: keep-alive CRLFs before it are skipped, at most [`MAX_HEAD`]
/// bytes, and no longer than `timeout` in all (the stream's own read timeout must be set so
/// each read returns).
pub fn read_head<R: Read>(r: &mut R, timeout: Duration) -> Result<Vec<u8>, ReadError> {
    let start = Instant::now();
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        // Keep-alive pings ("\r\n\r\n", RFC 5626) may come before the answer.
        let skip = buf
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        if skip > 0 {
            buf.drain(..skip);
        }
        if let Some(end) = head_end(&buf) {
            buf.truncate(end);
            return Ok(buf);
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::TooLong);
        }
        if start.elapsed() >= timeout {
            return Err(if buf.is_empty() {
                ReadError::Silent(format!("nothing within {:.1} s", timeout.as_secs_f32()))
            } else {
                ReadError::Closed(buf)
            });
        }
        match r.read(&mut chunk) {
            Ok(0) => return Err(ReadError::Closed(buf)),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if buf.is_empty() {
                    return Err(ReadError::Silent(format!(
                        "nothing within {:.1} s",
                        timeout.as_secs_f32()
                    )));
                }
                return Err(ReadError::Closed(buf));
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Err(ReadError::Closed(buf)),
            Err(e) => return Err(ReadError::Io(e.to_string(), buf)),
        }
    }
}

/// A printable, bounded excerpt of what arrived, for messages.
pub fn excerpt(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    if bytes.len() > 80 {
        format!("{text:?}…")
    } else {
        format!("{text:?}")
    }
}

/// Parse a response head (status line and headers). Folded header lines (leading space or
/// tab) continue the previous header.
pub fn parse_response(head: &[u8]) -> Result<Response, ParseError> {
    let text = std::str::from_utf8(head).map_err(|_| {
        if head.starts_with(b"SIP/2.0 ") {
            ParseError::Malformed("the head is not UTF-8".into())
        } else {
            ParseError::NotSip(excerpt(head))
        }
    })?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    let Some(rest) = first.strip_prefix("SIP/2.0 ") else {
        return Err(ParseError::NotSip(excerpt(head)));
    };
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    let status = match code.as_bytes() {
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            code.parse::<u16>().unwrap_or(0)
        }
        _ => {
            return Err(ParseError::Malformed(format!(
                "status line {first:?}: the status code is not three digits"
            )))
        }
    };
    if !(100..700).contains(&status) {
        return Err(ParseError::Malformed(format!(
            "status line {first:?}: status {status} is outside 100-699"
        )));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => {
                    return Err(ParseError::Malformed(format!(
                        "continuation line {line:?} before any header"
                    )))
                }
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ParseError::Malformed(format!(
                "header line {line:?} has no colon"
            )));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ParseError::Malformed(format!(
                "header line {line:?}: bad header name"
            )));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    Ok(Response {
        status,
        reason: reason.trim().to_string(),
        headers,
    })
}

/// The auth scheme of one challenge (`TLS-DSK`, `NTLM`, `Kerberos`, ...).
pub fn scheme(challenge: &str) -> &str {
    challenge
        .trim()
        .split(|c: char| c.is_ascii_whitespace())
        .next()
        .unwrap_or_default()
}

/// The `name=value` parameters after the scheme; values are tokens or quoted strings with
/// backslash escapes. Unreadable parameters are skipped rather than failing the rest.
pub fn auth_params(challenge: &str) -> Vec<(String, String)> {
    let s = challenge.trim();
    let s = &s[scheme(s).len()..];
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i] == ',' || chars[i].is_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && chars[i] != ',' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        if i >= chars.len() || chars[i] == ',' {
            continue; // a bare token: no value
        }
        i += 1; // '='
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
            i += 1; // closing quote (or past the end when unterminated)
        } else {
            while i < chars.len() && chars[i] != ',' {
                value.push(chars[i]);
                i += 1;
            }
            value = value.trim().to_string();
        }
        if !name.is_empty() {
            out.push((name.to_ascii_lowercase(), value));
        }
    }
    out
}

/// The TLS-DSK challenge among a response's `WWW-Authenticate` headers, if any.
pub fn tls_dsk(resp: &Response) -> Option<TlsDsk> {
    let challenge = resp
        .all("WWW-Authenticate")
        .find(|c| scheme(c).eq_ignore_ascii_case("TLS-DSK"))?;
    let mut out = TlsDsk::default();
    for (name, value) in auth_params(challenge) {
        let slot = match name.as_str() {
            "realm" => &mut out.realm,
            "version" => &mut out.version,
            "targetname" => &mut out.targetname,
            "sts-uri" => &mut out.sts_uri,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    Some(out)
}

/// `https://host[:port]/path` split into (scheme, host, port, path); None when not a URL.
pub fn split_url(url: &str) -> Option<(String, String, Option<u16>, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = after.strip_prefix(':').map(str::parse::<u16>);
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse::<u16>())),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return None,
    };
    if host.is_empty() {
        return None;
    }
    Some((
        scheme.to_ascii_lowercase(),
        host,
        port,
        if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
    ))
}

/// Judge a response: `Ok(notes)` for a Lync-style TLS-DSK 401 pointing at option 43's
/// service, else the problem.
pub fn judge(
    at: &str,
    resp: &Response,
    expected: &Expected,
    out_dsk: &mut Option<TlsDsk>,
) -> Result<Vec<String>, Problem> {
    let prov = format!(
        "https://{}:{}{}",
        expected.web_fqdn, expected.port, expected.path
    );
    if resp.status != 401 {
        let fix = match resp.status {
            200 => "the registrar accepted a REGISTER without credentials: it is not enforcing authentication; a Lync / Skype for Business registrar challenges with 401 TLS-DSK".to_string(),
            403 | 404 => "the registrar refused before authenticating: check that this port is the Lync / Skype for Business front end's SIP TLS port (5061), not an Edge or a gateway, and that the SIP domain is one it serves".to_string(),
            503 | 480 | 500 => "the registrar is up but not serving: check the Front-End service and the pool's state".to_string(),
            _ => "point option 120 (or the SRV record) at the Lync / Skype for Business registrar pool, whose unauthenticated REGISTER answer is 401 with a TLS-DSK challenge".to_string(),
        };
        return Err(Problem::new(
            Failure::SipUnexpectedStatus,
            format!(
                "{at}: answered REGISTER with {:?}, not 401 Unauthorized",
                resp.status_line()
            ),
            fix,
        ));
    }
    let Some(dsk) = tls_dsk(resp) else {
        let schemes: Vec<&str> = resp.all("WWW-Authenticate").map(scheme).collect();
        return Err(Problem::new(
            Failure::SipNoTlsDsk,
            format!(
                "{at}: 401 without a TLS-DSK challenge (WWW-Authenticate schemes: {})",
                if schemes.is_empty() {
                    "none".to_string()
                } else {
                    schemes.join(", ")
                }
            ),
            "enable certificate authentication (TLS-DSK) on the registrar (Set-CsWebServiceConfiguration -UseCertificateAuth $true, Set-CsProxyConfiguration -UseCertificateForClientToProxyAuth $true); phones signing in with a PIN need it",
        ));
    };
    *out_dsk = Some(dsk.clone());
    let Some(sts) = dsk.sts_uri.as_deref() else {
        return Err(Problem::new(
            Failure::SipNoTlsDsk,
            format!("{at}: the TLS-DSK challenge has no sts-uri"),
            format!("the registrar must name its certificate provisioning service ({prov}) in the challenge's sts-uri; check the pool's web services FQDN in the topology"),
        ));
    };
    let Some((scheme, host, port, path)) = split_url(sts) else {
        return Err(Problem::new(
            Failure::SipNoTlsDsk,
            format!("{at}: the TLS-DSK sts-uri {sts:?} is not a URL"),
            format!("the sts-uri must be the certificate provisioning URL {prov}"),
        ));
    };
    let want_host = expected.web_fqdn.trim_end_matches('.');
    let same_host = host.trim_end_matches('.').eq_ignore_ascii_case(want_host);
    let same_path = path == expected.path;
    if !same_host || !same_path {
        let what = match (same_host, same_path) {
            (false, false) => format!("host {host} and path {path}"),
            (false, true) => format!("host {host}"),
            _ => format!("path {path}"),
        };
        return Err(Problem::new(
            Failure::SipStsMismatch,
            format!(
                "{at}: the TLS-DSK sts-uri {sts} points at {what}, but option 43 names {prov}; the phone would fetch its certificate from another service than the one it was provisioned with"
            ),
            format!(
                "make option 43 name the pool's internal web services FQDN and path (the registrar's sts-uri: {sts}), or fix the pool's web services FQDN in the topology so the sts-uri is {prov}"
            ),
        ));
    }
    let mut notes = Vec::new();
    if scheme != "https" {
        notes.push(format!("{at}: the sts-uri uses {scheme}://, not https://"));
    }
    let sts_port = port.unwrap_or(if scheme == "http" { 80 } else { 443 });
    if sts_port != expected.port {
        notes.push(format!(
            "{at}: the sts-uri port {sts_port} differs from option 43's port {}",
            expected.port
        ));
    }
    for (field, v) in [
        ("realm", &dsk.realm),
        ("version", &dsk.version),
        ("targetname", &dsk.targetname),
    ] {
        if v.is_none() {
            notes.push(format!("{at}: the TLS-DSK challenge has no {field}"));
        }
    }
    Ok(notes)
}

fn classify_read(at: &str, e: ReadError) -> Problem {
    match e {
        ReadError::Silent(why) => Problem::new(
            Failure::SipNoAnswer,
            format!("{at}: the TLS handshake worked but the REGISTER got no answer ({why})"),
            "this port speaks TLS but not SIP: point option 120 (or the SRV record) at the registrar pool's SIP TLS port (5061), and check that the Front-End service is running",
        ),
        ReadError::Closed(bytes) if bytes.is_empty() => Problem::new(
            Failure::SipNoAnswer,
            format!("{at}: the server closed the connection without answering the REGISTER"),
            "this port speaks TLS but not SIP: point option 120 (or the SRV record) at the registrar pool's SIP TLS port (5061)",
        ),
        ReadError::Io(e, bytes) if bytes.is_empty() => Problem::new(
            Failure::SipNoAnswer,
            format!(
                "{at}: the server closed the connection without answering the REGISTER ({e})"
            ),
            "this port speaks TLS but not SIP: point option 120 (or the SRV record) at the registrar pool's SIP TLS port (5061)",
        ),
        ReadError::Closed(bytes) | ReadError::Io(_, bytes) if !bytes.starts_with(b"SIP/") => {
            Problem::new(
                Failure::SipNotSip,
                format!("{at}: the answer is not SIP: {}", excerpt(&bytes)),
                "this port runs another service (an HTTPS server?): point option 120 (or the SRV record) at the registrar pool's SIP TLS port (5061)",
            )
        }
        ReadError::Closed(bytes) => Problem::new(
            Failure::SipNotSip,
            format!(
                "{at}: the SIP answer ended before its headers did: {}",
                excerpt(&bytes)
            ),
            "check the registrar (or a load balancer in front of it) for connections cut mid-message",
        ),
        ReadError::TooLong => Problem::new(
            Failure::SipNotSip,
            format!("{at}: more than {MAX_HEAD} bytes without the end of a SIP head"),
            "this port does not answer as a SIP registrar: point option 120 at the pool's SIP TLS port (5061)",
        ),
        ReadError::Io(e, _) => Problem::new(
            Failure::SipNoAnswer,
            format!("{at}: reading the answer failed: {e}"),
            "check the registrar and anything in the path (load balancer, firewall) that cuts TLS connections",
        ),
    }
}

/// REGISTER on a fresh TLS connection to `target` and judge the answer.
pub fn check(
    target: SipTarget,
    domain: &str,
    config: &Arc<ClientConfig>,
    resolve: &ResolveMap,
    expected: &Expected,
    timeout: Duration,
) -> SipCheck {
    let mut out = SipCheck {
        target,
        address: None,
        ok: false,
        status_line: None,
        challenges: Vec::new(),
        tls_dsk: None,
        problem: None,
        notes: Vec::new(),
    };
    let t = out.target.clone();
    let at = format!("registrar {}:{}", t.host, t.port);
    let unreachable = |e: String| {
        Problem::new(
            Failure::SipUnreachable,
            format!("{at}: {e}"),
            format!(
                "the TLS step reached {}:{}, but this second connection failed: check the registrar's connection limits and its log, and any load balancer or firewall in front of it",
                t.host, t.port
            ),
        )
    };
    let name = match ServerName::try_from(t.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            out.problem = Some(unreachable(format!("not a TLS server name: {e}")));
            return out;
        }
    };
    let conn = match resolve.connect(&t.host, t.port, timeout) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(unreachable(e));
            return out;
        }
    };
    out.address = Some(conn.address);
    let tcp = conn.stream;
    let local = match tcp.local_addr() {
        Ok(a) => a,
        Err(e) => {
            out.problem = Some(unreachable(e.to_string()));
            return out;
        }
    };
    // Short reads so the overall deadline in `read_head` is kept.
    let slice = timeout
        .min(Duration::from_millis(500))
        .max(Duration::from_millis(50));
    if let Err(e) = tcp
        .set_read_timeout(Some(slice))
        .and_then(|()| tcp.set_write_timeout(Some(timeout)))
    {
        out.problem = Some(unreachable(e.to_string()));
        return out;
    }
    let tls = match ClientConnection::new(Arc::clone(config), name) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(unreachable(e.to_string()));
            return out;
        }
    };
    let mut stream = StreamOwned::new(tls, tcp);
    let request = register_request(domain, local);
    if let Err(e) = stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
    {
        out.problem = Some(unreachable(format!("TLS or sending REGISTER: {e}")));
        return out;
    }
    let head = match read_head(&mut stream, timeout) {
        Ok(h) => h,
        Err(e) => {
            out.problem = Some(classify_read(&at, e));
            return out;
        }
    };
    let resp = match parse_response(&head) {
        Ok(r) => r,
        Err(ParseError::NotSip(what)) => {
            out.problem = Some(Problem::new(
                Failure::SipNotSip,
                format!("{at}: the answer is not SIP: {what}"),
                "this port runs another service: point option 120 (or the SRV record) at the registrar pool's SIP TLS port (5061)",
            ));
            return out;
        }
        Err(ParseError::Malformed(why)) => {
            out.problem = Some(Problem::new(
                Failure::SipNotSip,
                format!("{at}: malformed SIP answer: {why}"),
                "check the registrar (or a SIP proxy in front of it): its answer breaks RFC 3261",
            ));
            return out;
        }
    };
    out.status_line = Some(resp.status_line());
    out.challenges = resp
        .all("WWW-Authenticate")
        .map(|c| scheme(c).to_string())
        .collect();
    let mut dsk = None;
    match judge(&at, &resp, expected, &mut dsk) {
        Ok(notes) => {
            out.ok = true;
            out.notes = notes;
        }
        Err(p) => out.problem = Some(p),
    }
    out.tls_dsk = dsk;
    // Say goodbye politely; the answer is all we came for.
    stream.conn.send_close_notify();
    let _ = stream.flush();
    out
}

#[cfg(test)]
mod tests;
