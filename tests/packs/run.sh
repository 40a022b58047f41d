#!/bin/sh
# Hostile rule packs: each NAME.threat `use`s NAME.lua, which tries to escape
# the sandbox, exhaust a budget, or break other packs. For each, `threat
# check --budget 2` (or `check` with the options in NAME.args) must exit 2
# within 15 s, print every line of NAME.expect (the pack file and line, and
# the message) somewhere on stderr, leave no /tmp/threat-pack-escape-NAME
# behind, and, when NAME.stdout exists, print that on stdout (the other
# packs still ran). When NAME.make exists, the case runs from a copy in a
# scratch folder where `sh NAME.make` first writes the files it needs (a
# pack too large to keep in the repository).
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

# missing FILE: the first line of FILE that stderr lacks, if any.
missing() {
	while IFS= read -r line || [ -n "$line" ]; do
		if ! grep -qF -- "$line" "$work/err"; then
			printf '%s' "$line"
			return
		fi
	done <"$1"
}

for model in "$here"/*.threat; do
	name=$(basename "$model" .threat)
	args="--budget 2"
	[ -f "$here/$name.args" ] && args=$(cat "$here/$name.args")
	if [ -f "$here/$name.make" ]; then
		rm -rf "$work/case"
		mkdir "$work/case"
		cp "$here/$name".* "$work/case/"
		(cd "$work/case" && sh "$name.make") || echo "FAIL $name: $name.make failed"
		model=$work/case/$name.threat
	fi
	marker=/tmp/threat-pack-escape-$name
	rm -f "$marker"
	start=$(date +%s)
	# shellcheck disable=SC2086 # the options are words
	NO_COLOR=1 timeout 15 "$bin" check --today 2026-06-01 $args "$model" >"$work/out" 2>"$work/err"
	code=$?
	elapsed=$(($(date +%s) - start))
	problem=
	if [ "$code" -eq 124 ]; then
		problem="did not finish within 15 s"
	elif [ "$code" -ne 2 ]; then
		problem="exit status $code, expected 2"
	elif [ -n "$(missing "$here/$name.expect")" ]; then
		problem="no message containing '$(missing "$here/$name.expect")'"
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
