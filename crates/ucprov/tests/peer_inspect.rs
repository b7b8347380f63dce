//! `cert inspect` against openssl on chains openssl itself generates (RSA, so the RSA
//! paths are exercised too; the unit tests use rcgen's ECDSA).
//! Run with `cargo test -p ucprov -- --ignored` (scripts/test-all does).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type R = Result<(), Box<dyn std::error::Error>>;
type E = Box<dyn std::error::Error>;

/// Run a peer tool; a missing tool is a FAILURE with an install hint, never a skip.
fn run(tool: &str, args: &[&str], dir: &Path) -> Result<String, E> {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run `{tool}` ({e}); install it: apt-get install openssl curl")
        })?;
    if !out.status.success() {
        return Err(format!(
            "`{tool} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn openssl(args: &[&str], dir: &Path) -> Result<String, E> {
    run("openssl", args, dir)
}

/// What openssl says about one PEM certificate file.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Facts {
    sha1: String,
    sha256: String,
    subject: String,
    issuer: String,
}

fn after_eq(line: &str) -> String {
    line.split_once('=')
        .map(|x| x.1)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn openssl_facts(pem: &str, dir: &Path) -> Result<Facts, E> {
    let fp = |alg: &str| -> Result<String, E> {
        let out = openssl(&["x509", "-in", pem, "-noout", "-fingerprint", alg], dir)?;
        Ok(after_eq(&out).replace(':', ""))
    };
    let names = openssl(
        &[
            "x509", "-in", pem, "-noout", "-subject", "-issuer", "-nameopt", "RFC2253",
        ],
        dir,
    )?;
    let mut lines = names.lines();
    Ok(Facts {
        sha1: fp("-sha1")?,
        sha256: fp("-sha256")?,
        subject: after_eq(lines.next().unwrap_or_default()),
        issuer: after_eq(lines.next().unwrap_or_default()),
    })
}

fn inspect_facts(file: &str, dir: &Path) -> Result<(BTreeSet<Facts>, serde_json::Value), E> {
    let out = Command::new(env!("CARGO_BIN_EXE_ucprov"))
        .args(["cert", "inspect", "--json", "--strict", file])
        .current_dir(dir)
        .output()?;
    if !out.status.success() {
        return Err(format!("inspect {file}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let s = |c: &serde_json::Value, k: &str| c[k].as_str().unwrap_or_default().to_owned();
    let facts = v["certificates"]
        .as_array()
        .ok_or("no certificates array")?
        .iter()
        .map(|c| Facts {
            sha1: s(c, "sha1"),
            sha256: s(c, "sha256"),
            subject: s(c, "subject"),
            issuer: s(c, "issuer"),
        })
        .collect();
    Ok((facts, v))
}

fn make_chain(dir: &Path) -> Result<(), E> {
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )?;
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "365",
            "-subj",
            "/C=US/O=ucprov peer/CN=Peer Root CA",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
        ],
        dir,
    )?;
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/C=US/O=ucprov peer/OU=Issuing/CN=Peer Issuing CA 1",
            "-keyout",
            "int.key",
            "-out",
            "int.csr",
        ],
        dir,
    )?;
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "200",
            "-sha256",
            "-extfile",
            "ca.ext",
            "-out",
            "int.pem",
        ],
        dir,
    )?;
    Ok(())
}

#[test]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
fn inspect_agrees_with_openssl_on_root_only() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    make_chain(d)?;
    let (facts, json) = inspect_facts("root.pem", d)?;
    let expected: BTreeSet<Facts> = [openssl_facts("root.pem", d)?].into_iter().collect();
    assert_eq!(facts, expected);
    assert_eq!(json["format"], "pem");
    assert_eq!(json["chain"]["root"], 0);
    assert_eq!(json["chain"]["root_self_signed"], true);
    // The same certificate as DER.
    openssl(
        &[
            "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
        ],
        d,
    )?;
    let (der_facts, json) = inspect_facts("root.der", d)?;
    assert_eq!(der_facts, expected);
    assert_eq!(json["format"], "der-certificate");
    Ok(())
}

#[test]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
fn inspect_agrees_with_openssl_on_root_plus_intermediate() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    make_chain(d)?;
    // Root first on purpose: order must come from linkage, not position.
    let bundle =
        std::fs::read_to_string(d.join("root.pem"))? + &std::fs::read_to_string(d.join("int.pem"))?;
    std::fs::write(d.join("bundle.pem"), bundle)?;
    let expected: BTreeSet<Facts> = [openssl_facts("root.pem", d)?, openssl_facts("int.pem", d)?]
        .into_iter()
        .collect();
    let (facts, json) = inspect_facts("bundle.pem", d)?;
    assert_eq!(facts, expected);
    assert_eq!(json["format"], "pem-bundle");
    assert_eq!(
        json["certificates"][0]["subject"],
        "CN=Peer Issuing CA 1,OU=Issuing,O=ucprov peer,C=US"
    );
    assert_eq!(json["chain"]["root"], 1);
    assert_eq!(json["chain"]["root_self_signed"], true);
    assert_eq!(json["chain"]["valid"], true);
    Ok(())
}

#[test]
#[ignore = "peer: needs openssl/curl; run by scripts/test-all"]
fn inspect_agrees_with_openssl_on_crl2pkcs7() -> R {
    let tmp = tempfile::tempdir()?;
    let d = tmp.path();
    make_chain(d)?;
    let expected: BTreeSet<Facts> = [openssl_facts("root.pem", d)?, openssl_facts("int.pem", d)?]
        .into_iter()
        .collect();
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "int.pem",
            "-certfile",
            "root.pem",
            "-out",
            "chain.p7b",
        ],
        d,
    )?;
    openssl(
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "int.pem",
            "-certfile",
            "root.pem",
            "-outform",
            "DER",
            "-out",
            "chain.p7b.der",
        ],
        d,
    )?;
    // The service's wire form: base64 of the DER, one line.
    openssl(
        &["base64", "-A", "-in", "chain.p7b.der", "-out", "chain.b64"],
        d,
    )?;
    for (file, format) in [
        ("chain.p7b", "pem-bundle"),
        ("chain.p7b.der", "der-pkcs7"),
        ("chain.b64", "base64-pkcs7"),
    ] {
        let (facts, json) = inspect_facts(file, d)?;
        assert_eq!(facts, expected, "{file}");
        assert_eq!(json["format"], format, "{file}");
        assert_eq!(json["chain"]["root"], 1, "{file}");
    }
    Ok(())
}
