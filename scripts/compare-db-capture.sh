#!/usr/bin/env bash
# compare-db-capture.sh EXPECTED_TRUTH.json ACTUAL_TRUTH.json
#
# Compares two truth files written by scripts/capture-db-fixtures.sh on what
# must not change from one capture to the next: event counts per file and per
# scenario, sessions and their roles, deadlock victims, who held and who timed
# out, the waits seen in the blocking snapshots, the snapshot files and what
# they show. PIDs, connection ids, transaction ids and times are replaced by
# session names or dropped. The order in which PostgreSQL convoy waiters get
# the row is not first-come-first-served, so only its length is compared.
# Server versions are reported when they differ but do not fail the check.
# Exit 0 when equal, 1 when not (the differences are printed).
# compare-db-capture.sh --signature TRUTH.json prints what is compared.
set -euo pipefail
usage() { echo "usage: $0 EXPECTED_TRUTH.json ACTUAL_TRUTH.json | --signature TRUTH.json" >&2; exit 2; }
[ $# -eq 2 ] || usage
command -v jq >/dev/null || { echo "compare-db-capture: jq is required" >&2; exit 2; }

signature() {
    jq -S '
    def names($s): ($s | map({key: (.id | tostring), value: .name}) | from_entries);
    # snapshots whose blocking graph does not depend on timing; the
    # all-queued snapshots of the scenarios with 1 s time-outs may, on a
    # very slow machine, miss a waiter that already timed out: only their
    # presence is compared
    def stable($scen; $lbl): ($lbl == "a-waits-for-b" or $lbl == "after-timeouts"
                              or ($lbl == "all-queued" and $scen == "row-lock-convoy"));
    def counted($scen; $lbl): (stable($scen; $lbl) or ($lbl | startswith("round-")));
    def pgscen:
      . as $sc
      | names([.sessions[] | {id: .pid, name: .application_name}]) as $n
      | {name, incident, expected, observed: .observed_in_stderr_log,
         sessions: [.sessions[] | {role, application_name, user}],
         victim: .victim_application_name,
         survivor: (if .survivor_pid then $n[.survivor_pid | tostring] else null end),
         holder: (if .holder_pid then $n[.holder_pid | tostring] else null end),
         timed_out: ((.timed_out_pids // []) | map($n[tostring]) | sort),
         deadlocks_counted_by_server: .pg_stat_database_deadlocks_delta,
         row_lock_order_length: ((.row_lock_order // []) | length),
         snapshots: [.blocking_snapshots[] | .label as $l
           | {snapshot: $l}
             + (if counted($sc.name; $l) then
                  {waiting: ([.sessions[] | select(.wait_event_type == "Lock") | .wait_event] | sort)}
                else {} end)
             + (if stable($sc.name; $l) then
                  {blocked_by: ([.sessions[] | select(.wait_event_type == "Lock")
                                 | {(.application_name): (.blocked_by | map($n[tostring]))}] | add)}
                else {} end)]};
    def myscen:
      . as $sc
      | names([.sessions[] | {id: .connection_id, name: .name}]) as $n
      | {name, incident, expected,
         sessions: [.sessions[] | {role, name, user}],
         victim: .victim_name,
         survivor: (if .survivor_connection_id then $n[.survivor_connection_id | tostring] else null end),
         holder: (if .holder_connection_id then $n[.holder_connection_id | tostring] else null end),
         timed_out: ((.timed_out_connection_ids // []) | map($n[tostring]) | sort),
         rolled_back_in_dump: .rolled_back_transaction_number_in_dump,
         deadlocks_counted_by_server: .innodb_deadlocks_delta,
         row_lock_order: ((.row_lock_order // []) | map($n[tostring])),
         snapshots: [.blocking_snapshots[] | .label as $l
           | {snapshot: $l}
             + (if counted($sc.name; $l) then
                  {waiting_trx: ([.innodb_trx[] | select(.trx_state == "LOCK WAIT")] | length)}
                else {} end)
             + (if stable($sc.name; $l) then
                  {waits: ([.lock_waits[] | [$n[.waiting_connection_id | tostring], $n[.blocking_connection_id | tostring]]] | sort)}
                else {} end)]};
    {schema,
     postgresql: (.postgresql | {database, settings, files,
        relations: (.relation_oids | keys),
        observed_counts,
        passes: (.passes | map_values({expected_counts, scenarios: (.scenarios | map(pgscen))}))}),
     mariadb: (.mariadb | {settings, expected_counts,
        observed_counts: (.observed_counts | del(.innodb_row_lock_waits_status)),
        files: (.files | del(.pt_stalk_prefix)),
        scenarios: (.scenarios | map(myscen)),
        snapshots: {during: .snapshots.during, expected_waiting_trx: .snapshots.expected_waiting_trx,
                    files: [.snapshots.files[] | .file |= sub("[0-9]{4}(_[0-9]{2}){5}-"; "PREFIX-")]},
        innodb_status_repeated_samples,
        client_errors: [.client_errors_in_file_order[] | {name, error}]})}' "$1"
}

if [ "$1" = --signature ]; then signature "$2"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
signature "$1" >"$tmp/expected.json"
signature "$2" >"$tmp/actual.json"
for v in '.postgresql.server_version' '.mariadb.version'; do
    a=$(jq -r "$v" "$1"); b=$(jq -r "$v" "$2")
    [ "$a" = "$b" ] || echo "compare-db-capture: note: $v differs: '$a' (expected) vs '$b' (actual)" >&2
done
if diff -u "$tmp/expected.json" "$tmp/actual.json" >"$tmp/diff"; then
    echo "compare-db-capture: $2 matches $1 (counts, roles, victims, snapshots)"
else
    echo "compare-db-capture: $2 differs from $1:" >&2
    cat "$tmp/diff" >&2
    exit 1
fi
