//! Summaries across rounds, ucprov-to-peer ratios from the same run, and the Markdown table.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{Server, ServerResult, Stats};

/// Where the numbers were taken: absolute figures only mean something next to this.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub model: String,
    pub kernel: String,
    pub loadavg_before: String,
}

impl Machine {
    pub fn detect() -> Self {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let model = read("/proc/cpuinfo")
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .unwrap_or("unknown")
            .trim()
            .to_string();
        Machine {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            model,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            loadavg_before: read("/proc/loadavg").trim().to_string(),
        }
    }
}

/// One server and one load, over every round: medians of the rates, sums of the counts.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub run: String,
    pub server: Server,
    pub version: String,
    pub rounds: usize,
    pub replies_per_s: f64,
    pub replies_per_cpu_s: Option<f64>,
    pub server_cpu_s: Option<f64>,
    pub p50_us: u64,
    pub p99_us: u64,
    pub sent: u64,
    pub ok: u64,
    pub wrong: u64,
    pub lost: u64,
    pub late: u64,
    pub stray: u64,
    pub loss: f64,
}

/// ucprov's figure divided by a peer's, from the same run (> 1: ucprov better, for
/// latency the peer's divided by ucprov's so > 1 still means ucprov better).
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub run: String,
    pub peer: Server,
    pub replies_per_s: Option<f64>,
    pub replies_per_cpu_s: Option<f64>,
    pub p50_latency: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub settings: serde_json::Value,
    pub results: Vec<ServerResult>,
    pub summary: Vec<Summary>,
    pub ratios: Vec<Ratio>,
}

pub fn median_f(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[(v.len() - 1) / 2])
}

