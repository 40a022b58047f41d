#!/usr/bin/env bash
# Bad input of any kind gets a clear error and exit 2, quickly, and never a
# crash, a hang or a changed file: a file far over the size limit, a
# directory, a missing file, an empty file, binary garbage. A FIFO given
# on the command line is not tried (reading what the user names, a pipe
# included, is by design); a FIFO or a device that a model includes is
# refused at once, and so is every include outside the policy of
# doc/language.md "include", without a byte of the file in the output.
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

# ---- include: only regular .threat files inside the model's folder tree ----
secret='SECRET-c0ffee-do-not-print'
mkdir -p "$work/tree/sub" "$work/outside"
printf 'root:$6$%s:19000:0:99999:7:::\nAWS_SECRET_ACCESS_KEY=%s\n' "$secret" "$secret" >"$work/outside/shadow"
cp "$work/outside/shadow" "$work/outside/secrets.threat"
cp "$work/outside/shadow" "$work/tree/notes.txt"
printf 'process extra "Extra"\n' >"$work/outside/extra.threat"
printf 'process sub "Sub"\n' >"$work/tree/sub/part.threat"
ln -s ../outside/secrets.threat "$work/tree/escape.threat"
ln -s ../outside/shadow "$work/tree/shadow.threat"
ln -s /proc/self/environ "$work/tree/environ.threat"
ln -s /dev/stdin "$work/tree/stdin.threat"
mkfifo "$work/tree/fifo.threat"
truncate -s 100M "$work/tree/huge.threat"
head -c 4000 /dev/urandom >"$work/tree/garbage.threat"

# include_case NAME PATH: a model in the tree that includes PATH.
include_case() {
	printf 'model "m" {}\nprocess web "Web"\ninclude "%s"\n' "$2" >"$work/tree/model-$1.threat"
	echo "$work/tree/model-$1.threat"
}

# refused NAME EXPECTED-STDERR-SUBSTRING ARGS...: exit 2 with the message,
# and nothing of the secret on either stream.
refused() {
	local name=$1
	expect "$@"
	if grep -qF "$secret" "$work/out" "$work/err" || grep -qF "THREAT_TEST_TOKEN" "$work/err"; then
		echo "FAIL $name: the output quotes the file"
		sed 's/^/  | /' "$work/err" | head -5
		failed=$((failed + 1))
	fi
}

refused "include /etc/shadow-like file" "cannot include $work/outside/shadow: only .threat files" \
	check "$(include_case abs "$work/outside/shadow")"
refused "include a .threat file outside the tree" "it is outside the folder of the model" \
	check "$(include_case up ../outside/secrets.threat)"
refused "include a symbolic link out of the tree" "it is outside the folder of the model" \
	check "$(include_case link escape.threat)"
refused "include a link named .threat to a file that is not" "only .threat files" \
	check "$(include_case link2 shadow.threat)"
THREAT_TEST_TOKEN=$secret refused "include /proc/self/environ" "only .threat files" \
	check "$(include_case env environ.threat)"
refused "include a file that is not .threat" "only .threat files" check "$(include_case txt notes.txt)"
refused "include /dev/stdin" "only .threat files" check "$(include_case stdin /dev/stdin)" </dev/null
# standard input a pipe whose writer never writes
mkfifo "$work/pipe"
sleep 30 >"$work/pipe" &
writer=$!
refused "include a link to /dev/stdin (a pipe)" "cannot include" \
	check "$(include_case stdin2 stdin.threat)" <"$work/pipe"
kill $writer 2>/dev/null
refused "include a FIFO" "fifo.threat: is not a regular file" check "$(include_case fifo fifo.threat)"
refused "include a 100 MB file" "larger than the 64 MiB limit" check "$(include_case huge huge.threat)"
refused "include binary garbage" "error" check "$(include_case garbage garbage.threat)"
expect "--include-root that is not a folder" "--include-root wants a folder" \
	check --include-root "$work/outside/shadow" "$(include_case sub sub/part.threat)"
# What the policy allows: a file below the model's folder, and a folder
# named with --include-root.
for args in "check $(include_case sub sub/part.threat)" \
	"check --include-root $work/outside $(include_case extra ../outside/extra.threat)" \
	"report --include-root=$work/outside $work/tree/model-extra.threat"; do
	if NO_COLOR=1 timeout 20 "$bin" $args >"$work/out" 2>"$work/err"; then
		echo "ok   allowed: ${args%% *} ${args##*/}"
		passed=$((passed + 1))
	else
		echo "FAIL allowed: $args"
		sed 's/^/  | /' "$work/err" | head -5
		failed=$((failed + 1))
	fi
done

# ---- output proportional to the model: nested boundaries ----
# Every flow of these models crosses every boundary; `check` once listed
# each flow under each boundary (60 lines a flow at depth 60).
nested() { tests/tools/nested-boundaries.sh "$1" "$2" >"$work/nested-$1-$2.threat"; }
nested_bytes() {
	NO_COLOR=1 timeout 20 "$bin" check --no-rules "$work/nested-$1-$2.threat" | wc -c
}
nested 30 1000
nested 60 1000
nested 60 2000
shallow=$(nested_bytes 30 1000)
deep=$(nested_bytes 60 1000)
double=$(nested_bytes 60 2000)
# twice the flows: at most a little over twice the text
if [ "$double" -le $((deep * 21 / 10)) ] && [ "$double" -ge $((deep * 19 / 10)) ]; then
	echo "ok   nested boundaries: twice the flows, twice the text ($deep, $double bytes)"
	passed=$((passed + 1))
else
	echo "FAIL nested boundaries: 1000 flows $deep bytes, 2000 flows $double bytes"
	failed=$((failed + 1))
fi
# twice the depth: the boundaries' own lines more, not a line per flow more
if [ "$deep" -le $((shallow * 12 / 10)) ] && [ "$deep" -le $((1000 * 100)) ]; then
	echo "ok   nested boundaries: twice the depth, about the same text ($shallow, $deep bytes)"
	passed=$((passed + 1))
else
	echo "FAIL nested boundaries: depth 30 $shallow bytes, depth 60 $deep bytes (1000 flows)"
	failed=$((failed + 1))
fi
nested 65 1
expect "boundaries nested 65 deep" "boundaries nest more than 64 deep here" \
	check --no-rules "$work/nested-65-1.threat"

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
