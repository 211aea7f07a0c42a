#!/usr/bin/env bash
# pm-tui ingest against pgBadger (the tool DBAs read PostgreSQL logs with)
# and rg (the read-and-scan floor) on one PostgreSQL stderr log.
#
#   scripts/bench-postgres.sh LOG [ROUNDS] > results.md
#
# LOG is what scripts/gen-pg-log.sh wrote (log_line_prefix '%m [%p] %q%u@%d ';
# set PREFIX for another). Each tool reads the same file, warm in the page
# cache, ROUNDS times (default 3), interleaved round by round. pgBadger runs
# with one job per core (-j) and writes its HTML report, as pm-tui writes its
# case: both parse every line and aggregate. Wall time and peak RSS come from
# /usr/bin/time -v (pgBadger's peak is its largest process, not the sum of
# its jobs); the table gives medians.
#
# Environment:
#   PM=path/to/pm-tui   the binary (default: $CARGO_TARGET_DIR or target, release)
#   PREFIX=...          the log's log_line_prefix
set -euo pipefail

log=${1:?usage: bench-postgres.sh LOG [ROUNDS]}
rounds=${2:-3}
prefix=${PREFIX:-'%m [%p] %q%u@%d '}
here=$(cd "$(dirname "$0")/.." && pwd)
pm=${PM:-${CARGO_TARGET_DIR:-$here/target}/release/pm-tui}
work=$(mktemp -d /tmp/pm-bench-pg.XXXXXX)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1

[ -x "$pm" ] || { echo "bench-postgres.sh: no pm-tui at $pm (cargo build --release)" >&2; exit 2; }
for t in rg pgbadger /usr/bin/time; do
    command -v "$t" >/dev/null || {
        echo "bench-postgres.sh: $t missing (apt-get install -y ripgrep pgbadger time)" >&2
        exit 2
    }
done

bench=bench-postgres.sh
# shellcheck source=scripts/bench-lib.sh
. "$here/scripts/bench-lib.sh"

: >"$work/runs"
cat "$log" >/dev/null
jobs=$(nproc)
for r in $(seq 1 "$rounds"); do
    run rg rg -c '' "$log"
    run pm "$pm" -q ingest -o "$work/case" "$log"
    run pgbadger pgbadger -q -j "$jobs" -f stderr --prefix "$prefix" -o "$work/report.html" "$log"
done
# What pm-tui read, from the case the last round wrote.
events=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['events'])" "$work/case/case.json")
waits=$("$pm" events "$work/case" --kind lock_wait --json | wc -l)

b=$(stat -c %s "$log")
lines=$(wc -l <"$log")
echo "## PostgreSQL log run of $(date -u +%Y-%m-%dT%H:%MZ)"
echo
machine_and_versions "pgBadger $(pgbadger --version 2>/dev/null | awk '{print $NF; exit}')"
echo "- Command: \`scripts/bench-postgres.sh $log $rounds\` (median of $rounds rounds)"
echo "- Input: $(mib "$b") MiB, $lines lines; pm-tui read $events events, $waits of them lock waits"
echo
echo "| tool | median wall | MiB/s | × rg | pgBadger ÷ pm-tui | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
rg_t=$(med rg 2)
pm_t=$(med pm 2)
pgb_t=$(med pgbadger 2)
for tool in rg pm pgbadger; do
    t=$(med "$tool" 2)
    rss=$(med "$tool" 3)
    case $tool in
    rg) name="\`rg -c ''\`" ;;
    pm) name="\`pm-tui ingest\`" ;;
    pgbadger) name="\`pgbadger -j $jobs\` (HTML report)" ;;
    esac
    vs=""
    [ "$tool" = pm ] && vs=$(ratio "$pgb_t" "$pm_t")
    awk -v name="$name" -v t="$t" -v b="$b" -v rg="$rg_t" -v rss="$rss" -v vs="$vs" 'BEGIN {
        printf "| %s | %.2f s | %.0f | %.1f | %s | %.0f MiB |\n", name, t, b / 1048576 / t, t / rg, vs, rss / 1024 }'
done
