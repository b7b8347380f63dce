//! The device's anonymous download: one plain HTTP GET with a deadline and a size cap.
//! HTTP/1.0 so the server closes when done and never uses chunked encoding. No TLS: a device
//! downloads the root chain before it can trust anything, and `cert inspect URL` imitates it.
//! std only, so neither the probe nor `cert inspect` needs a runtime.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::net::ResolveMap;

/// A root chain is a few kilobytes; anything near this is not one.
pub const MAX_BODY: usize = 256 * 1024;
const MAX_HEAD: usize = 16 * 1024;

/// Every error names the URL first, so a message is complete on its own.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: only plain http:// URLs are fetched (devices download the chain before they can trust TLS)")]
    Scheme { url: String },
    #[error("{url}: malformed URL: {detail}")]
    Url { url: String, detail: String },
    #[error("{url}: {detail}")]
    Io { url: String, detail: String },
    #[error("{url}: timed out after {secs} s")]
    Timeout { url: String, secs: f32 },
    #[error("{url}: response larger than {max} bytes; not a certificate chain")]
    TooLarge { url: String, max: usize },
    #[error("{url}: server answered `{status_line}`, expected 200")]
    Status { url: String, status_line: String },
    #[error("{url}: malformed HTTP response: {detail}")]
    Protocol { url: String, detail: String },
}

/// Where to GET: the URL as given (for messages) and its parts.
#[derive(Debug, Clone)]
pub struct Url {
    pub text: String,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    /// Parse an `http://` URL; IPv6 literals in brackets, port 80 unless given.
    pub fn parse(url: &str) -> Result<Url, FetchError> {
        let bad = |detail: &str| FetchError::Url {
            url: url.to_owned(),
            detail: detail.to_owned(),
        };
        let lower = url.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("http://").map(|_| &url[7..]) else {
            return Err(FetchError::Scheme {
                url: url.to_owned(),
            });
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad("credentials in URLs are not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in host"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad("bad port"))?,
                None if after.is_empty() => 80,
                None => return Err(bad("junk after ]")),
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| bad("bad port"))?),
                None => (authority.to_owned(), 80),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Url {
            text: url.to_owned(),
            host,
            port,
            path: path.to_owned(),
        })
    }

    /// RFC 9110: the port only when it is not the default, IPv6 literals in brackets.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub status_line: String,
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// The body of a 200; any other status is [`FetchError::Status`].
    pub fn into_body(self, url: &str) -> Result<Vec<u8>, FetchError> {
        if self.status != 200 {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status_line: self.status_line,
            });
        }
        Ok(self.body)
    }
}

/// GET `url` as a device would, resolving the host through the system resolver; the
/// response is returned whatever its status.
pub fn fetch_url(url: &str, timeout: Duration, max_body: usize) -> Result<Response, FetchError> {
    let target = Url::parse(url)?;
    let conn = ResolveMap::default()
        .connect(&target.host, target.port, timeout)
        .map_err(|detail| FetchError::Io {
            url: url.to_owned(),
            detail,
        })?;
    get(conn.stream, &target, timeout, max_body)
}

/// GET `url` over an open connection. The probe connects itself because it resolves through
/// `--resolve` overrides and reports which address answered.
pub fn get(
    mut stream: TcpStream,
    url: &Url,
    timeout: Duration,
    max_body: usize,
) -> Result<Response, FetchError> {
    let deadline = Instant::now() + timeout;
    let timed_out = || FetchError::Timeout {
        url: url.text.clone(),
        secs: timeout.as_secs_f32(),
    };
    let io = |what: &str, e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            timed_out()
        } else {
            FetchError::Io {
                url: url.text.clone(),
                detail: format!("{what}: {e}"),
            }
        }
    };
    let request = format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: ucprov\r\nAccept: */*\r\n\r\n",
        url.path,
        url.host_header()
    );
    stream
        .set_write_timeout(Some(timeout))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .map_err(|e| io("sending the request", e))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| io("setting the read timeout", e))?;
        let n = stream
            .read(&mut chunk)
            .map_err(|e| io("reading the answer", e))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > max_body + MAX_HEAD {
            return Err(FetchError::TooLarge {
                url: url.text.clone(),
                max: max_body,
            });
        }
    }
    split(&url.text, &buf, max_body)
}

fn split(url: &str, buf: &[u8], max_body: usize) -> Result<Response, FetchError> {
    let proto = |detail: String| FetchError::Protocol {
        url: url.to_owned(),
        detail,
    };
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| proto("no end of headers".into()))?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_owned();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| proto(format!("malformed status line {status_line:?}")))?;
    let body = &buf[end + 4..];
    if body.len() > max_body {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
            max: max_body,
        });
    }
    let declared = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    if let Some(n) = declared.filter(|&n| n != body.len()) {
        return Err(proto(format!(
            "the body is {} bytes but Content-Length says {n}; the download was cut short",
            body.len()
        )));
    }
    Ok(Response {
        status_line,
        status,
        body: body.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_url(url: &str) -> Result<Url, FetchError> {
        Url::parse(url)
    }

    /// The 200-only view `cert inspect` takes of a response.
    fn split_response(url: &str, buf: &[u8], max_body: usize) -> Result<Vec<u8>, FetchError> {
        split(url, buf, max_body)?.into_body(url)
    }

    #[test]
    fn url_forms() {
        let t = parse_url("http://lyncweb.example.test/CertProv/x.svc").ok();
        assert!(t.is_some_and(|t| t.host == "lyncweb.example.test"
            && t.port == 80
            && t.path == "/CertProv/x.svc"));
        let t = parse_url("HTTP://[::1]:8080").ok();
        assert!(t.is_some_and(|t| t.host == "::1" && t.port == 8080 && t.path == "/"));
        assert!(matches!(
            parse_url("https://x/"),
            Err(FetchError::Scheme { .. })
        ));
        assert!(matches!(
            parse_url("http://:80/"),
            Err(FetchError::Url { .. })
        ));
        assert!(matches!(
            parse_url("http://h:99999/"),
            Err(FetchError::Url { .. })
        ));
    }

    #[test]
    fn host_header_has_brackets_and_only_a_non_default_port() {
        let h = |u: &str| Url::parse(u).map(|u| u.host_header()).ok();
        assert_eq!(h("http://web.test/x").as_deref(), Some("web.test"));
        assert_eq!(
            h("http://web.test:8080/x").as_deref(),
            Some("web.test:8080")
        );
        assert_eq!(h("http://[::1]/").as_deref(), Some("[::1]"));
        assert_eq!(h("http://[::1]:81/").as_deref(), Some("[::1]:81"));
    }

    #[test]
    fn response_split_checks_status_and_length() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(split_response("u", ok, 10).ok(), Some(b"abc".to_vec()));
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc";
        assert!(matches!(
            split_response("u", short, 10),
            Err(FetchError::Protocol { .. })
        ));
        let nf = b"HTTP/1.1 404 Not Found\r\n\r\n";
        assert!(matches!(
            split_response("u", nf, 10),
            Err(FetchError::Status { .. })
        ));
        let big = b"HTTP/1.1 200 OK\r\n\r\nabcdef";
        assert!(matches!(
            split_response("u", big, 3),
            Err(FetchError::TooLarge { .. })
        ));
    }

    #[test]
    fn splits_status_and_body_and_checks_length() {
        let split = |buf: &[u8]| split("u", buf, MAX_BODY);
        let r = split(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abc"[..]));
        let r = split(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
        assert!(split(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")
            .unwrap_err()
            .to_string()
            .contains("cut short"));
        assert!(split(b"SSH-2.0-OpenSSH\r\n").is_err());
    }
}
