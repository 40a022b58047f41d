# Shared by the tests/tools scripts that count their checks: sourced as
#
#   . tests/tools/checks.sh NAME THREAT_BIN
#
# it sets `bin` (made absolute), a scratch folder `work` removed on exit,
# and the counters that `ok`, `fail` and `summary` keep; the script's last
# line is summary's "NAME: N passed, N failed" (tests/tools/run-tests.sh
# reads it), and its exit status says whether every check passed.
set -u
checks_name=$1
bin=$2
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/threat-$checks_name.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# ok WHAT
ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}

# fail WHAT [FILE]: FILE's first lines are shown under it.
fail() {
	echo "FAIL $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		sed 's/^/  | /' "$2" | head -14
	fi
	failed=$((failed + 1))
}

summary() {
	echo "$checks_name: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}
