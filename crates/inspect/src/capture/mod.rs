//! Captures read per phone, as a stream: [`reader`] frames pcap and pcapng records from any
//! `BufRead`, [`link`] peels each down to a DHCP-port datagram, [`engine`] pairs requests
//! with replies per client and closes them by a time window, and [`judge`] says what each
//! exchange and client mean. [`Capture`] drives the three over one input.

pub mod engine;
pub mod judge;
pub mod link;
pub mod reader;
pub mod report;
pub mod time;

#[cfg(test)]
mod tests;

use std::io::BufRead;

pub use engine::Engine;
pub use reader::{CaptureError, Format, Reader};
pub use report::{ClientReport, Summary, Verdict};

use link::{link_type_name, FrameNote, Peeled};
use report::UnsupportedLink;

/// Seconds of capture time an exchange waits for replies, and a quiet client stays open.
pub const DEFAULT_WINDOW_SECS: u64 = 120;

/// One capture being read: the reader, the engine, and what was skipped.
pub struct Capture<R> {
    reader: Reader<R>,
    engine: Engine,
    notes: Vec<FrameNote>,
    note_count: u64,
    unsupported: Vec<(u16, u64)>,
    failing: u64,
    clients: u64,
    error: Option<CaptureError>,
    ended: bool,
}

/// Client reports handed out per step once the input has ended.
const DRAIN: usize = 256;

impl<R: BufRead> Capture<R> {
    pub fn open(input: R, window_secs: u64) -> Result<Self, CaptureError> {
        Ok(Capture {
            reader: Reader::new(input)?,
            engine: Engine::new(window_secs),
            notes: Vec::new(),
            note_count: 0,
            unsupported: Vec::new(),
            failing: 0,
            clients: 0,
            error: None,
            ended: false,
        })
    }

    /// Bytes of input read so far.
    pub fn offset(&self) -> u64 {
        self.reader.offset()
    }

    fn count(&mut self, reports: &[ClientReport]) {
        self.clients += reports.len() as u64;
        self.failing += reports
            .iter()
            .filter(|c| c.verdict_code.is_failure())
            .count() as u64;
    }

    /// Read up to `records` more records; returns the clients that closed meanwhile and whether
    /// the input has ended (then every client has been handed out). A framing error ends the
    /// input: what came before it is still reported, and the error is in the summary.
    pub fn step(&mut self, records: usize) -> (Vec<ClientReport>, bool) {
        let mut ended = self.ended;
        for _ in 0..records {
            if ended {
                break;
            }
            let record = match self.reader.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(e) => {
                    self.error = Some(e);
                    ended = true;
                    break;
                }
            };
            match link::peel(&record) {
                Peeled::Dhcp(d) => self.engine.feed(&d),
                Peeled::Other => {}
                Peeled::Unsupported(lt) => {
                    match self.unsupported.iter_mut().find(|(t, _)| *t == lt) {
                        Some((_, n)) => *n += 1,
                        None => self.unsupported.push((lt, 1)),
                    }
                }
                Peeled::Note(n) => {
                    self.note_count += 1;
                    if self.notes.len() < engine::KEEP_NOTES {
                        self.notes.push(n);
                    }
                }
            }
        }
        let mut out = self.engine.take_ready();
        if ended && !self.ended {
            self.engine.end_input();
            self.ended = true;
        }
        let mut done = false;
        if self.ended {
            // Clients left at the end come out a step's worth at a time.
            let more = self.engine.drain(DRAIN);
            done = more.is_empty();
            out.extend(more);
        }
        self.count(&out);
        (out, done)
    }

    /// The totals, once `step` has said the input ended.
    pub fn summary(&mut self, file: &str) -> Summary {
        Summary {
            file: file.to_string(),
            format: self.reader.format(),
            link_types: self
                .reader
                .link_types()
                .iter()
                .map(|l| link_type_name(*l))
                .collect(),
            frames: self.reader.frames(),
            dhcp_datagrams: self.engine.dhcp_datagrams,
            dhcp_messages: self.engine.dhcp_messages,
            first_frame_utc: self.engine.first_time().map(time::Timestamp::utc),
            clients: self.clients,
            failing_clients: self.failing,
            malformed_count: self.engine.malformed_count,
            malformed: std::mem::take(&mut self.engine.malformed),
            frame_note_count: self.note_count,
            frame_notes: std::mem::take(&mut self.notes),
            unsupported_link_types: self
                .unsupported
                .iter()
                .map(|(l, n)| UnsupportedLink {
                    link_type: *l,
                    name: link_type_name(*l),
                    frames: *n,
                })
                .collect(),
            capture_error: self.error.as_ref().map(ToString::to_string),
        }
    }

    /// Whether the input ended on a framing error rather than at its end.
    pub fn error(&self) -> Option<&CaptureError> {
        self.error.as_ref()
    }
}
