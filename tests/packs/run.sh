#!/bin/sh
# Hostile rule packs: each NAME.threat `use`s NAME.lua, which tries to escape
# the sandbox, exhaust a budget, or break other packs. For each, `threat
# check` must exit 2 within 10 s, print a message containing NAME.expect (the
# pack file and line), leave no /tmp/threat-pack-escape-NAME behind, and,
# when NAME.stdout exists, print that on stdout (the other packs still ran).
#
#   tests/packs/run.sh THREAT_BIN
if [ $# -ne 1 ]; then
	echo "usage: tests/packs/run.sh THREAT_BIN" >&2
	exit 2
fi
bin=$1
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/threat-packs.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

for model in "$here"/*.threat; do
	name=$(basename "$model" .threat)
	expect=$(cat "$here/$name.expect")
	marker=/tmp/threat-pack-escape-$name
	rm -f "$marker"
	start=$(date +%s)
	NO_COLOR=1 timeout 10 "$bin" check --today 2026-06-01 "$model" >"$work/out" 2>"$work/err"
	code=$?
	elapsed=$(($(date +%s) - start))
	problem=
	if [ "$code" -eq 124 ]; then
		problem="did not finish within 10 s"
	elif [ "$code" -ne 2 ]; then
		problem="exit status $code, expected 2"
	elif ! grep -qF -- "$expect" "$work/err"; then
		problem="no message containing '$expect'"
	elif [ -e "$marker" ]; then
		problem="side effect: $marker exists"
		rm -f "$marker"
	elif [ -f "$here/$name.stdout" ] && ! grep -qF -f "$here/$name.stdout" "$work/out"; then
		problem="stdout lacks '$(cat "$here/$name.stdout")'"
	fi
	if [ -z "$problem" ]; then
		passed=$((passed + 1))
		echo "ok   $name (${elapsed}s)"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $problem"
		sed 's/^/    /' "$work/err" | head -n 20
	fi
done
echo "packs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
