//! Test support: run one input through every code path a parser can see.
//!
//! [`ParseTester`] feeds the same bytes as one slice and through readers
//! that yield 1 and 7 bytes at a time, and checks the events and the
//! accounting are identical: parsers must never see chunk boundaries.

use crate::decode::{Content, TextReader, sniff_content};
use crate::event::Event;
use crate::parser::{Accounting, Format, SourceCtx, parse_stream};
use crate::split::DEFAULT_MAX_LINE;
use crate::time::{Resolver, Zone};
use std::io::{self, Read};

/// A reader that returns at most `n` bytes per call.
pub struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl<'a> Trickle<'a> {
    /// Yield `data` `n` bytes at a time.
    pub fn new(data: &'a [u8], n: usize) -> Trickle<'a> {
        Trickle { data, n: n.max(1) }
    }
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.data.len().min(buf.len()).min(self.n);
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

/// Runs a format over bytes through several reading paths.
pub struct ParseTester<'f> {
    format: &'f dyn Format,
    /// The context parsers are created with.
    pub ctx: SourceCtx,
}

impl<'f> ParseTester<'f> {
    /// A tester for `format`, reading naive timestamps in `zone` (`"UTC"`, `"Asia/Tokyo"`).
    pub fn new(format: &'f dyn Format, zone: &str) -> ParseTester<'f> {
        let zone = zone.parse::<Zone>().unwrap_or_else(|_| Zone::utc());
        ParseTester {
            format,
            ctx: SourceCtx::new(Resolver::new(zone), "test"),
        }
    }

    /// Parse `bytes` once (encoding detected), as one slice.
    pub fn run(&self, bytes: &[u8]) -> (Vec<Event<'static>>, Accounting) {
        self.run_reader(bytes, bytes)
    }

    fn run_reader<R: Read>(&self, sample: &[u8], reader: R) -> (Vec<Event<'static>>, Accounting) {
        let (encoding, bom) = match sniff_content(&sample[..sample.len().min(64 * 1024)]) {
            Content::Text { encoding, bom } => (encoding, bom),
            Content::Binary { .. } => (encoding_rs::UTF_8, 0),
        };
        let mut parser = self.format.parser(&self.ctx);
        let mut events: Vec<Event<'static>> = Vec::new();
        let acct = match TextReader::new(reader, encoding, bom) {
            Ok(r) => {
                parse_stream(
                    r,
                    parser.as_mut(),
                    &mut events,
                    DEFAULT_MAX_LINE,
                    &mut |_| {},
                )
                .0
            }
            Err(_) => Accounting::default(),
        };
        (events, acct)
    }

    /// Parse `bytes` as one slice and in 1- and 7-byte reads; return the
    /// result, or describe the first difference between paths.
    pub fn check(&self, bytes: &[u8]) -> Result<(Vec<Event<'static>>, Accounting), String> {
        let whole = self.run(bytes);
        for n in [1usize, 7] {
            let other = self.run_reader(bytes, Trickle::new(bytes, n));
            if other.1 != whole.1 {
                return Err(format!(
                    "accounting differs with {n}-byte reads: {:?} vs {:?}",
                    other.1, whole.1
                ));
            }
            if other.0.len() != whole.0.len() {
                return Err(format!(
                    "{} events with {n}-byte reads, {} as a slice",
                    other.0.len(),
                    whole.0.len()
                ));
            }
            if let Some(i) = (0..whole.0.len()).find(|&i| other.0[i] != whole.0[i]) {
                return Err(format!(
                    "event {i} differs with {n}-byte reads:\n{:?}\nvs\n{:?}",
                    other.0[i], whole.0[i]
                ));
            }
        }
        if !whole.1.balanced() {
            return Err(format!("accounting does not balance: {:?}", whole.1));
        }
        Ok(whole)
    }
}
