//! W3C extended log format (IIS, also CloudFront-like exports), driven by
//! its `#Fields:` directive.
//!
//! ```text
//! #Software: Microsoft Internet Information Services 8.5
//! #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken
//! 2015-01-13 00:32:17 100.79.192.81 GET /robots.txt - 80 - 157.55.39.146 Mozilla/5.0+(compatible;...) - 404 0 2 1405 242 283
//! ```
//!
//! Fields are space-separated, `-` is empty, spaces inside values are `+`.
//! Times are UTC, as the W3C draft and IIS define them. `time-taken` is
//! milliseconds in IIS (an integer) and seconds in CloudFront (a decimal):
//! the value's form decides. Directive lines (`#...`) are records of the
//! file (counted as parsed, no event). Data lines before any `#Fields:`
//! use IIS's default field set when they have its field count.

use super::{
    REASON_NOT_ACCESS, attr, present, request_event, set_agent, set_client, set_target, status,
    uint,
};
use crate::event::{EventSink, SparePairs};
use crate::parser::{Disposition, Format, LineParser, Sample, Settlement, SourceCtx};
use crate::split::Line;
use crate::time;
use chrono::NaiveDate;
use std::borrow::Cow;

/// What one W3C column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// `date`
    Date,
    /// `time`
    Time,
    /// `cs-method`
    Method,
    /// `cs-uri-stem`
    UriStem,
    /// `cs-uri-query`
    UriQuery,
    /// `cs-uri` (stem and query)
    Uri,
    /// `cs-username`
    User,
    /// `c-ip`
    ClientIp,
    /// `s-ip`
    ServerIp,
    /// `cs(User-Agent)`
    UserAgent,
    /// `cs(Referer)`
    Referer,
    /// `sc-status`
    Status,
    /// `sc-bytes`
    Bytes,
    /// `time-taken`
    TimeTaken,
    /// `cs-host` / `x-host-header`
    Host,
    /// `X-Forwarded-For` custom field
    Xff,
    /// `s-computername` / `s-sitename`
    Server,
    /// `sc-substatus`, `sc-win32-status`, and anything else.
    Other,
}

/// `#Fields:` names (lower case) and what their columns hold.
const NAMES: [(&str, Col); 23] = [
    ("date", Col::Date),
    ("time", Col::Time),
    ("cs-method", Col::Method),
    ("cs-uri-stem", Col::UriStem),
    ("cs-uri-query", Col::UriQuery),
    ("cs-uri", Col::Uri),
    ("cs-username", Col::User),
    ("c-ip", Col::ClientIp),
    ("s-ip", Col::ServerIp),
    ("cs(user-agent)", Col::UserAgent),
    ("cs(referer)", Col::Referer),
    ("cs(referrer)", Col::Referer),
    ("sc-status", Col::Status),
    ("sc-bytes", Col::Bytes),
    ("time-taken", Col::TimeTaken),
    ("cs-host", Col::Host),
    ("cs(host)", Col::Host),
    ("x-host-header", Col::Host),
    ("x-forwarded-for", Col::Xff),
    ("cs(x-forwarded-for)", Col::Xff),
    ("x-originating-ip", Col::Xff),
    ("s-computername", Col::Server),
    ("s-sitename", Col::Server),
];

/// The column kind of a `#Fields:` name (in any case).
pub fn col(name: &str) -> Col {
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or(Col::Other, |&(_, c)| c)
}

/// IIS's default W3C field set (used before any `#Fields:` directive).
pub const IIS_DEFAULT: &str = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

fn columns(fields: &str) -> Vec<Col> {
    fields.split_whitespace().map(col).collect()
}

/// The UTC time of a data line (`text`) from its `date` and `time` values,
/// or from `time` on the day of the block's `#Date:` directive.
fn line_time(
    text: &str,
    date: Option<&str>,
    time_s: Option<&str>,
    block_date: Option<NaiveDate>,
) -> Option<i64> {
    let stamp = match (date, time_s) {
        (Some(d), Some(t)) => {
            // Adjacent columns (the usual `date time`) are read in place.
            let ds = d.as_ptr() as usize - text.as_ptr() as usize;
            let te = t.as_ptr() as usize - text.as_ptr() as usize + t.len();
            let joined = if ds + d.len() + 1 + t.len() == te {
                time::parse_iso(&text[ds..te])
            } else {
                time::parse_iso(&[d, " ", t].concat())
            };
            joined?.0
        }
        (None, Some(t)) => {
            // `YYYY-MM-DD ` and the time, on the stack: this is every line
            // of a file whose fields have no `date`.
            let mut buf = [0u8; 64];
            let mut w = &mut buf[..];
            std::io::Write::write_fmt(&mut w, format_args!("{} {t}", block_date?)).ok()?;
            let used = 64 - w.len();
            let joined = std::str::from_utf8(buf.get(..used)?).ok()?;
            time::parse_iso(joined)?.0
        }
        _ => return None,
    };
    match stamp {
        time::Stamp::Naive(n) => Some(n.and_utc().timestamp_micros()),
        time::Stamp::Utc(us) => Some(us),
        time::Stamp::NoYear { .. } => None,
    }
}

