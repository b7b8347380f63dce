//! The state directory and the demo CA files in it. The demo root is created once and
//! reused on every later start, so devices that already trust it keep working.

use std::io::Write;
use std::path::{Path, PathBuf};

use ucprov_pki::demo_ca::{self, PemPair};

use crate::load::{now_unix, read_capped};
use crate::CertProvError;

pub const DEMO_CA_CERT: &str = "demo-ca.pem";
pub const DEMO_CA_KEY: &str = "demo-ca.key.pem";

/// `$XDG_STATE_HOME/ucprov`, else `$HOME/.local/state/ucprov`.
pub fn default_state_dir() -> Result<PathBuf, CertProvError> {
    let non_empty = |k| std::env::var_os(k).filter(|v| !v.is_empty());
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

fn create_dir(dir: &Path) -> Result<(), CertProvError> {
    std::fs::create_dir_all(dir).map_err(|source| CertProvError::State {
        path: dir.to_path_buf(),
        source,
    })
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
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp).map_err(err)?;
    f.write_all(data).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
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
