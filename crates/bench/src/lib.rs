//! DHCPINFORM load benchmark: `ucprov serve`, Kea and dnsmasq, one after another, on loopback
//! in one network namespace the harness creates, driven by the same closed-loop generator with
//! the same seed profile. Every reply is decoded with `ucprov_wire`; a wrong one is an error.
//!
//! Speed is compared within one run and quoted as ratios: the machines are shared and noisy,
//! absolute numbers do not travel. The `ucprov-bench` binary (see `scripts/bench-inform`) runs
//! it; `crates/ucprov/tests/privileged_bench_smoke.rs` checks the harness with a short count.
#![forbid(unsafe_code)]

pub mod load;
pub mod procstat;
pub mod report;
pub mod servers;
pub mod workers;

use std::time::Duration;

use serde::Serialize;
use ucprov_testkit::Netns;

pub use load::{Expected, Generator, Load, Stats};
pub use servers::{Server, Setup};

/// One server's results in one round.
#[derive(Debug, Clone, Serialize)]
pub struct ServerResult {
    pub server: Server,
    pub version: String,
    pub round: usize,
    /// One entry per load, in the order given.
    pub runs: Vec<(String, Stats)>,
}

/// Start `server` in `ns`, wait for its first correct answer, run every load against it in
/// order, then stop it. Failures carry the server's log so a broken config shows itself.
pub fn bench_server(
    ns: &Netns,
    server: Server,
    setup: &Setup,
    loads: &[(String, Load)],
    expected: &Expected,
    ready_timeout: Duration,
    round: usize,
) -> Result<ServerResult, String> {
    let running = servers::start(server, ns, setup)?;
    measure(ns, server, running, loads, expected, ready_timeout, round)
}

/// [`bench_server`] for `ucprov serve --workers N`: the same loads against one worker count.
pub fn bench_ucprov_workers(
    ns: &Netns,
    workers: u16,
    setup: &Setup,
    loads: &[(String, Load)],
    expected: &Expected,
    ready_timeout: Duration,
    round: usize,
) -> Result<ServerResult, String> {
    let running = servers::start_ucprov_workers(ns, setup, workers)?;
    measure(
        ns,
        Server::Ucprov,
        running,
        loads,
        expected,
        ready_timeout,
        round,
    )
}

fn measure(
    ns: &Netns,
    server: Server,
    running: servers::Running,
    loads: &[(String, Load)],
    expected: &Expected,
    ready_timeout: Duration,
    round: usize,
) -> Result<ServerResult, String> {
    let sockets = loads.first().map_or(1, |(_, l)| l.sockets);
    let pid = running.pid();
    let outcome = ns.run(|| -> Result<Vec<(String, Stats)>, String> {
        let mut generator = Generator::new(sockets)?;
        generator.wait_ready(expected, ready_timeout)?;
        loads
            .iter()
            .map(|(name, load)| Ok((name.clone(), generator.run(load, expected, Some(pid))?)))
            .collect()
    });
    let runs = outcome.map_err(|e| {
        format!(
            "{}: {e}\nconfig: {}\nlog ({}):\n{}",
            server.name(),
            running.config.display(),
            running.peer.log_path().display(),
            running.peer.log()
        )
    })?;
    Ok(ServerResult {
        server,
        version: running.version.clone(),
        round,
        runs,
    })
}
