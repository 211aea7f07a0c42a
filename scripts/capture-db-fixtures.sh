#!/usr/bin/env bash
# capture-db-fixtures.sh OUTDIR
#
# Produces REAL lock logs from real PostgreSQL and MariaDB servers, for the
# lock-dump parsers' tests (issue 3, "Real servers, not hand-written samples").
#
# It starts a throwaway PostgreSQL cluster and a throwaway MariaDB server in a
# temporary directory (unix sockets + 127.0.0.1 on free ports, no systemd),
# drives concurrent client sessions through four scenarios that mirror the
# incidents in the project's incident notes (row-lock convoy behind SELECT ...
# FOR UPDATE, two-way deadlock, long purge DELETE with lock time-outs,
# exclusive lock on a sessions table), saves the servers' logs and lock
# snapshots to OUTDIR and writes OUTDIR/truth.json with what really happened
# (backend PIDs / connection ids read from the servers, who blocked whom as
# the servers reported it, and the number of events of each kind).
#
# The expected numbers of events come from the scenario design; the script
# counts the events in the produced files as a cross-check and exits non-zero
# (status 3) when the two disagree, so a change of server behaviour is caught.
#
# Non-interactive; safe to run as root in CI (CI=true, no stdin). Installs
# postgresql / mariadb-server / jq with apt-get only when they are missing.
# Servers are always stopped by PID (trap), even on failure.
#
# Environment:
#   KEEP_TMP=1   keep the temporary directory (server data, session outputs)
#   CAPTURE_SKIP_JA=1   skip the PostgreSQL pass with Japanese lc_messages (the
#                result then differs from the committed fixtures)
#   CAPTURE_DEBUG=1  on a time-out, also show the client processes' state
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS MYSQL_HOST MYSQL_TCP_PORT MYSQL_PWD

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -n "$1" ] || usage

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SQL_DIR=$SCRIPT_DIR/capture
START_EPOCH=$(date +%s)

