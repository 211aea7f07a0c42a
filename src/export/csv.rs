//! `export --format csv`: the events of the window, one row each.
//!
//! RFC 4180: a header row, CRLF line ends, fields holding a comma, a quote,
//! CR or LF quoted with `"` and inner quotes doubled. Formula-injection
//! safe: a text field starting with `=`, `+`, `-`, `@`, a tab or CR gets a
//! leading `'`, so a spreadsheet shows it instead of evaluating it. Numbers
//! are written as numbers. Text is the log's own (multi-line messages stay
//! multi-line inside quotes), redacted when asked.

use super::{ExportOptions, Scope};
use crate::model::{Case, SymCol};
use pm_parsers::time::format_utc;
use std::io::Write;

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 32] = [
    "id",
    "ts",
    "local_time",
    "kind",
    "level",
    "source",
    "line",
    "host",
    "app",
    "pid",
    "thread",
    "txn",
    "user",
    "db",
    "request_id",
    "client",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "bytes",
    "resource",
    "mode",
    "blocker_pid",
    "blocker_txn",
    "job",
    "run_id",
    "code",
    "statement",
    "message",
    "findings",
];

/// One text field, formula-safe and quoted when needed.
pub fn text_field(s: &str) -> String {
    let guarded = match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Write the events of the window of `case` as CSV to `out`.
pub fn csv_to(case: &Case, opts: &ExportOptions, out: &mut dyn Write) -> Result<(), String> {
    let scope = Scope::new(case, opts)?;
    write(&scope, out).map_err(|e| e.to_string())
}

fn write(s: &Scope<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let t = &s.case.timeline;
    let mut w = std::io::BufWriter::new(out);
    w.write_all(CSV_COLUMNS.join(",").as_bytes())?;
    w.write_all(b"\r\n")?;
    // Which findings cite each event (few findings, many events: a map is fine).
    let mut cited: std::collections::BTreeMap<usize, Vec<&str>> = Default::default();
    for f in &s.findings {
        for &e in &f.evidence {
            let e = e as usize;
            if e >= s.lo && e < s.hi {
                let v = cited.entry(e).or_default();
                if !v.contains(&f.id.as_str()) {
                    v.push(f.id.as_str());
                }
            }
        }
    }
    let mut row: Vec<String> = Vec::with_capacity(CSV_COLUMNS.len());
    for i in s.lo..s.hi {
        row.clear();
        let txt = |x: Option<&str>| x.map(|v| text_field(&s.text(v))).unwrap_or_default();
        let num = |x: Option<String>| x.unwrap_or_default();
        let sym = |c: SymCol| txt(t.str(c, i));
        row.push(i.to_string());
        row.push(format_utc(t.ts(i)));
        row.push(
            s.opts
                .zone
                .local(t.ts(i))
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string(),
        );
        row.push(t.kind(i).as_str().to_string());
        row.push(
            t.level(i)
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
        );
        row.push(text_field(&s.source_name(t.source(i))));
        row.push(t.line(i).to_string());
        row.push(sym(SymCol::Host));
        row.push(sym(SymCol::App));
        row.push(num(t.pid(i).map(|p| p.to_string())));
        row.push(sym(SymCol::Thread));
        row.push(sym(SymCol::Txn));
        row.push(sym(SymCol::User));
        row.push(sym(SymCol::Db));
        row.push(sym(SymCol::RequestId));
        row.push(sym(SymCol::Client));
        row.push(sym(SymCol::Method));
        row.push(sym(SymCol::Route));
        row.push(txt(t.path(i)));
        row.push(num(t.status(i).map(|x| x.to_string())));
        row.push(num(t
            .duration_ms(i)
            .map(|d| format!("{}", (d * 1000.0).round() / 1000.0))));
        row.push(num(t.bytes(i).map(|x| x.to_string())));
        row.push(sym(SymCol::Resource));
        row.push(sym(SymCol::Mode));
        row.push(num(t.blocker_pid(i).map(|p| p.to_string())));
        row.push(sym(SymCol::BlockerTxn));
        row.push(sym(SymCol::Job));
        row.push(sym(SymCol::RunId));
        row.push(sym(SymCol::Code));
        row.push(txt(t.statement(i)));
        row.push(txt(Some(t.message(i)).filter(|m| !m.is_empty())));
        row.push(cited.get(&i).map(|v| v.join(" ")).unwrap_or_default());
        w.write_all(row.join(",").as_bytes())?;
        w.write_all(b"\r\n")?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::text_field;

    #[test]
    fn rfc4180_and_formula_safe() {
        assert_eq!(text_field("plain"), "plain");
        assert_eq!(text_field("a,b"), "\"a,b\"");
        assert_eq!(text_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(
            text_field("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(text_field("+1"), "'+1");
        assert_eq!(text_field("-2"), "'-2");
        assert_eq!(text_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_field("\tx"), "'\tx");
        assert_eq!(text_field(""), "");
    }
}
