//! Fetch a URL the way a device does before it trusts anything: plain HTTP/1.0 GET, no
//! TLS, a size cap and a deadline. std only, so `cert inspect` needs no runtime.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: only plain http:// URLs are fetched (devices download the chain before they can trust TLS)")]
    Scheme { url: String },
    #[error("{url}: malformed URL: {detail}")]
    Url { url: String, detail: String },
    #[error("{url}: {detail}")]
    Io { url: String, detail: String },
    #[error("{url}: timed out after {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("{url}: response larger than {max} bytes; not a certificate chain")]
    TooLarge { url: String, max: usize },
    #[error("{url}: server answered `{status_line}`, expected 200")]
    Status { url: String, status_line: String },
    #[error("{url}: malformed HTTP response: {detail}")]
    Protocol { url: String, detail: String },
}

struct Target {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Target, FetchError> {
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
    Ok(Target {
        host,
        port,
        path: path.to_owned(),
    })
}

/// GET `url` and return the body of a 200 response, at most `max_body` bytes.
pub fn fetch(url: &str, timeout: Duration, max_body: usize) -> Result<Vec<u8>, FetchError> {
    let t = parse_url(url)?;
    let deadline = Instant::now() + timeout;
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            FetchError::Timeout {
                url: url.to_owned(),
                secs: timeout.as_secs(),
            }
        } else {
            FetchError::Io {
                url: url.to_owned(),
                detail: e.to_string(),
            }
        }
    };
    let addrs: Vec<_> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(io)?
        .collect();
    let mut last = None;
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = stream.ok_or_else(|| {
        io(last.unwrap_or_else(|| std::io::Error::other("host resolved to no address")))
    })?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let host_header = if t.host.contains(':') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    // HTTP/1.0: the server must not use chunked encoding and closes when done.
    let req = format!(
        "GET {} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: ucprov-cert-inspect\r\nAccept: */*\r\n\r\n",
        t.path
    );
    stream.write_all(req.as_bytes()).map_err(io)?;
    const MAX_HEAD: usize = 16 * 1024;
    let cap = max_body + MAX_HEAD;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FetchError::Timeout {
                url: url.to_owned(),
                secs: timeout.as_secs(),
            });
        }
        stream.set_read_timeout(Some(left)).map_err(io)?;
        let n = stream.read(&mut chunk).map_err(io)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > cap {
            return Err(FetchError::TooLarge {
                url: url.to_owned(),
                max: max_body,
            });
        }
    }
    split_response(url, &buf, max_body)
}

fn split_response(url: &str, buf: &[u8], max_body: usize) -> Result<Vec<u8>, FetchError> {
    let proto = |detail: &str| FetchError::Protocol {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| proto("no end of headers"))?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let code = status_line.split_whitespace().nth(1);
    if code != Some("200") {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status_line,
        });
    }
    let body = &buf[end + 4..];
    if body.len() > max_body {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
            max: max_body,
        });
    }
    let declared = head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())
            .flatten()
    });
    if declared.is_some_and(|n| n != body.len()) {
        return Err(proto(
            "body shorter or longer than Content-Length (truncated?)",
        ));
    }
    Ok(body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