log() { printf '%s capture: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# ---------------------------------------------------------------------------
# 1. Install what is missing
# ---------------------------------------------------------------------------
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

need=()
PGBIN=$(pg_bindir)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/postgres" ] || [ ! -x "$PGBIN/initdb" ]; then need+=(postgresql); fi
command -v psql >/dev/null || need+=(postgresql-client)
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then need+=(mariadb-server); fi
command -v mariadb-install-db >/dev/null || need+=(mariadb-server)
command -v mariadb >/dev/null || need+=(mariadb-client)
command -v jq >/dev/null || need+=(jq)
command -v setpriv >/dev/null || need+=(util-linux)
if [ -z "${CAPTURE_SKIP_JA:-}" ] && { ! command -v localedef >/dev/null || [ ! -f /usr/share/i18n/locales/ja_JP ]; }; then need+=(locales); fi
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing ${need[*]} and not root: install them first"
    log "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null
    apt-get install -y --no-install-recommends "${need[@]}" </dev/null
    PGBIN=$(pg_bindir)
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[ -x "$PGBIN/postgres" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
[ -x "$MARIADBD" ] || die "mariadbd not found"
[ "$(id -u)" -eq 0 ] || die "run as root (PostgreSQL is started as the 'postgres' user via setpriv)"
if ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi

mkdir -p "$1"
OUTDIR=$(cd "$1" && pwd)

# ---------------------------------------------------------------------------
# Temporary area, cleanup trap
# ---------------------------------------------------------------------------
T=$(mktemp -d /tmp/pm-tui-capture.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/sessions" "$T/truth"
PG_PID=""
MY_PID=""
# SPID: client sessions still open (not yet reaped), by session key
declare -A SFD=() SPID=() SID=()
SESSION_ORDER=()

stop_server() { # pid name signal
    local pid=$1 name=$2 sig=$3 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping $name (pid $pid)"
    kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name did not stop in 30 s; killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
stop_pg() { stop_server "$PG_PID" postgres INT; PG_PID=""; }
stop_my() { stop_server "$MY_PID" mariadbd TERM; MY_PID=""; }

cleanup() {
    local rc=$?
    set +e
    local p
    # only sessions not yet reaped: their PIDs cannot have been reused
    for p in "${SPID[@]}"; do kill "$p" 2>/dev/null; done
    stop_pg
    stop_my
    if [ -n "${KEEP_TMP:-}" ]; then log "kept temporary directory $T"; else rm -rf "$T"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ports are taken below the kernel's ephemeral range: a port inside it can
# be the local port of some outgoing connection, which a connect() probe
# does not see but a server's bind() does (mariadbd once failed CI with
# "Address already in use" that way).
free_port() {
    local p i low=32768 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    span=$((low - 20000))
    [ "$span" -ge 1000 ] || span=40000
    for i in $(seq 1 500); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % span))
        [ "$p" = "${PG_PORT:-}" ] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free TCP port found"
}

# wait_for TIMEOUT_S DESCRIPTION COMMAND...: poll until COMMAND succeeds.
# MariaDB serves INNODB_TRX / INNODB_LOCKS / INNODB_LOCK_WAITS from a cache
# that is refreshed only when the previous read was more than 0.1 s ago, so
# polling it faster than that can see the same stale rows forever: the
# MariaDB phase polls every 0.15 s.
POLL_SLEEP=0.05
wait_for() {
    local deadline=$((SECONDS + $1)) desc=$2
    shift 2
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || { diagnose; die "timed out waiting for: $desc"; }
        sleep "$POLL_SLEEP"
    done
}

# sleep so that at least $2 seconds have passed since epoch-with-fraction $1
sleep_until_elapsed() {
    local rest
    rest=$(awk -v s="$1" -v d="$2" -v n="$(date +%s.%N)" 'BEGIN { r = s + d - n; if (r < 0) r = 0; printf "%.3f", r }')
    sleep "$rest"
}

# on a time-out: show what the servers were doing
diagnose() {
    set +e
    if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
        pgq "SELECT pid, application_name, state, wait_event_type, wait_event, pg_blocking_pids(pid), query
             FROM pg_stat_activity WHERE datname = 'shop'" >&2
        tail -n 20 "$PG_CUR_LOG" >&2
    fi
    if [ -n "$MY_PID" ] && kill -0 "$MY_PID" 2>/dev/null; then
        myq "SELECT * FROM information_schema.INNODB_TRX; SHOW FULL PROCESSLIST" >&2
    fi
    local k
    for k in "${!SPID[@]}"; do
        [ -s "$T/sessions/$k.err" ] && { echo "-- $k stderr:"; cat "$T/sessions/$k.err"; } >&2
        if [ -n "${CAPTURE_DEBUG:-}" ]; then
            echo "-- $k pid ${SPID[$k]} fd ${SFD[$k]:-} state $(grep State /proc/${SPID[$k]}/status 2>/dev/null) wchan $(cat /proc/${SPID[$k]}/wchan 2>/dev/null)" >&2
            ls -l /proc/${SPID[$k]}/fd/ >&2 2>/dev/null
        fi
    done
    [ -n "${CAPTURE_DEBUG:-}" ] && ls -l /proc/$$/fd/ >&2
    set -e
}
close_inherited_fds() { local f; for f in "${SFD[@]}"; do eval "exec $f>&-"; done; }

# open_session ENGINE NAME USER: a client reading its statements from a FIFO
# that the orchestrator writes to, so a session can sit idle in a transaction
# (the "slow payment API call") exactly like an application connection.
# key of a session: PostgreSQL sessions are per pass (the same names recur)
skey() { if [ "$1" = pg ]; then echo "pg-$PG_PASS-$2"; else echo "my-$2"; fi; }
open_session() {
    local eng=$1 name=$2 user=$3 key fd
    key=$(skey "$1" "$2")
    local base=$T/sessions/$key
    rm -f "$base.in"
    mkfifo "$base.in"
    if [ "$eng" = pg ]; then
        (close_inherited_fds; export PGAPPNAME=$name
         exec psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$user" -d shop) \
            <"$base.in" >"$base.out" 2>"$base.err" &
    else
        (close_inherited_fds
         exec mariadb --no-defaults -n -f -N -B --protocol=TCP -h 127.0.0.1 -P "$MY_PORT" -u "$user" shop) \
            <"$base.in" >"$base.out" 2>"$base.err" &
    fi
    SPID[$key]=$!
    SESSION_ORDER+=("$key")
    exec {fd}>"$base.in"
    SFD[$key]=$fd
    if [ "$eng" = my ]; then send my "$name" "SELECT CONNECTION_ID();"; fi
}
send() { printf '%s\n' "$3" >&"${SFD[$(skey "$1" "$2")]}"; }
session_exited() { ! kill -0 "${SPID[$1]}" 2>/dev/null; }
close_session() { # ENGINE NAME: EOF on its stdin, then wait for it to finish
    local key fd
    key=$(skey "$1" "$2"); fd=${SFD[$key]}
    exec {fd}>&-
    unset "SFD[$key]"
    wait_for 60 "session $key to finish" session_exited "$key"
    wait "${SPID[$key]}" 2>/dev/null || true
    unset "SPID[$key]"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
PGROOT=$T/pg
PG_LOGDIR=$PGROOT/log
PG_SOCK=$PGROOT/sock
PG_CUR_LOG=""          # stderr log file of the current pass
PG_PREFIX_MAIN='%m [%p] %q%u@%d '
PG_PREFIX_ALT='%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '
PG_DEADLOCK_TIMEOUT_MS=200
PG_LOG_MIN_DURATION_MS=800
CONVOY_WAITERS=4

# The orchestrator's own statements (setup, polling, snapshots) must never
# reach the log as slow statements, however loaded the machine: its
# connections turn statement-duration logging off.
pgc() { PGAPPNAME=capture-orchestrator PGOPTIONS='-c log_min_duration_statement=-1' \
        psql -X -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"; }
pgq() { pgc -q -At -v ON_ERROR_STOP=1 -d "${2:-shop}" -c "$1"; }
as_postgres() { (cd "$T" && exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); }

pg_start() {
    PG_PORT=$(free_port)
    mkdir -p "$PGROOT/data" "$PG_SOCK" "$PG_LOGDIR"
    chown -R postgres:postgres "$PGROOT"
    chmod 700 "$PGROOT/data"
    log "initdb PostgreSQL cluster in $PGROOT/data"
    as_postgres "$PGBIN/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$PGROOT/initdb.log" 2>&1 || { cat "$PGROOT/initdb.log" >&2; die "initdb failed"; }
    cat >>"$PGROOT/data/postgresql.conf" <<EOF

# --- pm-tui capture settings ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 40
shared_buffers = 16MB
fsync = off
autovacuum = off
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = '$PG_LOGDIR'
log_filename = 'postgresql.log'
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '$PG_PREFIX_MAIN'
log_timezone = 'UTC'
timezone = 'UTC'
lc_messages = 'C'
log_lock_waits = on
deadlock_timeout = '${PG_DEADLOCK_TIMEOUT_MS}ms'
log_min_duration_statement = $PG_LOG_MIN_DURATION_MS
log_checkpoints = on
EOF
    log "starting postgres on 127.0.0.1:$PG_PORT"
    (cd "$T" && exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
        "$PGBIN/postgres" -D "$PGROOT/data") >"$PGROOT/startup.log" 2>&1 &
    PG_PID=$!
    pg_ready() { kill -0 "$PG_PID" 2>/dev/null || die "postgres exited: $(cat "$PGROOT/startup.log")"; pgq 'SELECT 1' postgres >/dev/null 2>&1; }
    wait_for 60 "postgres to accept connections" pg_ready
    pgq 'CREATE DATABASE shop' postgres >/dev/null
    pgc -q -v ON_ERROR_STOP=1 -d shop -f "$SQL_DIR/pg-schema.sql" >/dev/null
    PG_CUR_LOG=$PG_LOGDIR/postgresql.log
}

pg_app_pid() { pgq "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"; }
# "<wait_event_type>:<wait_event>:<state>" of the session with that application_name
pg_app_state() { pgq "SELECT coalesce(wait_event_type,'') || ':' || coalesce(wait_event,'') || ':' || coalesce(state,'') FROM pg_stat_activity WHERE application_name = '$1'"; }
pg_is_idle_in_tx() { [ "$(pg_app_state "$1")" = "Client:ClientRead:idle in transaction" ]; }
pg_is_waiting_on() { # APP EVENT (transactionid|tuple|relation)
    local s; s=$(pg_app_state "$1"); [ "$s" = "Lock:$2:active" ]; }
pg_is_sleeping() { [ "$(pg_app_state "$1")" = "Timeout:PgSleep:active" ]; }
pg_log_has() { grep -qE -- "$1" "$PG_CUR_LOG"; }
pg_log_lines() { if [ -f "$PG_CUR_LOG" ]; then wc -l <"$PG_CUR_LOG"; else echo 0; fi; }
# count lines matching ERE in the current stderr log after line OFFSET
pg_log_count_since() { tail -n +"$(($1 + 1))" "$PG_CUR_LOG" | grep -cE -- "$2" || true; }
pg_log_count_since_ge() { [ "$(pg_log_count_since "$1" "$2")" -ge "$3" ]; }
pg_deadlocks() { pgq "SELECT deadlocks FROM pg_stat_database WHERE datname = 'shop'"; }
pg_deadlocks_ge() { [ "$(pg_deadlocks)" -ge "$1" ]; }

# Patterns (ERE) of the events in a stderr log, independent of log_line_prefix,
# for lc_messages C or ja_JP.UTF-8 (wording of Debian's postgres-15.mo).
pg_set_lang() { # C | ja
    PG_LANG=$1
    if [ "$1" = ja ]; then
        PGP_WAIT='プロセス[0-9]+は.*で待機しています。'
        PGP_ACQ='プロセス[0-9]+は.*を獲得しました'
        PGP_DLLOG='プロセス[0-9]+は、.*デッドロックを検知しました'
        PGP_DL='ERROR:  デッドロックを検出しました'
        PGP_LTO='ERROR:  ロックのタイムアウトのためステートメントをキャンセルしています'
        PGP_DUR='LOG:  期間: [0-9.]+ ミリ秒  文: '
    else
        PGP_WAIT='process [0-9]+ still waiting for '
        PGP_ACQ='process [0-9]+ acquired '
        PGP_DLLOG='process [0-9]+ detected deadlock while waiting for '
        PGP_DL='ERROR:  deadlock detected'
        PGP_LTO='ERROR:  canceling statement due to lock timeout'
        PGP_DUR='LOG:  duration: [0-9.]+ ms  statement: '
    fi
}
pg_set_lang C
# the still-waiting / detected-deadlock line of one backend
pg_re_wait_pid() { if [ "$PG_LANG" = ja ]; then echo "プロセス$1は.*で待機しています。"; else echo "process $1 still waiting for "; fi; }
pg_re_dllog_pid() { if [ "$PG_LANG" = ja ]; then echo "プロセス$1は、.*デッドロックを検知しました"; else echo "process $1 detected deadlock while waiting for "; fi; }

# JSON array of the client backends of the scenario, with what blocks them,
# read from pg_stat_activity / pg_blocking_pids() at this instant.
pg_block_snapshot() { # LABEL
    local js try
    for try in 1 2 3 4 5; do
    js=$(pgq "SELECT coalesce(json_agg(json_build_object(
                'pid', a.pid, 'application_name', a.application_name, 'user', a.usename,
                'state', a.state, 'wait_event_type', a.wait_event_type, 'wait_event', a.wait_event,
                'backend_xid', a.backend_xid::text,
                'blocked_by', to_json(pg_blocking_pids(a.pid)),
                'blocked_by_apps', to_json(ARRAY(SELECT b.application_name FROM unnest(pg_blocking_pids(a.pid)) WITH ORDINALITY u(p, n)
                                                 JOIN pg_stat_activity b ON b.pid = u.p ORDER BY u.n)),
                'query', a.query) ORDER BY a.application_name), '[]')
              FROM pg_stat_activity a
              WHERE a.datname = 'shop' AND a.backend_type = 'client backend'
                AND a.application_name <> 'capture-orchestrator'" 2>>"$T/snapshot-errors.log") || js=""
    # A backend ending while the view is read can make the query fail on a
    # loaded machine: take the snapshot again rather than record nothing.
    if printf '%s' "$js" | jq -e . >/dev/null 2>&1; then break; fi
    log "pg_block_snapshot $1: unreadable result (try $try), retrying"
    sleep 0.2
    done
    printf '%s' "$js" | jq -e . >/dev/null 2>&1 || js='[]'
    jq -c -n --arg lbl "$1" --arg at "$(now_iso)" --argjson s "$js" '{label: $lbl, at: $at, sessions: $s}'
}

# Registry of the sessions of one scenario: "role name user pid"
SCEN_SESSIONS=""
SCEN_SNAPS=""
scen_begin() { SCEN_SESSIONS=$T/truth/cur-sessions.tsv; SCEN_SNAPS=$T/truth/cur-snaps.jsonl; : >"$SCEN_SESSIONS"; : >"$SCEN_SNAPS"; }
scen_session() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$SCEN_SESSIONS"; }
scen_snap() { "$@" >>"$SCEN_SNAPS"; }

OPENED_ID=""
pg_open() { # ROLE NAME USER: open session, wait until connected, register pid -> $OPENED_ID
    local role=$1 name=$2 user=$3 pid
    open_session pg "$name" "$user"
    pg_connected() { [ -n "$(pg_app_pid "$1")" ]; }
    wait_for 30 "psql $name to connect" pg_connected "$name"
    pid=$(pg_app_pid "$name")
    scen_session "$role" "$name" "$user" "$pid"
    SID[$(skey pg "$name")]=$pid
    OPENED_ID=$pid
}

# pg_scen_end NAME INCIDENT OFFSET EXPECTED_JSON [EXTRA_JSON]: write the scenario's truth
pg_scen_end() {
    local name=$1 incident=$2 off=$3 expected=$4 extra=${5:-'{}'} observed
    observed=$(jq -n \
        --argjson w "$(pg_log_count_since "$off" "$PGP_WAIT")" \
        --argjson a "$(pg_log_count_since "$off" "$PGP_ACQ")" \
        --argjson dl "$(pg_log_count_since "$off" "$PGP_DL")" \
        --argjson dll "$(pg_log_count_since "$off" "$PGP_DLLOG")" \
        --argjson lto "$(pg_log_count_since "$off" "$PGP_LTO")" \
        --argjson dur "$(pg_log_count_since "$off" "$PGP_DUR")" \
        '{lock_wait: $w, lock_acquired: $a, deadlock: $dl, deadlock_detected_log: $dll, lock_timeout: $lto, slow_statement: $dur}')
    jq -n --arg name "$name" --arg incident "$incident" --arg ended "$(now_iso)" --arg pass "$PG_PASS" \
        --arg started "$SCEN_STARTED" --argjson expected "$expected" --argjson observed "$observed" \
        --argjson extra "$extra" \
        --rawfile sessions "$SCEN_SESSIONS" --slurpfile snaps "$SCEN_SNAPS" '
        ($snaps | map(.sessions) | add // []) as $all
        | {pass: $pass, name: $name, incident: $incident, started_at: $started, ended_at: $ended,
           sessions: [$sessions | split("\n")[] | select(length > 0) | split("\t")
                      | {role: .[0], application_name: .[1], user: .[2], pid: (.[3] | tonumber)}
                      | . as $s | . + {xids_seen_in_snapshots: ([$all[] | select(.pid == $s.pid and .backend_xid != null) | .backend_xid | tonumber] | unique)}],
           expected: $expected, observed_in_stderr_log: $observed,
           blocking_snapshots: $snaps} + $extra' >"$T/truth/pg-$PG_PASS-$(printf '%02d' "$SCEN_NO")-$name.json"
    SCEN_NO=$((SCEN_NO + 1))
}

PG_CONVOY_STMT="SELECT id, stock FROM items WHERE id = 1 FOR UPDATE;"

pg_scenario_convoy() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local off n=$CONVOY_WAITERS i k hpid t_locked
    off=$(pg_log_lines)
    log "pg[$PG_PASS] row-lock convoy: holder + $n waiters on items.id=1"
    local -a wpids=()
    pg_open holder web-checkout-1 web; hpid=$OPENED_ID
    for i in $(seq 2 $((n + 1))); do pg_open waiter "web-checkout-$i" web; wpids[i]=$OPENED_ID; done
    send pg web-checkout-1 "BEGIN;"
    send pg web-checkout-1 "$PG_CONVOY_STMT"
    wait_for 20 "holder to lock the item row" pg_is_idle_in_tx web-checkout-1
    t_locked=$(date +%s.%N)
    for i in $(seq 2 $((n + 1))); do
        local wpid=${wpids[i]} ev=tuple
        [ "$i" -eq 2 ] && ev=transactionid
        send pg "web-checkout-$i" "BEGIN;
$PG_CONVOY_STMT
SELECT pg_sleep(1);
UPDATE items SET stock = stock - 1 WHERE id = 1;
COMMIT;"
        wait_for 20 "web-checkout-$i to wait on a $ev lock" pg_is_waiting_on "web-checkout-$i" "$ev"
        wait_for 20 "still-waiting line of pid $wpid" pg_log_has "$(pg_re_wait_pid "$wpid")"
    done
    scen_snap pg_block_snapshot all-queued
    if [ "$PG_PASS" = main ]; then
        pgq "SELECT l.locktype, l.database, l.relation::regclass AS relation, l.page, l.tuple, l.virtualxid, l.transactionid,
                    l.virtualtransaction, l.pid, a.application_name, l.mode, l.granted, l.fastpath, l.waitstart
             FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.pid <> pg_backend_pid() ORDER BY l.pid, l.locktype, l.mode" >/dev/null # warm-up
        {
            echo "-- pg_locks during the row-lock convoy, taken $(now_iso) (psql aligned output)"
            pgc -d shop -c \
                "SELECT l.locktype, l.database, l.relation::regclass AS relation, l.page, l.tuple, l.virtualxid, l.transactionid,
                        l.virtualtransaction, l.pid, l.mode, l.granted, l.fastpath, l.waitstart
                 FROM pg_locks l WHERE l.pid <> pg_backend_pid() ORDER BY l.pid, l.locktype, l.mode"
        } >"$T/pg_locks-convoy.txt"
        {
            echo "-- pg_stat_activity during the row-lock convoy, taken $(now_iso) (psql aligned output)"
            pgc -d shop -c \
                "SELECT pid, usename, application_name, client_addr, backend_start, xact_start, query_start, state_change,
                        wait_event_type, wait_event, state, backend_xid, pg_blocking_pids(pid) AS blocked_by, query
                 FROM pg_stat_activity WHERE datname = 'shop' AND pid <> pg_backend_pid() ORDER BY pid"
        } >"$T/pg_stat_activity-convoy.txt"
    fi
    # the "payment API call": the holder sits idle in its transaction >= 4 s
    sleep_until_elapsed "$t_locked" 4
    send pg web-checkout-1 "UPDATE items SET stock = stock - 1 WHERE id = 1;"
    send pg web-checkout-1 "COMMIT;"
    # Each waiter in turn gets the row, holds it 1 s (pg_sleep), commits.
    # Round k: one waiter sleeps holding the row, one waits for its
    # transaction, the others wait for the tuple lock that one holds. Which
    # waiter gets the row next is NOT first-come-first-served in PostgreSQL
    # (after an update, whoever follows the update chain first wins), so the
    # rounds are recognised by counts and the order is read from the server.
    local exp_waits=$n order="$hpid"
    convoy_round_ready() { # ROUND EXPECTED_CUMULATIVE_WAIT_LINES
        [ "$(pgq "SELECT count(*) FILTER (WHERE wait_event = 'PgSleep') || ':' ||
                         count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'transactionid') || ':' ||
                         count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'tuple')
                  FROM pg_stat_activity WHERE application_name LIKE 'web-checkout-%'")" = "1:1:$((n - $1 - 1))" ] \
            && pg_log_count_since_ge "$off" "$PGP_WAIT" "$2"
    }
    for k in $(seq 1 $((n - 1))); do
        exp_waits=$((exp_waits + n - k))
        wait_for 30 "convoy round $k" convoy_round_ready "$k" "$exp_waits"
        scen_snap pg_block_snapshot "round-$k"
        order="$order,$(pgq "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'web-checkout-%' AND wait_event = 'PgSleep'")"
    done
    order="$order,$(pgq "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'web-checkout-%' AND wait_event_type = 'Lock'")"
    for i in $(seq 1 $((n + 1))); do close_session pg "web-checkout-$i"; done
    local tri=$((n * (n + 1) / 2))
    wait_for 20 "convoy acquired lines" pg_log_count_since_ge "$off" "$PGP_ACQ" "$tri"
    pg_scen_end row-lock-convoy booth-payment-spike "$off" \
        "{\"lock_wait\":$tri,\"lock_acquired\":$tri,\"deadlock\":0,\"deadlock_detected_log\":0,\"lock_timeout\":0,\"slow_statement\":$((2 * n))}" \
        "{\"holder_pid\":$hpid,\"row_lock_order\":[$order],\"hold_seconds_min\":4,\"waiter_hold_seconds\":1,\"locked_row\":\"items.id=1\"}"
}

pg_scenario_deadlock() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local off apid bpid dl0 victim
    off=$(pg_log_lines)
    log "pg[$PG_PASS] two-way deadlock on items 10/11"
    dl0=$(pg_deadlocks)
    pg_open deadlock-a web-order-a web; apid=$OPENED_ID
    pg_open deadlock-b web-order-b web; bpid=$OPENED_ID
    send pg web-order-a "BEGIN;"
    send pg web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 10;"
    send pg web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 12;"
    wait_for 20 "web-order-a to update rows 10,12" pg_is_idle_in_tx web-order-a
    send pg web-order-b "BEGIN;"
    send pg web-order-b "UPDATE items SET stock = stock - 1 WHERE id = 11;"
    wait_for 20 "web-order-b to update row 11" pg_is_idle_in_tx web-order-b
    send pg web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 11;"
    wait_for 20 "web-order-a to wait for web-order-b" pg_is_waiting_on web-order-a transactionid
    # A's deadlock check has run (and found none) once its wait is logged;
    # so B, which closes the cycle, is the one whose check finds the deadlock.
    wait_for 20 "still-waiting line of pid $apid" pg_log_has "$(pg_re_wait_pid "$apid")"
    scen_snap pg_block_snapshot a-waits-for-b
    # a's UPDATE then waits >= 0.2 + 0.8 + 0.2 s: always logged as slow
    sleep 0.8
    send pg web-order-b "UPDATE items SET stock = stock - 1 WHERE id = 10;"
    wait_for 20 "deadlock error in the log" pg_log_has "$PGP_DL"
    wait_for 20 "web-order-a to get its lock" pg_is_idle_in_tx web-order-a
    send pg web-order-b "COMMIT;"
    send pg web-order-a "COMMIT;"
    close_session pg web-order-a
    close_session pg web-order-b
    # backends flush their statistics when they exit
    wait_for 20 "pg_stat_database.deadlocks to count it" pg_deadlocks_ge $((dl0 + 1))
    # the victim: the session whose client received the deadlock error, and
    # whose backend logged "detected deadlock while waiting"
    local victim_app survivor
    local ea=$T/sessions/pg-$PG_PASS-web-order-a.err eb=$T/sessions/pg-$PG_PASS-web-order-b.err
    if [ -s "$eb" ] && [ ! -s "$ea" ]; then
        victim=$bpid; victim_app=web-order-b; survivor=$apid
    elif [ -s "$ea" ] && [ ! -s "$eb" ]; then
        victim=$apid; victim_app=web-order-a; survivor=$bpid
    else
        die "cannot tell the deadlock victim from the clients' errors"
    fi
    tail -n +"$((off + 1))" "$PG_CUR_LOG" | grep -qE -- "$(pg_re_dllog_pid "$victim")" \
        || die "the log does not show pid $victim detecting the deadlock"
    wait_for 20 "deadlock acquired line" pg_log_count_since_ge "$off" "$PGP_ACQ" 1
    pg_scen_end two-way-deadlock penguin-karte-trash-purge "$off" \
        '{"lock_wait":1,"lock_acquired":1,"deadlock":1,"deadlock_detected_log":1,"lock_timeout":0,"slow_statement":1}' \
        "{\"participants\":[$apid,$bpid],\"victim_pid\":$victim,\"survivor_pid\":$survivor,\"victim_application_name\":\"$victim_app\",\"pg_stat_database_deadlocks_delta\":$(( $(pg_deadlocks) - dl0 ))}"
}

pg_timed_out() { grep -qE 'canceling statement due to lock timeout|ロックのタイムアウトのためステートメントをキャンセル' "$T/sessions/pg-$PG_PASS-$1.err" 2>/dev/null; }
# a session that runs with lock_timeout: waiting now, or already timed out
pg_waiting_or_timed_out() { pg_is_waiting_on "$1" "$2" || pg_timed_out "$1"; }

pg_scenario_purge() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local off ppid i t_start wpid
    local -a wpids=()
    off=$(pg_log_lines)
    log "pg[$PG_PASS] purge DELETE blocking image saves (2 with lock_timeout=1s)"
    # every pass starts from the same data (an earlier pass purged these rows)
    pgq "INSERT INTO photos SELECT g, g % 500, '/photos/' || g || '.jpg', NULL, now() - interval '45 days'
         FROM generate_series(1, 6000) g ON CONFLICT (id) DO NOTHING" >/dev/null
    pg_open purge-holder trash-purge purge_batch; ppid=$OPENED_ID
    for i in 1 2 3 4; do
        if [ "$i" -ge 3 ]; then
            pg_open timeout-waiter "image-save-$i" image_save; wpids[i]=$OPENED_ID
            send pg "image-save-$i" "SET lock_timeout = '1s';"
        else
            pg_open waiter "image-save-$i" image_save; wpids[i]=$OPENED_ID
        fi
    done
    send pg trash-purge "BEGIN;"
    send pg trash-purge "DELETE FROM photos WHERE trashed_at < now() - interval '30 days' AND id BETWEEN 1 AND 1500;"
    wait_for 20 "purge to delete its first chunk" pg_is_idle_in_tx trash-purge
    t_start=$(date +%s.%N)
    for i in 1 2; do
        send pg "image-save-$i" "UPDATE photos SET caption = 'edited' WHERE id = $((16 + i));"
        wait_for 20 "image-save-$i to wait for the purge" pg_is_waiting_on "image-save-$i" transactionid
        wait_for 20 "still-waiting line of pid ${wpids[i]}" pg_log_has "$(pg_re_wait_pid "${wpids[i]}")"
    done
    # the two with a 1 s lock_timeout start together, so all four wait at once
    send pg image-save-3 "UPDATE photos SET caption = 'edited' WHERE id = 19;"
    send pg image-save-4 "UPDATE photos SET caption = 'edited' WHERE id = 20;"
    wait_for 20 "image-save-3 to wait for the purge" pg_waiting_or_timed_out image-save-3 transactionid
    wait_for 20 "image-save-4 to wait for the purge" pg_waiting_or_timed_out image-save-4 transactionid
    scen_snap pg_block_snapshot all-queued
    # the purge goes on deleting, chunk after chunk, in the same transaction
    for i in 2 3 4; do
        sleep 0.7
        send pg trash-purge "DELETE FROM photos WHERE trashed_at < now() - interval '30 days' AND id BETWEEN $(((i - 1) * 1500 + 1)) AND $((i * 1500));"
    done
    wait_for 20 "image-save-3 to time out" pg_timed_out image-save-3
    wait_for 20 "image-save-4 to time out" pg_timed_out image-save-4
    wait_for 20 "the two lock time-outs in the log" pg_log_count_since_ge "$off" "$PGP_LTO" 2
    wait_for 20 "purge to finish its chunks" pg_is_idle_in_tx trash-purge
    scen_snap pg_block_snapshot after-timeouts
    sleep_until_elapsed "$t_start" 4
    send pg trash-purge "COMMIT;"
    for i in 1 2 3 4; do close_session pg "image-save-$i"; done
    close_session pg trash-purge
    wait_for 20 "purge acquired lines" pg_log_count_since_ge "$off" "$PGP_ACQ" 2
    pg_scen_end purge-blocks-writers penguin-karte-trash-purge "$off" \
        '{"lock_wait":4,"lock_acquired":2,"deadlock":0,"deadlock_detected_log":0,"lock_timeout":2,"slow_statement":2}' \
        "{\"holder_pid\":$ppid,\"timed_out_pids\":[${wpids[3]},${wpids[4]}],\"rows_deleted\":6000,\"lock_timeout_setting\":\"1s\"}"
}

