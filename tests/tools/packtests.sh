#!/usr/bin/env bash
# `threat test` on the rule packs that ship: every built-in pack (a file of
# stdlib/ that says `pack {`) has fixtures in stdlib/NAME.tests/ and passes
# them with the pack loaded alone, and so does the example organisation
# pack examples/org-rules.lua (examples/org-rules.tests/). A check per pack;
# a failure shows `threat test`'s report.
#
#   tests/tools/packtests.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" packtests "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
export NO_COLOR=1

run_pack() {
	local pack=$1 what=$2
	if "$bin" test "$pack" >"$work/out" 2>&1; then
		ok "threat test $what: $(tail -n 1 "$work/out")"
	else
		fail "threat test $what (exit $?)" "$work/out"
		grep -E '^(FAILED|BROKEN|  )' "$work/out" | head -n 20 | sed 's/^/  | /'
	fi
}

for file in stdlib/*.lua; do
	grep -q '^pack *{' "$file" || continue # a module, such as threatlib
	name=$(basename "$file" .lua)
	if [ ! -d "stdlib/$name.tests" ]; then
		fail "built-in pack $name has no fixtures (stdlib/$name.tests/)"
		continue
	fi
	run_pack "$name" "$name"
done
run_pack examples/org-rules.lua examples/org-rules.lua

summary
