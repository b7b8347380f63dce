//! Broken chain files fail `bind` with a clear error instead of serving or panicking.

mod common;

use common::*;
use ucprov_certprov::{CertProvError, ChainSource};
use ucprov_pki::{testkit, PkiError};

async fn bind_err(files: Vec<std::path::PathBuf>) -> Result<String, E> {
    let cfg = loopback_config(ChainSource::Files(files));
    match start(cfg).await {
        Ok(r) => {
            r.stop().await;
            Err("bind accepted bad input".into())
        }
        Err(e) => Ok(e.to_string()),
    }
}

#[tokio::test]
async fn bad_chain_files_are_clear_errors() -> R {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let c = testkit::chain("bad")?;
    let b64 = ucprov_pki::pkcs7::build_base64(
        &ucprov_pki::parse(c.root.cert_pem.as_bytes(), "r")?.certs,
    )?;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.pem", Vec::new(), "empty"),
        (
            "truncated.p7b",
            b64.as_bytes()[..b64.len() / 2 + 1].to_vec(),
            "base64",
        ),
        (
            "notcert.der",
            vec![0x30, 0x03, 0x02, 0x01, 0x01],
            "not valid DER",
        ),
        ("huge.pem", vec![b'A'; 5 * 1024 * 1024], "limit"),
        (
            "leaf-only.pem",
            c.leaf.cert_pem.clone().into_bytes(),
            "no self-signed root",
        ),
    ];
    for (name, data, expect) in cases {
        let path = write(d, name, &data)?;
        let msg = bind_err(vec![path]).await?;
        assert!(msg.contains(expect), "{name}: {msg}");
        assert!(
            msg.contains(name),
            "{name}: error does not name the file: {msg}"
        );
    }
    let missing = bind_err(vec![d.join("nope.pem")]).await?;
    assert!(missing.contains("nope.pem"), "{missing}");
    Ok(())
}

#[tokio::test]
async fn error_types_are_matchable() -> R {
    let dir = tempfile::tempdir()?;
    let path = write(dir.path(), "e.pem", b"")?;
    let err = ucprov_certprov::load_chain_files(&[path], 0);
    assert!(matches!(
        err,
        Err(CertProvError::Pki(PkiError::Empty { .. }))
    ));
    Ok(())
}
