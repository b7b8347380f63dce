//! The device's anonymous download: one plain HTTP GET with a deadline and a size cap.
//! HTTP/1.0 so the server closes when done and never uses chunked encoding.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A root chain is a few kilobytes; anything near this is not one.
pub const MAX_BODY: usize = 256 * 1024;
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug)]
pub struct Response {
    pub status_line: String,
    pub status: u16,
    pub body: Vec<u8>,
}

/// GET `path` from `host` over an open connection; errors are worded for the report.
pub fn get(
    mut stream: TcpStream,
    host: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<Response, String> {
    let deadline = Instant::now() + timeout;
    let host_header = if port == 80 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: ucprov-probe\r\nAccept: */*\r\n\r\n"
    );
    stream
        .set_write_timeout(Some(timeout))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .map_err(|e| format!("sending the request: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no complete answer within {} s",
                timeout.as_secs_f32()
            ));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| format!("setting the read timeout: {e}"))?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!(
                    "no complete answer within {} s",
                    timeout.as_secs_f32()
                ))
            }
            Err(e) => return Err(format!("reading the answer: {e}")),
        }
        if buf.len() > MAX_BODY + MAX_HEAD {
            return Err(format!(
                "the answer is larger than {MAX_BODY} bytes; that is not a root chain"
            ));
        }
    }
    split(&buf)
}

fn split(buf: &[u8]) -> Result<Response, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer is not HTTP (no end of headers)")?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_string();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("malformed status line {status_line:?}"))?;
    let body = buf[end + 4..].to_vec();
    let declared = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    if declared.is_some_and(|n| n != body.len()) {
        return Err(format!(
            "the body is {} bytes but Content-Length says {}; the download was cut short",
            body.len(),
            declared.unwrap_or_default()
        ));
    }
    Ok(Response {
        status_line,
        status,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_status_and_body_and_checks_length() {
        let r = split(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abc"[..]));
        let r = split(b"HTTP/1.1 404 Not Found\r\n\r\n").unwrap();
        assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
        assert!(split(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc")
            .unwrap_err()
            .contains("cut short"));
        assert!(split(b"SSH-2.0-OpenSSH\r\n").is_err());
    }
}
