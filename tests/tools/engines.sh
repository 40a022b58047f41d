#!/usr/bin/env bash
# Several rule engines (THREAT_JOBS, src/rules/parallel.c) give what one
# gives, byte for byte: findings, documents, messages and their order,
# exit status, and --timings' counts; the hostile packs stay stopped. A
# model of 2,000 elements or more gets two engines by default.
#
#   tests/tools/engines.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" engines "$1"
# Each check says how many engines it wants; the defaults are checked too.
unset THREAT_JOBS
today=2026-06-01

# run JOBS NAME ARGS...: output in $work/NAME.JOBS, status appended.
run() {
	local jobs=$1 name=$2
	shift 2
	NO_COLOR=1 THREAT_JOBS=$jobs "$bin" "$@" >"$work/$name.$jobs" 2>&1
	echo "exit $?" >>"$work/$name.$jobs"
}

# same NAME LABEL: one engine's output against two's and three's.
same() {
	local name=$1 label=$2 jobs
	for jobs in 2 3; do
		if cmp -s "$work/$name.1" "$work/$name.$jobs"; then
			ok "$label: $jobs engines = 1"
		else
			diff "$work/$name.1" "$work/$name.$jobs" >"$work/diff"
			fail "$label: $jobs engines differ from 1" "$work/diff"
		fi
	done
}

# The comparisons below mean something only if the engines asked for
# really run, small models included.
for jobs in 2 3; do
	THREAT_JOBS=$jobs "$bin" check --timings --today $today examples/ge-webapp/model.threat >/dev/null 2>"$work/err"
	if grep -qE "^timings: load .* on $jobs engines, " "$work/err"; then
		ok "THREAT_JOBS=$jobs runs $jobs engines"
	else
		fail "THREAT_JOBS=$jobs runs $jobs engines" "$work/err"
	fi
done

for model in examples/*.threat examples/*/*.threat; do
	name=$(echo "$model" | tr / _)
	for jobs in 1 2 3; do
		run $jobs "$name.json" check --format json --today $today "$model"
		run $jobs "$name.md" report --format md --today $today "$model"
	done
	same "$name.json" "$model check"
	same "$name.md" "$model report"
done

# A pack whose rule fails on every element: the messages come in element
# order, as many as one engine keeps (20), then the same count.
cat >"$work/fails.lua" <<'EOF'
rule { id = "F-1", category = "check", applies = "process", title = "fails",
  likelihood = { skill = 1 }, impact = { integrity = 1 },
  when = function(v) if v.key:sub(-1) == "7" then return true end error("no " .. v.key) end }
EOF
{
	echo 'model "Fails" { date 2026-01-01 }'
	echo 'use "./fails.lua"'
	for i in $(seq 1 40); do echo "process p$i"; done
} >"$work/fails.threat"
for jobs in 1 2 3; do
	(cd "$work" && run $jobs fails check --today $today fails.threat)
done
same fails "a rule failing on 40 elements"
if grep -q '^too many errors' "$work/fails.1" && grep -q 'rule F-1 on p1: ' "$work/fails.1"; then
	ok "the failing pack's messages are there"
else
	fail "the failing pack's messages" "$work/fails.1"
fi

# print: a helper engine's load is silent (the pack printed once), and the
# rules print from each engine (in the order the engines get there).
cat >"$work/prints.lua" <<'EOF'
print("loading", 1, true)
rule { id = "P-1", category = "check", applies = "process", title = "prints",
  likelihood = { skill = 1 }, impact = { integrity = 1 },
  when = function(v) if v.key == "p1" or v.key == "p40" then print("at", v.key) end return false end }
EOF
{
	echo 'model "Prints" { date 2026-01-01 }'
	echo 'use "./prints.lua"'
	for i in $(seq 1 40); do echo "process p$i"; done
} >"$work/prints.threat"
for jobs in 1 3; do
	(cd "$work" && THREAT_JOBS=$jobs "$bin" check --today $today prints.threat 2>&1 >/dev/null | sort >"prints.$jobs")