/// Reason for data lines before any `#Fields:` that do not fit the default.
pub const REASON_NO_FIELDS: &str = "W3C data line without a #Fields: directive";

/// W3C extended / IIS logs.
pub struct W3c;

fn is_w3c_line(l: &str, cols: &[Col]) -> bool {
    if l.starts_with('#') {
        return true;
    }
    let n = l.split(' ').count();
    n == cols.len() && time::parse_iso(l).is_some()
}

impl Format for W3c {
    fn name(&self) -> &str {
        "iis-w3c"
    }
    fn description(&self) -> &str {
        "W3C extended log format (IIS, #Fields: header driven): date time ... cs-method cs-uri-stem sc-status time-taken"
    }
    fn sniff(&self, sample: &Sample<'_>) -> f32 {
        let fields = sample.lines.iter().find_map(|l| l.strip_prefix("#Fields:"));
        let marker = fields.is_some()
            || sample.any_contains("#Software: Microsoft Internet Information Services");
        if !marker {
            return 0.0;
        }
        let cols = columns(fields.unwrap_or(IIS_DEFAULT));
        0.95 * sample.fraction(|l| l.trim().is_empty(), |l| is_w3c_line(l, &cols))
    }
    fn parser(&self, ctx: &SourceCtx) -> Box<dyn LineParser> {
        let _ = ctx;
        Box::new(W3cParser {
            cols: columns(IIS_DEFAULT),
            declared: false,
            date: None,
            spare: SparePairs::default(),
        })
    }
}

struct W3cParser {
    cols: Vec<Col>,
    declared: bool,
    /// `#Date:` of the current block, for files without a `date` column.
    date: Option<NaiveDate>,
    /// The `attrs` allocation of the last line's event.
    spare: SparePairs,
}

impl LineParser for W3cParser {
    fn line(&mut self, line: &Line<'_>, out: &mut dyn EventSink) -> Disposition {
        let text = line.text;
        if let Some(d) = text.strip_prefix('#') {
            if let Some(f) = d.strip_prefix("Fields:") {
                self.cols.clear();
                self.cols.extend(f.split_whitespace().map(col));
                self.declared = true;
            } else if let Some(date) = d.strip_prefix("Date:") {
                self.date = time::parse_iso(date.trim()).and_then(|(st, _)| match st {
                    time::Stamp::Naive(n) => Some(n.date()),
                    _ => None,
                });
            }
            return Disposition::Parsed;
        }
        if text.trim().is_empty() {
            return Disposition::Skipped("empty line");
        }
        let mut vals: [&str; 48] = [""; 48];
        let mut n = 0;
        for v in text.split(' ') {
            if n == vals.len() {
                return Disposition::Skipped(REASON_NOT_ACCESS);
            }
            vals[n] = v;
            n += 1;
        }
        if n != self.cols.len() {
            return Disposition::Skipped(if self.declared {
                REASON_NOT_ACCESS
            } else {
                REASON_NO_FIELDS
            });
        }
        let (mut date, mut time_s) = (None, None);
        let mut e = request_event(0, line);
        e.attrs = self.spare.take();
        let (mut stem, mut query, mut uri, mut method) = (None, None, None, None);
        let (mut client, mut xff, mut ua, mut referer) = (None, None, None, None);
        for (c, v) in self.cols.iter().zip(&vals[..n]) {
            let v: &str = v;
            match c {
                Col::Date => date = Some(v),
                Col::Time => time_s = Some(v),
                Col::Method => method = present(v),
                Col::UriStem => stem = present(v),
                Col::UriQuery => query = present(v),
                Col::Uri => uri = present(v),
                Col::User => e.user = present(v).map(Cow::Borrowed),
                Col::ClientIp => client = Some(v),
                Col::ServerIp => {
                    if let Some(v) = present(v) {
                        attr(&mut e, "server_ip", v)
                    }
                }
                Col::UserAgent => ua = Some(v),
                Col::Referer => referer = Some(v),
                Col::Status => e.status = status(v),
                Col::Bytes => e.bytes = uint(v),
                Col::TimeTaken => {
                    e.duration_ms = if v.contains('.') {
                        super::secs_to_ms(v)
                    } else {
                        uint(v).map(|ms| ms as f64)
                    }
                }
                Col::Host => e.host = present(v).map(Cow::Borrowed),
                Col::Xff => xff = Some(v),
                Col::Server => {
                    if e.host.is_none() {
                        e.host = present(v).map(Cow::Borrowed)
                    }
                }
                Col::Other => {}
            }
        }
        // W3C times are UTC.
        let Some(ts) = line_time(text, date, time_s, self.date) else {
            self.spare.keep(std::mem::take(&mut e.attrs));
            return Disposition::Skipped(super::REASON_BAD_TIME);
        };
        e.ts = ts;
        match (stem, uri) {
            (Some(s), _) => set_target(&mut e, method, s),
            (None, Some(u)) => set_target(&mut e, method, u),
            (None, None) => {
                e.method = method.map(Cow::Borrowed);
            }
        }
        if let Some(q) = query {
            if e.attr("query").is_none() {
                attr(&mut e, "query", super::short(q, super::MAX_QUERY));
            }
        }
        e.message = Cow::Borrowed(stem.or(uri).unwrap_or(""));
        set_client(&mut e, client, xff);
        set_agent(&mut e, referer, ua);
        self.spare.hand_over(&mut e, out);
        Disposition::Parsed
    }
    fn finish(&mut self, _out: &mut dyn EventSink) -> Settlement {
        Settlement::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Kind};
    use crate::parser::parse_str;
    use crate::time::{Resolver, Zone, format_utc};

