#!/usr/bin/env bash
# `check --timings`: the report on standard output is the same as without
# it; standard error has the overall line, the stages, each pack, and at
# most ten rules, slowest first, whose call and finding counts are the
# run's.
#
#   tests/tools/timings.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" timings "$1"

model=examples/ge-webapp/model.threat
NO_COLOR=1 "$bin" check --today 2026-06-01 "$model" >"$work/plain" 2>/dev/null
NO_COLOR=1 "$bin" check --timings --today 2026-06-01 "$model" >"$work/timed" 2>"$work/err"
if cmp -s "$work/plain" "$work/timed"; then ok "the report is unchanged"; else fail "the report changed" "$work/err"; fi

grep '^timings: ' "$work/err" >"$work/lines" # diagnostics may come first
if sed -n 1p "$work/lines" | grep -qE '^timings: load and analysis [0-9]+\.[0-9]{3} s, output [0-9]+\.[0-9]{3} s$'; then
	ok "overall line"
else
	fail "overall line" "$work/err"
fi
stage='^timings: load [0-9.]+ s, rules [0-9.]+ s on [0-9]+ engines?, phase 2 [0-9.]+ s, tracking and sorting [0-9.]+ s$'
if sed -n 2p "$work/lines" | grep -qE "$stage"; then ok "stage line"; else fail "stage line" "$work/err"; fi

rule='^timings: rule ([A-Za-z0-9_-]+) ([0-9]+\.[0-9]{2}) ms, ([0-9]+) calls?, ([0-9]+) findings? \(([a-z-]+)\)$'
grep -E '^timings: rule ' "$work/err" >"$work/rules"
n=$(wc -l <"$work/rules")
bad=$(grep -cvE "$rule" "$work/rules")
if [ "$n" -ge 1 ] && [ "$n" -le 10 ] && [ "$bad" = 0 ]; then ok "$n rule lines"; else fail "rule lines ($n, $bad malformed)" "$work/err"; fi
if sed -E "s/$rule/\\2/" "$work/rules" | sort -g -r -c 2>/dev/null; then
	ok "slowest first"
else
	fail "not slowest first" "$work/err"
fi

# Each listed rule's findings are the ones the JSON output counts for it.
"$bin" check --format json --today 2026-06-01 "$model" >"$work/json" 2>/dev/null
mismatch=0
while read -r id raised; do
	have=$(grep -cE "\"rule\": \"$id\"" "$work/json")
	[ "$have" = "$raised" ] || { echo "  $id: --timings says $raised, JSON has $have"; mismatch=1; }
done < <(sed -E "s/$rule/\\1 \\4/" "$work/rules")
if [ $mismatch = 0 ]; then ok "finding counts match the report"; else fail "finding counts" "$work/err"; fi

# One line per pack loaded, slowest first; their findings add up to the
# generated findings in the report (ids RULE@KEY; hand-written threats
# have no pack).
packline='^timings: pack ([a-z-]+) ([0-9]+\.[0-9]{2}) ms, ([0-9]+) rules?, ([0-9]+) findings?$'
grep -E '^timings: pack ' "$work/err" >"$work/packs"
sum=$(sed -E "s/$packline/\4/" "$work/packs" | awk '{ s += $1 } END { print s + 0 }')
generated=$(grep -cE '^      "id": "[^"]*@' "$work/json")
if [ "$(wc -l <"$work/packs")" = 5 ] && ! grep -qvE "$packline" "$work/packs" &&
	sed -E "s/$packline/\2/" "$work/packs" | sort -g -r -c 2>/dev/null && [ "$sum" = "$generated" ]; then
	ok "pack lines ($sum findings)"
else
	fail "pack lines ($sum findings, the report has $generated)" "$work/err"
fi

# Without the rules: the stage line, and no rule lines.
NO_COLOR=1 "$bin" check --no-rules --timings --today 2026-06-01 "$model" >/dev/null 2>"$work/err"
if grep '^timings: ' "$work/err" | sed -n 2p | grep -qE "$stage" && ! grep -q '^timings: rule ' "$work/err"; then
	ok "--no-rules: stages only"
else
	fail "--no-rules" "$work/err"
fi

summary