pg_scenario_sessions() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local off hpid i t_start
    local -a wpids=()
    off=$(pg_log_lines)
    log "pg[$PG_PASS] ACCESS EXCLUSIVE lock on sessions blocking logins (1 with lock_timeout=1s)"
    pgq "DELETE FROM sessions WHERE id LIKE 'sess-new-%'" >/dev/null
    pg_open holder session-restore session_store; hpid=$OPENED_ID
    pg_open waiter login-1 auth; wpids[1]=$OPENED_ID
    pg_open waiter login-2 auth; wpids[2]=$OPENED_ID
    pg_open timeout-waiter login-3 auth; wpids[3]=$OPENED_ID
    send pg login-3 "SET lock_timeout = '1s';"
    send pg session-restore "BEGIN;"
    send pg session-restore "LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE;"
    wait_for 20 "session-restore to lock the table" pg_is_idle_in_tx session-restore
    t_start=$(date +%s.%N)
    for i in 1 2 3; do
        send pg "login-$i" "INSERT INTO sessions (id, user_id, data) VALUES ('sess-new-$i', $((100 + i)), '{\"cart\":[]}');"
        if [ "$i" -lt 3 ]; then
            wait_for 20 "login-$i to wait for the table lock" pg_is_waiting_on "login-$i" relation
            wait_for 20 "still-waiting line of pid ${wpids[i]}" pg_log_has "$(pg_re_wait_pid "${wpids[i]}")"
        else
            wait_for 20 "login-3 to wait for the table lock" pg_waiting_or_timed_out login-3 relation
        fi
    done
    scen_snap pg_block_snapshot all-queued
    wait_for 20 "login-3 to time out" pg_timed_out login-3
    wait_for 20 "the lock time-out in the log" pg_log_count_since_ge "$off" "$PGP_LTO" 1
    scen_snap pg_block_snapshot after-timeouts
    sleep_until_elapsed "$t_start" 3
    send pg session-restore "UPDATE sessions SET data = '{\"restored\":true}', updated_at = now() WHERE id = 'sess-1';"
    send pg session-restore "COMMIT;"
    for i in 1 2 3; do close_session pg "login-$i"; done
    close_session pg session-restore
    wait_for 20 "sessions acquired lines" pg_log_count_since_ge "$off" "$PGP_ACQ" 2
    pg_scen_end sessions-table-lock btob-session-restore "$off" \
        '{"lock_wait":3,"lock_acquired":2,"deadlock":0,"deadlock_detected_log":0,"lock_timeout":1,"slow_statement":2}' \
        "{\"holder_pid\":$hpid,\"timed_out_pids\":[${wpids[3]}],\"lock_timeout_setting\":\"1s\",\"locked_relation\":\"sessions\",\"lock_mode\":\"AccessExclusiveLock\"}"
}

