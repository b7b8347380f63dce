//! Peer server processes, killed when the test ends, with their logs kept as artifacts.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where tests keep captures, logs and generated configs: `$UCPROV_TEST_ARTIFACTS`, or
/// `target/test-artifacts` in the workspace.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("UCPROV_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts")
        });
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// A running peer. Dropping it kills the process.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    log: PathBuf,
}

impl Peer {
    /// Start `command` with stdout and stderr going to `<artifacts>/<log_name>.log`.
    pub fn spawn(mut command: Command, log_name: &str) -> Self {
        let log = artifacts_dir().join(format!("{log_name}.log"));
        let file = File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = file
            .try_clone()
            .unwrap_or_else(|e| panic!("clone log handle: {e}"));
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
        Peer { child, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_path(&self) -> &PathBuf {
        &self.log
    }

    /// Panic with the log if the process has already exited (it failed to start).
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("peer exited with {status}; log:\n{}", self.log());
        }
    }

    /// Wait until the log contains `needle`, or fail with the log after `timeout`.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.log().contains(needle) {
                return;
            }
            self.assert_running();
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("peer log never said {needle:?}; log:\n{}", self.log());
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
