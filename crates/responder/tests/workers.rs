//! Receive workers on loopback: N sockets of one SO_REUSEPORT group on one port (port 0
//! included), every INFORM answered once whichever worker the kernel picks, the per-worker
//! counters summing to the totals, a reload seen by every worker, and every worker stopping.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

mod common;

use std::net::UdpSocket;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use tokio::sync::watch;
use ucprov_responder::config::Config;
use ucprov_responder::policy::Policy;
use ucprov_responder::server::Responder;
use ucprov_responder::state::{interface_index, State};
use ucprov_wire::VendorOptions;

fn web_fqdn(reply: &ucprov_wire::message::DhcpMessage) -> Vec<u8> {
    VendorOptions::parse(reply.option(43).unwrap())
        .get(3)
        .unwrap()
        .value
        .clone()
}

#[test]
fn three_workers_share_one_port_one_config_and_one_set_of_counters() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(common::SAFETY)).unwrap();
    let port = client.local_addr().unwrap().port();
    let config = |web: &str| {
        format!("[listen]\naddress = \"127.0.0.1\"\nport = 0\n[ports]\nclient = {port}\n[default]\nsip_servers = [\"pool.contoso.com\"]\nweb_server = \"{web}\"\n")
    };
    let policy = Policy::new(
        Config::from_toml(&config("old.contoso.com")).unwrap(),
        interface_index,
    )
    .unwrap();
    let state = Arc::new(State::new(policy, None));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let workers = rt
        .block_on(async { Responder::bind_workers(Arc::clone(&state), 3) })
        .unwrap();
    assert!(workers.fallback.is_none(), "{:?}", workers.fallback);
    let addrs: Vec<_> = workers
        .responders
        .iter()
        .map(|r| r.local_addr().unwrap())
        .collect();
    assert_eq!(addrs.len(), 3);
    assert!(
        addrs.iter().all(|a| *a == addrs[0]),
        "one port for all: {addrs:?}"
    );
    let server = addrs[0];
    let (stop, stopped) = watch::channel(false);
    let tasks: Vec<_> = workers
        .responders
        .into_iter()
        .map(|r| {
            let mut stopped = stopped.clone();
            rt.spawn(r.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            }))
        })
        .collect();
    // 60 flows (source ports): the kernel's hash spreads them; each gets exactly one answer.
    let ask = |xid: u32| {
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.send_to(&common::inform(xid, None), server).unwrap();
        let reply = common::recv_on(&client);
        assert_eq!(reply.xid, xid);
        reply
    };
    for xid in 0..60 {
        assert_eq!(web_fqdn(&ask(xid)), b"old.contoso.com");
    }
    // One swap reaches every worker.
    state
        .replace(Config::from_toml(&config("new.contoso.com")).unwrap())
        .unwrap();
    for xid in 100..160 {
        assert_eq!(web_fqdn(&ask(xid)), b"new.contoso.com");
    }
    stop.send(true).unwrap();
    for t in tasks {
        rt.block_on(t).unwrap().unwrap();
    }
    let m = &state.metrics;
    assert_eq!(m.answered.load(Relaxed), 120);
    assert_eq!(m.received.load(Relaxed), 120);
    let per: Vec<u64> = (0..3)
        .map(|i| m.worker(i).unwrap().answered.load(Relaxed))
        .collect();
    assert_eq!(per.iter().sum::<u64>(), 120, "{per:?}");
    assert!(
        per.iter().filter(|n| **n > 0).count() >= 2,
        "60 flows all on one worker: {per:?}"
    );
    let text = m.render_prometheus();
    assert!(text.contains("ucprov_dhcp_workers 3\n"), "{text}");
}