fn median_u(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// Group by (load, server) in first-seen order.
pub fn summarize(results: &[ServerResult]) -> Vec<Summary> {
    let mut keys: Vec<(String, Server)> = Vec::new();
    for r in results {
        for (run, _) in &r.runs {
            if !keys.iter().any(|(k, s)| k == run && *s == r.server) {
                keys.push((run.clone(), r.server));
            }
        }
    }
    keys.into_iter()
        .map(|(run, server)| {
            let stats: Vec<&Stats> = results
                .iter()
                .filter(|r| r.server == server)
                .flat_map(|r| r.runs.iter().filter(|(k, _)| *k == run).map(|(_, s)| s))
                .collect();
            let version = results
                .iter()
                .find(|r| r.server == server)
                .map(|r| r.version.clone())
                .unwrap_or_default();
            let sum = |f: fn(&Stats) -> u64| stats.iter().map(|s| f(s)).sum::<u64>();
            let (sent, lost) = (sum(|s| s.sent), sum(|s| s.lost));
            Summary {
                run,
                server,
                version,
                rounds: stats.len(),
                replies_per_s: median_f(stats.iter().map(|s| s.replies_per_s).collect())
                    .unwrap_or(0.0),
                replies_per_cpu_s: median_f(
                    stats.iter().filter_map(|s| s.replies_per_cpu_s).collect(),
                ),
                server_cpu_s: median_f(stats.iter().filter_map(|s| s.server_cpu_s).collect()),
                p50_us: median_u(stats.iter().map(|s| s.p50_us).collect()),
                p99_us: median_u(stats.iter().map(|s| s.p99_us).collect()),
                sent,
                ok: sum(|s| s.ok),
                wrong: sum(|s| s.wrong),
                lost,
                late: sum(|s| s.late),
                stray: sum(|s| s.stray),
                loss: if sent == 0 {
                    0.0
                } else {
                    lost as f64 / sent as f64
                },
            }
        })
        .collect()
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

pub fn ratios(summary: &[Summary]) -> Vec<Ratio> {
    let mut out = Vec::new();
    for ours in summary.iter().filter(|s| s.server == Server::Ucprov) {
        for peer in summary
            .iter()
            .filter(|s| s.run == ours.run && s.server != Server::Ucprov)
        {
            out.push(Ratio {
                run: ours.run.clone(),
                peer: peer.server,
                replies_per_s: div(Some(ours.replies_per_s), Some(peer.replies_per_s)),
                replies_per_cpu_s: div(ours.replies_per_cpu_s, peer.replies_per_cpu_s),
                p50_latency: div(Some(peer.p50_us as f64), Some(ours.p50_us as f64)),
            });
        }
    }
    out
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let m = &report.machine;
    let _ = writeln!(
        md,
        "# DHCPINFORM benchmark: ucprov serve vs Kea vs dnsmasq\n"
    );
    let _ = writeln!(
        md,
        "Machine: {} CPU(s), {}, Linux {}; load average before the run: {}.\n",
        m.cpus, m.model, m.kernel, m.loadavg_before
    );
    let _ = writeln!(
        md,
        "Settings: `{}`\n",
        serde_json::to_string(&report.settings).unwrap_or_default()
    );
    let mut runs: Vec<&str> = Vec::new();
    for s in &report.summary {
        if !runs.contains(&s.run.as_str()) {
            runs.push(&s.run);
        }
    }
    for run in runs {
        let _ = writeln!(md, "## {run}\n");
        let _ = writeln!(
            md,
            "| server | version | rounds | replies/s | server CPU s | replies/CPU-s | p50 µs | p99 µs | sent | ok | wrong | lost | late | stray | loss |"
        );
        let _ = writeln!(
            md,
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
        );
        for s in report.summary.iter().filter(|s| s.run == run) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.4}% |",
                s.server.name(),
                s.version,
                s.rounds,
                s.replies_per_s,
                opt(s.server_cpu_s, 2),
                opt(s.replies_per_cpu_s, 0),
                s.p50_us,
                s.p99_us,
                s.sent,
                s.ok,
                s.wrong,
                s.lost,
                s.late,
                s.stray,
                s.loss * 100.0
            );
        }
        let _ = writeln!(
            md,
            "\n| ratio (same run) | replies/s | replies/CPU-s | p50 latency (peer ÷ ucprov) |"
        );
        let _ = writeln!(md, "|---|--:|--:|--:|");
        for r in report.ratios.iter().filter(|r| r.run == run) {
            let _ = writeln!(
                md,
                "| ucprov / {} | {} | {} | {} |",
                r.peer.name(),
                opt(r.replies_per_s, 2),
                opt(r.replies_per_cpu_s, 2),
                opt(r.p50_latency, 2)
            );
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Per round\n");
    let _ = writeln!(
        md,
        "| round | server | run | replies/s | replies/CPU-s | p50 µs | p99 µs | generator CPU s |"
    );
    let _ = writeln!(md, "|--:|---|---|--:|--:|--:|--:|--:|");
    for r in &report.results {
        for (run, s) in &r.runs {
            let _ = writeln!(
                md,
                "| {} | {} | {run} | {:.0} | {} | {} | {} | {} |",
                r.round,
                r.server.name(),
                s.replies_per_s,
                opt(s.replies_per_cpu_s, 0),
                s.p50_us,
                s.p99_us,
                opt(s.generator_cpu_s, 2)
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn result(server: Server, round: usize, rate: f64, cpu: f64, p50: u64) -> ServerResult {
        let stats = Stats {
            sent: 100,
            ok: 100,
            replies_per_s: rate,
            replies_per_cpu_s: Some(cpu),
            p50_us: p50,
            ..Stats::default()
        };
        ServerResult {
            server,
            version: "v".into(),
            round,
            runs: vec![("duration".into(), stats)],
        }
    }

    #[test]
    fn ratios_use_medians_of_the_same_load() {
        let results = vec![
            result(Server::Ucprov, 1, 300.0, 1000.0, 50),
            result(Server::Kea, 1, 100.0, 500.0, 100),
            result(Server::Ucprov, 2, 100.0, 3000.0, 50),
            result(Server::Kea, 2, 50.0, 500.0, 100),
            result(Server::Ucprov, 3, 200.0, 2000.0, 50),
            result(Server::Kea, 3, 75.0, 500.0, 100),
        ];
        let summary = summarize(&results);
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].replies_per_s, 200.0);
        assert_eq!(summary[0].sent, 300);
        let r = ratios(&summary);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].peer, Server::Kea);
        assert_eq!(r[0].replies_per_s, Some(200.0 / 75.0));
        assert_eq!(r[0].replies_per_cpu_s, Some(4.0));
        assert_eq!(r[0].p50_latency, Some(2.0));
    }
}
