//! Reloading without ever stalling the service: the new configuration is read and checked on
//! a thread of its own, bounded in size and in time, and handed back only when whole. The
//! serving tasks never wait for it, and shutdown never waits for it either: a read hung on a
//! FIFO or a dead network mount leaves a parked thread behind, not a stuck process.
//!
//! - [`read_bounded`]: the file's text, refused (never truncated) past a size.
//! - [`off_thread`]: run a blocking load on a detached thread, with a deadline.
//! - [`serve_reloads`]: one reload per SIGHUP; a SIGHUP that arrives while one is pending is
//!   coalesced into a single further reload, and each such SIGHUP is logged.
//! - [`ReloadMetrics`]: when the last reload ran and whether it was whole.

use std::fmt::{self, Write};
use std::future::Future;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::info;

/// Largest configuration file read: far above any real one (a site is a few hundred bytes),
/// small enough that `/dev/zero` in its place costs nothing.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// How long a reload may take to read and check its files before it is given up.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Reader threads still blocked after their deadline that may exist at once; beyond it a
/// reload is refused rather than parking yet another thread on the same hung path.
pub const MAX_PARKED_READERS: usize = 4;

/// Why a reload could not even produce a configuration to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Open or read failed.
    Io { path: String, error: String },
    /// The file is larger than the bound (or endless, like `/dev/zero`).
    TooLarge { path: String, max: u64 },
    /// The bytes are not UTF-8, so not TOML.
    NotText { path: String, offset: usize },
    /// Reading and checking took longer than the bound (a FIFO nobody writes, a hung mount).
    TimedOut { what: String, after: Duration },
    /// Earlier reads are still blocked; no new thread is parked behind them.
    TooManyParked { what: String, parked: usize },
    /// The reader thread could not be started or ended without an answer.
    Thread(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, error } => write!(f, "{path}: cannot read: {error}"),
            ReadError::TooLarge { path, max } => write!(
                f,
                "{path}: larger than {max} bytes (is it a device or an endless stream?); refused, not truncated: point the path at the configuration file"
            ),
            ReadError::NotText { path, offset } => write!(
                f,
                "{path}: byte {offset} is not UTF-8, so this is not a TOML file: point the path at the configuration file"
            ),
            ReadError::TimedOut { what, after } => write!(
                f,
                "{what}: not read and checked within {} s (a FIFO nobody writes, or a hung mount?); replace it with a regular file and send SIGHUP again",
                after.as_secs_f32()
            ),
            ReadError::TooManyParked { what, parked } => write!(
                f,
                "{what}: {parked} earlier reads are still blocked; not starting another until one ends: replace the blocking path with a regular file"
            ),
            ReadError::Thread(e) => write!(f, "reload thread: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Read `path` as text, refusing more than `max` bytes. At most `max + 1` bytes are ever read,
/// so an endless file costs one bounded buffer.
pub fn read_bounded(path: &Path, max: u64) -> Result<String, ReadError> {
    let name = || path.display().to_string();
    let io = |e: std::io::Error| ReadError::Io {
        path: name(),
        error: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge { path: name(), max });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText {
        path: name(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Counts reader threads that have not finished, so hung ones can be capped.
#[derive(Debug, Default, Clone)]
pub struct Readers(Arc<AtomicUsize>);

impl Readers {
    pub fn running(&self) -> usize {
        self.0.load(Relaxed)
    }
}

/// Decrements the count when the thread ends, however it ends.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// Run `job` on a detached thread and wait for it at most `timeout`. The thread is never
/// joined: if the job hangs, the caller gets [`ReadError::TimedOut`] and goes on, and the
/// process can still exit. `what` names the job in errors (the file being read).
pub async fn off_thread<T, E>(
    readers: &Readers,
    what: &str,
    timeout: Duration,
    job: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<Result<T, E>, ReadError>
where
    T: Send + 'static,
    E: Send + 'static,
{
    // Finished threads have decremented the count; what is left above the cap is parked.
    let running = readers.running();
    if running >= MAX_PARKED_READERS {
        return Err(ReadError::TooManyParked {
            what: what.to_string(),
            parked: running,
        });
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    readers.0.fetch_add(1, Relaxed);
    let guard = Running(Arc::clone(&readers.0));
    std::thread::Builder::new()
        .name("ucprov-reload".into())
        .spawn(move || {
            let _guard = guard;
            // The receiver is gone once the deadline passed; the result is then dropped.
            let _ = tx.send(job());
        })
        .map_err(|e| ReadError::Thread(e.to_string()))?;
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(_)) => Err(ReadError::Thread(
            "the reader ended without an answer".into(),
        )),
        Err(_) => Err(ReadError::TimedOut {
            what: what.to_string(),
            after: timeout,
        }),
    }
}

/// A source of reload requests: SIGHUP in the service, a channel in tests.
pub trait Hangups {
    /// The next request; `None` when no more can come.
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send;
}

impl Hangups for tokio::signal::unix::Signal {
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send {
        self.recv()
    }
}

impl Hangups for tokio::sync::mpsc::Receiver<()> {
    fn next(&mut self) -> impl Future<Output = Option<()>> + Send {
        self.recv()
    }
}

/// Run `reload` once per request until `shutdown` resolves. While one reload is pending,
/// further requests are coalesced into one more reload after it (the admin may have fixed
/// the file meanwhile) and each is logged. Shutdown ends this at once, pending or not.
pub async fn serve_reloads<H, F, Fut>(
    mut hangups: H,
    shutdown: impl Future<Output = ()>,
    mut reload: F,
) where
    H: Hangups,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            got = hangups.next() => if got.is_none() { return },
        }
        loop {
            let pending = reload();
            tokio::pin!(pending);
            let mut again = 0u32;
            let mut open = true;
            loop {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = &mut pending => break,
                    got = hangups.next(), if open => match got {
                        Some(()) => {
                            again += 1;
                            info!(coalesced = again, "SIGHUP while a reload is pending: coalesced into one more reload after it");
                        }
                        None => open = false,
                    },
                }
            }
            if again == 0 {
                break;
            }
        }
    }
}

