//! Any bytes a client sends CertProv's plain-HTTP listener (requests, pipelined runs, garbage,
//! floods of headers), through the real service on loopback: the accept loop, hyper's parser
//! and CertProv's routing. No panic; whatever comes back is a run of HTTP/1.x responses,
//! never a 5xx, and the service keeps answering a normal GET afterwards.
#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ucprov_certprov::{CertProv, CertProvConfig, ChainSource, Metrics, DEFAULT_PATH};

/// Started once per fuzzing process, on its own runtime thread, with the demo CA.
fn service() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let state = std::env::temp_dir().join(format!("ucprov-fuzz-{}", std::process::id()));
                let config = CertProvConfig {
                    http_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
                    chain: ChainSource::DemoCa,
                    state_dir: Some(state),
                    ..CertProvConfig::default()
                };
                let svc = CertProv::bind(config, Arc::new(Metrics::new()))
                    .await
                    .expect("CertProv binds on loopback");
                tx.send(svc.http_addr().expect("a plain listener")).expect("report the address");
                let _ = svc.run(std::future::pending()).await;
            });
        });
        rx.recv().expect("the service starts")
    })
}

/// Send `bytes`, half-close, and read what comes back (bounded in time and size).
fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("CertProv accepts");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    // A peer that closes on a bad head may reset the rest of the write: that is its right.
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.take(1 << 20).read_to_end(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let addr = service();
    let out = exchange(addr, data);
    // hyper answers an HTTP/1.0 request in HTTP/1.0.
    let status_line = |w: &[u8]| w.starts_with(b"HTTP/1.1 ") || w.starts_with(b"HTTP/1.0 ");
    if !out.is_empty() {
        assert!(status_line(&out), "not an HTTP response: {:?}", &out[..out.len().min(40)]);
    }
    // Every status line in what came back: none is a server error.
    for w in out.windows(13).filter(|w| status_line(w)) {
        assert_ne!(w[9], b'5', "a 5xx answer: {:?}", String::from_utf8_lossy(w));
    }
    // Still serving: checked every 64 inputs, so the loopback port space is not used up.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 64 != 0 {
        return;
    }
    let normal = format!("GET {DEFAULT_PATH} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let ok = exchange(addr, normal.as_bytes());
    assert!(ok.starts_with(b"HTTP/1.1 200"), "a normal GET after the input: {:?}", String::from_utf8_lossy(&ok[..ok.len().min(60)]));
});
