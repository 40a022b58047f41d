#!/usr/bin/env bash
# Golden tests: runs THREAT_BIN on every tests/golden/<area>/<case>.threat
# and compares what it prints with the expectations beside the case.
#
#   <case>.cmd    arguments, one line, split like shell words ('…' and "…"
#                 quote, nothing is expanded); `{}` stands for the case's
#                 path. Default: `check {}`.
#   <case>.in     standard input (default: empty), e.g. REPL commands.
#   <case>.out    expected stdout   } a missing file means "expect empty"
#   <case>.err    expected stderr   }
#   <case>.code   expected exit status (missing: 0)
#   <case>.after  expected content of the case file after the command, for
#                 commands that rewrite it (`fmt`); missing: unchanged.
#
# Files a case includes or uses go one level deeper (tests/golden/<area>/
# <dir>/…), where they are not cases themselves.
#
# Every case runs on its real path from the repository root, so diagnostics
# show tests/golden/<area>/<case>.threat. The case file is saved first and
# put back afterwards, so a rewriting command never changes the tree; what
# it wrote is compared with <case>.after instead.
# Environment: NO_COLOR=1, SOURCE_DATE_EPOCH=1780272000 (2026-06-01),
# THREAT_PATH unset, LC_ALL=C, THREAT_NO_REPO=1 (the cases are not models
# of this repository: `check` looks at a repository only with --repo);
# each case has 30 s (GOLDEN_TIMEOUT).
#
# UPDATE=1 rewrites the expectations from what the binary printed (an empty
# stream or status 0 removes the file). Review the diff before committing.
# Optional arguments after THREAT_BIN select cases by substring.
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: tests/golden/run.sh THREAT_BIN [FILTER…]" >&2
	exit 2
fi
bin=$1
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
if [ ! -x "$bin" ]; then
	echo "golden: $bin is not an executable" >&2
	exit 2
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
update=${UPDATE:-0}
limit=${GOLDEN_TIMEOUT:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX")
current=""
# Puts the case file back even when the run is interrupted mid-case.
restore() {
	if [ -n "$current" ] && [ -f "$work/saved" ]; then
		cp "$work/saved" "$current"
	fi
	rm -rf "$work"
}
trap restore EXIT
trap 'exit 130' INT TERM

passed=0
failed=0

# Compares one stream with its expectation file, or rewrites it under UPDATE=1.
# Returns 1 on a mismatch (after printing the diff).
check_stream() {
	local actual=$1 expected=$2 what=$3
	if [ "$update" = 1 ]; then
		if [ -s "$actual" ]; then cp "$actual" "$expected"; else rm -f "$expected"; fi
		return 0
	fi
	local want=/dev/null
	[ -f "$expected" ] && want=$expected
	if ! cmp -s "$want" "$actual"; then
		echo "--- $what differs: diff -u $expected actual"
		diff -u --label "$expected" --label "$what (actual)" "$want" "$actual" | head -n 200
		return 1
	fi
	return 0
}

mapfile -t cases < <(find tests/golden -mindepth 2 -maxdepth 2 -name '*.threat' -type f | LC_ALL=C sort)

for path in "${cases[@]}"; do
	if [ $# -gt 0 ]; then
		keep=0
		for f in "$@"; do [[ $path == *"$f"* ]] && keep=1; done
		[ $keep = 1 ] || continue
	fi
	base=${path%.threat}

	line="check {}"
	if [ -f "$base.cmd" ]; then
		IFS= read -r line <"$base.cmd" || true
		line=${line%$'\r'}
	fi
	# xargs splits like the shell (quotes, backslashes) without expanding anything.
	args=()
	if ! mapfile -d '' -t args < <(printf '%s' "$line" | xargs -r printf '%s\0'); then
		echo "FAIL $path: cannot split $base.cmd"
		failed=$((failed + 1))
		continue
	fi
	for i in "${!args[@]}"; do args[$i]=${args[$i]//\{\}/$path}; done
	input=/dev/null
	[ -f "$base.in" ] && input=$base.in

	current=$path
	cp "$path" "$work/saved"
	env -u THREAT_PATH NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 LC_ALL=C THREAT_NO_REPO=1 \
		timeout -k 5 "$limit" "$bin" "${args[@]}" <"$input" >"$work/out" 2>"$work/err"
	code=$?
	if cmp -s "$work/saved" "$path"; then
		: >"$work/after"
		changed=0
	else
		cp "$path" "$work/after"
		changed=1
	fi
	cp "$work/saved" "$path"
	current=""
	if [ $code = 124 ] || [ $code = 137 ]; then
		echo "--- timed out after ${limit}s" >"$work/timeout"
	fi

	ok=1
	{
		check_stream "$work/out" "$base.out" stdout || ok=0
		check_stream "$work/err" "$base.err" stderr || ok=0
		want_code=0
		if [ "$update" = 1 ]; then
			if [ $code != 0 ]; then echo "$code" >"$base.code"; else rm -f "$base.code"; fi
		else
			[ -f "$base.code" ] && want_code=$(tr -d ' \t\r\n' <"$base.code")
			if [ "$want_code" != "$code" ]; then
				echo "--- exit status $code, expected $want_code"
				[ -f "$work/timeout" ] && cat "$work/timeout"
				ok=0
			fi
		fi
		if [ "$update" = 1 ]; then
			if [ $changed = 1 ]; then cp "$work/after" "$base.after"; else rm -f "$base.after"; fi
		elif [ $changed = 1 ] || [ -f "$base.after" ]; then
			want=$path
			[ -f "$base.after" ] && want=$base.after
			[ $changed = 1 ] || cp "$path" "$work/after"
			if ! cmp -s "$want" "$work/after"; then
				echo "--- file after the command differs: diff -u $want actual"
				diff -u --label "$want" --label "$path (rewritten)" "$want" "$work/after" | head -n 200
				ok=0
			fi
		fi
	} >"$work/report"
	rm -f "$work/timeout"

	if [ $ok = 1 ]; then
		passed=$((passed + 1))
		[ "$update" = 1 ] && echo "updated $path"
	else
		failed=$((failed + 1))
		echo "FAIL $path ($bin ${args[*]})"
		cat "$work/report"
	fi
done

echo "golden: $passed passed, $failed failed"
[ $failed = 0 ]
