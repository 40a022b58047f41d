#!/usr/bin/env bash
# Bad input of any kind gets a clear error and exit 2, quickly, and never a
# crash, a hang or a changed file: a file far over the size limit, a
# directory, a missing file, an empty file, binary garbage, a FIFO with
# nothing behind it is not tried (it would block by design).
#
#   tests/tools/robustness.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" robustness "$1"

# expect NAME EXPECTED-STDERR-SUBSTRING ARGS...
expect() {
	local name=$1 want=$2
	shift 2
	local start end code
	start=$(date +%s)
	NO_COLOR=1 timeout 20 "$bin" "$@" >"$work/out" 2>"$work/err"
	code=$?
	end=$(date +%s)
	if [ $code -ne 2 ]; then
		echo "FAIL $name: exit status $code, expected 2"
		sed 's/^/  | /' "$work/err" | head -5
		failed=$((failed + 1))
	elif ! grep -qF -- "$want" "$work/err"; then
		echo "FAIL $name: no message containing '$want'"
		sed 's/^/  | /' "$work/err" | head -5
		failed=$((failed + 1))
	else
		echo "ok   $name ($((end - start))s)"
		passed=$((passed + 1))
	fi
}

truncate -s 100M "$work/huge.threat"
expect "100 MB file" "larger than the 64 MiB limit" check "$work/huge.threat"
mkdir "$work/folder.threat"
expect "directory" "is a directory" check "$work/folder.threat"
expect "missing file" "cannot open" check "$work/missing.threat"
: >"$work/empty.threat"
expect "empty file" "no \`model\` statement" check "$work/empty.threat"
head -c 1000000 /dev/urandom >"$work/garbage.threat"
expect "binary garbage" "error" check "$work/garbage.threat"
printf 'model "m" {}\n' >"$work/ok.threat"
expect "unknown command" "unknown command" chekc "$work/ok.threat"
expect "unknown option" "no option" check --frobnicate "$work/ok.threat"
expect "bad level" "unknown level" check --fail-on severe "$work/ok.threat"
expect "bad date" "--today wants a date" check --today 2026-02-30 "$work/ok.threat"
SOURCE_DATE_EPOCH=yesterday expect "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" check "$work/ok.threat"
expect "bad query" "error" query "$work/ok.threat" 'threats where rsk = high'

# A Graphviz that never finishes is stopped after THREAT_DOT_TIMEOUT.
printf '#!/bin/sh\nexec sleep 60\n' >"$work/slow-dot"
chmod +x "$work/slow-dot"
THREAT_DOT=$work/slow-dot THREAT_DOT_TIMEOUT=1 expect "Graphviz that hangs" "took longer than 1 s" \
	dfd --format svg "$work/ok.threat"

# fmt never changes a file it cannot parse.
printf 'model "m" {\n  broken [\n' >"$work/broken.threat"
cp "$work/broken.threat" "$work/broken.orig"
expect "fmt on broken input" "error" fmt "$work/broken.threat"
if cmp -s "$work/broken.threat" "$work/broken.orig"; then
	echo "ok   fmt left the broken file alone"
	passed=$((passed + 1))
else
	echo "FAIL fmt changed a file it could not parse"
	failed=$((failed + 1))
fi

# The packs' budget: a bad value is a usage error, and THREAT_BUDGET and
# --budget set the run's one deadline (a pack that loops stops after it).
expect "--budget x" "--budget wants a number of seconds above 0 and at most 86400, not 'x'" \
	check --budget x examples/hello.threat
for bad in x 0 -1 1e9 2s; do
	THREAT_BUDGET=$bad expect "THREAT_BUDGET=$bad" \
		"THREAT_BUDGET must be a number of seconds above 0 and at most 86400, not '$bad'" \
		check examples/hello.threat
done
THREAT_BUDGET=1 expect "THREAT_BUDGET=1 stops a loop" \
	"loop.lua:3: time limit exceeded (1 s for the whole run)" check tests/packs/loop.threat
THREAT_BUDGET=30 expect "--budget wins over THREAT_BUDGET" \
	"loop.lua:3: time limit exceeded (0.5 s for the whole run)" check --budget 0.5 tests/packs/loop.threat

# Output that cannot be written (a full disk) is an error, not a short report.
if [ -w /dev/full ]; then
	for args in "check" "report" "dfd"; do
		NO_COLOR=1 timeout 20 "$bin" $args "$work/ok.threat" >/dev/full 2>"$work/err"
		code=$?
		if [ $code -eq 2 ] && grep -qF "cannot write to standard output" "$work/err"; then
			echo "ok   $args to a full disk"
			passed=$((passed + 1))
		else
			echo "FAIL $args to a full disk: exit status $code, expected 2 and a message"
			failed=$((failed + 1))
		fi
	done
fi

summary
