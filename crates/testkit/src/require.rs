//! Preconditions that fail the test with the fix instead of skipping it.

use std::path::PathBuf;

/// Panic unless running as root: namespaces, veth links and port 67 need it.
pub fn require_root() {
    if !nix::unistd::Uid::effective().is_root() {
        panic!(
            "this privileged test needs root (network namespaces, veth, port 67): run `scripts/test-all` as root"
        );
    }
}

/// Find `bin` on PATH (or in the sbin folders peers install to), or panic with the package.
pub fn require_tool(bin: &str, apt_package: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    let dirs = path
        .split(':')
        .map(PathBuf::from)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from));
    for dir in dirs {
        let candidate = dir.join(bin);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("peer `{bin}` is missing: install it with `apt-get install -y {apt_package}` (scripts/test-all does this)");
}

/// Run a peer tool in `dir` and return its standard output. A missing tool or a failed run is
/// an error naming the package to install or the tool's own complaint.
pub fn run_tool(
    bin: &str,
    apt_package: &str,
    args: &[&str],
    dir: &std::path::Path,
) -> Result<Vec<u8>, String> {
    let out = std::process::Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run `{bin}` ({e}); install it: apt-get install -y {apt_package}")
        })?;
    if !out.status.success() {
        return Err(format!(
            "`{bin} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}