pg_run_pass() { # PASS
    PG_PASS=$1
    SCEN_NO=1
    pg_scenario_deadlock
    pg_scenario_convoy
    pg_scenario_purge
    pg_scenario_sessions
}

# Switch logging to another file with another prefix/zone/language (reload,
# no restart: the logging collector opens the new file on log_filename change).
pg_switch_log() { # FILENAME DESTINATION PREFIX TZ LC_MESSAGES
    pgq "ALTER SYSTEM SET log_filename = '$1'" postgres
    pgq "ALTER SYSTEM SET log_destination = '$2'" postgres
    pgq "ALTER SYSTEM SET log_line_prefix = '$3'" postgres
    pgq "ALTER SYSTEM SET log_timezone = '$4'" postgres
    pgq "ALTER SYSTEM SET lc_messages = '$5'" postgres
    pgq "SELECT pg_reload_conf()" postgres >/dev/null
    PG_CUR_LOG=$PG_LOGDIR/$1
    pg_setting_is() { [ "$(pgq "SHOW log_filename" postgres)" = "$1" ]; }
    wait_for 20 "reload to take effect" pg_setting_is "$1"
    wait_for 20 "log file $1 to appear" test -e "$PG_CUR_LOG"
}

# ---------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------
MYROOT=$T/my
MY_SOCK=$MYROOT/mysqld.sock
MY_LOCK_WAIT_TIMEOUT=20
MY_LONG_QUERY_TIME=0.5

# orchestrator connections: never in the slow log (see pgc)
myc() { mariadb --no-defaults --init-command="SET SESSION long_query_time = 3600" -S "$MY_SOCK" -u root "$@"; }
myq() { myc -N -B shop -e "$1"; }
myq_fmt() { # FLAG QUERY OUTFILE  (-B tsv, -t boxed table, -E vertical)
    myc "$1" shop -e "$2" >"$3"; }

my_start() {
    MY_PORT=$(free_port)
    mkdir -p "$MYROOT/data"
    log "mariadb-install-db into $MYROOT/data"
    mariadb-install-db --no-defaults --datadir="$MYROOT/data" --user=root --skip-test-db \
        --auth-root-authentication-method=socket >"$MYROOT/install.log" 2>&1 \
        || { cat "$MYROOT/install.log" >&2; die "mariadb-install-db failed"; }
    log "starting mariadbd on 127.0.0.1:$MY_PORT"
    "$MARIADBD" --no-defaults --datadir="$MYROOT/data" --socket="$MY_SOCK" --port="$MY_PORT" \
        --bind-address=127.0.0.1 --skip-name-resolve --user=root --pid-file="$MYROOT/mariadbd.pid" \
        --log-error="$MYROOT/error.log" --log-warnings=2 \
        --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --skip-log-bin \
        --innodb_print_all_deadlocks=ON --innodb_lock_wait_timeout=$MY_LOCK_WAIT_TIMEOUT \
        --slow_query_log=ON --long_query_time=$MY_LONG_QUERY_TIME --slow_query_log_file="$MYROOT/slow.log" \
        >"$MYROOT/stdout.log" 2>&1 &
    MY_PID=$!
    my_ready() { kill -0 "$MY_PID" 2>/dev/null || die "mariadbd exited: $(tail -n 20 "$MYROOT/error.log")"; myc -e 'SELECT 1' >/dev/null 2>&1; }
    wait_for 60 "mariadbd to accept connections" my_ready
    myc <"$SQL_DIR/mariadb-schema.sql" >/dev/null
}

my_conn_of() { head -n1 "$T/sessions/my-$1.out" 2>/dev/null || true; }
my_has_conn() { [ -n "$(my_conn_of "$1")" ]; }
my_trx_state() { myq "SELECT trx_state FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = $1"; }
my_is_lock_wait() { [ "$(my_trx_state "$1")" = "LOCK WAIT" ]; }
# holding: a running transaction that has locked rows and whose connection is idle
my_is_holding() {
    [ "$(myq "SELECT CONCAT(t.trx_state, ':', p.COMMAND, ':', t.trx_rows_locked > 0) FROM information_schema.INNODB_TRX t
              JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE t.trx_mysql_thread_id = $1")" = "RUNNING:Sleep:1" ]; }
my_is_sleeping() { [ "$(myq "SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = $1")" = "User sleep" ]; }
my_status() { myq "SHOW GLOBAL STATUS LIKE '$1'" | cut -f2; }
my_status_ge() { [ "$(my_status "$1")" -ge "$2" ]; }
my_err_count() { cat "$T"/sessions/my-*.err 2>/dev/null | grep -c "$1" || true; }
my_err_count_ge() { [ "$(my_err_count "$1")" -ge "$2" ]; }
my_session_err_has() { grep -q "$2" "$T/sessions/my-$1.err"; }

my_open() { # ROLE NAME USER -> connection id
    local role=$1 name=$2 user=$3 conn
    open_session my "$name" "$user"
    wait_for 30 "mariadb client $name to connect" my_has_conn "$name"
    conn=$(my_conn_of "$name")
    scen_session "$role" "$name" "$user" "$conn"
    SID[$(skey my "$name")]=$conn
    OPENED_ID=$conn
}

