#!/usr/bin/env bash
# pm-tui ingest against rg (the read-and-scan floor) and lnav, side by side.
#
#   scripts/bench.sh CORPUS [ROUNDS] > results.md
#
# CORPUS is what scripts/bench-corpus.sh wrote (nginx/ and mixed/). Every tool
# reads the same plain files, warm in the page cache (each input is read once
# before its first timing), ROUNDS times each (default 3), interleaved round
# by round so that load from other work on the machine hits every tool alike.
# Wall time and peak RSS come from /usr/bin/time -v; the table gives medians.
#
# Environment:
#   PM=path/to/pm-tui     the binary (default: $CARGO_TARGET_DIR or target, release)
#   LNAV_ROUNDS=N         rounds for lnav (default ROUNDS; it is slow)
#   SKIP_LNAV=1           leave lnav out
#   SKIP_MIXED=1          only the single nginx log
#   BIG_LINE=1            also ingest one 100 MB line (the bad-input case too slow for cargo test)
#   SKIP_TUI=1            leave out the TUI's time to its first screen (needs tmux)
#
# Writes a markdown report on stdout and keeps the raw timings in $WORK
# (default: a temporary directory, printed at the end).
set -euo pipefail

corpus=${1:?usage: bench.sh CORPUS [ROUNDS]}
rounds=${2:-3}
lnav_rounds=${LNAV_ROUNDS:-$rounds}
here=$(cd "$(dirname "$0")/.." && pwd)
pm=${PM:-${CARGO_TARGET_DIR:-$here/target}/release/pm-tui}
work=${WORK:-$(mktemp -d /tmp/pm-bench.XXXXXX)}
mkdir -p "$work"
export HOME="$work/home" # lnav keeps state and an index under HOME
mkdir -p "$HOME"
export NO_COLOR=1

[ -x "$pm" ] || {
    echo "bench.sh: no pm-tui at $pm (cargo build --release)" >&2
    exit 2
}
for t in rg lnav /usr/bin/time; do
    command -v "$t" >/dev/null || {
        echo "bench.sh: $t missing (apt-get install -y ripgrep lnav time)" >&2
        exit 2
    }
done

nginx=$(ls "$corpus"/nginx/access-*M.log | sort -t- -k2 -n | tail -1)
nginx_sizes=$(ls "$corpus"/nginx/access-*M.log | sed -E 's/.*access-([0-9]+)M.log/\1/' | sort -n)
mixed="$corpus/mixed"

bench=bench.sh
# shellcheck source=scripts/bench-lib.sh
. "$here/scripts/bench-lib.sh"
bytes_of() { find "$@" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }'; }
warm() { find "$@" -type f -exec cat {} + >/dev/null; }

: >"$work/runs"

# -- the single nginx log, and the mixed incident -----------------------------
inputs=("nginx:$nginx")
[ "${SKIP_MIXED:-}" = 1 ] || inputs+=("mixed:$mixed")
for spec in "${inputs[@]}"; do
    tag=${spec%%:*}
    path=${spec#*:}
    warm "$path"
    echo "bench.sh: $tag ($path)" >&2
    for r in $(seq 1 "$rounds"); do
        run "$tag.rg" rg -c '' --no-ignore --hidden --no-messages "$path"
        run "$tag.pm" "$pm" -q ingest -o "$work/case-$tag" "$path"
        if [ "${SKIP_LNAV:-}" != 1 ] && [ "$r" -le "$lnav_rounds" ]; then
            # lnav loads nothing from a directory argument: give it the files.
            mapfile -t files < <(find "$path" -type f ! -name '.*' | sort)
            run "$tag.lnav" lnav -n -c ';SELECT count(*) FROM access_log' "${files[@]}"
        fi
    done
done

# -- linearity: 128/256/512 MiB prefixes of the nginx log ----------------------
for s in $nginx_sizes; do
    f="$corpus/nginx/access-${s}M.log"
    warm "$f"
    for r in $(seq 1 "$rounds"); do
        run "lin.$s" "$pm" -q ingest -o "$work/case-lin" "$f"
    done
done

# -- reopening a large case ----------------------------------------------------
# The biggest case we can make from the corpus: every input at once, and the
# 256 MiB log once more under another name (a hard link: no disk), which
# takes the full corpus past the target's 10 M events.
echo "bench.sh: building the reopen case" >&2
all=("$corpus"/nginx/access-*M.log)
[ "${SKIP_MIXED:-}" = 1 ] || all+=("$mixed")
if [ -f "$corpus/nginx/access-256M.log" ]; then
    mkdir -p "$work/again"
    ln -f "$corpus/nginx/access-256M.log" "$work/again/access.log" 2>/dev/null ||
        cp "$corpus/nginx/access-256M.log" "$work/again/access.log"
    all+=("$work/again")
fi
run "big.ingest" "$pm" -q ingest -o "$work/case-big" "${all[@]}"
big_events=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['events'])" "$work/case-big/case.json")
for r in $(seq 1 "$rounds"); do
    run "reopen" "$pm" events "$work/case-big" --limit 1
done
# The same case without its column file reopens from Parquet: the cost the
# column file saves.
if [ -f "$work/case-big/events.cols" ]; then
    mv "$work/case-big/events.cols" "$work/events.cols.aside"
    for r in $(seq 1 "$rounds"); do
        run "reopen.parquet" "$pm" events "$work/case-big" --limit 1
    done
    mv "$work/events.cols.aside" "$work/case-big/events.cols"
fi

