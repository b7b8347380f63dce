//! The state directory and the demo CA files in it. The demo root is created once and
//! reused on every later start, so devices that already trust it keep working.

use std::io::Write;
use std::path::{Path, PathBuf};

use ucprov_pki::demo_ca::{self, PemPair};

use crate::load::{now_unix, read_capped};
use crate::CertProvError;

pub const DEMO_CA_CERT: &str = "demo-ca.pem";
pub const DEMO_CA_KEY: &str = "demo-ca.key.pem";

/// systemd's `$STATE_DIRECTORY` (the unit's `StateDirectory=`; its first entry when it
/// names several), else `$XDG_STATE_HOME/ucprov`, else `$HOME/.local/state/ucprov`.
pub fn default_state_dir() -> Result<PathBuf, CertProvError> {
    let non_empty = |k| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dirs) = non_empty("STATE_DIRECTORY") {
        let dirs = dirs.to_string_lossy().into_owned();
        if let Some(first) = dirs.split(':').find(|d| !d.is_empty()) {
            return Ok(PathBuf::from(first));
        }
    }
    if let Some(x) = non_empty("XDG_STATE_HOME") {
        return Ok(PathBuf::from(x).join("ucprov"));
    }
    non_empty("HOME")
        .map(|h| PathBuf::from(h).join(".local/state/ucprov"))
        .ok_or(CertProvError::NoStateDir)
}

pub fn resolve_state_dir(explicit: Option<&Path>) -> Result<PathBuf, CertProvError> {
    match explicit {
        Some(p) => Ok(p.to_path_buf()),
        None => default_state_dir(),
    }
}

/// Demo root and (when asked) a server certificate, as loaded or created.
#[derive(Clone, Debug)]
pub struct DemoMaterial {
    pub root: PemPair,
    /// True when this call created the root rather than loading it.
    pub created: bool,
}

/// Load the demo root from `dir`, creating and persisting it on first use.
pub fn demo_root(dir: &Path) -> Result<DemoMaterial, CertProvError> {
    let (cert_path, key_path) = (dir.join(DEMO_CA_CERT), dir.join(DEMO_CA_KEY));
    if cert_path.exists() && key_path.exists() {
        return Ok(DemoMaterial {
            root: read_pair(&cert_path, &key_path)?,
            created: false,
        });
    }
    create_dir(dir)?;
    let root = demo_ca::generate_root()?;
    write_pair(&cert_path, &key_path, &root)?;
    Ok(DemoMaterial {
        root,
        created: true,
    })
}

/// The demo server certificate for `fqdn`, reused while it still chains to `root` and has
/// more than the warning period left; otherwise issued anew and persisted.
pub fn demo_server(dir: &Path, root: &PemPair, fqdn: &str) -> Result<PemPair, CertProvError> {
    let stem: String = fqdn
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cert_path = dir.join(format!("demo-server-{stem}.pem"));
    let key_path = dir.join(format!("demo-server-{stem}.key.pem"));
    if cert_path.exists() && key_path.exists() {
        let pair = read_pair(&cert_path, &key_path)?;
        if still_good(&pair, root) {
            return Ok(pair);
        }
    }
    create_dir(dir)?;
    let pair = demo_ca::issue_server(&root.key_pem, &[fqdn.to_owned()])?;
    write_pair(&cert_path, &key_path, &pair)?;
    Ok(pair)
}

fn still_good(server: &PemPair, root: &PemPair) -> bool {
    let parse = |p: &str| ucprov_pki::parse(p.as_bytes(), "state").map(|p| p.certs);
    let (Ok(mut certs), Ok(root_certs)) = (parse(&server.cert_pem), parse(&root.cert_pem)) else {
        return false;
    };
    certs.extend(root_certs);
    ucprov_pki::chain::OrderedChain::build(&certs, now_unix())
        .is_ok_and(|c| c.expiry_warnings().is_empty())
}

