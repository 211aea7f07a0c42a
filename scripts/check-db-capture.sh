#!/usr/bin/env bash
# check-db-capture.sh [FRESH_OUTDIR]
#
# For CI (.ci/run): captures the database lock logs afresh from real
# PostgreSQL and MariaDB servers (scripts/capture-db-fixtures.sh) and checks
# that the fresh truth.json matches the committed one in
# tests/fixtures/db-capture/ on everything that must not change between
# captures (scripts/compare-db-capture.sh). A change of server behaviour or
# log format shows up as a difference in counts and fails the check.
#
# FRESH_OUTDIR (optional) keeps the fresh capture there, so the parser tests
# can run the same assertions on it; without it a temporary directory is used
# and removed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
committed=$root/tests/fixtures/db-capture/truth.json
[ -f "$committed" ] || { echo "check-db-capture: $committed not found" >&2; exit 2; }
if [ $# -ge 1 ]; then
    out=$1
    rm -rf "$out"
else
    tmpdir=$(mktemp -d)
    trap 'rm -rf "$tmpdir"' EXIT
    out=$tmpdir/capture
fi
bash "$here/capture-db-fixtures.sh" "$out"
bash "$here/compare-db-capture.sh" "$committed" "$out/truth.json"
