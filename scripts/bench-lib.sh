# Helpers shared by scripts/bench.sh and scripts/bench-postgres.sh (sourced,
# not run, before the first run). They expect $work (a directory for the raw
# timings), $bench (the script's name, for messages), $pm and $here.

# The load when the script starts, for the report.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# machine_and_versions OTHER: the report's machine line, and its versions
# line naming pm-tui, rg and OTHER (a reference tool and its version).
machine_and_versions() {
    local cpu mem
    cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    echo "- Machine: $cpu, $(nproc) cores, $mem, Linux $(uname -r); load average before: $load_before"
    echo "- pm-tui $("$pm" --version | awk '{print $2}') ($(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')), $(rg --version | awk 'NR == 1'), $1"
}

# mib BYTES: in MiB, rounded.
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

# ratio A B: "A÷B×" to one decimal (how many times B's time A takes);
# nothing when either is missing (a tool left out).
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f×", a / b }'; fi; }

# run NAME CMD... : one run of CMD under /usr/bin/time -v; appends
# "NAME wall_s rss_kib" to $work/runs and stops the script if CMD fails.
run() {
    local name=$1
    shift
    local tv="$work/time.$$"
    if ! /usr/bin/time -v -o "$tv" "$@" >"$work/out.$$" 2>"$work/err.$$"; then
        echo "$bench: $name failed:" >&2
        tail -5 "$work/err.$$" >&2
        exit 1
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tv")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
    echo "$name $wall $rss" >>"$work/runs"
    echo "  $name: ${wall}s, $((rss / 1024)) MiB" >&2
}

# median: the median of the numbers on stdin, one per line; nothing for none
# (a tool left out, as lnav with SKIP_LNAV=1).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# med NAME COLUMN: the median of column COLUMN (2: wall, 3: RSS) of NAME's runs.
med() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$work/runs" | median; }
