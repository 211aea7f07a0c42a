//! The fallback for "timestamp level message" logs: any line starting with
//! a supported timestamp starts a record; the lines after it without one
//! (stack traces, wrapped text) belong to it.

use crate::assemble::Assembler;
use crate::codes::extract_code;
use crate::event::{Event, EventSink, Kind, Level};
use crate::fields::infer_kind;
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time::{self, Resolver};
use std::borrow::Cow;

/// Split what follows a timestamp into (pid, thread, level, message):
/// `[main] INFO  Foo - msg`, `[12345] ERROR: msg`, `<warn> msg`, `E msg`.
pub fn split_head(rest: &str) -> (Option<i64>, Option<&str>, Option<Level>, &str) {
    let mut s = rest.trim_start_matches([' ', '\t', ':', '|']);
    let mut pid = None;
    let mut thread = None;
    let mut level = None;
    for round in 0..3 {
        if s.is_empty() {
            break;
        }
        let (tok, after) = match s.find([' ', '\t']) {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        };
        let bare = tok.trim_end_matches(':');
        let inner = bare
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .or_else(|| bare.strip_prefix('<').and_then(|t| t.strip_suffix('>')))
            .or_else(|| bare.strip_prefix('(').and_then(|t| t.strip_suffix(')')));
        if level.is_none() {
            let candidate = inner.unwrap_or(bare);
            let single = candidate.len() == 1;
            if !single || round == 0 {
                if let Some(l) = Level::parse(candidate) {
                    level = Some(l);
                    s = after.trim_start_matches([' ', '\t']);
                    s = s
                        .strip_prefix("- ")
                        .or_else(|| s.strip_prefix(": "))
                        .unwrap_or(s);
                    break;
                }
            }
        }
        match inner {
            Some(i) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && pid.is_none() => {
                pid = i.parse().ok();
            }
            Some(i) if thread.is_none() && !i.is_empty() => thread = Some(i.trim()),
            _ => break,
        }
        s = after.trim_start_matches([' ', '\t']);
    }
    (pid, thread, level, s)
}

/// Build an event from a line starting with a timestamp (`None` otherwise).
pub fn parse_generic_line<'a>(
    text: &'a str,
    resolver: &Resolver,
    line: &Line<'_>,
) -> Option<Event<'a>> {
    let (stamp, used) = time::parse_prefix(text)?;
    let ts = resolver.resolve(stamp)?;
    let rest = &text[used..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t', ']', ':', '|', ',']) {
        return None;
    }
    let (pid, thread, level, msg) = split_head(rest.trim_start_matches(']'));
    let mut e = Event::new(Kind::Log, ts, line.number, line.offset);
    e.pid = pid;
    e.thread = thread.map(Cow::Borrowed);
    e.level = level;
    e.message = Cow::Borrowed(msg);
    if matches!(level, Some(l) if l >= Level::Warn) {
        e.code = extract_code(msg).map(Cow::Owned);
    }
    e.kind = infer_kind(&e, None);
    Some(e)
}

fn starts_with_timestamp(l: &str) -> bool {
    time::parse_prefix(l).is_some()
}

/// "timestamp \[level\] message" with multi-line records.
pub struct Generic;

impl Format for Generic {
    fn name(&self) -> &str {
        "generic"
    }
    fn description(&self) -> &str {
        "any line starting with a timestamp (ISO 8601, 2023/06/01, CLF, epoch, syslog) then an optional level and a message; following lines attach"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        0.35 * sample.fraction(crate::parser::is_blank_or_indented, starts_with_timestamp)
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        Box::new(GenericParser {
            resolver: ctx.resolver,
            asm: Assembler::default(),
        })
    }
}

struct GenericParser {
    resolver: Resolver,
    asm: Assembler,
}

impl LineParser for GenericParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        match parse_generic_line(line.text, &self.resolver, line) {
            Some(e) => self.asm.start(e, out),
            None => self.asm.continue_with(line),
        }
    }
    fn finish(&mut self, out: &mut dyn EventSink) -> Settlement {
        self.asm.flush(out);
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_str;
    use crate::time::Zone;

    #[test]
    fn heads() {
        assert_eq!(
            split_head(" [main] INFO  Foo - started"),
            (None, Some("main"), Some(Level::Info), "Foo - started")
        );
        assert_eq!(
            split_head(" [12345] ERROR: boom"),
            (Some(12345), None, Some(Level::Error), "boom")
        );
        assert_eq!(
            split_head(" E failed"),
            (None, None, Some(Level::Error), "failed")
        );
        assert_eq!(split_head(" just text"), (None, None, None, "just text"));
        assert_eq!(
            split_head(" 情報 [main] 起動"),
            (None, None, Some(Level::Info), "[main] 起動")
        );
    }

    #[test]
    fn multiline_records_and_accounting() {
        let text = "preamble line\n\
                    2023-06-01 14:50:00.123 [pool-1] ERROR c.e.Svc - failed KDJE34368-W\n\
                    java.lang.IllegalStateException: x\n\
                    \tat c.e.Svc.run(Svc.java:10)\n\
                    2023/06/01 14:50:01 INFO done\n";
        let ctx = SourceCtx::new(Resolver::new("+09:00".parse().unwrap_or(Zone::utc())), "t");
        let mut p = Generic.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!(
            (acct.lines, acct.parsed, acct.continuation, acct.skipped),
            (5, 2, 2, 1)
        );
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].kind, Kind::Error);
        assert_eq!(ev[0].code.as_deref(), Some("KDJE34368-W"));
        assert_eq!(ev[0].line_count, 3);
        assert!(ev[0].message.ends_with("Svc.java:10)"));
        assert_eq!(ev[0].thread.as_deref(), Some("pool-1"));
        assert_eq!(time::format_utc(ev[0].ts), "2023-06-01T05:50:00.123Z");
        assert_eq!(ev[1].level, Some(Level::Info));
    }
}