done
if cmp -s "$work/prints.1" "$work/prints.3" && [ "$(grep -c '^loading' "$work/prints.3")" = 1 ] &&
	[ "$(wc -l <"$work/prints.3")" = 3 ]; then
	ok "print: once at load, once per element"
else
	diff "$work/prints.1" "$work/prints.3" >"$work/diff"
	fail "print with three engines" "$work/diff"
fi

# A pack that fails to load (here: loops until its budget stops it) is
# not run by a second engine: one engine runs everything, and the run
# takes no longer than with one. A pack slow to load is loaded by both
# engines side by side, and they share the run.
for jobs in 1 2; do
	(cd tests/packs && THREAT_JOBS=$jobs timeout 9 "$bin" check --budget 3 --today $today loop.threat >"$work/loop.$jobs" 2>&1)
	echo "exit $?" >>"$work/loop.$jobs"
done
if cmp -s "$work/loop.1" "$work/loop.2" && ! grep -q '^exit 124' "$work/loop.2"; then
	ok "a pack that loops as it loads: one load, the same report"
else
	diff "$work/loop.1" "$work/loop.2" >"$work/diff"
	fail "a pack that loops as it loads" "$work/diff"
fi
cat >"$work/slow.lua" <<'EOF'
local t = os.clock()
while os.clock() - t < 0.4 do end
rule { id = "S-1", category = "check", applies = "process", title = "slow to load",
  likelihood = { skill = 1 }, impact = { integrity = 1 }, when = function() return true end }
EOF
{
	echo 'model "Slow" { date 2026-01-01 }'
	echo 'use "./slow.lua"'
	for i in $(seq 1 10); do echo "process p$i"; done
} >"$work/slow.threat"
(cd "$work" && THREAT_JOBS=2 "$bin" check --timings --today $today slow.threat >slow.2 2>"slow.err")
(cd "$work" && THREAT_JOBS=1 "$bin" check --today $today slow.threat >slow.1 2>/dev/null)
if grep -qE '^timings: load .* on 2 engines, ' "$work/slow.err" && cmp -s "$work/slow.1" "$work/slow.2" &&
	grep -q 'S-1@p10' "$work/slow.2"; then
	ok "a pack slow to load: loaded by both engines at once"
else
	fail "a pack slow to load: loaded by both engines at once" "$work/slow.err"
fi

# A model past the threshold: two engines unless told otherwise, the same
# report, and --timings counts the same calls and findings per pack.
gen=$work/gen
if ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O1 -o "$gen" tests/bench/gen.c 2>"$work/cc"; then
	"$gen" model 1000 "$work/big.threat"
	for jobs in 1 2 3; do
		run $jobs big check --format json --today $today "$work/big.threat"
		NO_COLOR=1 THREAT_JOBS=$jobs "$bin" check --timings --today $today "$work/big.threat" \
			>/dev/null 2>"$work/timed.$jobs"
		sed -nE 's/^timings: pack ([a-z-]+) [0-9.]+ ms, (.*)$/\1 \2/p' "$work/timed.$jobs" | sort >"$work/packs.$jobs"
	done
	same big "a 3,000-element model"
	same packs "--timings per-pack counts"
	"$bin" check --timings --today $today "$work/big.threat" >/dev/null 2>"$work/timed.default"
	if grep -qE '^timings: load .* on 2 engines, ' "$work/timed.default"; then
		ok "a large model gets two engines"
	else
		fail "a large model gets two engines" "$work/timed.default"
	fi
	if grep -qE '^timings: load .* on 1 engine, ' "$work/timed.1"; then
		ok "THREAT_JOBS=1 runs one engine"
	else
		fail "THREAT_JOBS=1 runs one engine" "$work/timed.1"
	fi
	"$bin" check --timings --today $today examples/hello.threat >/dev/null 2>"$work/timed.small"
	if grep -qE '^timings: load .* on 1 engine, ' "$work/timed.small"; then
		ok "a small model gets one engine"
	else
		fail "a small model gets one engine" "$work/timed.small"
	fi
