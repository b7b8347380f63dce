//! A one-shot plain HTTP GET for admin and metrics endpoints in tests.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// GET `path` from `addr` and return the whole response, headers included. Panics (fails the
/// test) when the server cannot be reached or stalls past 10 s.
pub fn http_get(addr: impl ToSocketAddrs + std::fmt::Debug, path: &str) -> String {
    let mut s = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("connect {addr:?}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("set timeout: {e}"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("send GET {path}: {e}"));
    let mut text = String::new();
    s.read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("read the answer to GET {path}: {e}"));
    text
}
