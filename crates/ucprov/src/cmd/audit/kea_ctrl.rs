//! A Kea Control Agent client: one JSON command per HTTP POST (`{"command": …, "service":
//! ["dhcp4"], "arguments": …}`), answered by a one-element list `[{"result": N, "text": …,
//! "arguments": …}]` (Kea ARM, "Management API"). Plain HTTP: the agent listens on loopback
//! (or behind an SSH tunnel); there is no TLS to configure.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::exit::{CliError, CliResult};

/// Connect, send and read within this (config-get of a large configuration included).
const DEADLINE: Duration = Duration::from_secs(15);
/// Largest answer read.
const MAX_ANSWER: usize = 32 << 20;

/// `http://HOST:PORT[/PATH]`.
#[derive(Debug, Clone)]
pub struct KeaCtrl {
    pub url: String,
    host: String,
    port: u16,
    path: String,
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub result: i64,
    pub text: String,
    pub arguments: Option<Value>,
    /// The whole answer as received, pretty-printed (what `audit --kea-ctrl` reads).
    pub pretty: String,
}

impl KeaCtrl {
    pub fn parse(url: &str) -> CliResult<Self> {
        let bad = |why: &str| CliError::usage(format!("--kea-ctrl {url:?}: {why}"));
        let rest = match url.strip_prefix("http://") {
            Some(r) => r,
            None if url.starts_with("https://") => {
                return Err(bad("only http:// is supported: reach an agent elsewhere through an SSH tunnel to its loopback port"))
            }
            None => return Err(bad("expected http://HOST:PORT, e.g. http://127.0.0.1:8000")),
        };
        let (authority, path) = rest
            .split_once('/')
            .map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
        let (host, port) = authority
            .rsplit_once(':')
            .ok_or_else(|| bad("give the port, e.g. http://127.0.0.1:8000"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("the port must be 1-65535"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(KeaCtrl {
            url: url.to_string(),
            host: host.to_string(),
            port,
            path,
        })
    }

    /// Send `command` for the dhcp4 service.
    pub fn command(&self, command: &str, arguments: Option<Value>) -> CliResult<Answer> {
        let mut body = json!({ "command": command, "service": ["dhcp4"] });
        if let Some(a) = arguments {
            body["arguments"] = a;
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::env(format!("starting the runtime: {e}")))?;
        let text = rt.block_on(async {
            tokio::time::timeout(DEADLINE, self.post(body.to_string()))
                .await
                .map_err(|_| {
                    self.fail(
                        command,
                        &format!("no answer within {} s", DEADLINE.as_secs()),
                    )
                })?
        })?;
        let value: Value = serde_json::from_slice(&text)
            .map_err(|e| self.fail(command, &format!("the answer is not JSON ({e})")))?;
        let first = match &value {
            Value::Array(items) => items.first().cloned(),
            Value::Object(_) => Some(value.clone()),
            _ => None,
        }
        .ok_or_else(|| self.fail(command, "the answer is neither a list nor an object"))?;
        let result = first
            .get("result")
            .and_then(Value::as_i64)
            .ok_or_else(|| self.fail(command, "the answer has no \"result\""))?;
        Ok(Answer {
            result,
            text: first
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            arguments: first.get("arguments").cloned(),
            pretty: serde_json::to_string_pretty(&value).unwrap_or_default(),
        })
    }

    fn fail(&self, command: &str, why: &str) -> CliError {
        CliError::env(format!("Kea Control Agent {} ({command}): {why}", self.url))
    }

    async fn post(&self, body: String) -> CliResult<Bytes> {
        let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| {
                self.fail(
                    "connect",
                    &format!("{e} (is kea-ctrl-agent listening there?)"),
                )
            })?;
        let (mut sender, conn) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream))
            .await
            .map_err(|e| self.fail("connect", &e.to_string()))?;
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .method("POST")
            .uri(self.path.as_str())
            .header(hyper::header::HOST, format!("{}:{}", self.host, self.port))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| self.fail("request", &e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| self.fail("request", &e.to_string()))?;
        let status = resp.status();
        let body = Limited::new(resp.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| self.fail("answer", &e.to_string()))?
            .to_bytes();
        if !status.is_success() {
            return Err(self.fail(
                "answer",
                &format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                ),
            ));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let k = KeaCtrl::parse("http://127.0.0.1:8000").unwrap();
        assert_eq!(
            (k.host.as_str(), k.port, k.path.as_str()),
            ("127.0.0.1", 8000, "/")
        );
        for bad in [
            "https://x:1",
            "127.0.0.1:8000",
            "http://x",
            "http://:8000",
            "http://x:0",
        ] {
            assert!(KeaCtrl::parse(bad).is_err(), "{bad}");
        }
    }
}
