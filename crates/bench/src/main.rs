//! `ucprov-bench`: run the DHCPINFORM benchmark and write `inform.json` and `inform.md`.
//! Needs root (a network namespace); `scripts/bench-inform` builds and runs it.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ucprov_bench::report::{self, Machine, Report};
use ucprov_bench::{bench_server, bench_ucprov_workers, workers, Expected, Load, Server, Setup};
use ucprov_testkit::Netns;
use ucprov_wire::profile::Provisioning;

#[derive(Debug, Parser)]
#[command(
    name = "ucprov-bench",
    about = "DHCPINFORM load: ucprov serve vs Kea vs dnsmasq on loopback in one namespace"
)]
struct Args {
    /// The ucprov binary to benchmark (a release build).
    #[arg(long, value_name = "FILE")]
    ucprov: PathBuf,
    /// Directory for inform.json, inform.md, configs and server logs.
    #[arg(long, value_name = "DIR", default_value = "target/bench")]
    out: PathBuf,
    /// Servers, in the order of the first round (later rounds rotate it).
    #[arg(long, value_delimiter = ',', default_value = "ucprov,kea,dnsmasq")]
    servers: Vec<String>,
    /// The seed profile every server is configured with.
    #[arg(long, default_value = "lync.schertz.local")]
    sip_server: String,
    /// Client sockets (each its own 127.0.0.x address).
    #[arg(long, default_value_t = 4)]
    sockets: usize,
    /// INFORMs outstanding at once, over all sockets.
    #[arg(long, default_value_t = 32)]
    window: usize,
    /// Unmeasured warm-up before the duration run, seconds.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Measured duration run, seconds (0: skip it).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Fixed-count run: this many INFORMs (0: skip it).
    #[arg(long, default_value_t = 200_000)]
    count: u64,
    /// Light-load latency run: this many INFORMs with one outstanding per socket (0: skip it).
    #[arg(long, default_value_t = 20_000)]
    latency_count: u64,
    /// Time bound of the fixed-count and latency runs, seconds.
    #[arg(long, default_value_t = 60)]
    count_cap: u64,
    /// Rounds over all servers; the summary takes medians.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Let dnsmasq log its two lines per INFORM (default: quiet-dhcp, like WARN elsewhere).
    #[arg(long)]
    dnsmasq_log_transactions: bool,
    /// Instead of the peers: ucprov serve with each of these worker counts (`1,2`), the
    /// order alternating per round; writes inform-workers.md and .json. Give --sockets well
    /// above the largest count: the kernel spreads flows (one per socket) over the workers.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Vec<u16>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ucprov-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let servers = args
        .servers
        .iter()
        .map(|s| Server::parse(s).ok_or_else(|| format!("unknown server {s:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !(1..=10).contains(&args.rounds) {
        return Err("--rounds must be 1..=10".into());
    }
    let loss_timeout = Duration::from_millis(500);
    let mut loads = Vec::new();
    if args.duration > 0 {
        loads.push((
            format!(
                "duration run: {} s warm-up, {} s measured",
                args.warmup, args.duration
            ),
            Load {
                sockets: args.sockets,
                window: args.window,
                warmup: Duration::from_secs(args.warmup),
                duration: Duration::from_secs(args.duration),
                // Bounded in count too: far above what loopback delivers in the duration.
                max_requests: 100_000_000,
                loss_timeout,
            },
        ));
    }
    if args.count > 0 {
        loads.push((
            format!("count run: {} INFORMs", args.count),
            Load {
                sockets: args.sockets,
                window: args.window,
                warmup: Duration::ZERO,
                duration: Duration::from_secs(args.count_cap),
                max_requests: args.count,
                loss_timeout,
            },
        ));
    }
    if args.latency_count > 0 {
        // Under a full window, latency is mostly queueing (Little's law: window / rate); one
        // INFORM in flight per socket shows the service time itself.
        loads.push((
            format!(
                "latency run: {} INFORMs, {} in flight",
                args.latency_count, args.sockets
            ),
            Load {
                sockets: args.sockets,
                window: args.sockets,
                warmup: Duration::ZERO,
                duration: Duration::from_secs(args.count_cap),
                max_requests: args.latency_count,
                loss_timeout,
            },
        ));
    }
    if loads.is_empty() {
        return Err("nothing to run: --duration and --count are both 0".into());
    }
    let ucprov = std::fs::canonicalize(&args.ucprov)
        .map_err(|e| format!("{}: {e}", args.ucprov.display()))?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let out =
        std::fs::canonicalize(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let setup = Setup {
        ucprov,
        work: out.join("work"),
        sip_server: args.sip_server.clone(),
        dnsmasq_log_transactions: args.dnsmasq_log_transactions,
    };
    let expected = Expected::new(&Provisioning::new(args.sip_server.clone(), None))?;
    let machine = Machine::detect();
    // One namespace for every server: same loopback, same routes, same socket defaults.
    let ns = Netns::new("bench");
    if !args.workers.is_empty() {
        return run_workers(args, &ns, &setup, &loads, &expected, &machine, &out);
    }
    let mut results = Vec::new();
    for round in 1..=args.rounds {
        let mut order = servers.clone();
        // Rotate so no server always runs first (or last) on a shared machine.
        order.rotate_left((round - 1) % servers.len().max(1));
        for server in order {
            eprintln!("round {round}: {} …", server.name());
            let r = bench_server(
                &ns,
                server,
                &setup,
                &loads,
                &expected,
                Duration::from_secs(20),
                round,
            )?;
            for (name, s) in &r.runs {
                eprintln!(
                    "  {name}: {:.0} replies/s, {} replies/CPU-s, p50 {} µs, p99 {} µs, sent {} ok {} wrong {} lost {}",
                    s.replies_per_s,
                    s.replies_per_cpu_s.map_or("-".into(), |v| format!("{v:.0}")),
                    s.p50_us,
                    s.p99_us,
                    s.sent,
                    s.ok,
                    s.wrong,
                    s.lost
                );
                if let Some(w) = &s.first_wrong {
                    eprintln!("  first wrong reply: {w}");
                }
            }
            results.push(r);
        }
    }
    let summary = report::summarize(&results);
    let ratios = report::ratios(&summary);
    let settings = serde_json::json!({
        "sip_server": args.sip_server,
        "sockets": args.sockets,
        "window": args.window,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "count": args.count,
        "latency_count": args.latency_count,
        "rounds": args.rounds,
        "loss_timeout_ms": loss_timeout.as_millis() as u64,
        "dnsmasq_log_transactions": args.dnsmasq_log_transactions,
        "ucprov_log": "RUST_LOG=warn",
        "kea_log": "file, WARN",
    });
    let report = Report {
        machine,
        settings,
        results,
        summary,
        ratios,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| format!("json: {e}"))?;
    let md = report::markdown(&report);
    for (name, text) in [("inform.json", &json), ("inform.md", &md)] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    println!("{md}");
    eprintln!("written: {}/inform.json, inform.md", out.display());
    Ok(())
}

/// `--workers 1,2`: ucprov alone at each worker count, in one run.
fn run_workers(
    args: &Args,
    ns: &Netns,
    setup: &Setup,
    loads: &[(String, Load)],
    expected: &Expected,
    machine: &Machine,
    out: &std::path::Path,
) -> Result<(), String> {
    let mut results = Vec::new();
    for round in 1..=args.rounds {
        let mut order = args.workers.clone();
        let n = order.len();
        order.rotate_left((round - 1) % n);
        for workers in order {
            eprintln!("round {round}: ucprov --workers {workers} …");
            let r = bench_ucprov_workers(
                ns,
                workers,
                setup,
                loads,
                expected,
                Duration::from_secs(20),
                round,
            )?;
            for (name, s) in &r.runs {
                eprintln!(
                    "  {name}: {:.0} replies/s, {} replies/CPU-s, sent {} ok {} wrong {} lost {}",
                    s.replies_per_s,
                    s.replies_per_cpu_s
                        .map_or("-".into(), |v| format!("{v:.0}")),
                    s.sent,
                    s.ok,
                    s.wrong,
                    s.lost
                );
            }
            results.push((workers, r));
        }
    }
    let summary = workers::summarize(&args.workers, &results);
    let md = format!(
        "# DHCPINFORM: ucprov serve by worker count\n\nMachine: {} CPU(s), {}, Linux {}; load average before the run: {}.\n\nSettings: sockets {}, window {}, rounds {}, workers {:?}\n\n{}",
        machine.cpus,
        machine.model,
        machine.kernel,
        machine.loadavg_before,
        args.sockets,
        args.window,
        args.rounds,
        args.workers,
        workers::markdown(&summary)
    );
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "machine": machine,
        "settings": { "sockets": args.sockets, "window": args.window, "rounds": args.rounds, "workers": args.workers },
        "results": results.iter().map(|(w, r)| serde_json::json!({ "workers": w, "result": r })).collect::<Vec<_>>(),
        "summary": summary,
    }))
    .map_err(|e| format!("json: {e}"))?;
    for (name, text) in [("inform-workers.json", &json), ("inform-workers.md", &md)] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    println!("{md}");
    eprintln!(
        "written: {}/inform-workers.json, inform-workers.md",
        out.display()
    );
    Ok(())
}
