//! Build metadata for `ucprov --version`: the git revision and the build date.
//!
//! - `UCPROV_GIT_REV`: `git abc123456789` (12 hex digits, `-dirty` when the work tree has
//!   changes), or `unknown revision` when git or the repository is absent (a source tarball).
//! - `UCPROV_BUILD_DATE`: `YYYY-MM-DD` in UTC, from `SOURCE_DATE_EPOCH` when it is set
//!   (reproducible builds), else from the clock.
//!
//! The script re-runs when HEAD moves (the HEAD file, the branch's ref file and packed-refs), when
//! this crate's sources change (so `-dirty` follows edits here; edits in other crates are seen
//! at the next re-run), and when `SOURCE_DATE_EPOCH` changes.

use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");

    let rev = git_revision().unwrap_or_else(|| "unknown revision".to_owned());
    println!("cargo:rustc-env=UCPROV_GIT_REV={rev}");
    println!("cargo:rustc-env=UCPROV_BUILD_DATE={}", build_date());
}

fn git(args: &[&str]) -> Option<String> {
    // No optional locks: `git status` must not take the index lock under a concurrent commit.
    let out = Command::new("git")
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_owned())
}

fn git_revision() -> Option<String> {
    // Watch the files that move with HEAD, wherever git keeps them (worktrees included).
    for name in ["HEAD", "packed-refs"] {
        watch(git(&["rev-parse", "--git-path", name]));
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &reference]));
    }
    let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
    if hash.is_empty() {
        return None;
    }
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(format!("git {hash}{}", if dirty { "-dirty" } else { "" }))
}

fn watch(path: Option<String>) {
    if let Some(p) = path {
        let p = PathBuf::from(p);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as u32, d as u32)
}
