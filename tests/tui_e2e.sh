#!/usr/bin/env bash
# End-to-end test of the interactive timeline: drives the real binary in
# tmux (send-keys / capture-pane) over a sample dataset. Usage:
#   tests/tui_e2e.sh target/debug/pm-tui
# Exits non-zero on the first failed assertion and prints the last pane.
set -euo pipefail
BIN=$(realpath "${1:?usage: tests/tui_e2e.sh BINARY}")
[ -x "$BIN" ] || { echo "tui_e2e: $BIN is not an executable"; exit 1; }
cd "$(dirname "$0")/.."
DATA=sample_logs/booth-payment-spike
command -v tmux >/dev/null || { echo "tui_e2e: tmux is not installed"; exit 1; }

TMP=$(mktemp -d /tmp/pm-tui-e2e.XXXXXX)
S="pmtui-e2e-$$"
PASSED=0
cleanup() {
  tmux kill-session -t "$S" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

pane() { tmux capture-pane -t "$S" -p 2>/dev/null || true; }
fail() {
  echo "tui_e2e: FAIL: $*"
  echo "----- last screen -----"
  pane
  echo "-----------------------"
  echo "0 passed, 1 failed"
  exit 1
}
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
  local text=$1 secs=${2:-20} i
  for ((i = 0; i < secs * 10; i++)); do
    if pane | grep -qF -- "$text"; then return 0; fi
    sleep 0.1
  done
  fail "screen never showed: $text"
}
keys() { tmux send-keys -t "$S" "$@"; }
# Esc alone: a key sent right after it would read as Alt+key.
esc() { tmux send-keys -t "$S" Escape; sleep 0.3; }
type_text() { tmux send-keys -t "$S" -l -- "$1"; }
start() {
  tmux kill-session -t "$S" 2>/dev/null || true
  rm -f "$TMP/exit"
  # After the TUI exits: its status, and whether the tty is back in canonical mode.
  tmux new-session -d -s "$S" -x 160 -y 45 \
    "cd '$PWD' && $1; echo \"EXITED \$?\" > '$TMP/exit'; stty -a | grep -o -- '-*icanon' | head -1 >> '$TMP/exit'; sleep 60"
}
wait_exit() {
  local i
  for ((i = 0; i < 150; i++)); do
    [ -s "$TMP/exit" ] && grep -q icanon "$TMP/exit" && break
    sleep 0.1
  done
  [ -s "$TMP/exit" ] || fail "the TUI did not exit"
  grep -q "EXITED 0" "$TMP/exit" || fail "exit status: $(head -1 "$TMP/exit")"
  grep -qx "icanon" "$TMP/exit" || fail "terminal left in raw mode: $(cat "$TMP/exit")"
}

echo "tui_e2e: ingesting $DATA"
"$BIN" -q ingest "$DATA" -o "$TMP/case" --tz Asia/Tokyo || fail "ingest failed"
[ -f "$TMP/case/case.json" ] || fail "no case written"
ok "ingest wrote a case"

printf '#!/bin/sh\necho "$@" > %s/pager.args\n' "$TMP" > "$TMP/pager.sh"
chmod +x "$TMP/pager.sh"
start "PAGER='$TMP/pager.sh' '$BIN' tui '$TMP/case' --tz Asia/Tokyo"
wait_for "Findings (" 60
pane | grep -qF "JST" || fail "times are not shown in the case zone"
pane | grep -qF "filter: none" || fail "the filter line is missing"
ok "tui opens the case (timeline, findings, events)"

# Navigate to a finding: Enter on F1, then ] to the next in time.
keys Enter
wait_for "highlight F1"
pane | grep -qF "◆" || fail "F1's evidence is not marked in the events list"
keys ']'
wait_for "evidence events, Esc clears"
ok "Enter jumps to F1 and highlights its evidence; ] moves on"

# Zoom and pan.
keys z z l l - h
wait_for "Timeline ·"
ok "zoom and pan"

# Locks view of the selected finding, jobs view, help.
keys '[' L
wait_for "HEAD BLOCKER"
esc
keys J
wait_for "Jobs ·"
esc
keys '?'
wait_for "Keys · any key closes"
esc
pane | grep -qF "Findings (" || fail "Esc did not return to the home screen"
ok "locks (wait-for tree), jobs and help overlays"