# The same case in the TUI: from starting `pm-tui tui CASE` in a 160×45 tmux
# pane to the first screen of the timeline (the header names the lane
# grouping once the index is built), polled every 20 ms.
tui_ready() {
    local t0 t1
    tmux kill-session -t pm-bench 2>/dev/null || true
    t0=$(date +%s.%N)
    tmux new-session -d -s pm-bench -x 160 -y 45 "$pm tui $work/case-big"
    for _ in $(seq 1 1500); do
        if tmux capture-pane -p -t pm-bench 2>/dev/null | grep -q 'lanes by'; then
            t1=$(date +%s.%N)
            tmux kill-session -t pm-bench 2>/dev/null || true
            awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
            return
        fi
        sleep 0.02
    done
    tmux kill-session -t pm-bench 2>/dev/null || true
    echo "bench.sh: the TUI showed no timeline within 30 s" >&2
    echo 99
}
if command -v tmux >/dev/null && [ "${SKIP_TUI:-}" != 1 ]; then
    for r in $(seq 1 "$rounds"); do
        t=$(tui_ready)
        echo "tui.ready $t 0" >>"$work/runs"
        echo "  tui.ready: ${t}s" >&2
    done
fi

if [ "${BIG_LINE:-}" = 1 ]; then
    mkdir -p "$work/bigline"
    { printf '127.0.0.1 - - [02/Jun/2023:00:00:00 +0900] "GET /'; head -c 100000000 /dev/zero | tr '\0' a
      printf ' HTTP/1.1" 200 1 "-" "-" 0.001\n127.0.0.1 - - [02/Jun/2023:00:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "-" 0.001\n'; } \
        >"$work/bigline/access.log"
    run "bigline" "$pm" -q ingest --json -o "$work/case-bigline" "$work/bigline"
fi

# -- report -------------------------------------------------------------------
echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ)"
echo
machine_and_versions "lnav $(lnav -V | awk '{print $2}')"
echo "- Command: \`scripts/bench.sh $corpus $rounds\` (median of $rounds rounds; lnav: $lnav_rounds)"
echo
echo "| input | size | tool | median wall | MiB/s | × rg | lnav ÷ pm-tui | peak RSS | RSS ÷ input |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
for spec in "${inputs[@]}"; do
    tag=${spec%%:*}
    path=${spec#*:}
    b=$(bytes_of "$path")
    rg_t=$(med "$tag.rg" 2)
    pm_t=$(med "$tag.pm" 2)
    lnav_t=$(med "$tag.lnav" 2)
    for tool in rg pm lnav; do
        t=$(med "$tag.$tool" 2)
        [ -n "$t" ] || continue
        rss=$(med "$tag.$tool" 3)
        name=$tool
        case $tool in
        rg) name="\`rg -c ''\`" ;;
        pm) name="\`pm-tui ingest\`" ;;
        lnav) name="\`lnav -n -c ';SELECT count(*) FROM access_log'\`" ;;
        esac
        vs_lnav=""
        [ "$tool" = pm ] && vs_lnav=$(ratio "$lnav_t" "$pm_t")
        awk -v tag="$tag" -v sz="$(mib "$b")" -v name="$name" -v t="$t" -v b="$b" -v rg="$rg_t" -v rss="$rss" -v vl="$vs_lnav" 'BEGIN {
            printf "| %s | %s MiB | %s | %.2f s | %.0f | %.1f | %s | %.0f MiB | %.2f |\n",
                tag, sz, name, t, b / 1048576 / t, t / rg, vl, rss / 1024, rss * 1024 / b }'
    done
done
echo
echo "Linearity (\`pm-tui ingest\` on line prefixes of the nginx log):"
echo
echo "| size | median wall | MiB/s | s per GiB | peak RSS | RSS ÷ input |"
echo "|---:|---:|---:|---:|---:|---:|"
for s in $nginx_sizes; do
    b=$(bytes_of "$corpus/nginx/access-${s}M.log")
    awk -v s="$s" -v t="$(med "lin.$s" 2)" -v rss="$(med "lin.$s" 3)" -v b="$b" 'BEGIN {
        printf "| %s MiB | %.2f s | %.0f | %.2f | %.0f MiB | %.2f |\n", s, t, b / 1048576 / t, t / (b / 1073741824), rss / 1024, rss * 1024 / b }'
done
echo
awk -v n="$big_events" -v t="$(med big.ingest 2)" -v rss="$(med big.ingest 3)" -v r="$(med reopen 2)" -v rr="$(med reopen 3)" -v sz="$(du -sh "$work/case-big" | cut -f1)" 'BEGIN {
    printf "Reopen: a case of %d events (%s on disk, ingested in %.1f s, peak %.0f MiB) reopens with `pm-tui events CASE --limit 1` in %.2f s (median), peak RSS %.0f MiB.\n", n, sz, t, rss / 1024, r, rr / 1024 }'
if grep -q '^tui.ready ' "$work/runs"; then
    awk -v r="$(med tui.ready 2)" 'BEGIN {
        printf "In the TUI (`pm-tui tui CASE` to the first timeline screen, tmux 160×45): %.2f s (median).\n", r }'
fi
if grep -q '^reopen.parquet ' "$work/runs"; then
    awk -v r="$(med reopen.parquet 2)" -v rr="$(med reopen.parquet 3)" 'BEGIN {
        printf "Without its column file (from Parquet): %.2f s, peak RSS %.0f MiB.\n", r, rr / 1024 }'
fi
if [ "${BIG_LINE:-}" = 1 ]; then
    echo
    awk -v t="$(med bigline 2)" -v rss="$(med bigline 3)" 'BEGIN {
        printf "One 100 MB line (then a normal line): ingested in %.2f s, peak RSS %.0f MiB.\n", t, rss / 1024 }'
fi
echo
echo "Raw timings: $work/runs" >&2
