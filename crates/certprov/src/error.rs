use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CertProvError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Pki(#[from] ucprov_pki::PkiError),
    #[error("CA chain from {files}: {source}")]
    Chain {
        files: String,
        source: ucprov_pki::PkiError,
    },
    #[error("no chain files given; pass at least one PEM, DER or PKCS#7 file, or use the demo CA")]
    NoChainFiles,
    #[error("no state directory: neither XDG_STATE_HOME nor HOME is set; pass --state-dir")]
    NoStateDir,
    #[error("state directory {path}: {source}")]
    State {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source} (port 80/443 need root or CAP_NET_BIND_SERVICE; choose another port with the listen option)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS server certificate {path}: {detail}")]
    TlsCert { path: PathBuf, detail: String },
    #[error("TLS private key {path}: {detail}")]
    TlsKey { path: PathBuf, detail: String },
    #[error("TLS configuration rejected: {0}")]
    Tls(String),
    #[error("request path `{0}` must start with `/`")]
    BadPath(String),
    #[error("nothing to serve: both the HTTP and HTTPS listeners are disabled")]
    NoListeners,
    /// The `[certprov]` table of the serve configuration: the key and what is wrong with it.
    #[error("{0}")]
    Settings(String),
}
