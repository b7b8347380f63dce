//! Test fixtures: freshly generated chains. Only compiled for tests or with the
//! `testkit` feature.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// For dependent crates' tests, which shape leaves with [`chain_with_leaf`] without a
/// direct rcgen dependency of their own.
pub use rcgen;

use crate::demo_ca::PemPair;
use crate::PkiError;

fn gen_err(e: rcgen::Error) -> PkiError {
    PkiError::Generate(e.to_string())
}

fn ca_params(cn: &str, org: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "US");
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// Root, intermediate and leaf, each with its key, all PEM.
pub struct TestChain {
    pub root: PemPair,
    pub intermediate: PemPair,
    pub leaf: PemPair,
}

/// Generate a fresh three-level chain. `tag` goes into the names so several chains in one
/// test stay distinguishable.
pub fn chain(tag: &str) -> Result<TestChain, PkiError> {
    let leaf_params =
        CertificateParams::new(vec![format!("leaf-{tag}.example.test")]).map_err(gen_err)?;
    chain_with_leaf(tag, leaf_params)
}

/// Like [`chain`], with the leaf made from `leaf_params` (its SANs, EKU, key usage).
pub fn chain_with_leaf(tag: &str, leaf_params: CertificateParams) -> Result<TestChain, PkiError> {
    let root_key = KeyPair::generate().map_err(gen_err)?;
    let root_params = ca_params(&format!("Test Root {tag}"), "ucprov tests");
    let root_cert = root_params.self_signed(&root_key).map_err(gen_err)?;
    let root_key_pem = root_key.serialize_pem();
    let root_issuer = Issuer::new(root_params, root_key);

    let int_key = KeyPair::generate().map_err(gen_err)?;
    let int_params = ca_params(&format!("Test Issuing CA {tag}"), "ucprov tests");
    let int_cert = int_params
        .signed_by(&int_key, &root_issuer)
        .map_err(gen_err)?;
    let int_key_pem = int_key.serialize_pem();
    let int_issuer = Issuer::new(int_params, int_key);

    let leaf_key = KeyPair::generate().map_err(gen_err)?;
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &int_issuer)
        .map_err(gen_err)?;
    Ok(TestChain {
        root: PemPair {
            cert_pem: root_cert.pem(),
            key_pem: root_key_pem,
        },
        intermediate: PemPair {
            cert_pem: int_cert.pem(),
            key_pem: int_key_pem,
        },
        leaf: PemPair {
            cert_pem: leaf_cert.pem(),
            key_pem: leaf_key.serialize_pem(),
        },
    })
}

/// A DER TLV with a one-byte `tag` and a definite length, for building hostile or minimal
/// structures by hand in tests.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}
