//! Micro-benchmarks of the hot parsers (access logs, JSON lines, syslog,
//! PostgreSQL's stderr log), in bytes/s.
//!
//! Each corpus is a committed fixture repeated to about 1 MiB. The parser
//! is fed pre-split lines (the decode/split stages are benchmarked apart,
//! in `pipeline/*`, where the multi-line PostgreSQL log is read whole),
//! events go to a sink that only counts them (no `into_owned`), and every
//! routine's result is asserted once before timing.
//!
//! ```text
//! cargo bench -p pm-parsers --bench hot_parsers
//! ```

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Event, EventSink, Format, Line, LineParser, SourceCtx, parse_str};

struct Count {
    events: u64,
    check: u64,
}

impl EventSink for Count {
    fn push(&mut self, e: Event<'_>) {
        self.events += 1;
        self.check = self
            .check
            .wrapping_add(e.status.unwrap_or(0) as u64)
            .wrapping_add(e.route.as_deref().map_or(0, str::len) as u64);
    }
}

/// `fixture` repeated to at least `target` bytes, whole lines.
fn corpus(fixture: &str, target: usize) -> String {
    let mut s = String::with_capacity(target + fixture.len());
    while s.len() < target {
        s.push_str(fixture);
        if !fixture.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (i, l) in text.split_terminator('\n').enumerate() {
        out.push(Line {
            text: l,
            number: i as u32 + 1,
            offset,
            overlong: None,
        });
        offset += l.len() as u64 + 1;
    }
    out
}

fn run(parser: &mut dyn LineParser, lines: &[Line<'_>]) -> (u64, u64) {
    run_checked(parser, lines).0
}

/// (parsed lines, events) and the checksum of the events' fields.
fn run_checked(parser: &mut dyn LineParser, lines: &[Line<'_>]) -> ((u64, u64), u64) {
    let mut sink = Count {
        events: 0,
        check: 0,
    };
    let mut parsed = 0;
    for l in lines {
        if parser.line(l, &mut sink) == pm_parsers::Disposition::Parsed {
            parsed += 1;
        }
    }
    parser.finish(&mut sink);
    ((parsed, sink.events), black_box(sink.check))
}

fn ctx() -> SourceCtx {
    SourceCtx::new(Resolver::new(Zone::utc()), "bench")
}

fn bench_format(c: &mut Criterion, group: &str, format: &dyn Format, fixture: &str) {
    let text = corpus(fixture, 1 << 20);
    let ls = lines(&text);
    let ctx = ctx();
    // Assert the routine's result before timing it.
    let mut p = format.parser(&ctx);
    let (parsed, events) = run(p.as_mut(), &ls);
    assert_eq!(parsed, ls.len() as u64, "{group}: every line parses");
    assert_eq!(events, ls.len() as u64, "{group}: one event per line");
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut p = format.parser(&ctx);
            black_box(run(p.as_mut(), black_box(&ls)))
        })
    });
    g.finish();
}

const NGINX_TIMED: &str = include_str!("../tests/fixtures/access/nginx_timed.log");
const SHOP: &str = include_str!("../tests/fixtures/access/lnav_shop_access_log.0");
const LTSV: &str = include_str!("../tests/fixtures/access/nginx_ltsv.log");
const NGINX_JSON: &str = include_str!("../tests/fixtures/access/nginx_json.log");
const SYSLOG: &str = include_str!("../tests/fixtures/syslog/debian_syslog.log");
/// A real PostgreSQL 15 server's log (lock waits, deadlocks, time-outs,
/// durations), in English and in Japanese (`lc_messages`).
const PG_EN: &str = include_str!("../tests/fixtures/postgres/captured/en/postgresql.log");
const PG_JA: &str = include_str!("../tests/fixtures/postgres/captured/ja/postgresql.log");

/// A multi-line format through the pipeline (records span lines): every
/// line parsed or attached to its record, none skipped.
fn bench_records(c: &mut Criterion, group: &str, format: &dyn Format, fixture: &str) {
    let text = corpus(fixture, 1 << 20);
    let ctx = ctx();
    let mut p = format.parser(&ctx);
    let mut sink = Count {
        events: 0,
        check: 0,
    };
    let acct = parse_str(&text, p.as_mut(), &mut sink);
    assert_eq!(acct.skipped, 0, "{group}: no line skipped");
    assert_eq!(
        acct.parsed + acct.continuation,
        acct.lines,
        "{group}: every line read"
    );
    assert_eq!(sink.events, acct.parsed, "{group}: one event per record");
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function(group, |b| {
        b.iter(|| {
            let mut p = format.parser(&ctx);
            let mut sink = Count {
                events: 0,
                check: 0,
            };
            black_box(parse_str(black_box(&text), p.as_mut(), &mut sink).parsed)
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    use pm_parsers::access::{clf, json, ltsv};
    bench_format(c, "nginx-combined", &clf::Combined, SHOP);
    bench_format(c, "nginx-combined-timed", &clf::CombinedTimed, NGINX_TIMED);
    bench_format(c, "ltsv", &ltsv::Ltsv, LTSV);
    bench_format(c, "access-json", &json::JsonAccess, NGINX_JSON);
    bench_format(
        c,
        "json-lines",
        &pm_parsers::structured::JsonLines,
        NGINX_JSON,
    );
    bench_format(c, "syslog", &pm_parsers::syslog::Syslog, SYSLOG);
    let pg = pm_parsers::postgres::stderr::PgStderr;
    bench_records(c, "postgres-stderr", &pg, PG_EN);
    bench_records(c, "postgres-stderr-ja", &pg, PG_JA);

    // The whole pipeline (decode, split, parse) for the combined log.
    let text = corpus(SHOP, 1 << 20);
    let ctx = ctx();
    let mut p = clf::Combined.parser(&ctx);
    let mut sink = Count {
        events: 0,
        check: 0,
    };
    let acct = parse_str(&text, p.as_mut(), &mut sink);
    assert_eq!(acct.parsed, acct.lines);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("nginx-combined", |b| {
        b.iter(|| {
            let mut p = clf::Combined.parser(&ctx);
            let mut sink = Count {
                events: 0,
                check: 0,
            };
            black_box(parse_str(black_box(&text), p.as_mut(), &mut sink).parsed)
        })
    });
    g.finish();
}

criterion_group! {
    name = hot;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(hot);