    #[test]
    fn fields_driven() {
        let text = "#Software: Microsoft Internet Information Services 10.0\n\
                    #Version: 1.0\n\
                    #Date: 2023-06-01 05:50:00\n\
                    #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n\
                    2023-06-01 05:50:00 10.0.0.1 POST /api/session/restore id=7 443 - 203.0.113.5 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 1532\n\
                    2023-06-01 05:50:01 10.0.0.1 GET /x - 443\n\
                    #Fields: time cs-method cs-uri sc-status time-taken\n\
                    05:51:00 GET /a/123?b=1 500 0.250\n";
        let ctx = SourceCtx::new(Resolver::new("Asia/Tokyo".parse::<Zone>().unwrap()), "t");
        let mut p = W3c.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (8, 7, 1));
        let e = &ev[0];
        assert_eq!(e.kind, Kind::Request);
        assert_eq!(format_utc(e.ts), "2023-06-01T05:50:00.000Z");
        assert_eq!(e.method.as_deref(), Some("POST"));
        assert_eq!(e.path.as_deref(), Some("/api/session/restore"));
        assert_eq!(e.attr("query"), Some("id=7"));
        assert_eq!(e.duration_ms, Some(1532.0));
        assert_eq!(e.client.as_deref(), Some("203.0.113.5"));
        assert_eq!(e.status, Some(200));
        let e = &ev[1];
        assert_eq!(format_utc(e.ts), "2023-06-01T05:51:00.000Z");
        assert_eq!(e.route.as_deref(), Some("/a/:id"));
        assert_eq!(e.duration_ms, Some(250.0));
        assert_eq!(e.status, Some(500));
    }

    #[test]
    fn a_line_whose_time_does_not_read_is_skipped_and_leaks_nothing() {
        let text = "#Date: 2023-06-01 05:50:00\n\
                    #Fields: time cs-method cs-uri sc-status s-ip\n\
                    05:51:00 GET /a 200 10.0.0.1\n\
                    25:99:00 GET /b 200 10.0.0.2\n\
                    05:51:01 GET /c 200 -\n\
                    2023-06-01T05:51:02 GET /d 200 -\n";
        let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "t");
        let mut p = W3c.parser(&ctx);
        let mut ev: Vec<Event<'static>> = Vec::new();
        let acct = parse_str(text, p.as_mut(), &mut ev);
        assert_eq!((acct.lines, acct.parsed, acct.skipped), (6, 4, 2));
        assert_eq!(
            acct.skip_reasons.get(super::super::REASON_BAD_TIME),
            Some(&2)
        );
        let paths: Vec<_> = ev.iter().map(|e| e.path.as_deref()).collect();
        assert_eq!(paths, [Some("/a"), Some("/c")]);
        assert_eq!(ev[0].attr("server_ip"), Some("10.0.0.1"));
        // The list kept from the skipped line holds nothing of it.
        assert_eq!(ev[1].attr("server_ip"), None);
        assert_eq!(format_utc(ev[1].ts), "2023-06-01T05:51:01.000Z");
    }
}
