//! Writing a capture's reports as they close: text blocks, one JSON document written in
//! pieces (so the whole report is never held), or JSON lines. The writer is standard output
//! for `ucprov pcap` and a buffer for `ucprov web`'s Capture tab ([`json_document`]): one
//! serializer for both.

use std::io::{self, BufRead, BufWriter, Stdout, Write};

use serde::Serialize;
use ucprov_inspect::capture::report::ClientRow;
use ucprov_inspect::capture::{Capture, ClientReport, Summary};
use ucprov_inspect::render::capture as text;

/// The version of the JSON shapes `pcap --json` and `--json-lines` write: the one every
/// command shares.
pub const SCHEMA_VERSION: u32 = crate::output::SCHEMA_VERSION;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Text,
    Json,
    JsonLines,
}

pub struct Output<W: Write = BufWriter<Stdout>> {
    mode: Mode,
    summary_only: bool,
    filter: Option<String>,
    out: W,
    rows: Vec<ClientRow>,
    failing: u64,
    written: usize,
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    record: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

fn to_io(e: serde_json::Error) -> io::Error {
    io::Error::other(e)
}

/// One JSON line: which record it is, the schema version, then the body's fields.
fn line<T: Serialize>(out: &mut impl Write, record: &'static str, body: &T) -> io::Result<()> {
    let line = Line {
        record,
        schema_version: SCHEMA_VERSION,
        body,
    };
    serde_json::to_writer(&mut *out, &line).map_err(to_io)?;
    out.write_all(b"\n")
}

impl Output {
    pub fn new(mode: Mode, summary_only: bool, filter: Option<String>) -> Self {
        Output::to(BufWriter::new(io::stdout()), mode, summary_only, filter)
    }
}

impl<W: Write> Output<W> {
    /// The same output into any writer.
    pub fn to(out: W, mode: Mode, summary_only: bool, filter: Option<String>) -> Self {
        Output {
            mode,
            summary_only,
            filter,
            out,
            rows: Vec::new(),
            failing: 0,
            written: 0,
        }
    }

    /// Clients whose verdict is a failure, among those reported.
    pub fn failing(&self) -> u64 {
        self.failing
    }

    pub fn clients(&mut self, closed: &[ClientReport]) -> io::Result<()> {
        for c in closed {
            if self.filter.as_deref().is_some_and(|f| f != c.mac) {
                continue;
            }
            if c.verdict_code.is_failure() {
                self.failing += 1;
            }
            let row = c.row();
            match self.mode {
                Mode::Text if !self.summary_only => {
                    writeln!(self.out, "{}", text::client(c))?;
                }
                Mode::Text => {}
                Mode::Json => {
                    let prefix = if self.written == 0 {
                        format!("{{\"schema_version\":{SCHEMA_VERSION},\"clients\":[")
                    } else {
                        ",".to_string()
                    };
                    self.out.write_all(prefix.as_bytes())?;
                    if self.summary_only {
                        serde_json::to_writer(&mut self.out, &row).map_err(to_io)?;
                    } else {
                        serde_json::to_writer(&mut self.out, c).map_err(to_io)?;
                    }
                }
                Mode::JsonLines if self.summary_only => line(&mut self.out, "client", &row)?,
                Mode::JsonLines => line(&mut self.out, "client", c)?,
            }
            self.written += 1;
            // Only the text summary lists the clients again; JSON has written them already.
            if self.mode == Mode::Text {
                self.rows.push(row);
            }
        }
        self.out.flush()
    }

    /// Write the end of the output; hands the writer back.
    pub fn finish(mut self, mut summary: Summary) -> io::Result<W> {
        if let Some(f) = &self.filter {
            summary
                .malformed
                .retain(|m| m.mac.as_deref() == Some(f.as_str()));
            summary.malformed_count = summary.malformed.len() as u64;
            summary.clients = self.written as u64;
            summary.failing_clients = self.failing;
        }
        match self.mode {
            Mode::Text => {
                write!(
                    self.out,
                    "{}",
                    text::summary(&summary, &self.rows, self.filter.as_deref())
                )?;
            }
            Mode::Json => {
                let head = if self.written == 0 {
                    format!("{{\"schema_version\":{SCHEMA_VERSION},\"clients\":[],")
                } else {
                    "],".to_string()
                };
                self.out.write_all(head.as_bytes())?;
                // The summary's fields close the same object, after the clients.
                let body = serde_json::to_string(&summary).map_err(to_io)?;
                let inner = body.strip_prefix('{').unwrap_or(&body);
                self.out.write_all(b"\"summary\":{")?;
                self.out.write_all(inner.as_bytes())?;
                self.out.write_all(b"}\n")?;
            }
            Mode::JsonLines => line(&mut self.out, "summary", &summary)?,
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Records read per step of [`json_document`].
const STEP: usize = 4096;

/// The whole `pcap --json` document of an opened capture, named `name` in its summary, into
/// `out`. A framing error ends the input as it does for the command: the document is whole
/// and its summary's `capture_error` says what stopped the reading.
pub fn json_document<R: BufRead, W: Write>(
    mut capture: Capture<R>,
    name: &str,
    out: W,
) -> io::Result<W> {
    let mut output = Output::to(out, Mode::Json, false, None);
    loop {
        let (closed, ended) = capture.step(STEP);
        output.clients(&closed)?;
        if ended {
            break;
        }
    }
    output.finish(capture.summary(name))
}
