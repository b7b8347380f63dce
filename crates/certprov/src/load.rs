//! Turn configured chain files into the response body, checking the chain on the way.

use std::path::PathBuf;

use bytes::Bytes;
use ucprov_pki::chain::OrderedChain;
use ucprov_pki::{Cert, Warning};

use crate::CertProvError;

/// A checked chain plus its pre-built response body.
#[derive(Clone, Debug)]
pub struct LoadedChain {
    pub chain: OrderedChain,
    /// Base64 certs-only PKCS#7: exactly what a 200 response carries.
    pub body: Bytes,
    /// Loud, operator-facing notes: dropped private keys, ignored blocks, expiry.
    pub warnings: Vec<String>,
    /// Where the certificates came from (the files, or `demo CA`), for logs and metrics.
    pub source: String,
}

impl LoadedChain {
    pub fn from_certs(
        certs: &[Cert],
        mut warnings: Vec<String>,
        now_unix: i64,
    ) -> Result<Self, CertProvError> {
        let chain = OrderedChain::build(certs, now_unix)?;
        warnings.extend(chain.expiry_warnings().iter().map(ToString::to_string));
        let body = Bytes::from(ucprov_pki::pkcs7::build_base64(chain.certs())?);
        Ok(Self {
            chain,
            body,
            warnings,
            source: String::new(),
        })
    }
}

/// Read, merge, order and check the certificates in `paths`. Private keys found in them
/// are dropped and reported in `warnings`; they never reach the body.
pub fn load_chain_files(paths: &[PathBuf], now_unix: i64) -> Result<LoadedChain, CertProvError> {
    if paths.is_empty() {
        return Err(CertProvError::NoChainFiles);
    }
    let mut certs = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        let bytes = read_capped(path)?;
        let parsed = ucprov_pki::parse(&bytes, &path.display().to_string())?;
        certs.extend(parsed.certs);
        warnings.extend(parsed.warnings.iter().map(describe));
    }
    let files = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut loaded = LoadedChain::from_certs(&certs, warnings, now_unix).map_err(|e| match e {
        CertProvError::Pki(source) => CertProvError::Chain {
            files: files.clone(),
            source,
        },
        other => other,
    })?;
    loaded.source = files;
    Ok(loaded)
}

fn describe(w: &Warning) -> String {
    w.to_string()
}

/// Read at most one byte past the parser's cap, so an enormous file is refused by the
/// parser's size check without being read whole.
pub(crate) fn read_capped(path: &PathBuf) -> Result<Vec<u8>, CertProvError> {
    use std::io::Read;
    let err = |source| CertProvError::Read {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(ucprov_pki::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    Ok(bytes)
}

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