# lock waits as InnoDB reports them (INNODB_LOCK_WAITS joined to INNODB_TRX)
my_block_snapshot() { # LABEL
    local trx waits
    trx=$(myq "SELECT trx_mysql_thread_id, trx_id, trx_state, trx_rows_locked FROM information_schema.INNODB_TRX ORDER BY trx_mysql_thread_id" \
        | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {connection_id: (.[0] | tonumber), trx_id: (.[1] | tonumber), trx_state: .[2], rows_locked: (.[3] | tonumber)})')
    waits=$(myq "SELECT r.trx_mysql_thread_id, r.trx_id, b.trx_mysql_thread_id, b.trx_id
                 FROM information_schema.INNODB_LOCK_WAITS w
                 JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
                 JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
                 ORDER BY r.trx_mysql_thread_id, b.trx_mysql_thread_id" \
        | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {waiting_connection_id: (.[0] | tonumber), waiting_trx_id: (.[1] | tonumber), blocking_connection_id: (.[2] | tonumber), blocking_trx_id: (.[3] | tonumber)})')
    jq -c -n --arg lbl "$1" --arg at "$(now_iso)" --argjson t "$trx" --argjson w "$waits" \
        '{label: $lbl, at: $at, innodb_trx: $t, lock_waits: $w}'
}

my_scen_end() { # NAME INCIDENT EXPECTED_JSON [EXTRA_JSON]
    jq -n --arg name "$1" --arg incident "$2" --arg started "$SCEN_STARTED" --arg ended "$(now_iso)" \
        --argjson expected "$3" --argjson extra "${4:-"{}"}" \
        --rawfile sessions "$SCEN_SESSIONS" --slurpfile snaps "$SCEN_SNAPS" '
        ($snaps | map(.innodb_trx) | add // []) as $all
        | {name: $name, incident: $incident, started_at: $started, ended_at: $ended,
           sessions: [$sessions | split("\n")[] | select(length > 0) | split("\t")
                      | {role: .[0], name: .[1], user: .[2], connection_id: (.[3] | tonumber)}
                      | . as $s | . + {trx_ids_seen_in_snapshots: ([$all[] | select(.connection_id == $s.connection_id) | .trx_id] | unique)}],
           expected: $expected, blocking_snapshots: $snaps} + $extra' >"$T/truth/my-$(printf '%02d' "$SCEN_NO")-$1.json"
    SCEN_NO=$((SCEN_NO + 1))
}

MY_SNAPDIR=$T/myout
MY_SNAPSHOTS=$T/truth/my-snapshots.jsonl
PTSTALK_PREFIX=""

ts_line() { date +"TS %s.%N %F %T"; }

# one sample of SHOW ENGINE INNODB STATUS appended to the repeated file
my_status_sample() { # LABEL EXPECTED_WAITING_TRX
    { ts_line; myc -e "SHOW ENGINE INNODB STATUS\G"; } >>"$MY_SNAPDIR/innodb-status-repeated.txt"
    printf '%s\t%s\n' "$1" "$2" >>"$T/truth/my-repeated-labels.txt"
}

# the full set of lock snapshots, taken while the convoy waits are in progress
my_snapshot_set() {
    local d=$MY_SNAPDIR q name
    mkdir -p "$d/pt-stalk"
    local at; at=$(now_iso)
    myq_fmt -B "SHOW ENGINE INNODB STATUS" "$d/innodb-status.txt"
    myc -e "SHOW ENGINE INNODB STATUS\G" >"$d/innodb-status-G.txt"
    local -A Q=(
        [innodb_trx]="SELECT * FROM information_schema.INNODB_TRX ORDER BY trx_mysql_thread_id"
        [innodb_locks]="SELECT * FROM information_schema.INNODB_LOCKS ORDER BY lock_trx_id, lock_id"
        [innodb_lock_waits]="SELECT * FROM information_schema.INNODB_LOCK_WAITS ORDER BY requesting_trx_id, blocking_trx_id"
        [processlist]="SHOW FULL PROCESSLIST"
    )
    if [ "$(myq "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'sys' AND TABLE_NAME = 'innodb_lock_waits'")" = 1 ]; then
        Q[sys_innodb_lock_waits]="SELECT * FROM sys.innodb_lock_waits"
    fi
    for name in innodb_trx innodb_locks innodb_lock_waits sys_innodb_lock_waits processlist; do
        [ -n "${Q[$name]:-}" ] || continue
        q=${Q[$name]}
        myq_fmt -B "$q" "$d/$name.tsv"
        myq_fmt -t "$q" "$d/$name.txt"
        myq_fmt -E "$q" "$d/$name-G.txt"
    done
    # pt-stalk layout: files named after the collection time, samples
    # preceded by "TS <epoch.ns> <date> <time>" lines
    PTSTALK_PREFIX=$(date +%Y_%m_%d_%H_%M_%S)
    local p=$d/pt-stalk/$PTSTALK_PREFIX
    myc -e "SHOW ENGINE INNODB STATUS\G" >"$p-innodbstatus1"
    local s
    for s in 1 2; do
        local ts; ts=$(ts_line)
        { echo "$ts"; myc -e "SHOW FULL PROCESSLIST\G"; } >>"$p-processlist"
        { echo "$ts"
          myc -e "SELECT * FROM information_schema.INNODB_TRX ORDER BY trx_id\G"
          myc -e "SELECT * FROM information_schema.INNODB_LOCKS ORDER BY lock_trx_id\G"
          myc -e "SELECT * FROM information_schema.INNODB_LOCK_WAITS ORDER BY blocking_trx_id, requesting_trx_id\G"
        } >>"$p-transactions"
        [ "$s" = 1 ] && sleep 0.5
    done
    echo "$at" >"$T/truth/my-snapshot-at.txt"
}

MY_CONVOY_STMT="SELECT id, stock FROM items WHERE id = 1 FOR UPDATE;"

my_scenario_deadlock() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local a b dl0 victim victim_name survivor
    log "mariadb two-way deadlock on items 10/11"
    dl0=$(my_status Innodb_deadlocks)
    my_open deadlock-a web-order-a web; a=$OPENED_ID
    my_open deadlock-b web-order-b web; b=$OPENED_ID
    send my web-order-a "BEGIN;"
    send my web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 10;"
    send my web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 12;"
    wait_for 20 "web-order-a to update rows 10,12" my_is_holding "$a"
    send my web-order-b "BEGIN;"
    send my web-order-b "UPDATE items SET stock = stock - 1 WHERE id = 11;"
    wait_for 20 "web-order-b to update row 11" my_is_holding "$b"
    send my web-order-a "UPDATE items SET stock = stock - 1 WHERE id = 11;"
    wait_for 20 "web-order-a to wait for web-order-b" my_is_lock_wait "$a"
    scen_snap my_block_snapshot a-waits-for-b
    # a's UPDATE then waits >= 0.8 s: always in the slow log
    sleep 0.8
    send my web-order-b "UPDATE items SET stock = stock - 1 WHERE id = 10;"
    wait_for 20 "Innodb_deadlocks to count it" my_status_ge Innodb_deadlocks $((dl0 + 1))
    wait_for 20 "web-order-a to get its lock" my_is_holding "$a"
    wait_for 20 "the deadlock dump in the error log" grep -q "WE ROLL BACK TRANSACTION" "$MYROOT/error.log"
    send my web-order-a "COMMIT;"
    send my web-order-b "COMMIT;"
    close_session my web-order-a
    close_session my web-order-b
    if grep -q 'ERROR 1213' "$T/sessions/my-web-order-b.err"; then victim=$b; victim_name=web-order-b; survivor=$a
    elif grep -q 'ERROR 1213' "$T/sessions/my-web-order-a.err"; then victim=$a; victim_name=web-order-a; survivor=$b
    else die "no client received ERROR 1213"; fi
    # the error log names the rolled-back transaction; check it is the victim's thread
    local rb n
    rb=$(grep -oE 'WE ROLL BACK TRANSACTION \([0-9]+\)' "$MYROOT/error.log" | tail -n1 | tr -dc 0-9)
    n=$(awk -v rb="$rb" '/\*\*\* \([0-9]+\) TRANSACTION:/ { cur = $2; gsub(/[()]/, "", cur) }
                         /(MySQL|MariaDB) thread id/ && cur == rb { sub(/.*(MySQL|MariaDB) thread id /, ""); sub(/,.*/, ""); print; exit }' "$MYROOT/error.log")
    [ "$n" = "$victim" ] || die "error log rolls back thread '$n' but the client of thread $victim got ERROR 1213"
    my_scen_end two-way-deadlock penguin-karte-trash-purge \
        '{"deadlocks":1,"error_1213":1,"error_1205":0,"slow_log_entries":1}' \
        "{\"participants\":[$a,$b],\"victim_connection_id\":$victim,\"victim_name\":\"$victim_name\",\"survivor_connection_id\":$survivor,\"rolled_back_transaction_number_in_dump\":$rb,\"innodb_deadlocks_delta\":$(( $(my_status Innodb_deadlocks) - dl0 ))}"
}

my_scenario_convoy() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local n=$CONVOY_WAITERS h i k t_locked
    local -a conns=()
    log "mariadb row-lock convoy: holder + $n waiters on items.id=1"
    my_open holder web-checkout-1 web; h=$OPENED_ID
    conns[1]=$h
    for i in $(seq 2 $((n + 1))); do my_open waiter "web-checkout-$i" web; conns[i]=$OPENED_ID; done
    send my web-checkout-1 "BEGIN;"
    send my web-checkout-1 "$MY_CONVOY_STMT"
    wait_for 20 "holder to lock the item row" my_is_holding "$h"
    t_locked=$(date +%s.%N)
    for i in $(seq 2 $((n + 1))); do
        send my "web-checkout-$i" "BEGIN;
$MY_CONVOY_STMT
DO SLEEP(1);
UPDATE items SET stock = stock - 1 WHERE id = 1;
COMMIT;"
        wait_for 20 "web-checkout-$i to wait for the row lock" my_is_lock_wait "${conns[i]}"
    done
    scen_snap my_block_snapshot all-queued
    my_snapshot_set
    my_status_sample row-lock-convoy "$n"
    sleep_until_elapsed "$t_locked" 4
    send my web-checkout-1 "UPDATE items SET stock = stock - 1 WHERE id = 1;"
    send my web-checkout-1 "COMMIT;"
    local order="$h" ids
    ids=$(IFS=,; echo "${conns[*]:1}")
    # round k: one waiter holds the row (sleeping 1 s), n-k still wait
    my_round_ready() {
        [ "$(myq "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ($ids) AND STATE = 'User sleep'),
                         (SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id IN ($ids) AND trx_state = 'LOCK WAIT')" | tr '\t' :)" = "1:$((n - $1))" ]
    }
    for k in $(seq 1 $((n - 1))); do
        wait_for 30 "convoy round $k" my_round_ready "$k"
        scen_snap my_block_snapshot "round-$k"
        order="$order,$(myq "SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN ($ids) AND STATE = 'User sleep'")"
    done
    order="$order,$(myq "SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id IN ($ids) AND trx_state = 'LOCK WAIT'")"
    for i in $(seq 1 $((n + 1))); do close_session my "web-checkout-$i"; done
    my_scen_end row-lock-convoy booth-payment-spike \
        "{\"deadlocks\":0,\"error_1213\":0,\"error_1205\":0,\"slow_log_entries\":$((2 * n)),\"waiting_trx_at_snapshot\":$n}" \
        "{\"holder_connection_id\":$h,\"row_lock_order\":[$order],\"hold_seconds_min\":4,\"waiter_hold_seconds\":1,\"locked_row\":\"items.id=1\"}"
}

my_timed_out() { grep -q 'ERROR 1205' "$T/sessions/my-$1.err" 2>/dev/null; }
my_waiting_or_timed_out() { my_is_lock_wait "$2" || my_timed_out "$1"; }

my_scenario_purge() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local p i t_start
    local -a conns=()
    log "mariadb purge DELETE blocking image saves (2 with innodb_lock_wait_timeout=1)"
    my_open purge-holder trash-purge purge_batch; p=$OPENED_ID
    for i in 1 2 3 4; do
        if [ "$i" -ge 3 ]; then
            my_open timeout-waiter "image-save-$i" image_save; conns[i]=$OPENED_ID
            send my "image-save-$i" "SET SESSION innodb_lock_wait_timeout = 1;"
        else
            my_open waiter "image-save-$i" image_save; conns[i]=$OPENED_ID
        fi
    done
    send my trash-purge "BEGIN;"
    send my trash-purge "DELETE FROM photos WHERE trashed_at < NOW() - INTERVAL 30 DAY AND id BETWEEN 1 AND 1500;"
    wait_for 20 "purge to delete its first chunk" my_is_holding "$p"
    t_start=$(date +%s.%N)
    for i in 1 2; do
        send my "image-save-$i" "UPDATE photos SET caption = 'edited' WHERE id = $((16 + i));"
        wait_for 20 "image-save-$i to wait for the purge" my_is_lock_wait "${conns[i]}"
    done
    send my image-save-3 "UPDATE photos SET caption = 'edited' WHERE id = 19;"
    send my image-save-4 "UPDATE photos SET caption = 'edited' WHERE id = 20;"
    wait_for 20 "image-save-3 to wait for the purge" my_waiting_or_timed_out image-save-3 "${conns[3]}"
    wait_for 20 "image-save-4 to wait for the purge" my_waiting_or_timed_out image-save-4 "${conns[4]}"
    scen_snap my_block_snapshot all-queued
    for i in 2 3 4; do
        sleep 0.7
        send my trash-purge "DELETE FROM photos WHERE trashed_at < NOW() - INTERVAL 30 DAY AND id BETWEEN $(((i - 1) * 1500 + 1)) AND $((i * 1500));"
    done
    wait_for 20 "image-save-3 to time out" my_timed_out image-save-3
    wait_for 20 "image-save-4 to time out" my_timed_out image-save-4
    wait_for 20 "purge to finish its chunks" my_is_holding "$p"
    # stable state until the purge commits: 2 waiters left
    scen_snap my_block_snapshot after-timeouts
    my_status_sample purge-blocks-writers 2
    sleep_until_elapsed "$t_start" 4
    send my trash-purge "COMMIT;"
    for i in 1 2 3 4; do close_session my "image-save-$i"; done
    close_session my trash-purge
    my_scen_end purge-blocks-writers penguin-karte-trash-purge \
        '{"deadlocks":0,"error_1213":0,"error_1205":2,"slow_log_entries":4}' \
        "{\"holder_connection_id\":$p,\"timed_out_connection_ids\":[${conns[3]},${conns[4]}],\"rows_deleted\":6000,\"innodb_lock_wait_timeout_setting\":1}"
}

my_scenario_sessions() {
    scen_begin; SCEN_STARTED=$(now_iso)
    local h i t_start
    local -a conns=()
    log "mariadb SELECT ... FOR UPDATE on every session row blocking logins (1 with innodb_lock_wait_timeout=1)"
    my_open holder session-restore session_store; h=$OPENED_ID
    my_open waiter login-1 auth; conns[1]=$OPENED_ID
    my_open waiter login-2 auth; conns[2]=$OPENED_ID
    my_open timeout-waiter login-3 auth; conns[3]=$OPENED_ID
    send my login-3 "SET SESSION innodb_lock_wait_timeout = 1;"
    send my session-restore "BEGIN;"
    send my session-restore "SELECT id FROM sessions FOR UPDATE;"
    wait_for 20 "session-restore to lock the sessions" my_is_holding "$h"
    t_start=$(date +%s.%N)
    for i in 1 2 3; do
        send my "login-$i" "INSERT INTO sessions (id, user_id, data) VALUES ('sess-new-$i', $((100 + i)), '{\"cart\":[]}');"
        if [ "$i" -lt 3 ]; then
            wait_for 20 "login-$i to wait for the sessions lock" my_is_lock_wait "${conns[i]}"
        else
            wait_for 20 "login-3 to wait for the sessions lock" my_waiting_or_timed_out login-3 "${conns[3]}"
        fi
    done
    scen_snap my_block_snapshot all-queued
    wait_for 20 "login-3 to time out" my_timed_out login-3
    scen_snap my_block_snapshot after-timeouts
    my_status_sample sessions-table-lock 2
    sleep_until_elapsed "$t_start" 3
    send my session-restore "UPDATE sessions SET data = '{\"restored\":true}', updated_at = NOW() WHERE id = 'sess-1';"
    send my session-restore "COMMIT;"
    for i in 1 2 3; do close_session my "login-$i"; done
    close_session my session-restore
    my_scen_end sessions-table-lock btob-session-restore \
        '{"deadlocks":0,"error_1213":0,"error_1205":1,"slow_log_entries":3}' \
        "{\"holder_connection_id\":$h,\"timed_out_connection_ids\":[${conns[3]}],\"innodb_lock_wait_timeout_setting\":1,\"locked_table\":\"sessions\",\"lock\":\"SELECT ... FOR UPDATE on every row (next-key locks up to the supremum)\"}"
}

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------
CAPTURED_AT=$(now_iso)
pg_start
PG_VERSION=$(pgq "SELECT version()")
PG_VERSION_NUM=$(pgq "SHOW server_version_num")
PG_SERVER_VERSION=$(pgq "SHOW server_version")
PG_DB_OID=$(pgq "SELECT oid FROM pg_database WHERE datname = 'shop'")
PG_RELS=$(pgq "SELECT json_object_agg(relname, oid::bigint) FROM pg_class WHERE relname IN ('items','photos','sessions') AND relnamespace = 'public'::regnamespace")