/// When the last reload ran and whether everything in it loaded.
#[derive(Debug, Default)]
pub struct ReloadMetrics {
    pub reloads: AtomicU64,
    pub failures: AtomicU64,
    last_unix: AtomicU64,
    /// 1 when the last reload applied everything, 0 when any part was refused.
    last_ok: AtomicU64,
}

impl ReloadMetrics {
    /// A new set whose "last result" starts as the successful startup load.
    pub fn started() -> Self {
        let m = ReloadMetrics::default();
        m.last_ok.store(1, Relaxed);
        m.last_unix.store(unix_now(), Relaxed);
        m
    }

    pub fn record(&self, ok: bool) {
        let counter = if ok { &self.reloads } else { &self.failures };
        counter.fetch_add(1, Relaxed);
        self.last_ok.store(u64::from(ok), Relaxed);
        self.last_unix.store(unix_now(), Relaxed);
    }

    pub fn render_prometheus(&self) -> String {
        let mut out = String::new();
        let rows: [(&str, &str, &str, &AtomicU64); 4] = [
            (
                "ucprov_config_reloads_total",
                "counter",
                "Reloads whose every part was loaded and is in use.",
                &self.reloads,
            ),
            (
                "ucprov_config_reload_failures_total",
                "counter",
                "Reloads with a part refused; the previous one of that part kept serving.",
                &self.failures,
            ),
            (
                "ucprov_config_last_reload_success",
                "gauge",
                "1 when the last load (startup or SIGHUP) applied everything, else 0.",
                &self.last_ok,
            ),
            (
                "ucprov_config_last_reload_timestamp_seconds",
                "gauge",
                "Unix time of the last load (startup or SIGHUP).",
                &self.last_unix,
            ),
        ];
        for (name, kind, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Relaxed));
        }
        out
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn an_endless_file_is_refused_not_truncated() {
        let e = read_bounded(Path::new("/dev/zero"), 4096).unwrap_err();
        assert_eq!(
            e,
            ReadError::TooLarge {
                path: "/dev/zero".into(),
                max: 4096
            }
        );
        assert!(e.to_string().contains("refused, not truncated"), "{e}");
    }

    #[test]
    fn a_file_at_the_bound_is_read_one_past_it_is_not() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&[b'#'; 100]).unwrap();
        assert_eq!(read_bounded(f.path(), 100).unwrap().len(), 100);
        assert!(matches!(
            read_bounded(f.path(), 99),
            Err(ReadError::TooLarge { max: 99, .. })
        ));
        f.write_all(&[0xFF]).unwrap();
        assert!(matches!(
            read_bounded(f.path(), 1000),
            Err(ReadError::NotText { offset: 100, .. })
        ));
        let gone = read_bounded(Path::new("/nonexistent/serve.toml"), 10).unwrap_err();
        assert!(gone.to_string().contains("cannot read"), "{gone}");
    }

    #[tokio::test]
    async fn a_hung_job_times_out_and_parked_readers_are_capped() {
        let readers = Readers::default();
        // Jobs that block until the test lets them go, as a read on a FIFO would.
        let mut gates = Vec::new();
        for _ in 0..MAX_PARKED_READERS {
            let (release, gate) = std::sync::mpsc::channel::<()>();
            gates.push(release);
            let r = off_thread(&readers, "fifo", Duration::from_millis(20), move || {
                let _ = gate.recv();
                Ok::<(), ()>(())
            })
            .await;
            assert!(matches!(r, Err(ReadError::TimedOut { .. })), "{r:?}");
        }
        let refused = off_thread(&readers, "fifo", Duration::from_millis(20), || {
            Ok::<(), ()>(())
        })
        .await;
        assert!(
            matches!(refused, Err(ReadError::TooManyParked { parked, .. }) if parked == MAX_PARKED_READERS),
            "{refused:?}"
        );
        drop(gates);
        // Once the blocked readers end, reloads run again.
        for _ in 0..200 {
            if readers.running() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(readers.running(), 0);
        let ok = off_thread(&readers, "file", Duration::from_secs(5), || Ok::<u8, ()>(7)).await;
        assert_eq!(ok, Ok(Ok(7)));
    }

    #[tokio::test]
    async fn hangups_during_a_pending_reload_are_coalesced_into_one_more() {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let runs = Arc::new(AtomicUsize::new(0));
        let (release_tx, release_rx) = tokio::sync::watch::channel(0usize);
        let counted = Arc::clone(&runs);
        let task = tokio::spawn(async move {
            serve_reloads(
                rx,
                async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                },
                move || {
                    let n = counted.fetch_add(1, Relaxed) + 1;
                    let mut release = release_rx.clone();
                    async move {
                        let _ = release.wait_for(|r| *r >= n).await;
                    }
                },
            )
            .await;
        });
        tx.send(()).await.unwrap();
        wait_until(|| runs.load(Relaxed) == 1).await;
        // Three more while the first is pending: one more reload, not three.
        for _ in 0..3 {
            tx.send(()).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        release_tx.send(1).unwrap();
        wait_until(|| runs.load(Relaxed) == 2).await;
        release_tx.send(2).unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(runs.load(Relaxed), 2);
        // Shutdown ends the loop even while a reload hangs.
        tx.send(()).await.unwrap();
        wait_until(|| runs.load(Relaxed) == 3).await;
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("shutdown ends serve_reloads while a reload is pending")
            .unwrap();
    }

    async fn wait_until(cond: impl Fn() -> bool) {
        for _ in 0..500 {
            if cond() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("condition not reached");
    }

    #[test]
    fn reload_metrics_render_time_and_result() {
        let m = ReloadMetrics::started();
        m.record(false);
        let text = m.render_prometheus();
        assert!(
            text.contains("ucprov_config_last_reload_success 0\n"),
            "{text}"
        );
        assert!(text.contains("ucprov_config_reload_failures_total 1\n"));
        assert!(text.contains("# TYPE ucprov_config_last_reload_timestamp_seconds gauge\n"));
        let stamp: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("ucprov_config_last_reload_timestamp_seconds "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(stamp > 1_700_000_000);
        m.record(true);
        assert!(m
            .render_prometheus()
            .contains("ucprov_config_last_reload_success 1\n"));
    }
}
