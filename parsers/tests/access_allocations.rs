//! The hot access parsers allocate little per line: counted with a global
//! allocator over the real combined log and the nginx capture.

#![allow(clippy::unwrap_used, clippy::panic)]

mod alloc_count;

use pm_parsers::access::clf::ClfParser;
use pm_parsers::access::haproxy::Haproxy;
use pm_parsers::access::json::JsonAccess;
use pm_parsers::access::ltsv::Ltsv;
use pm_parsers::access::uwsgi::Uwsgi;
use pm_parsers::access::w3c::W3c;
use pm_parsers::time::{Resolver, Zone};
use pm_parsers::{Format, LineParser, SourceCtx};

#[global_allocator]
static GLOBAL: alloc_count::Counting = alloc_count::Counting;

fn allocs_per_line(text: &str) -> (f64, u64) {
    allocs_per_line_of(text, &mut ClfParser::new(Resolver::new(Zone::utc())))
}

/// Allocations per line, and the sum of the statuses read.
fn allocs_per_line_of(text: &str, p: &mut dyn LineParser) -> (f64, u64) {
    let (per_line, statuses, _) = alloc_count::allocs_per_line(text, p, false);
    (per_line, statuses)
}

#[test]
fn combined_lines_allocate_only_what_they_compute() {
    let shop = include_str!("fixtures/access/lnav_shop_access_log.0");
    let (per_line, check) = allocs_per_line(shop);
    assert!(check > 0);
    // A route for the paths that have ids to collapse (0.55 per line); the
    // `attrs` list (user agent, referer) is the last line's, kept by the
    // parser (it was one more allocation per line).
    assert!(per_line <= 0.6, "{per_line} allocations per line");
    let timed = include_str!("fixtures/access/nginx_timed.log");
    let (per_line, _) = allocs_per_line(timed);
    // ... plus the formatted `upstream_ms` where there is one (1.16).
    assert!(per_line <= 1.2, "{per_line} allocations per line");
}

#[test]
fn w3c_lines_allocate_only_what_they_compute() {
    let iis = include_str!("fixtures/access/lnav_w3c_big.0");
    let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "u_ex.log");
    let (per_line, check) = allocs_per_line_of(iis, &mut *W3c.parser(&ctx));
    assert!(check > 0);
    // 0.012 per line: the first line's `attrs` list and the column list
    // of the first `#Fields:` directive. Kept by the parser from line to
    // line and from directive to directive; it was 1.70 with a new list per
    // line, and 0.87 with the 20 allocations of each of the file's 11
    // directives (a lower-case copy of every column name).
    assert!(per_line <= 0.05, "{per_line} allocations per line");
}

/// Allocations per line of `text` read by format `f`.
fn allocs_per_line_in(f: &dyn Format, text: &str) -> (f64, u64) {
    let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "access.log");
    allocs_per_line_of(text, &mut *f.parser(&ctx))
}

#[test]
fn other_access_lines_keep_their_attribute_list() {
    // Each parser hands its event over and keeps the `attrs` list for the
    // next line; what is left is what the line computes (a route with ids
    // collapsed, a formatted upstream time, unescaped JSON text). Measured
    // with the list kept, and (in the comment) without: one more per line.
    let cases: [(&dyn Format, &str, f64); 4] = [
        // 1.16 (2.11)
        (&Ltsv, include_str!("fixtures/access/nginx_ltsv.log"), 1.2),
        // 0.91 (1.82)
        (
            &Haproxy,
            include_str!("fixtures/access/haproxy_http.log"),
            0.95,
        ),
        // 0.05 (1.00): the first line's list
        (&Uwsgi, include_str!("fixtures/access/lnav_uwsgi.0"), 0.1),
        // 1.58 (2.53)
        (
            &JsonAccess,
            include_str!("fixtures/access/nginx_json.log"),
            1.6,
        ),
    ];
    for (f, text, bound) in cases {
        let (per_line, check) = allocs_per_line_in(f, text);
        assert!(check > 0, "{}: no request read", f.name());
        assert!(
            per_line <= bound,
            "{}: {per_line} allocations per line",
            f.name()
        );
    }
}

#[test]
fn w3c_lines_timed_by_their_date_directive_allocate_nothing() {
    // A block whose fields have no `date`: each line's time is read on the
    // day of its `#Date:` directive (it was one allocation per line).
    let mut text = String::from(
        "#Date: 2023-06-01 05:50:00\n#Fields: time cs-method cs-uri sc-status time-taken\n",
    );
    for s in 0..200 {
        text += &format!("05:51:{:02} GET /a/b?c=1 200 0.250\n", s % 60);
    }
    let ctx = SourceCtx::new(Resolver::new(Zone::utc()), "u_ex.log");
    let (per_line, check) = allocs_per_line_of(&text, &mut *W3c.parser(&ctx));
    assert_eq!(check, 200 * 200, "every line read");
    assert!(per_line <= 0.02, "{per_line} allocations per line");
}