pg_run_pass main

log "pg: switching to the alternate prefix, Asia/Tokyo, stderr only"
pg_switch_log postgresql-alt.log stderr "$PG_PREFIX_ALT" Asia/Tokyo C
pg_run_pass alt

PG_JA_DONE=0
if [ -z "${CAPTURE_SKIP_JA:-}" ]; then
    if ! locale -a 2>/dev/null | grep -qix 'ja_JP.utf8'; then
        log "generating the ja_JP.UTF-8 locale (localedef)"
        localedef -i ja_JP -f UTF-8 ja_JP.UTF-8 >/dev/null 2>&1 || log "localedef ja_JP.UTF-8 failed; skipping the Japanese pass"
    fi
    if locale -a 2>/dev/null | grep -qix 'ja_JP.utf8'; then
        log "pg: switching to lc_messages=ja_JP.UTF-8 (Debian prefix, Asia/Tokyo)"
        pg_switch_log postgresql-ja.log stderr "$PG_PREFIX_MAIN" Asia/Tokyo ja_JP.UTF-8
        PG_JA_DONE=1
    fi
fi
if [ "$PG_JA_DONE" = 1 ]; then
    pg_set_lang ja
    pg_run_pass ja
    pg_set_lang C
fi

stop_pg

POLL_SLEEP=0.15
my_start
MY_VERSION=$(myq "SELECT VERSION()")
MY_VERSION_COMMENT=$(myq "SELECT @@version_comment")
mkdir -p "$MY_SNAPDIR"
: >"$T/truth/my-repeated-labels.txt"
SCEN_NO=1
my_scenario_deadlock
my_scenario_convoy
my_scenario_purge
my_scenario_sessions
MY_DEADLOCKS_TOTAL=$(my_status Innodb_deadlocks)
MY_ROW_LOCK_WAITS=$(my_status Innodb_row_lock_waits)
stop_my

# ---------------------------------------------------------------------------
# Collect the outputs
# ---------------------------------------------------------------------------
log "writing $OUTDIR"
rm -rf "$OUTDIR/postgresql" "$OUTDIR/mariadb" "$OUTDIR/truth.json" "$OUTDIR/README.md"
mkdir -p "$OUTDIR/postgresql" "$OUTDIR/mariadb"
cp "$PG_LOGDIR/postgresql.log" "$PG_LOGDIR/postgresql.csv" "$PG_LOGDIR/postgresql.json" "$PG_LOGDIR/postgresql-alt.log" "$OUTDIR/postgresql/"
[ "$PG_JA_DONE" = 1 ] && cp "$PG_LOGDIR/postgresql-ja.log" "$OUTDIR/postgresql/"
cp "$T/pg_locks-convoy.txt" "$T/pg_stat_activity-convoy.txt" "$OUTDIR/postgresql/"
# client-side errors, in session order, each block headed by its session
for key in "${SESSION_ORDER[@]}"; do
    f=$T/sessions/$key.err
    case $key in pg-*) ;; *) continue;; esac
    [ -s "$f" ] || continue
    rest=${key#pg-}
    printf -- '-- pass %s, psql session %s (backend pid %s), stderr:\n' "${rest%%-*}" "${rest#*-}" "${SID[$key]}"
    cat "$f"
done >"$OUTDIR/postgresql/client-errors.txt"
cp "$MYROOT/error.log" "$MYROOT/slow.log" "$OUTDIR/mariadb/"
cp -r "$MY_SNAPDIR"/. "$OUTDIR/mariadb/"
: >"$OUTDIR/mariadb/client-errors.txt"
: >"$T/truth/my-client-errors.jsonl"
for key in "${SESSION_ORDER[@]}"; do
    case $key in my-*) ;; *) continue;; esac
    f=$T/sessions/$key.err
    if [ -s "$f" ]; then
        cat "$f" >>"$OUTDIR/mariadb/client-errors.txt"
        grep -oE '^ERROR [0-9]+' "$f" | while read -r _ code; do
            jq -c -n --arg n "${key#my-}" --argjson c "${SID[$key]}" --argjson e "$code" '{name: $n, connection_id: $c, error: $e}'
        done >>"$T/truth/my-client-errors.jsonl"
    fi
done
chown -R "$(stat -c %u:%g "$OUTDIR")" "$OUTDIR" 2>/dev/null || true

# ---------------------------------------------------------------------------
# Cross-check: count the events in the produced files
# ---------------------------------------------------------------------------
cnt() { grep -cE -- "$2" "$1" || true; }
count_pg_stderr() { # FILE (English)
    jq -n --argjson w "$(cnt "$1" 'process [0-9]+ still waiting for ')" \
          --argjson a "$(cnt "$1" 'process [0-9]+ acquired ')" \
          --argjson dl "$(cnt "$1" 'ERROR:  deadlock detected')" \
          --argjson dll "$(cnt "$1" 'process [0-9]+ detected deadlock while waiting for ')" \
          --argjson lto "$(cnt "$1" 'ERROR:  canceling statement due to lock timeout')" \
          --argjson dur "$(cnt "$1" 'LOG:  duration: [0-9.]+ ms  statement: ')" \
          '{lock_wait: $w, lock_acquired: $a, deadlock: $dl, deadlock_detected_log: $dll, lock_timeout: $lto, slow_statement: $dur}'
}
count_pg_csv() {
    jq -n --argjson w "$(cnt "$1" ',"process [0-9]+ still waiting for ')" \
          --argjson a "$(cnt "$1" ',"process [0-9]+ acquired ')" \
          --argjson dl "$(cnt "$1" ',ERROR,40P01,"deadlock detected"')" \
          --argjson dll "$(cnt "$1" ',"process [0-9]+ detected deadlock while waiting for ')" \
          --argjson lto "$(cnt "$1" ',ERROR,55P03,"canceling statement due to lock timeout"')" \
          --argjson dur "$(cnt "$1" ',"duration: [0-9.]+ ms  statement: ')" \
          '{lock_wait: $w, lock_acquired: $a, deadlock: $dl, deadlock_detected_log: $dll, lock_timeout: $lto, slow_statement: $dur}'
}
count_pg_json() {
    jq -s '{lock_wait: map(select(.message | test("^process [0-9]+ still waiting for "))) | length,
            lock_acquired: map(select(.message | test("^process [0-9]+ acquired "))) | length,
            deadlock: map(select(.error_severity == "ERROR" and .state_code == "40P01")) | length,
            deadlock_detected_log: map(select(.message | test("^process [0-9]+ detected deadlock while waiting for "))) | length,
            lock_timeout: map(select(.error_severity == "ERROR" and .state_code == "55P03")) | length,
            slow_statement: map(select(.message | test("^duration: [0-9.]+ ms  statement: "))) | length}' "$1"
}
count_pg_ja() {
    pg_set_lang ja
    jq -n --argjson w "$(cnt "$1" "$PGP_WAIT")" --argjson a "$(cnt "$1" "$PGP_ACQ")" \
          --argjson dl "$(cnt "$1" "$PGP_DL")" --argjson dll "$(cnt "$1" "$PGP_DLLOG")" \
          --argjson lto "$(cnt "$1" "$PGP_LTO")" --argjson dur "$(cnt "$1" "$PGP_DUR")" \
          '{lock_wait: $w, lock_acquired: $a, deadlock: $dl, deadlock_detected_log: $dll, lock_timeout: $lto, slow_statement: $dur}'
}

# MariaDB counts
M=$OUTDIR/mariadb
my_counts=$(jq -n \
    --argjson dl_err "$(cnt "$M/error.log" 'InnoDB: Transactions deadlock detected')" \
    --argjson rb_err "$(cnt "$M/error.log" 'WE ROLL BACK TRANSACTION \([0-9]+\)')" \
    --argjson e1213 "$(cnt "$M/client-errors.txt" '^ERROR 1213 \(40001\)')" \
    --argjson e1205 "$(cnt "$M/client-errors.txt" '^ERROR 1205 \(HY000\)')" \
    --argjson slow "$(cnt "$M/slow.log" '^# Query_time: ')" \
    '{deadlocks_in_error_log: $dl_err, rollbacks_in_error_log: $rb_err, error_1213: $e1213, error_1205: $e1205, slow_log_entries: $slow}')

snapfile() { # FILE FORMAT QUERY WAITING_OBSERVED(or null) ROWS
    jq -n --arg f "$1" --arg fmt "$2" --arg q "$3" --argjson w "$4" --argjson r "$5" \
        '{file: $f, format: $fmt, query: $q, waiting_trx: $w, rows: $r}'
}
tsv_rows() { echo $(( $(wc -l <"$1") - 1 )); }
vert_rows() { grep -cE '^\*+ [0-9]+\. row \*+$' "$1" || true; }
box_rows() { echo $(( $(grep -c '^|' "$1") - 1 )); }
# distinct values of the column named $2 in the TSV $1 (header row)
tsv_distinct() { awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k { print $k }' "$1" | sort -u | wc -l; }
snaps=()
for name in innodb_trx innodb_locks innodb_lock_waits sys_innodb_lock_waits processlist; do
    [ -f "$M/$name.tsv" ] || continue
    # waiting transactions as each file itself shows them (null: the file cannot tell)
    case $name in
        innodb_trx) w=$(awk -F'\t' 'NR > 1 && $2 == "LOCK WAIT"' "$M/$name.tsv" | wc -l);;
        innodb_lock_waits) w=$(tsv_distinct "$M/$name.tsv" requesting_trx_id);;
        sys_innodb_lock_waits) w=$(tsv_distinct "$M/$name.tsv" waiting_trx_id);;
        processlist) w=$(grep -c 'FOR UPDATE' "$M/$name.tsv" || true);;
        *) w=null;;
    esac
    snaps+=("$(snapfile "mariadb/$name.tsv" "mariadb -B (tab-separated, header row)" "$name" "$w" "$(tsv_rows "$M/$name.tsv")")")
    snaps+=("$(snapfile "mariadb/$name.txt" "mariadb -t (boxed table)" "$name" "$w" "$(box_rows "$M/$name.txt")")")
    snaps+=("$(snapfile "mariadb/$name-G.txt" "mariadb -E / \\G (vertical)" "$name" "$w" "$(vert_rows "$M/$name-G.txt")")")
