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
//! | `POST /api/capture?name=FILE` | a pcap or pcapng file's bytes → `ucprov pcap --json`'s document |
//!
//! Errors are `{"error": message, "field": input?}`: the message the CLI prints, with each flag
//! it names said as the page's label ([`fields::page_words`]), and `field` the input's id. 400
//! for a body that is not JSON, 413 over [`BODY_LIMIT`] ([`CAPTURE_LIMIT`] for a capture), 415
//! for another content type, 422 for input that is well-formed but wrong (the field named where
//! one can be).

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
use ucprov_inspect::capture::{Capture, DEFAULT_WINDOW_SECS};
use ucprov_wire::hex::HexStyle;

use super::fields::{self, page_words};
use super::{Site, BODY_LIMIT, BODY_TIMEOUT, CAPTURE_LIMIT, CAPTURE_TIMEOUT};
use crate::cmd::config::{check_full, parse_scope, request_error};
use crate::cmd::decode::{decode, read_paste, DecodeAs, DecodeReport};
use crate::cmd::encode::{encode, Encoded};
use crate::cmd::pcap::output::json_document;
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
        (&Method::POST, "/api/capture") => api_capture(req).await,
        (_, "/" | "/index.html" | "/app.js" | "/style.css" | "/api/targets") => not_allowed("GET"),
        (_, "/api/encode" | "/api/decode" | "/api/config" | "/api/capture") => not_allowed("POST"),
        (_, p) if p.starts_with("/api/") => error(
            StatusCode::NOT_FOUND,
            "no such API: use /api/encode, /api/decode, /api/config, /api/capture or /api/targets",
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

/// A profile that cannot be built: the CLI's message in the page's words, and its field.
fn profile_error(e: crate::profile_args::ProfileError) -> Answer {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        e.error,
        e.field.map(fields::of_profile),
    )
}

fn api_encode(profile: &ProfileArgs) -> Answer {
    let p = match profile.validated() {
        Ok(p) => p,
        Err(e) => return profile_error(e),
    };
    let mut encoded = match encode(&p) {
        Ok(e) => e,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e, None::<&str>),
    };
    // Inputs that look like mistakes, naming the page's field labels, first.
    let input = profile.input_warnings(&p);
    for w in &mut encoded.warnings {
        *w = page_words(w);
    }
    for l in &mut encoded.limits {
        l.message = page_words(&l.message);
    }
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
        Err(e) => return profile_error(e),
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
                    message: page_words(&f.message),
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

/// The capture in the body, read by the code `ucprov pcap` runs (off the async workers: it is
/// CPU work), answered with the document `ucprov pcap --json` prints.
pub async fn api_capture<B>(req: Request<B>) -> Answer
where
    B: Body,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let name = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("name=")))
        .map(percent_decoded)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "uploaded capture".to_string());
    if !content_type_is(&req, "application/octet-stream") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the capture file's bytes as Content-Type: application/octet-stream",
            Some("capture"),
        );
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the capture is over {} MiB ({CAPTURE_LIMIT} bytes), the most this page reads; cut it to the phones' traffic (tcpdump 'udp port 67 or udp port 68'), or read it with `ucprov pcap`, which takes any size",
                CAPTURE_LIMIT >> 20
            ),
            Some("capture"),
        )
    };
    let bytes = match read_body(req, CAPTURE_LIMIT, CAPTURE_TIMEOUT, too_large).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    if bytes.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the file is empty: choose a pcap or pcapng capture",
            Some("capture"),
        );
    }
    let label = name.clone();
    let run = tokio::task::spawn_blocking(move || {
        let capture = Capture::open(&bytes[..], DEFAULT_WINDOW_SECS)?;
        Ok::<_, ucprov_inspect::capture::CaptureError>(json_document(capture, &label, Vec::new()))
    });
    match run.await {
        Ok(Ok(Ok(document))) => answer(StatusCode::OK, "application/json", document),
        Ok(Err(e)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name}: {e}"),
            Some("capture"),
        ),
        Ok(Ok(Err(e))) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("writing the report: {e}"),
            None::<&str>,
        ),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reading the capture stopped: {e}"),
            None::<&str>,
        ),
    }
}

/// `%XX` and `+` of a query value decoded; bytes that are not UTF-8 are replaced.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    if !content_type_is(&req, "application/json") {
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
    let bytes = read_body(req, BODY_LIMIT, BODY_TIMEOUT, too_large).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        error(status, format!("request body: {e}"), None::<&str>)
    })
}

/// Whether the request's media type (parameters aside) is `essence`.
fn content_type_is<B>(req: &Request<B>, essence: &str) -> bool {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let got = content_type.split(';').next().unwrap_or("").trim();
    got.eq_ignore_ascii_case(essence)
}

/// The whole body, at most `limit` bytes (`too_large` answers beyond, whether declared or
/// streamed: never a truncated body), within `deadline`.
async fn read_body<B>(
    req: Request<B>,
    limit: usize,
    deadline: std::time::Duration,
    too_large: impl Fn() -> Answer,
) -> Result<Bytes, Answer>
where
    B: Body,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body = Limited::new(req.into_body(), limit).collect();
    match tokio::time::timeout(deadline, body).await {
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s",
                deadline.as_secs()
            ),
            None::<&str>,
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(e)) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("reading the request body: {e}"),
            None::<&str>,
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
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

/// `{"error": message, "field": field}`; `field` is the id of the input the message is about
/// ([`fields`]), and the message names inputs by the page's labels, never by CLI flags.
fn error(status: StatusCode, message: impl Display, field: Option<impl Serialize>) -> Answer {
    json_answer(
        status,
        &json!({ "error": page_words(&message.to_string()), "field": field }),
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
