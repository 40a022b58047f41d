#!/usr/bin/env bash
# Drives `threat repl` in a real terminal (tmux) the way a person would:
# the banner and prompt, tab completion of commands, fields, values, element
# and finding ids, Ctrl-C abandoning the line but not the session, history
# kept across sessions (Up recalls the last session's line), a `reload`
# after a broken edit keeping the last good model, and Ctrl-D leaving.
#
#   tests/repl/tmux-test.sh THREAT_BIN
#
# Prints one line per check and `repl: N passed, N failed` at the end; the
# exit status is 1 when a check failed. Without tmux it says so and exits 0
# (the check counts as skipped: `repl: 0 passed, 0 failed`).
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: tests/repl/tmux-test.sh THREAT_BIN" >&2
	exit 2
fi
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v tmux >/dev/null 2>&1; then
	echo "repl: tmux is not installed, skipped"
	echo "repl: 0 passed, 0 failed"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/repl-tmux.XXXXXX")
socket=$work/tmux.sock
session=threat-repl-test
cleanup() {
	tmux -S "$socket" kill-server >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

# The model under test: a copy, so the broken edit never touches the tree.
cp "$root/tests/golden/repl/session.threat" "$root/tests/golden/repl/quiet.lua" "$work/"
model=$work/session.threat
export XDG_STATE_HOME=$work/state
# long answers are not paged here (tests/tools/cli.sh tests the pager)
export PAGER=

passed=0
failed=0
check() {
	local name=$1 ok=$2
	if [ "$ok" = 1 ]; then
		echo "repl: ok   $name"
		passed=$((passed + 1))
	else
		echo "repl: FAIL $name"
		echo "--- screen:"
		screen | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

screen() { tmux -S "$socket" capture-pane -p -t "$session" -S -200; }
keys() { tmux -S "$socket" send-keys -t "$session" "$@"; }

# Waits (up to 10 s) until the screen shows the text (a fixed string).
wait_for() {
	local text=$1
	for _ in $(seq 1 100); do
		screen | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	return 1
}

# The last line holding the prompt, with the prompt itself.
prompt_line() { screen | grep -F 'threat> ' | tail -n 1; }

start() {
	tmux -S "$socket" new-session -d -s "$session" -x 120 -y 40 \
		"env -u THREAT_PATH NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 XDG_STATE_HOME='$XDG_STATE_HOME' '$bin' repl '$model'; echo REPL-EXITED-\$?; sleep 30"
}

# ---- first session ----
start
wait_for 'threat> '
check "banner names the model and the prompt appears" "$(screen | grep -qF 'Portal: 5 findings' && echo 1 || echo 0)"

keys 'thr' Tab
sleep 0.3
# (capture-pane drops trailing blanks, so the space Tab adds is not seen)
check "Tab completes a command" "$(prompt_line | grep -qE 'threat> threats *$' && echo 1 || echo 0)"
keys 'where ri' Tab
sleep 0.3
check "Tab completes a field" "$(prompt_line | grep -qE 'threats where risk *$' && echo 1 || echo 0)"
keys '>= CRI' Tab
sleep 0.3
check "Tab completes a value of the field" "$(prompt_line | grep -qF 'risk >= CRITICAL' && echo 1 || echo 0)"
keys Enter
wait_for 'SQL injection in search'
check "the completed query runs" "$(screen | grep -qF '1 finding: 1 CRITICAL' && echo 1 || echo 0)"

keys 'show TB-0' Tab Tab
sleep 0.3
check "Tab lists the boundary ids" "$(screen | grep -qE 'TB-01 +TB-02' && echo 1 || echo 0)"
keys C-u 'explain T-0' Tab Tab
sleep 0.3
check "Tab lists the finding ids" "$(screen | grep -qE 'T-01 +T-02 +T-03 +T-04 +T-05' && echo 1 || echo 0)"
keys C-u 'threats where overdue = tr' Tab
sleep 0.3
check "Tab completes true for overdue" "$(prompt_line | grep -qF 'overdue = true' && echo 1 || echo 0)"
keys Enter
wait_for 'Token replay at the IdP'
check "the overdue query runs" "$(screen | grep -qF '1 finding: 0 CRITICAL, 0 HIGH, 1 MEDIUM' && echo 1 || echo 0)"

# Ctrl-C: the line is dropped, the session goes on.
keys C-u 'this line is abandoned'
sleep 0.2
keys C-c
sleep 0.3
keys 'summary' Enter
wait_for 'crossings:'
check "Ctrl-C abandons the line and the session goes on" \
	"$(screen | grep -qF '3 of 4 flows cross a trust boundary' && ! (screen | grep -qF 'REPL-EXITED') && echo 1 || echo 0)"
check "the abandoned line did not run" "$(screen | grep -qF "unknown command 'this'" && echo 0 || echo 1)"

# A broken edit: reload reports it and keeps the last good model.
cp "$model" "$work/good.threat"
printf 'flow web -> nowhere "lost"\n' >>"$model"
keys 'reload' Enter
wait_for 'keeping the last good model'
keys 'threats where kind = store' Enter
wait_for 'Dump of the database'
check "a broken reload keeps the last good model" \
	"$(screen | grep -qF "unknown element 'nowhere'" && screen | grep -qF 'Dump of the database' && echo 1 || echo 0)"
cp "$work/good.threat" "$model"
keys 'reload' Enter
wait_for 'reloaded: 5 findings'
check "a fixed model reloads" "$(screen | grep -qF 'reloaded: 5 findings' && echo 1 || echo 0)"

keys 'path browser -> db' Enter
wait_for 'browser -> web -> api -> db'
check "path shows the route" "$(screen | grep -qF 'crosses TB-02 "Data tier"' && echo 1 || echo 0)"

# Ctrl-D leaves with status 0.
keys C-d
wait_for 'REPL-EXITED-'
check "Ctrl-D leaves with status 0" "$(screen | grep -qF 'REPL-EXITED-0' && echo 1 || echo 0)"
check "the history file was written" "$(grep -qF 'path browser -> db' "$XDG_STATE_HOME/threat/history" 2>/dev/null && echo 1 || echo 0)"
tmux -S "$socket" kill-session -t "$session" >/dev/null 2>&1

# ---- second session: the history is back ----
start
wait_for 'threat> '
keys Up
sleep 0.3
check "history survives between sessions (Up recalls the last line)" \
	"$(prompt_line | grep -qF 'threat> path browser -> db' && echo 1 || echo 0)"
keys C-u 'quit' Enter
wait_for 'REPL-EXITED-'
check "quit leaves with status 0" "$(screen | grep -qF 'REPL-EXITED-0' && echo 1 || echo 0)"

echo "repl: $passed passed, $failed failed"
[ $failed = 0 ]
