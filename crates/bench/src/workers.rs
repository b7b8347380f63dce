//! `--workers 1,2`: the same loads against `ucprov serve --workers N` for each N, alternating
//! the order per round, in one run; each count's medians and its ratio to the first count.
//! On a machine with few cores the generator competes with the workers for them, so only the
//! ratio means anything, and it is bounded by the cores left to the server.

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::median_f;
use crate::ServerResult;

/// One worker count's rounds of one load, reduced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerSummary {
    pub workers: u16,
    pub run: String,
    pub rounds: usize,
    pub replies_per_s: f64,
    pub replies_per_cpu_s: Option<f64>,
    /// replies/s over the first count's, for the same load.
    pub ratio_to_first: Option<f64>,
    pub wrong: u64,
    pub lost: u64,
}

/// `results` are `(workers, result)` pairs in any order; `counts` gives the order of the
/// table and the count the ratios divide by (the first).
pub fn summarize(counts: &[u16], results: &[(u16, ServerResult)]) -> Vec<WorkerSummary> {
    let mut runs: Vec<&str> = Vec::new();
    for (_, r) in results {
        for (name, _) in &r.runs {
            if !runs.contains(&name.as_str()) {
                runs.push(name);
            }
        }
    }
    let mut out = Vec::new();
    for run in runs {
        let mut first: Option<f64> = None;
        for &workers in counts {
            let stats: Vec<_> = results
                .iter()
                .filter(|(w, _)| *w == workers)
                .flat_map(|(_, r)| r.runs.iter().filter(|(n, _)| n == run).map(|(_, s)| s))
                .collect();
            if stats.is_empty() {
                continue;
            }
            let rate = median_f(stats.iter().map(|s| s.replies_per_s).collect()).unwrap_or(0.0);
            let per_cpu = median_f(stats.iter().filter_map(|s| s.replies_per_cpu_s).collect());
            let base = *first.get_or_insert(rate);
            out.push(WorkerSummary {
                workers,
                run: run.to_string(),
                rounds: stats.len(),
                replies_per_s: rate,
                replies_per_cpu_s: per_cpu,
                ratio_to_first: (base > 0.0).then(|| rate / base),
                wrong: stats.iter().map(|s| s.wrong).sum(),
                lost: stats.iter().map(|s| s.lost).sum(),
            });
        }
    }
    out
}

pub fn markdown(summary: &[WorkerSummary]) -> String {
    let mut md = String::from(
        "| load | workers | rounds | replies/s | replies/CPU-s | × first count | wrong | lost |\n|---|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for s in summary {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            s.run,
            s.workers,
            s.rounds,
            s.replies_per_s,
            s.replies_per_cpu_s
                .map_or("-".into(), |v| format!("{v:.0}")),
            s.ratio_to_first.map_or("-".into(), |v| format!("{v:.2}")),
            s.wrong,
            s.lost
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Server, Stats};

    fn result(rate: f64) -> ServerResult {
        ServerResult {
            server: Server::Ucprov,
            version: "ucprov 0".into(),
            round: 1,
            runs: vec![(
                "duration".into(),
                Stats {
                    replies_per_s: rate,
                    replies_per_cpu_s: Some(rate * 2.0),
                    ..Stats::default()
                },
            )],
        }
    }

    #[test]
    fn each_count_is_a_median_and_a_ratio_to_the_first_count() {
        let results = vec![
            (1, result(100.0)),
            (2, result(150.0)),
            (2, result(190.0)),
            (1, result(120.0)),
            (1, result(110.0)),
            (2, result(170.0)),
        ];
        let s = summarize(&[1, 2], &results);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].workers, s[0].replies_per_s, s[0].rounds),
            (1, 110.0, 3)
        );
        assert_eq!(s[0].ratio_to_first, Some(1.0));
        assert_eq!((s[1].workers, s[1].replies_per_s), (2, 170.0));
        assert_eq!(s[1].ratio_to_first, Some(170.0 / 110.0));
        assert_eq!(s[1].replies_per_cpu_s, Some(340.0));
        let md = markdown(&s);
        assert!(
            md.contains("| duration | 2 | 3 | 170 | 340 | 1.55 | 0 | 0 |"),
            "{md}"
        );
    }
}
