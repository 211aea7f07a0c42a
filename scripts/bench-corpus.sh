#!/usr/bin/env bash
# Build the benchmark corpus, deterministically (same arguments, same bytes).
#
#   scripts/bench-corpus.sh OUTDIR [SIZE_MIB]
#
# OUTDIR/nginx/access-512M.log   one nginx combined log with $request_time,
#                                SIZE_MIB (default 512) MiB, cut at a line end
# OUTDIR/nginx/access-128M.log   its first quarter  } for the linearity check:
# OUTDIR/nginx/access-256M.log   its first half     } each is a line prefix of the big one
# OUTDIR/mixed/                  a large mixed incident (>= 1 GiB plain text at the
#                                default size): the five sample incidents of
#                                scripts/gen-samples at --scale 3 (nginx combined and
#                                LTSV access logs, Tomcat and Rails app logs, PostgreSQL
#                                stderr logs, pt-stalk InnoDB status dumps and lock
#                                waits, MySQL error log, syslog, Sidekiq, k8s jobs,
#                                Cosminexus...), decompressed, across web/app/db/batch
#                                hosts, plus JSON-lines app logs on app01..app04.
#
# Nothing here is committed: the corpus is regenerated on demand (about 3-5
# minutes on 2 cores, most of it gen-samples and gunzip). Existing parts are
# kept (delete OUTDIR to rebuild). SIZE_MIB scales everything (the mixed
# incident's scale is 3 * SIZE_MIB / 512; its JSON logs are SIZE_MIB / 4 MiB).
set -euo pipefail

