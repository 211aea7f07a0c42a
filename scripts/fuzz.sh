#!/usr/bin/env bash
# Run every cargo-fuzz target of fuzz/ for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s per target, every target)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Each target starts from fuzz/corpus/TARGET (kept between runs, not
# committed), seeded on first use from every fixture in parsers/tests/fixtures
# and tests/fixtures (gzip fixtures decompressed, first 16 KiB), each behind the two knob
# bytes the harness reads (pm_parsers::testutil::fuzz_one). Crashes land in
# fuzz/artifacts/TARGET/; keep each as a regression input in
# parsers/tests/fuzz-regressions/TARGET-NAME (parsers/tests/fuzz_regressions.rs
# replays them in the normal test run).
#
# Prints a markdown table: target, seconds, executions, exec/s, corpus size,
# result. Exits non-zero when any target crashed.
set -uo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"
toolchain=${FUZZ_TOOLCHAIN:-nightly}
# The parsers are `#![forbid(unsafe_code)]`: AddressSanitizer has nothing of
# theirs to check and made each execution several times slower. The fuzzer
# looks for panics and broken accounting; FUZZ_SANITIZER=address brings
# ASan back (for the dependencies' unsafe code).
sanitizer=${FUZZ_SANITIZER:-none}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/fuzz/target}

cargo +"$toolchain" fuzz --help >/dev/null 2>&1 || {
    echo "fuzz.sh: cargo-fuzz missing: cargo install cargo-fuzz (and rustup toolchain install nightly)" >&2
    exit 2
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +"$toolchain" fuzz list)

seed() {
    local dir=$1 i=0 only=.
    # The parts target reads PostgreSQL logs only.
    [ "$(basename "$dir")" = parts ] && only='postgres|pgbadger|lnav_postgres'
    mkdir -p "$dir"
    while IFS= read -r -d '' f; do
        i=$((i + 1))
        {
            # Knob bytes: format pick, then 4 KiB reads (the fuzzer mutates both).
            pick=$((i % 256))
            if [ "$only" != . ]; then
                # Its first byte picks stderr, csvlog or jsonlog: the file's.
                case $f in *.csv*) pick=1 ;; *.json*) pick=2 ;; *) pick=0 ;; esac
            fi
            printf "\\x$(printf %02x $pick)\\x0c"
            case $f in
            *.gz) gzip -dc "$f" 2>/dev/null | head -c 16384 ;;
            *) head -c 16384 "$f" ;;
            esac
        } >"$dir/seed-$i"
    done < <(find "$root/parsers/tests/fixtures" "$root/tests/fixtures" -type f -print0 | sort -z |
        grep -zE "$only")
}

echo "fuzz.sh: building ${targets[*]}" >&2
if [ $# -eq 0 ]; then
    cargo +"$toolchain" fuzz build -O -s "$sanitizer" 2>&1 | tail -3 >&2
else
    for t in "${targets[@]}"; do cargo +"$toolchain" fuzz build -O -s "$sanitizer" "$t" 2>&1 | tail -3 >&2; done
fi

failed=0
echo "| target | seconds | executions | exec/s | corpus files | result |"
echo "|---|---:|---:|---:|---:|---|"
for t in "${targets[@]}"; do
    corpus="$root/fuzz/corpus/$t"
    [ -d "$corpus" ] || seed "$corpus"
    log="$root/fuzz/last-$t.log"
    start=$(date +%s)
    cargo +"$toolchain" fuzz run -O -s "$sanitizer" "$t" "$corpus" -- \
        -max_total_time="$secs" -max_len=32768 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec/ { print $NF }' "$log" | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    if [ $rc -eq 0 ]; then
        result=ok
    else
        failed=1
        art=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
        result="CRASH ($(grep -m1 -E 'panicked at|ERROR: libFuzzer' "$log" | cut -c1-120)) ${art:-}"
    fi
    echo "| $t | $took | ${execs:-?} | ${rate:-?} | $files | $result |"
done
exit $failed