done
status_waits() { grep -c 'TRX HAS BEEN WAITING' "$1" || true; }
status_waits_escaped() { grep -o 'TRX HAS BEEN WAITING' "$1" | wc -l; }
snaps+=("$(snapfile mariadb/innodb-status.txt "SHOW ENGINE INNODB STATUS via mariadb -B (one row Type/Name/Status, newlines escaped as \\n)" innodb-status "$(status_waits_escaped "$M/innodb-status.txt")" 1)")
snaps+=("$(snapfile mariadb/innodb-status-G.txt "SHOW ENGINE INNODB STATUS\\G" innodb-status "$(status_waits "$M/innodb-status-G.txt")" 1)")
snaps+=("$(snapfile "mariadb/pt-stalk/$PTSTALK_PREFIX-innodbstatus1" "pt-stalk innodbstatus1 (SHOW ENGINE INNODB STATUS\\G, no TS line)" innodb-status "$(status_waits "$M/pt-stalk/$PTSTALK_PREFIX-innodbstatus1")" 1)")
snaps+=("$(snapfile "mariadb/pt-stalk/$PTSTALK_PREFIX-processlist" "pt-stalk processlist (TS line + SHOW FULL PROCESSLIST\\G, 2 samples)" processlist "$(( $(grep -c 'FOR UPDATE' "$M/pt-stalk/$PTSTALK_PREFIX-processlist") / 2 ))" "$(( $(vert_rows "$M/pt-stalk/$PTSTALK_PREFIX-processlist") / 2 ))")")
snaps+=("$(snapfile "mariadb/pt-stalk/$PTSTALK_PREFIX-transactions" "pt-stalk transactions (TS line + INNODB_TRX, INNODB_LOCKS, INNODB_LOCK_WAITS \\G, 2 samples)" transactions "$(( $(grep -c 'trx_state: LOCK WAIT' "$M/pt-stalk/$PTSTALK_PREFIX-transactions") / 2 ))" "$(( $(grep -c 'trx_state: ' "$M/pt-stalk/$PTSTALK_PREFIX-transactions") / 2 ))")")
repeated=$(awk 'BEGIN{n=0} /^TS [0-9]+\.[0-9]+ /{ if (n) print c; n++; c=0 } /TRX HAS BEEN WAITING/{c++} END{ if (n) print c }' "$M/innodb-status-repeated.txt" \
    | paste -d'\t' "$T/truth/my-repeated-labels.txt" - \
    | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {scenario: .[0], expected_waiting_trx: (.[1] | tonumber), waiting_trx: (.[2] | tonumber)})')

# ---------------------------------------------------------------------------
# truth.json
# ---------------------------------------------------------------------------
pg_files=$(jq -n --arg pm "$PG_PREFIX_MAIN" --arg pa "$PG_PREFIX_ALT" --argjson ja "$PG_JA_DONE" '[
  {file: "postgresql/postgresql.log",  format: "stderr",  pass: "main", log_line_prefix: $pm, log_timezone: "UTC", lc_messages: "C"},
  {file: "postgresql/postgresql.csv",  format: "csvlog",  pass: "main", log_timezone: "UTC", lc_messages: "C"},
  {file: "postgresql/postgresql.json", format: "jsonlog", pass: "main", log_timezone: "UTC", lc_messages: "C"},
  {file: "postgresql/postgresql-alt.log", format: "stderr", pass: "alt", log_line_prefix: $pa, log_timezone: "Asia/Tokyo", lc_messages: "C"}
] + (if $ja == 1 then [{file: "postgresql/postgresql-ja.log", format: "stderr", pass: "ja", log_line_prefix: $pm, log_timezone: "Asia/Tokyo", lc_messages: "ja_JP.UTF-8"}] else [] end)')

