//! Routes and handlers. Every answer that computes something calls the subcommands' own
//! functions; this file only translates JSON in and out and picks status codes.
//!
//! | route | answer |
//! |---|---|
//! | `GET /`, `/app.js`, `/style.css` | the page |
//! | `GET /api/targets` | confgen's platform table |
//! | `POST /api/encode` | profile fields → `encode`'s JSON plus every hex notation |
//! | `POST /api/decode` | `{hex, kind?}` → `decode`'s JSON plus the parsed bytes |
//! | `POST /api/config` | `{profile, target, scope?, class_name?, interface?, full?}` → config text and findings |
//!
//! Errors are `{"error": message, "field": input?}` with the message the CLI prints: 400 for a
//! body that is not JSON, 413 over [`BODY_LIMIT`], 415 for another content type, 422 for input
//! that is JSON but wrong (the field named where one can be).

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt::Display;
use std::sync::Arc;

use bytes::Bytes;
use clap::ValueEnum;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ucprov_confgen::{generate, platform, ConfgenError, Platform, Request as ConfRequest};
use ucprov_wire::hex::HexStyle;

use super::{Site, BODY_LIMIT, BODY_TIMEOUT};
use crate::cmd::config::{check_full, parse_scope, request_error};
use crate::cmd::decode::{decode, read_paste, DecodeAs, DecodeReport};
use crate::cmd::encode::{encode, Encoded};
use crate::profile_args::{InputWarning, ProfileArgs};
use crate::render::hex_form::HexForm;

pub type Answer = Response<Full<Bytes>>;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// Scripts and styles only from this origin (no inline script), fetch only to it, no frames.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn respond<B>(req: Request<B>, site: Arc<Site>) -> Result<Answer, Infallible>
where
    B: Body,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let mut answer = route(req, &site).await;
    let h = answer.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    Ok(answer)
}

async fn route<B>(req: Request<B>, site: &Site) -> Answer
where
    B: Body,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !site.host_allowed(host) {
        return text(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only requests for the address it listens on\n",
        );
    }
    let path = req.uri().path().to_owned();
    match (req.method(), path.as_str()) {
        (&Method::GET, "/" | "/index.html") => asset(INDEX_HTML, "text/html; charset=utf-8"),
        (&Method::GET, "/app.js") => asset(APP_JS, "text/javascript; charset=utf-8"),
        (&Method::GET, "/style.css") => asset(STYLE_CSS, "text/css; charset=utf-8"),
        (&Method::GET, "/api/targets") => json_answer(StatusCode::OK, &targets()),
        (&Method::POST, "/api/encode") => match read_json::<ProfileArgs, _>(req).await {
            Ok(profile) => api_encode(&profile),
            Err(answer) => answer,
        },
        (&Method::POST, "/api/decode") => match read_json::<DecodeRequest, _>(req).await {
            Ok(r) => api_decode(&r),
            Err(answer) => answer,
        },
        (&Method::POST, "/api/config") => match read_json::<ConfigRequest, _>(req).await {
            Ok(r) => api_config(r),
            Err(answer) => answer,
        },
        (_, "/" | "/index.html" | "/app.js" | "/style.css" | "/api/targets") => not_allowed("GET"),
        (_, "/api/encode" | "/api/decode" | "/api/config") => not_allowed("POST"),
        (_, p) if p.starts_with("/api/") => error(
            StatusCode::NOT_FOUND,
            "no such API: use /api/encode, /api/decode, /api/config or /api/targets",
            None::<&str>,
        ),
        _ => text(StatusCode::NOT_FOUND, "not found: the page is at /\n"),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

#[derive(Debug, Serialize)]
struct EncodeAnswer {
    #[serde(flatten)]
    encoded: Encoded,
    /// Options 43 and 120 in every `--hex-style` notation, for the page's notation selector.
    forms: Vec<FormFacts>,
}

#[derive(Debug, Serialize)]
struct FormFacts {
    style: String,
    label: String,
    option43: String,
    option120: String,
}

fn api_encode(profile: &ProfileArgs) -> Answer {
    let p = match profile.validated() {
        Ok(p) => p,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.error, e.field),
    };
    let mut encoded = match encode(&p) {
        Ok(e) => e,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e, None::<&str>),
    };
    // Inputs that look like mistakes, naming the page's field labels, first.
    let input = profile.input_warnings(&p);
    encoded
        .warnings
        .splice(0..0, input.iter().map(InputWarning::web));
    let forms = HexForm::value_variants()
        .iter()
        .filter_map(|form| {
            let value = form.to_possible_value()?;
            Some(FormFacts {
                style: value.get_name().to_owned(),
                label: value.get_help().map(|h| h.to_string()).unwrap_or_default(),
                option43: form.format(&encoded.option43.bytes),
                option120: form.format(&encoded.option120.bytes),
            })
        })
        .collect();
    json_answer(StatusCode::OK, &EncodeAnswer { encoded, forms })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecodeRequest {
    hex: String,
    /// Absent or null: detect, as `ucprov decode` without `--as`.
    #[serde(default)]
    kind: Option<DecodeAs>,
}

