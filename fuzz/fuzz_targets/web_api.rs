//! Any request to `ucprov web`'s API: the JSON bodies of encode, decode and config, and a
//! capture upload, through the same `respond` the server calls. No panic; every answer under
//! /api/ is JSON (never a 500) with the page's security headers.
#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use libfuzzer_sys::fuzz_target;
use ucprov::cmd::web::api::respond;
use ucprov::cmd::web::Site;

const PATHS: [&str; 5] = ["/api/encode", "/api/decode", "/api/config", "/api/capture", "/api/targets"];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the endpoint and the method; the rest is the body.
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick & 0x07) % PATHS.len()];
    let method = if pick & 0x80 == 0 { Method::POST } else { Method::GET };
    let content_type = if path == "/api/capture" {
        "application/octet-stream"
    } else {
        "application/json"
    };
    let Ok(req) = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8080")
        .header("content-type", content_type)
        .body(Full::new(Bytes::copy_from_slice(body)))
    else {
        return;
    };
    let site = Arc::new(Site::new(SocketAddr::from(([127, 0, 0, 1], 8080))));
    runtime().block_on(async {
        let Ok(answer) = respond(req, site).await;
        let status = answer.status();
        assert!(!status.is_server_error(), "{path}: {status}");
        assert!(answer.headers().contains_key("content-security-policy"));
        let is_json = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        assert!(is_json, "{path}: {status} is not JSON");
        let bytes = answer.into_body().collect().await.map(|b| b.to_bytes());
        let Ok(bytes) = bytes;
        assert!(
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
            "{path}: {status}: the body is not JSON"
        );
    });
});
