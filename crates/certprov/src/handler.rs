//! One request in, one response out. Only the configured path answers; the chain body is
//! built once per (re)load as `Bytes` (crate::live), so a request costs a refcount bump,
//! never a copy.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

use crate::metrics::{Listener, Metrics};
use crate::CONTENT_TYPE as CHAIN_CONTENT_TYPE;

pub(crate) struct Shared {
    pub path: String,
    /// The chain in service; a reload swaps it (crate::live).
    pub live: Arc<crate::live::Live>,
    pub max_body_bytes: usize,
    pub metrics: Arc<Metrics>,
}

pub(crate) async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    listener: Listener,
) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let resp = route(req, &shared).await;
    let sent = if method == Method::HEAD {
        0
    } else {
        resp.body().size_hint_exact()
    };
    shared
        .metrics
        .request(listener, &method, resp.status().as_u16(), sent);
    resp
}

trait ExactSize {
    fn size_hint_exact(&self) -> u64;
}
impl ExactSize for Full<Bytes> {
    fn size_hint_exact(&self) -> u64 {
        hyper::body::Body::size_hint(self).exact().unwrap_or(0)
    }
}

async fn route(req: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if !req.uri().path().eq_ignore_ascii_case(&shared.path) {
        return text(StatusCode::NOT_FOUND, "not found\n");
    }
    match *req.method() {
        Method::GET | Method::HEAD => chain(shared),
        Method::POST => {
            let declared = req
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > shared.max_body_bytes as u64) {
                return text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
            }
            // Drain (bounded) so a chunked body over the limit is refused too; the content is
            // not used because the devices' request format is unconfirmed.
            match Limited::new(req.into_body(), shared.max_body_bytes)
                .collect()
                .await
            {
                Ok(_) => chain(shared),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
                }
                Err(_) => text(StatusCode::BAD_REQUEST, "unreadable request body\n"),
            }
        }
        _ => {
            let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "use GET, HEAD or POST\n");
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
            r
        }
    }
}

fn chain(shared: &Shared) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(shared.live.body()));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(CHAIN_CONTENT_TYPE));
    r
}

fn text(status: StatusCode, msg: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(msg.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=us-ascii"),
    );
    r
}
