#!/usr/bin/env bash
# `threat query FILE 'threats where COND'` gives exactly the findings that
# `threat check --format json` gives filtered by the same condition: for each
# case, the condition in the query language and the same condition as a
# Python expression over one finding `f` of check's JSON.
#
#   tests/tools/query-vs-check.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" query-vs-check "$1"
today=2026-04-01
levels='{"INFO":0,"LOW":1,"MEDIUM":2,"HIGH":3,"CRITICAL":4}'

cases=(
	"risk >= high|L[f['risk']] >= 3"
	"status = open and category = spoofing|f['status'] == 'open' and f['category'] == 'spoofing'"
	"not framework = STRIDE or risk = critical|not f['framework'] == 'STRIDE' or f['risk'] == 'CRITICAL'"
	"title ~ \"audit\"|'audit' in f['title'].lower()"
	"(risk = medium or risk = low) and status != accepted|f['risk'] in ('MEDIUM', 'LOW') and f['status'] != 'accepted'"
	"likelihood >= 2.5|round(f['likelihood'], 2) >= 2.5"
	"element ~ \"api\"|'api' in (f['element'] or '').lower()"
)

for model in examples/hello.threat examples/ge-webapp/model.threat examples/org/model.threat \
	examples/pytm-demo/model.threat examples/threagile-b2b/model.threat \
	examples/cicd-pipeline/model.threat; do
	"$bin" check --format json --today "$today" "$model" >"$work/check.json" 2>/dev/null
	for entry in "${cases[@]}"; do
		cond=${entry%%|*}
		expr=${entry#*|}
		"$bin" query "$model" "threats where $cond" --format json --today "$today" >"$work/query.json" 2>"$work/err"
		status=$?
		if [ $status -ne 0 ]; then
			echo "FAIL $model: query '$cond' exited $status: $(head -n 3 "$work/err")"
			failed=$((failed + 1))
			continue
		fi
		if python3 - "$work/check.json" "$work/query.json" "$expr" "$levels" <<'PY'; then
import json, sys
check = json.load(open(sys.argv[1]))
query = json.load(open(sys.argv[2]))
L = json.loads(sys.argv[4])
expected = [f for f in check["findings"] if eval(sys.argv[3], {"L": L, "f": f})]
got = query["findings"]
with open(sys.argv[1] + ".count", "a") as count:
    count.write("%d\n" % len(expected))
if [f["id"] for f in expected] != [f["id"] for f in got] or expected != got:
    print("  expected:", [f["id"] for f in expected])
    print("  got:     ", [f["id"] for f in got])
    sys.exit(1)
PY
			passed=$((passed + 1))
		else
			echo "FAIL $model: 'threats where $cond' differs from check --format json filtered"
			failed=$((failed + 1))
		fi
	done
done
# The comparison means something only if the conditions select findings.
selected=$(awk '{ n += $1 } END { print n + 0 }' "$work/check.json.count" 2>/dev/null)
if [ "${selected:-0}" -lt 20 ]; then
	echo "FAIL the conditions selected only ${selected:-0} findings in all"
	failed=$((failed + 1))
fi
echo "($selected findings compared)"
summary
