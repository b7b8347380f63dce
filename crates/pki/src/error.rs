use thiserror::Error;

/// Everything that can go wrong with certificate input. Messages name the input (`source`),
/// what was wrong and what to do about it, because they end up in front of an operator.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PkiError {
    #[error("{source_name}: the input is empty; give a PEM, DER or PKCS#7 file with at least one certificate")]
    Empty { source_name: String },

    #[error("{source_name}: input is {len} bytes, over the {max}-byte limit; a CA chain is a few kilobytes, so this is probably the wrong file")]
    TooLarge {
        source_name: String,
        len: usize,
        max: usize,
    },

    #[error("{source_name}: not a recognised certificate container (expected PEM, DER certificate, DER PKCS#7 or base64 PKCS#7): {detail}")]
    Unrecognized { source_name: String, detail: String },

    #[error(
        "{source_name}: invalid base64 ({detail}); the data may be truncated or not base64 at all"
    )]
    Base64 { source_name: String, detail: String },

    #[error(
        "{source_name}: {what} is not valid DER: {detail}; the file may be truncated or corrupted"
    )]
    Der {
        source_name: String,
        what: String,
        detail: String,
    },

    #[error("{source_name}: PEM block `{label}` has no matching `-----END {label}-----` line; the file is truncated")]
    PemUnterminated { source_name: String, label: String },

    #[error(
        "{source_name}: PKCS#7 content type is {oid}, expected signedData (1.2.840.113549.1.7.2)"
    )]
    NotSignedData { source_name: String, oid: String },

    #[error("{source_name}: {what} is refused at byte {offset}: {problem}; no real certificate or chain has one (fix: check that this is the file the server should use; a chain is a few certificates)")]
    TooComplex {
        source_name: String,
        what: String,
        offset: usize,
        problem: String,
    },

    #[error("{source_name}: the container holds no certificates")]
    NoCertificates { source_name: String },

    #[error("chain is not usable: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Chain {
        problems: Vec<crate::chain::ChainProblem>,
    },

    #[error("cannot encode {what}: {detail}")]
    Encode { what: String, detail: String },

    #[error("certificate generation failed: {0}")]
    Generate(String),

    #[error("demo CA key does not load ({detail}); delete the state directory's demo-ca files to create a new demo CA")]
    DemoCaKey { detail: String },
}