# observed counts per PostgreSQL file
pg_observed=$(jq -n \
    --argjson a "$(count_pg_stderr "$OUTDIR/postgresql/postgresql.log")" \
    --argjson b "$(count_pg_csv "$OUTDIR/postgresql/postgresql.csv")" \
    --argjson c "$(count_pg_json "$OUTDIR/postgresql/postgresql.json")" \
    --argjson d "$(count_pg_stderr "$OUTDIR/postgresql/postgresql-alt.log")" \
    --argjson e "$(if [ "$PG_JA_DONE" = 1 ]; then count_pg_ja "$OUTDIR/postgresql/postgresql-ja.log"; else echo null; fi)" \
    '{"postgresql/postgresql.log": $a, "postgresql/postgresql.csv": $b, "postgresql/postgresql.json": $c, "postgresql/postgresql-alt.log": $d}
     + (if $e == null then {} else {"postgresql/postgresql-ja.log": $e} end)')

jq -n \
  --arg captured_at "$CAPTURED_AT" \
  --arg pg_version "$PG_VERSION" --arg pg_server_version "$PG_SERVER_VERSION" --argjson pg_version_num "$PG_VERSION_NUM" \
  --argjson pg_db_oid "$PG_DB_OID" --argjson pg_rels "$PG_RELS" \
  --argjson pg_files "$pg_files" --argjson pg_observed "$pg_observed" \
  --argjson dlt "$PG_DEADLOCK_TIMEOUT_MS" --argjson lmd "$PG_LOG_MIN_DURATION_MS" \
  --arg my_version "$MY_VERSION" --arg my_comment "$MY_VERSION_COMMENT" \
  --argjson my_lwt "$MY_LOCK_WAIT_TIMEOUT" --arg my_lqt "$MY_LONG_QUERY_TIME" \
  --argjson my_counts "$my_counts" --argjson my_dl_total "$MY_DEADLOCKS_TOTAL" --argjson my_rlw "$MY_ROW_LOCK_WAITS" \
  --argjson snaps "$(printf '%s\n' "${snaps[@]}" | jq -s -c .)" --argjson repeated "$repeated" \
  --arg snap_at "$(cat "$T/truth/my-snapshot-at.txt")" --arg ptp "$PTSTALK_PREFIX" \
  --slurpfile pg_scen <(cat "$T"/truth/pg-*.json) \
  --slurpfile my_scen <(cat "$T"/truth/my-[0-9]*.json) \
  --slurpfile my_client_errors "$T/truth/my-client-errors.jsonl" \
  --argjson waiters "$CONVOY_WAITERS" '
def sumexp(s): reduce (s[] | .expected) as $e ({}; reduce ($e | to_entries[]) as $kv (.; .[$kv.key] = ((.[$kv.key] // 0) + $kv.value)));
(reduce ("main", "alt", "ja") as $p ({}; ($pg_scen | map(select(.pass == $p))) as $l | if ($l | length) > 0 then . + {($p): $l} else . end)) as $bypass
| {
  schema: "pm-tui/db-capture-truth/1",
  generated_by: "scripts/capture-db-fixtures.sh",
  captured_at: $captured_at,
  notes: [
    "pids, connection ids, transaction ids and times differ on every capture; counts, roles and structure do not",
    "expected counts come from the scenario design; observed counts are grep/jq counts of the produced files; the script fails when they differ",
    "blocking_snapshots are read from the server while the waits were in progress (pg_blocking_pids(), INNODB_LOCK_WAITS)"
  ],
  postgresql: {
    version: $pg_version, server_version: $pg_server_version, server_version_num: $pg_version_num,
    database: "shop", database_oid: $pg_db_oid, relation_oids: $pg_rels,
    settings: {deadlock_timeout: "\($dlt)ms", log_lock_waits: "on", log_min_duration_statement: "\($lmd)ms",
               logging_collector: "on", autovacuum: "off", timezone: "UTC"},
    files: $pg_files,
    passes: ($bypass | to_entries | map({key: .key, value: {
        expected_counts: sumexp(.value),
        scenarios: (.value | map(del(.pass)))}}) | from_entries),
    observed_counts: $pg_observed
  },
  mariadb: {
    version: $my_version, version_comment: $my_comment,
    settings: {innodb_print_all_deadlocks: "ON", innodb_lock_wait_timeout: $my_lwt,
               slow_query_log: "ON", long_query_time: $my_lqt, time_zone: "SYSTEM (TZ=UTC)",
               transaction_isolation: "REPEATABLE-READ"},
    files: {error_log: "mariadb/error.log", slow_log: "mariadb/slow.log", client_errors: "mariadb/client-errors.txt",
            innodb_status_repeated: "mariadb/innodb-status-repeated.txt", pt_stalk_prefix: $ptp},
    expected_counts: (sumexp($my_scen) | del(.waiting_trx_at_snapshot)),
    observed_counts: ($my_counts + {innodb_deadlocks_status: $my_dl_total, innodb_row_lock_waits_status: $my_rlw}),
    scenarios: $my_scen,
    snapshots: {taken_at: $snap_at, during: "row-lock-convoy (all waiters queued)", expected_waiting_trx: $waiters, files: $snaps},
    innodb_status_repeated_samples: $repeated,
    client_errors_in_file_order: $my_client_errors
  }
}' >"$T/truth.json"

# ---------------------------------------------------------------------------
# Verify expected == observed; fail loudly otherwise
# ---------------------------------------------------------------------------
problems=$(jq -r '
  [ (.postgresql.files[] as $f | .postgresql.passes[$f.pass].expected_counts as $e
       | .postgresql.observed_counts[$f.file] as $o
       | $e | to_entries[] | select($o[.key] != .value)
       | "\($f.file): \(.key) expected \(.value), observed \($o[.key])"),
    (.postgresql.passes[].scenarios[] as $s | $s.expected | to_entries[]
       | select($s.observed_in_stderr_log[.key] != .value)
       | "pg scenario \($s.name): \(.key) expected \(.value), observed \($s.observed_in_stderr_log[.key])"),
    (.mariadb as $m
       | (if $m.observed_counts.deadlocks_in_error_log != $m.expected_counts.deadlocks then "mariadb error.log deadlocks expected \($m.expected_counts.deadlocks), observed \($m.observed_counts.deadlocks_in_error_log)" else empty end),
         (if $m.observed_counts.error_1213 != $m.expected_counts.error_1213 then "mariadb ERROR 1213 expected \($m.expected_counts.error_1213), observed \($m.observed_counts.error_1213)" else empty end),
         (if $m.observed_counts.error_1205 != $m.expected_counts.error_1205 then "mariadb ERROR 1205 expected \($m.expected_counts.error_1205), observed \($m.observed_counts.error_1205)" else empty end),
         (if $m.observed_counts.slow_log_entries != $m.expected_counts.slow_log_entries then "mariadb slow log entries expected \($m.expected_counts.slow_log_entries), observed \($m.observed_counts.slow_log_entries)" else empty end),
         (if $m.observed_counts.rollbacks_in_error_log != $m.expected_counts.deadlocks then "mariadb error.log rollbacks expected \($m.expected_counts.deadlocks), observed \($m.observed_counts.rollbacks_in_error_log)" else empty end),
         (if $m.observed_counts.innodb_deadlocks_status != $m.expected_counts.deadlocks then "mariadb Innodb_deadlocks expected \($m.expected_counts.deadlocks), observed \($m.observed_counts.innodb_deadlocks_status)" else empty end),
         ($m.innodb_status_repeated_samples[] | select(.waiting_trx != .expected_waiting_trx) | "mariadb innodb-status-repeated sample \(.scenario): waiting_trx \(.waiting_trx), expected \(.expected_waiting_trx)"),
         ($m.snapshots.files[] | select(.waiting_trx != null and .waiting_trx != $m.snapshots.expected_waiting_trx) | "mariadb snapshot \(.file): waiting_trx \(.waiting_trx), expected \($m.snapshots.expected_waiting_trx)"))
  ] | .[]' "$T/truth.json")

cp "$T/truth.json" "$OUTDIR/truth.json"

# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------
{
cat <<EOF
# Captured database lock logs

Produced by \`scripts/capture-db-fixtures.sh\` on $CAPTURED_AT from real servers
started just for the capture: **$PG_VERSION** and **MariaDB $MY_VERSION ($MY_VERSION_COMMENT)**.
Nothing here is hand-written or edited. \`truth.json\` records what really happened
(PIDs, connection and transaction ids, who blocked whom as the servers reported
it, and the number of events of each kind per file).

## Scenarios (both servers)

1. **two-way-deadlock**: \`web-order-a\` updates items 10 and 12, \`web-order-b\` updates
   item 11, then a updates 11 (waits) and b updates 10: deadlock, b is rolled back.
2. **row-lock-convoy**: \`web-checkout-1\` locks items.id=1 with \`SELECT ... FOR UPDATE\`
   and stays idle in its transaction for 4 s (a slow payment API call);
   \`web-checkout-2..$((CONVOY_WAITERS + 1))\` queue on the same row, then each holds it 1 s in turn.
3. **purge-blocks-writers**: \`trash-purge\` deletes 6,000 trashed photos in 4 chunks in one
   transaction (about 4 s); \`image-save-1..4\` update purged rows and wait; 3 and 4 have a
   1 s lock time-out (PostgreSQL \`lock_timeout\`, MariaDB \`innodb_lock_wait_timeout\`).
4. **sessions-table-lock**: \`session-restore\` locks the sessions table
   (PostgreSQL \`LOCK TABLE ... IN ACCESS EXCLUSIVE MODE\`; MariaDB \`SELECT ... FOR UPDATE\` on
   every row, so inserts wait on the supremum) for 3 s; \`login-1..3\` insert new sessions and
   wait; login-3 times out after 1 s.

Session names are PostgreSQL \`application_name\`s; database users name the application
(\`web\`, \`purge_batch\`, \`image_save\`, \`session_store\`, \`auth\`; the same accounts on MariaDB).

## Files

### postgresql/
- \`postgresql.log\`: stderr log, \`log_line_prefix = '$PG_PREFIX_MAIN'\` (Debian's default), log_timezone UTC, lc_messages C.
- \`postgresql.csv\`, \`postgresql.json\`: the same records as csvlog and jsonlog.
- \`postgresql-alt.log\`: the four scenarios again, stderr only, \`log_line_prefix = '$PG_PREFIX_ALT'\`, log_timezone Asia/Tokyo.
EOF
if [ "$PG_JA_DONE" = 1 ]; then
cat <<EOF
- \`postgresql-ja.log\`: the four scenarios again with \`lc_messages = 'ja_JP.UTF-8'\` (Japanese messages, UTF-8), Debian prefix, Asia/Tokyo.
EOF
fi
cat <<EOF
- \`pg_locks-convoy.txt\`, \`pg_stat_activity-convoy.txt\`: psql aligned output taken while the convoy waited (main pass).
- \`client-errors.txt\`: what the psql clients printed on stderr (deadlock and lock time-out errors), headed by session.

Settings: \`log_lock_waits = on\`, \`deadlock_timeout = ${PG_DEADLOCK_TIMEOUT_MS}ms\`,
\`log_min_duration_statement = ${PG_LOG_MIN_DURATION_MS}\`, \`autovacuum = off\`, \`log_checkpoints = on\`.
Scenario order per pass: deadlock, convoy, purge, sessions.

### mariadb/
- \`error.log\`: server error log with \`innodb_print_all_deadlocks=ON\` (one deadlock dump).
- \`slow.log\`: slow query log, \`long_query_time=$MY_LONG_QUERY_TIME\`.
- \`client-errors.txt\`: stderr of the \`mariadb\` batch clients (\`ERROR 1213 (40001) at line N: ...\`, \`ERROR 1205 (HY000) at line N: ...\`).
- Taken while the convoy's $CONVOY_WAITERS waiters were queued (after the deadlock, so \`LATEST DETECTED DEADLOCK\` is present):
  - \`innodb-status.txt\`: \`mariadb -e "SHOW ENGINE INNODB STATUS"\` in batch mode (one Type/Name/Status row, newlines escaped as \`\\n\`).
  - \`innodb-status-G.txt\`: \`SHOW ENGINE INNODB STATUS\\G\`.
  - \`innodb_trx\`, \`innodb_locks\`, \`innodb_lock_waits\` (information_schema), \`sys_innodb_lock_waits\` (if the sys schema exists), \`processlist\` (\`SHOW FULL PROCESSLIST\`),
    each as \`NAME.tsv\` (\`mariadb -B\`), \`NAME.txt\` (\`mariadb -t\`, boxed) and \`NAME-G.txt\` (\`mariadb -E\`, vertical).
  - \`pt-stalk/$PTSTALK_PREFIX-*\`: pt-stalk's layout: files named after the collection time;
    \`-innodbstatus1\` (no TS line), \`-processlist\` and \`-transactions\` (2 samples, each after a \`TS <epoch.ns> <date> <time>\` line).
- \`innodb-status-repeated.txt\`: 3 samples of \`SHOW ENGINE INNODB STATUS\\G\`, each after a \`TS\` line: during the convoy
  ($CONVOY_WAITERS waiting), during the purge after the two time-outs (2 waiting), during the sessions lock after the time-out (2 waiting).

MariaDB runs with TZ=UTC (error log, slow log and InnoDB monitor times are UTC), \`innodb_lock_wait_timeout=$MY_LOCK_WAIT_TIMEOUT\` (1 for the sessions that time out).

## truth.json

Expected and observed counts agree, or the script would have failed. Fields:

- \`postgresql.files[]\`: each log file with its format (\`stderr\`, \`csvlog\`, \`jsonlog\`), pass
  (\`main\`, \`alt\`, \`ja\`), \`log_line_prefix\`, \`log_timezone\`, \`lc_messages\`.
  \`database_oid\` and \`relation_oids\` resolve \`relation N of database M\`.
- \`postgresql.passes.<pass>.expected_counts\`: events in each file of that pass:
  \`lock_wait\` (\`still waiting for\`), \`lock_acquired\` (\`acquired\`), \`deadlock\`
  (\`ERROR: deadlock detected\`), \`deadlock_detected_log\` (LOG \`detected deadlock while waiting\`),
  \`lock_timeout\` (\`canceling statement due to lock timeout\`), \`slow_statement\` (\`duration: ... statement:\`).
  \`postgresql.observed_counts.<file>\` holds the counts found in each file.
- \`postgresql.passes.<pass>.scenarios[]\`: \`name\`, \`incident\`, \`started_at\`/\`ended_at\` (UTC),
  \`sessions[]\` (\`role\`: \`holder\`, \`waiter\`, \`timeout-waiter\`, \`purge-holder\`, \`deadlock-a\`,
  \`deadlock-b\`; \`application_name\`, \`user\`, \`pid\`, \`xids_seen_in_snapshots\`), \`expected\` and
  \`observed_in_stderr_log\` counts for the scenario alone, \`blocking_snapshots[]\` (\`label\`, \`at\`,
  and per session \`pid\`, \`wait_event_type\`, \`wait_event\`, \`backend_xid\`, \`blocked_by\` =
  \`pg_blocking_pids()\`), and per scenario: \`holder_pid\`, \`row_lock_order\` (pids in the order they
  got the row), \`timed_out_pids\`, \`participants\`, \`victim_pid\`, \`survivor_pid\`,
  \`pg_stat_database_deadlocks_delta\`.
- \`mariadb.expected_counts\` / \`observed_counts\`: deadlocks (error log dumps, \`WE ROLL BACK\`
  lines, \`Innodb_deadlocks\`), \`error_1213\`, \`error_1205\` (client-errors.txt), \`slow_log_entries\`.
- \`mariadb.scenarios[]\`: as for PostgreSQL with \`name\`, \`connection_id\` (\`CONNECTION_ID()\`,
  the \`thread id\` of InnoDB dumps and processlist \`Id\`), \`trx_ids_seen_in_snapshots\`;
  \`blocking_snapshots[]\` hold \`innodb_trx\` and \`lock_waits\` (INNODB_LOCK_WAITS joined to INNODB_TRX);
  \`victim_connection_id\`, \`rolled_back_transaction_number_in_dump\` (the N of \`WE ROLL BACK TRANSACTION (N)\`),
  \`timed_out_connection_ids\`, \`row_lock_order\`.
- \`mariadb.snapshots.files[]\`: each snapshot file, its format and query, the number of rows and of
  waiting transactions it shows (\`null\` where the file cannot tell); \`innodb_status_repeated_samples[]\`:
  waiting transactions in each sample of innodb-status-repeated.txt; \`client_errors_in_file_order[]\`:
  which connection got each error in client-errors.txt.

## Recapturing

    scripts/capture-db-fixtures.sh OUTDIR          # as root; installs the servers if missing; about 2 minutes
    scripts/check-db-capture.sh [FRESH_OUTDIR]     # recapture and compare with the committed truth.json

\`.ci/run\` recaptures and re-checks this set with \`scripts/check-db-capture.sh\`: PIDs, ids and times
change on every capture; counts, roles, victims and snapshot contents must not
(\`scripts/compare-db-capture.sh\` says what is compared).

## Things worth knowing when parsing these files

- PostgreSQL hands a contended row to waiters in no fixed order: after the holder's UPDATE,
  whichever waiter follows the update chain first wins (see \`row_lock_order\` in truth.json).
  Each waiter logs \`still waiting\`/\`acquired\` once per wait, so the convoy's n waiters give
  n(n+1)/2 of each, on \`transaction\` and \`tuple\` locks.
- The deadlock victim logs \`detected deadlock while waiting for ...\` (LOG, with an empty
  \`Wait queue: .\`) just before \`ERROR:  deadlock detected\`; the survivor logs \`still waiting\`
  then \`acquired\`.
- A lock time-out logs \`still waiting\` (after deadlock_timeout) then \`ERROR:  canceling statement
  due to lock timeout\`, with no \`acquired\`/\`failed\` line. Relation-lock waits taken while
  parsing carry \` at character N\` after the message.
- In the Japanese log, \`LOG\`/\`ERROR\` stay in English but \`DETAIL\`/\`CONTEXT\`/\`STATEMENT\` become
  \`詳細\`/\`文脈\`/\`文\`; \`Process holding the lock: ...\` is not translated; the translation of
  \`tuple (block,offset) of relation R of database D\` prints the two numbers swapped
  (\`タプル(offset,block)\`, a translation quirk of postgres-15.mo).
- MariaDB's \`mariadb\` batch client with \`--force\` prints the failing statement between
  \`--------------\` lines before \`ERROR nnnn (SQLSTATE) at line N: ...\`; failed statements that
  waited (1205) are in the slow log too.
- MariaDB 10.11's InnoDB monitor and deadlock dumps say \`MariaDB thread id N\` (not \`MySQL thread id\`)
  and \`TRX HAS BEEN WAITING 297210 us FOR THIS LOCK TO BE GRANTED\` (microseconds, not \`n SEC\`);
  the error-log deadlock dump is split over several \`[Note] InnoDB:\` lines with the record dumps between.
- \`INNODB_TRX\`, \`INNODB_LOCKS\` and \`INNODB_LOCK_WAITS\` are served from a cache refreshed only
  when the previous read was more than 0.1 s earlier: snapshots taken in quick succession show
  the same instant. \`INNODB_LOCK_WAITS\` lists each waiter as blocked by the holder and by every
  waiter queued ahead of it.
EOF
} >"$OUTDIR/README.md"

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
jq -r '
  "PostgreSQL \(.postgresql.server_version):",
  (.postgresql.observed_counts | to_entries[] | "  \(.key): " + (.value | to_entries | map("\(.key)=\(.value)") | join(" "))),
  "  deadlock victims: " + ([.postgresql.passes[].scenarios[] | select(.victim_pid) | "\(.victim_pid)"] | join(", ")),
  "MariaDB \(.mariadb.version):",
  "  " + (.mariadb.observed_counts | to_entries | map("\(.key)=\(.value)") | join(" ")),
  "  snapshot files: \(.mariadb.snapshots.files | length), waiting trx in each: \([.mariadb.snapshots.files[].waiting_trx] | unique | map(tostring) | join(","))",
  "  deadlock victim connection: " + ([.mariadb.scenarios[] | select(.victim_connection_id) | "\(.victim_connection_id)"] | join(", "))
' "$OUTDIR/truth.json" >&2
log "done in $(( $(date +%s) - START_EPOCH )) s; output in $OUTDIR"
if [ -n "$problems" ]; then
    log "MISMATCH between expected and observed counts:"
    printf '  %s\n' "$problems" >&2
    exit 3
fi