else
	fail "cannot build tests/bench/gen.c" "$work/cc"
fi

# A rule failing on every third process of a large model: the engines
# share the run out in chunks claimed as they go, and joining them keeps
# one engine's messages, their order and the per-pack cap (100 shown, the
# rest counted in one line), whichever engine ran which chunk.
cat >"$work/third.lua" <<'EOF'
rule { id = "T-1", category = "check", applies = "process", title = "every third fails",
  likelihood = { skill = 1 }, impact = { integrity = 1 },
  when = function(v) if tonumber(v.key:sub(2)) % 3 == 0 then error("no " .. v.key) end return false end }
EOF
{
	echo 'model "Thirds" { date 2026-01-01 }'
	echo 'use "./third.lua"'
	for i in $(seq 1 2400); do echo "process p$i"; done
} >"$work/third.threat"
for jobs in 1 2 3; do
	(cd "$work" && run $jobs third check --today $today third.threat)
done
same third "a rule failing on 800 of 2,400 elements"
# 100 messages and the line counting the other 700: 101 errors.
if grep -q '^101 errors' "$work/third.1" && grep -q 'rule T-1 on p3: no p3' "$work/third.1"; then
	ok "the per-pack cap: 100 shown, 700 counted"
else
	fail "the per-pack cap over chunks" "$work/third.1"
fi

# Two engines share the run's one deadline: rules that are slow on every
# element stop after the budget, not after the budget on each engine.
cat >"$work/busy.lua" <<'EOF'
rule { id = "B-1", category = "check", applies = "process", title = "busy",
  likelihood = { skill = 1 }, impact = { integrity = 1 },
  when = function() local t = os.clock() while os.clock() - t < 0.05 do end return true end }
EOF
{
	echo 'model "Busy" { date 2026-01-01 }'
	echo 'use "./busy.lua"'
	for i in $(seq 1 2000); do echo "process p$i"; done
} >"$work/busy.threat"
start=$(date +%s)
(cd "$work" && THREAT_JOBS=2 timeout 20 "$bin" check --timings --budget 2 --today $today busy.threat >/dev/null 2>"busy.err")
status=$?
elapsed=$(($(date +%s) - start))
if [ $status = 2 ] && [ $elapsed -le 5 ] && grep -qE '^timings: load .* on 2 engines, ' "$work/busy.err" &&
	[ "$(grep -c 'busy.lua:3: time limit exceeded (2.2 s for the whole run) (the remaining rules were not run)' "$work/busy.err")" = 2 ]; then
	ok "two engines share the run's deadline (${elapsed}s)"
else
	echo "exit $status after ${elapsed}s" >>"$work/busy.err"
	fail "two engines share the run's deadline" "$work/busy.err"
fi

# Every hostile pack (tests/packs) with two engines: the same exit status
# and messages as with one, within the same time limits. Not under
# ThreadSanitizer (ENGINES_SLOW_BUILD=1): there everything runs about ten
# times slower, so the packs that are meant to reach a cap (findings, a
# huge pack) reach their 2-second budget first; `make test` runs them.
if [ "${ENGINES_SLOW_BUILD:-0}" = 1 ]; then
	echo "skip hostile packs with two engines (a sanitizer build: make test runs them)"
elif THREAT_JOBS=2 bash tests/packs/run.sh "$bin" >"$work/packs" 2>&1; then
	ok "hostile packs with two engines"
else
	grep -E '^ *FAIL' "$work/packs" >"$work/diff"
	fail "hostile packs with two engines" "$work/diff"
fi

# A value that is not a number of engines is a usage error, not ignored.
for bad in x 0 17 -1 2x; do
	THREAT_JOBS=$bad "$bin" check --today $today examples/hello.threat >/dev/null 2>"$work/err"
	status=$?
	if [ $status = 2 ] && grep -q "THREAT_JOBS must be a number of engines from 1 to 16, not '$bad'" "$work/err"; then
		ok "THREAT_JOBS=$bad is refused"
	else
		fail "THREAT_JOBS=$bad (exit $status)" "$work/err"
	fi
done

summary