/// Create the state directory owner-only (0700), or make an existing one so: it holds the
/// demo CA's private key, and whoever can write there could swap the files under us.
fn create_dir(dir: &Path) -> Result<(), CertProvError> {
    let err = |source| CertProvError::State {
        path: dir.to_path_buf(),
        source,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).map_err(err)?;
        let meta = std::fs::symlink_metadata(dir).map_err(err)?;
        if !meta.is_dir() {
            return Err(err(std::io::Error::other(
                "not a directory (a symlink or a file is in the way); remove it or give --state-dir",
            )));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(dir).map_err(err)
}

fn read_pair(cert: &Path, key: &Path) -> Result<PemPair, CertProvError> {
    let text = |p: &Path| -> Result<String, CertProvError> {
        let bytes = read_capped(&p.to_path_buf())?;
        String::from_utf8(bytes).map_err(|_| CertProvError::State {
            path: p.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 PEM"),
        })
    };
    Ok(PemPair {
        cert_pem: text(cert)?,
        key_pem: text(key)?,
    })
}

/// Write via a temporary file and rename, so a crash never leaves half a key behind;
/// keys are created owner-only.
fn write_pair(cert: &Path, key: &Path, pair: &PemPair) -> Result<(), CertProvError> {
    write_atomic(key, pair.key_pem.as_bytes(), 0o600)?;
    write_atomic(cert, pair.cert_pem.as_bytes(), 0o644)
}

fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<(), CertProvError> {
    let err = |source| CertProvError::State {
        path: path.to_path_buf(),
        source,
    };
    // A fresh name created exclusively: an existing file or symlink there (left by anyone
    // who could write to the directory) can neither choose the key's mode nor redirect it.
    let tmp = unique_temp_name(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp).map_err(err)?;
    let written = f.write_all(data).and_then(|()| f.sync_all());
    // rename replaces a symlink at `path` itself; it never writes through it.
    let placed = written.and_then(|()| std::fs::rename(&tmp, path));
    if placed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    placed.map_err(err)
}

/// `path` with a suffix no other writer can have predicted: process id, time and a counter.
fn unique_temp_name(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.{nanos:09}.{n}.tmp", std::process::id()));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    type R = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn root_is_created_once_then_reused() -> R {
        let dir = tempfile::tempdir()?;
        let first = demo_root(dir.path())?;
        let second = demo_root(dir.path())?;
        assert!(first.created && !second.created);
        assert_eq!(first.root.cert_pem, second.root.cert_pem);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_owner_only() -> R {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        demo_root(dir.path())?;
        let mode = std::fs::metadata(dir.path().join(DEMO_CA_KEY))?
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0);
        Ok(())
    }

    /// A planted world-writable file or a symlink at the old fixed temporary name decided
    /// the key's mode or where it went (issue 13).
    #[cfg(unix)]
    #[test]
    fn planted_files_neither_widen_nor_redirect_the_key() -> R {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let state = dir.path().join("state");
        std::fs::create_dir(&state)?;
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777))?;
        let planted = state.join("demo-ca.key.tmp");
        std::fs::write(&planted, b"")?;
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666))?;
        let elsewhere = dir.path().join("stolen.pem");
        std::os::unix::fs::symlink(&elsewhere, state.join("demo-ca.tmp"))?;
        demo_root(&state)?;
        let key = std::fs::symlink_metadata(state.join(DEMO_CA_KEY))?;
        assert!(key.is_file());
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
        assert!(
            !elsewhere.exists(),
            "the key or cert was written through the symlink"
        );
        assert_eq!(
            std::fs::metadata(&state)?.permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            std::fs::read(&planted)?,
            b"",
            "the planted file is left alone"
        );
        Ok(())
    }

    #[test]
    fn server_cert_reused_until_root_changes() -> R {
        let dir = tempfile::tempdir()?;
        let root = demo_root(dir.path())?.root;
        let a = demo_server(dir.path(), &root, "web.example.test")?;
        let b = demo_server(dir.path(), &root, "web.example.test")?;
        assert_eq!(a.cert_pem, b.cert_pem);
        let other_root = ucprov_pki::demo_ca::generate_root()?;
        let c = demo_server(dir.path(), &other_root, "web.example.test")?;
        assert_ne!(a.cert_pem, c.cert_pem);
        Ok(())
    }
}