# Search and step through matches.
keys '/'
wait_for "Search (regex"
type_text "checkout"
keys Enter
wait_for "search /checkout/"
wait_for "matches"
before=$(pane | tail -1)
keys n
for _ in $(seq 50); do [ "$(pane | tail -1)" != "$before" ] && break; sleep 0.1; done
pane | tail -1 | grep -qE "/checkout/ match [0-9]+ of" || fail "n did not move to the next match"
[ "$(pane | tail -1)" != "$before" ] || fail "n did not move"
ok "search /checkout/ and n"

# Filter by host and kind.
keys f
wait_for "Filter · Tab"
type_text "10.20.2"
keys Tab Tab
type_text "lock"
keys Enter
wait_for "filter: host=10.20.2 kind=lock"
wait_for "events (F clears)"
ok "filter bar (host and kind), always-visible filter line"
keys F
wait_for "filter: none"

# Annotate the selected event, then mark another.
keys Tab a
wait_for "Annotate event"
keys Tab
type_text "pager fired"
keys Enter
wait_for "annotated: detection"
for _ in $(seq 50); do grep -q "pager fired" "$TMP/case/annotations.json" 2>/dev/null && break; sleep 0.1; done
grep -q '"detection"' "$TMP/case/annotations.json" || fail "annotations.json lacks the detection label"
grep -q 'pager fired' "$TMP/case/annotations.json" || fail "annotations.json lacks the note"
keys j m
wait_for "marked"
for _ in $(seq 50); do grep -q '"mark"' "$TMP/case/annotations.json" && break; sleep 0.1; done
grep -q '"mark"' "$TMP/case/annotations.json" || fail "the mark was not saved"
ok "annotation and mark saved to annotations.json"

# Detail of the selected event with its raw lines, then o opens $PAGER at its line.
keys Enter
wait_for "Event · j k scroll"
wait_for "raw lines of"
keys o
for _ in $(seq 50); do [ -s "$TMP/pager.args" ] && break; sleep 0.1; done
[ -s "$TMP/pager.args" ] || fail "o did not run \$PAGER"
grep -qE '^\+[0-9]+ .*(sample_logs/|pm-tui-)' "$TMP/pager.args" || fail "pager args: $(cat "$TMP/pager.args")"
wait_for "Event · j k scroll"
esc
ok "detail with raw lines; o runs \$PAGER at the line and the TUI comes back"

# Zone toggle.
keys t
wait_for "times in UTC"
keys t
ok "t cycles the display zone"

# Export.
keys e
for _ in $(seq 200); do
  if pane | grep -qE "wrote .*postmortem.md|export failed"; then break; fi
  sleep 0.1
done
if pane | grep -qF "postmortem.md"; then
  [ -s "$TMP/case/postmortem.md" ] || fail "export said it wrote postmortem.md, but it is missing"
  ok "export wrote postmortem.md"
elif pane | grep -qF "export failed"; then
  [ ! -e "$TMP/case/postmortem.md" ] || fail "export failed but left a postmortem.md"
  ok "export reports the exporter's error (markdown export not built yet)"
else
  fail "export said nothing"
fi

keys q
wait_exit
ok "q quits and restores the terminal"

# Ctrl-C quits at once.
start "'$BIN' tui '$TMP/case'"
wait_for "Findings (" 60
keys C-c
wait_exit
ok "Ctrl-C quits and restores the terminal"

# SIGTERM restores the terminal too.
start "sh -c 'echo \$\$ > $TMP/pid; exec $BIN tui $TMP/case'"
wait_for "Findings (" 60
kill -TERM "$(cat "$TMP/pid")"
wait_exit
ok "SIGTERM quits and restores the terminal"

# open: ingest into a temporary case with a progress screen, browse, quit.
start "'$BIN' open sample_logs/batch-double-run --tz Asia/Tokyo"
wait_for "findings · temporary case" 90
keys q
wait_for "W writes it"
keys q
wait_exit
ok "open ingests into a temporary case; q asks before discarding it"

echo "tui_e2e: $PASSED passed, 0 failed"
