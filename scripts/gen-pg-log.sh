#!/usr/bin/env bash
# gen-pg-log.sh OUTFILE [MIB]
#
# A real PostgreSQL server log of about MIB MiB (default 256) for
# scripts/bench-postgres.sh: a throwaway cluster (unix socket only, stopped
# by PID) logs every statement with its duration, as pgBadger users
# configure it (log_min_duration_statement = 0), and its lock waits
# (log_lock_waits, deadlock_timeout = 1 ms), while pgbench runs its TPC-B
# transactions on a small scale, so that the clients queue on the same
# branch rows. The log is PostgreSQL's own stderr format with
# log_line_prefix '%m [%p] %q%u@%d '. Needs root (the server runs as the
# postgres user via setpriv) and Debian's postgresql package.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS

out=${1:?usage: gen-pg-log.sh OUTFILE [MIB]}
mib=${2:-256}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/pgbench" ] || {
    echo "gen-pg-log.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql)" >&2
    exit 2
}
[ "$(id -u)" -eq 0 ] || { echo "gen-pg-log.sh: run as root" >&2; exit 2; }
id postgres >/dev/null 2>&1 ||
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres

T=$(mktemp -d /tmp/pm-pglog.XXXXXX)
chown postgres:postgres "$T"
PG_PID=
cleanup() {
    if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
        kill -INT "$PG_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PG_PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
as_postgres() { (cd "$T" && exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); }

as_postgres "$PGBIN/initdb" -D "$T/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$T/initdb.log" 2>&1 ||
    { cat "$T/initdb.log" >&2; exit 1; }
cat >>"$T/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$T'
max_connections = 40
fsync = off
synchronous_commit = off
autovacuum = off
logging_collector = on
log_directory = '$T/log'
log_filename = 'postgresql.log'
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
lc_messages = 'C'
log_min_duration_statement = 0
log_lock_waits = on
deadlock_timeout = '1ms'
log_checkpoints = on
log_connections = on
log_disconnections = on
EOF
# Started in a subshell that execs it, so that $! is the server's PID.
(cd "$T" && exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "$PGBIN/postgres" -D "$T/data") >"$T/startup.log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 100); do
    as_postgres "$PGBIN/pg_isready" -q -h "$T" && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$T/startup.log" >&2; exit 1; }
    sleep 0.1
done
pgb() { as_postgres "$PGBIN/pgbench" -h "$T" -U postgres "$@"; }
as_postgres "$PGBIN/createdb" -h "$T" -U postgres bench
pgb -q -i -s 2 bench >/dev/null 2>&1
log="$T/log/postgresql.log"
want=$((mib * 1048576))
echo "gen-pg-log.sh: pgbench until the log holds $mib MiB" >&2
while [ "$(stat -c %s "$log")" -lt "$want" ]; do
    pgb -n -c 8 -j 2 -T 10 bench >/dev/null 2>&1 || true
    echo "  $(($(stat -c %s "$log") / 1048576)) MiB" >&2
done
kill -INT "$PG_PID"
wait "$PG_PID" 2>/dev/null || true
PG_PID=
mkdir -p "$(dirname "$out")"
cp "$log" "$out"
chmod 644 "$out"
echo "gen-pg-log.sh: $out, $(($(stat -c %s "$out") / 1048576)) MiB, $(wc -l <"$out") lines" >&2