out=${1:?usage: bench-corpus.sh OUTDIR [SIZE_MIB]}
size=${2:-512}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# A line generator in Python with its own LCG: the stdlib `random` module's
# sequences are not promised across Python versions, this is.
gen_py=$(
    cat <<'PY'
import sys, os

class Lcg:
    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF
    def next(self):
        # SplitMix64
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)
    def below(self, n):
        return self.next() % n
    def unit(self):
        return (self.next() >> 11) / float(1 << 53)

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# 2023-06-02 00:00:00 +09:00 as a day count is not needed: a simple clock on one day
# and the next is enough (times only go forward).
ROUTES = [
    ("GET", "/", 0.004), ("GET", "/catalog/search?q={q}", 0.030), ("GET", "/items/{n}", 0.012),
    ("GET", "/api/items/{n}", 0.008), ("POST", "/api/cart/{n}", 0.020), ("POST", "/checkout", 0.150),
    ("GET", "/static/app.{n}.js", 0.001), ("GET", "/healthz", 0.001), ("POST", "/api/session/restore", 0.060),
    ("GET", "/orders/{n}/detail", 0.040),
]
WORDS = ["shoes", "bag", "kettle", "lamp", "desk", "chair", "mug", "pen"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.4 Safari/605.1.15",
    "curl/7.88.1",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
REFERERS = ["-", "https://shop.example.jp/", "https://shop.example.jp/catalog/search", "https://www.google.com/"]

def nginx(path_prefixes, total):
    """Write one combined log; each (path, limit) gets the prefix of at most limit bytes."""
    r = Lcg(0x5EED_0001)
    outs = [(open(p, "wb", buffering=1 << 20), lim) for p, lim in path_prefixes]
    written = 0
    t = 0.0  # seconds since 2023-06-02T00:00:00+09:00
    buf = []
    bufsize = 0
    while written < total:
        # ~150 requests/s with a slow window (a lock convoy's symptom) at 10:00-10:05.
        t += r.unit() / 75.0
        sec = int(t)
        day = 2 + sec // 86400
        hh, mm, ss = (sec % 86400) // 3600, (sec % 3600) // 60, sec % 60
        method, route, base = ROUTES[r.below(len(ROUTES))]
        path = route.replace("{n}", str(r.below(90000) + 10)).replace("{q}", WORDS[r.below(len(WORDS))])
        slow = 36000 <= sec < 36300 and method == "POST"
        rt = base * (0.5 + r.unit()) * (40.0 if slow else 1.0)
        status = 200 if r.below(1000) > 3 else (500 if r.below(2) else 404)
        if slow and r.below(10) == 0:
            status = 504
        ip = "198.51.100.%d" % (r.below(250) + 1)
        line = '%s - - [%02d/Jun/2023:%02d:%02d:%02d +0900] "%s %s HTTP/1.1" %d %d "%s" "%s" %.3f\n' % (
            ip, day, hh, mm, ss, method, path, status, 200 + r.below(30000),
            REFERERS[r.below(len(REFERERS))], AGENTS[r.below(len(AGENTS))], rt)
        b = line.encode()
        buf.append(b)
        bufsize += len(b)
        if bufsize >= 1 << 20:
            flush(outs, buf, written)
            written += bufsize
            buf, bufsize = [], 0
    flush(outs, buf, written)

def flush(outs, buf, written):
    # Write whole lines to every output whose limit they fit under.
    for f, lim in outs:
        pos = written
        if pos >= lim:
            continue
        for b in buf:
            if pos + len(b) > lim:
                break
            f.write(b)
            pos += len(b)

def jsonlog(path, total, host, seed):
    r = Lcg(seed)
    loggers = ["app.orders", "app.cart", "app.auth", "app.db.pool", "app.payment"]
    msgs = ["order created", "cart updated", "login succeeded", "connection checked out", "payment authorised",
            "slow query", "retrying request"]
    levels = ["info", "info", "info", "debug", "warn", "error"]
    written = 0
    t = 0.0
    with open(path, "wb", buffering=1 << 20) as f:
        while written < total:
            t += r.unit() / 40.0
            sec = int(t)
            day = 2 + sec // 86400
            hh, mm, ss, ms = (sec % 86400) // 3600, (sec % 3600) // 60, sec % 60, int((t - sec) * 1000)
            lv = levels[r.below(len(levels))]
            line = ('{"ts":"2023-06-%02dT%02d:%02d:%02d.%03d+09:00","level":"%s","logger":"%s","host":"%s",'
                    '"msg":"%s","request_id":"req-%08x","order_id":%d,"duration_ms":%.1f}\n') % (
                day, hh, mm, ss, ms, lv, loggers[r.below(len(loggers))], host, msgs[r.below(len(msgs))],
                r.below(1 << 32), r.below(900000) + 1000, r.unit() * 80.0)
            b = line.encode()
            f.write(b)
            written += len(b)

what = sys.argv[1]
if what == "nginx":
    d, mib = sys.argv[2], int(sys.argv[3])
    big = mib << 20
    nginx([(os.path.join(d, "access-%dM.log" % mib), big),
           (os.path.join(d, "access-%dM.log" % (mib // 2)), big // 2),
           (os.path.join(d, "access-%dM.log" % (mib // 4)), big // 4)], big)
elif what == "json":
    d, mib = sys.argv[2], int(sys.argv[3])
    for i in range(4):
        host = "app%02d" % (i + 1)
        os.makedirs(os.path.join(d, host, "app", "log"), exist_ok=True)
        jsonlog(os.path.join(d, host, "app", "log", "app.jsonl"), (mib << 20) // 4, host, 0x5EED_0100 + i)
PY
)

# (b) the single nginx log and its prefixes.
if [ ! -s "$out/nginx/access-${size}M.log" ]; then
    mkdir -p "$out/nginx"
    echo "bench-corpus: writing $out/nginx/access-{$((size / 4)),$((size / 2)),$size}M.log" >&2
    python3 -c "$gen_py" nginx "$out/nginx" "$size"
fi

# (a) the mixed incident.
if [ ! -e "$out/mixed/.done" ]; then
    rm -rf "$out/mixed"
    mkdir -p "$out/mixed"
    scale=$(python3 -c "print(3 * $size / 512)")
    manifest="$here/gen-samples/Cargo.toml"
    echo "bench-corpus: gen-samples --scale $scale into $out/mixed" >&2
    CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/../target}/gen-samples \
        cargo run --quiet --release --manifest-path "$manifest" -- --out "$out/mixed" --scale "$scale" >/dev/null
    # Plain text, so that rg and lnav read the same bytes as pm-tui without
    # decompressing (pm-tui's .gz path is measured separately by the sample sets).
    # A plain file and a .gz of the same name sit side by side in one set
    # (postgresql-15-main.log and .log.gz): the .gz becomes NAME.0 then.
    find "$out/mixed" -name '*.gz' -print0 | xargs -0 -r -n 1 -P 2 sh -c '
        f=$1; t=${f%.gz}; [ -e "$t" ] && t=$t.0
        gzip -dc "$f" >"$t" && rm -f "$f"' sh
    find "$out/mixed" \( -name 'README.md' -o -name 'expected.json' \) -delete
    echo "bench-corpus: JSON-lines app logs" >&2
    python3 -c "$gen_py" json "$out/mixed/json-app" $((size / 4))
    touch "$out/mixed/.done"
fi

du -sh --apparent-size "$out/nginx"/*.log "$out/mixed" >&2
