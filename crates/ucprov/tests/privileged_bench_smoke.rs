//! The benchmark harness (`crates/bench`, `scripts/bench-inform`) checked for correctness, not
//! speed: each server in one namespace gets a short, bounded count of INFORMs through the same
//! generator, and every reply must decode to the seed profile. No timing is asserted: speed
//! belongs to the benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

use std::time::Duration;

use ucprov_bench::{bench_server, Expected, Load, Server, Setup};
use ucprov_testkit::{artifacts_dir, require_root, require_tool, Netns};
use ucprov_wire::profile::Provisioning;

#[test]
#[ignore = "privileged: needs root, netns, kea, dnsmasq; run by scripts/test-all"]
fn every_server_answers_the_benchmark_generator_correctly() {
    require_root();
    require_tool("kea-dhcp4", "kea-dhcp4-server");
    require_tool("dnsmasq", "dnsmasq-base");
    let setup = Setup {
        ucprov: env!("CARGO_BIN_EXE_ucprov").into(),
        work: artifacts_dir().join(format!("bench-smoke-{}", std::process::id())),
        sip_server: "lync.schertz.local".into(),
        dnsmasq_log_transactions: false,
    };
    let expected = Expected::new(&Provisioning::new("lync.schertz.local", None)).unwrap();
    // 200 INFORMs, bounded at 30 s only so a hung peer cannot hang the suite.
    let loads = vec![(
        "count 200".to_string(),
        Load::count(200, Duration::from_secs(30)),
    )];
    let ns = Netns::new("bsmoke");
    for server in Server::ALL {
        let result = bench_server(
            &ns,
            server,
            &setup,
            &loads,
            &expected,
            Duration::from_secs(30),
            1,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (_, s) = &result.runs[0];
        println!(
            "bench smoke {} ({}): sent {} ok {} wrong {} lost {} late {} stray {}",
            server.name(),
            result.version,
            s.sent,
            s.ok,
            s.wrong,
            s.lost,
            s.late,
            s.stray
        );
        assert_eq!(s.sent, 200, "{}: the count bounds the run", server.name());
        assert!(s.ok > 0, "{}: no correct reply", server.name());
        assert_eq!(
            s.wrong,
            0,
            "{}: a reply did not decode to the profile: {:?}",
            server.name(),
            s.first_wrong
        );
        assert_eq!(s.stray, 0, "{}: replies to xids never sent", server.name());
        assert_eq!(
            s.ok + s.lost,
            s.sent,
            "{}: every INFORM is answered or counted lost",
            server.name()
        );
    }
}