#[derive(Debug, Serialize)]
struct DecodeAnswer {
    #[serde(flatten)]
    report: DecodeReport,
    /// The parsed input, contiguous hex, so the page can show the bytes the offsets point at.
    bytes: String,
    /// Whether any finding is an error (`ucprov decode` exits 1 then).
    malformed: bool,
}

fn api_decode(r: &DecodeRequest) -> Answer {
    // The same reading as `ucprov decode`: a tool's hex dump, or plain hex.
    let (bytes, form) = match read_paste(&r.hex) {
        Ok(read) => read,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e, Some("hex")),
    };
    if bytes.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no hex to decode: paste option 43, option 120, a run of options or a DHCP message",
            Some("hex"),
        );
    }
    let mut report = decode(&bytes, r.kind);
    report.pasted_as = form;
    let malformed = ucprov_inspect::has_error(&report.all_findings());
    // Offsets in a frame's report count from its DHCP message: show the page those bytes.
    let shown = report
        .frame
        .as_ref()
        .and_then(|f| bytes.get(f.dhcp_offset..))
        .unwrap_or(&bytes);
    let bytes = HexStyle::CONTIGUOUS.format(shown);
    json_answer(
        StatusCode::OK,
        &DecodeAnswer {
            report,
            bytes,
            malformed,
        },
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigRequest {
    profile: ProfileArgs,
    target: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    class_name: Option<String>,
    #[serde(default)]
    interface: Option<String>,
    #[serde(default)]
    full: bool,
}

#[derive(Debug, Serialize)]
struct ConfigAnswer {
    target: &'static str,
    server: &'static str,
    file_name: String,
    /// `None` when an error finding means the target cannot carry the profile.
    config: Option<String>,
    findings: Vec<FindingFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct FindingFacts {
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    option: Option<u8>,
    message: String,
}

/// A form field left empty means the flag was not given.
fn given(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn api_config(r: ConfigRequest) -> Answer {
    let unprocessable =
        |e: &dyn Display, field: &str| error(StatusCode::UNPROCESSABLE_ENTITY, e, Some(field));
    let Some(target) = platform::find(r.target.trim()) else {
        return unprocessable(
            &format!(
                "--target {:?}: unknown target; one of {}",
                r.target,
                platform::ids().join(", ")
            ),
            "target",
        );
    };
    if let Err(e) = check_full(&[target], r.full) {
        return unprocessable(&e, "full");
    }
    let p = match r.profile.validated() {
        Ok(p) => p,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.error, e.field),
    };
    let scope = match given(r.scope).map(|s| parse_scope(&s)).transpose() {
        Ok(s) => s,
        Err(e) => return unprocessable(&e, "scope"),
    };
    let req = match ConfRequest::new(&p, scope, given(r.class_name), given(r.interface), r.full) {
        Ok(req) => req,
        Err(e) => {
            let field = match &e {
                ConfgenError::ClassName { .. } => Some("class_name"),
                ConfgenError::Interface { .. } => Some("interface"),
                ConfgenError::Scope { .. } => Some("scope"),
                ConfgenError::Profile(_) => None,
            };
            return error(StatusCode::UNPROCESSABLE_ENTITY, request_error(e), field);
        }
    };
    let out = match generate(target, &req) {
        Ok(o) => o,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                request_error(e),
                None::<&str>,
            )
        }
    };
    let blocked = out.config.is_none();
    let input = r
        .profile
        .input_warnings(&p)
        .into_iter()
        .map(|w| FindingFacts {
            severity: w.finding.severity.tag(),
            option: None,
            message: w.web(),
        });
    let answer = ConfigAnswer {
        target: target.id,
        server: target.name,
        file_name: target.file_name(),
        config: out.config,
        findings: input
            .chain(out.findings.into_iter().map(|f| {
                FindingFacts {
                    severity: f.severity.tag(),
                    option: f
                        .field
                        .as_deref()
                        .and_then(|x| x.strip_prefix("option "))
                        .and_then(|c| c.parse().ok()),
                    message: f.message,
                }
            }))
            .collect(),
        error: blocked.then(|| {
            format!(
                "no configuration for {}: the profile exceeds the limits reported above",
                target.id
            )
        }),
    };
    let status = if blocked {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    json_answer(status, &answer)
}

#[derive(Debug, Serialize)]
struct TargetFacts {
    id: &'static str,
    name: &'static str,
    /// How the server matches option 60 (`exact`, `substring`, …, `none`).
    vendor_class_match: &'static str,
    vendor_class_note: &'static str,
    default_class_name: &'static str,
    default_interface: Option<&'static str>,
    file_name: String,
    /// Whether `full` (a complete runnable configuration) applies.
    full: bool,
}

fn targets() -> Vec<TargetFacts> {
    platform::PLATFORMS
        .iter()
        .map(|p: &Platform| TargetFacts {
            id: p.id,
            name: p.name,
            vendor_class_match: p.vci.label(),
            vendor_class_note: p.vci_note,
            default_class_name: p.default_name,
            default_interface: p.default_interface,
            file_name: p.file_name(),
            full: p.full_config,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/// The request's JSON body as `T`, or the error answer: 415 unless the content type is JSON,
/// 413 over [`BODY_LIMIT`], 408 when it does not arrive in time, 400 when it is not JSON, 422
/// when it is JSON of the wrong shape.
pub async fn read_json<T, B>(req: Request<B>) -> Result<T, Answer>
where
    T: DeserializeOwned,
    B: Body,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as Content-Type: application/json",
            None::<&str>,
        ));
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is over {BODY_LIMIT} bytes"),
            None::<&str>,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(too_large());
    }
    let body = Limited::new(req.into_body(), BODY_LIMIT).collect();
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, body).await {
        Err(_) => {
            return Err(error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
                None::<&str>,
            ))
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Ok(Err(e)) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("reading the request body: {e}"),
                None::<&str>,
            ))
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        error(status, format!("request body: {e}"), None::<&str>)
    })
}

// ---------------------------------------------------------------------------------------------
// Answers

fn answer(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn asset(body: &'static str, content_type: &'static str) -> Answer {
    answer(StatusCode::OK, content_type, body)
}

fn text(status: StatusCode, body: &'static str) -> Answer {
    answer(status, "text/plain; charset=utf-8", body)
}

fn json_answer(status: StatusCode, value: &impl Serialize) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => answer(status, "application/json", body),
        Err(e) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            format!("JSON output: {e}\n"),
        ),
    }
}

/// `{"error": message, "field": field}`; `field` is the JSON input the message is about.
fn error(status: StatusCode, message: impl Display, field: Option<impl Serialize>) -> Answer {
    json_answer(
        status,
        &json!({ "error": message.to_string(), "field": field }),
    )
}

fn not_allowed(allow: &'static str) -> Answer {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("use {allow}"),
        None::<&str>,
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}
