#!/usr/bin/env bash
# Runs `check` on every example under valgrind, on one rule engine and on
# two (threads), and fails on any memory error
# or leak (definite, indirect or possible). `make valgrind` calls it with an
# unsanitized build; check itself may exit 0 or 1 (findings), not 2.
#
#   tests/tools/valgrind.sh THREAT_BIN
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: tests/tools/valgrind.sh THREAT_BIN" >&2
	exit 2
fi
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (make deps installs it)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "valgrind: $bin is not an executable" >&2
	exit 2
fi

shopt -s nullglob
examples=(examples/*.threat examples/*/*.threat)
shopt -u nullglob
if [ ${#examples[@]} -eq 0 ]; then
	echo "valgrind: no examples/*.threat or examples/*/*.threat" >&2
	exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/valgrind.XXXXXX")
trap 'rm -f "$log"' EXIT
passed=0
failed=0
# Each example on one rule engine, and on two (threads, THREAT_JOBS).
for run in "${examples[@]/#/1:}" "${examples[@]/#/2:}"; do
	jobs=${run%%:*} example=${run#*:}
	# A part another file includes (no `model` statement) is checked
	# through that file.
	grep -q '^model ' "$example" || continue
	env -u THREAT_PATH NO_COLOR=1 THREAT_JOBS="$jobs" valgrind -q --leak-check=full \
		--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=3 --log-file="$log" \
		"$bin" check --today 2026-06-01 "$example" >/dev/null 2>&1
	status=$?
	label="$example ($jobs engine$([ "$jobs" = 1 ] || echo s))"
	if [ $status = 0 ] || [ $status = 1 ]; then
		echo "valgrind: $label ok"
		passed=$((passed + 1))
	else
		case $status in
		3) why="memory errors or leaks" ;;
		2) why="check reported bad input" ;;
		*) why="exit $status" ;;
		esac
		echo "valgrind: $label FAILED ($why)"
		[ $status = 2 ] && NO_COLOR=1 "$bin" check --today 2026-06-01 "$example" 2>&1 >/dev/null | head -n 20 | sed 's/^/    /'
		head -n 80 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "valgrind: $passed passed, $failed failed"
[ $failed = 0 ]
