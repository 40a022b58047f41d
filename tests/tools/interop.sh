#!/usr/bin/env bash
# Other tools' formats in and out (doc/interop.md), on every example:
#
#   - `export --format otm` is valid against the OTM 0.2.0 schema
#     (tests/tools/validate-otm.py) and the same bytes run after run;
#   - `import otm` of that export gives the same model: `check --format
#     json` raises the same findings with the same risks, statuses and
#     mitigations, and exporting the imported model gives the same
#     document;
#   - `export --format threat-dragon` then `import threat-dragon` gives a
#     model that checks without errors, with every element and flow;
#   - -o never replaces a file without --force, nor the file read.
#
#   tests/tools/interop.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" interop "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
export NO_COLOR=1 LC_ALL=C
unset THREAT_PATH
today=2026-04-01

python=python3
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c 'import jsonschema' >/dev/null 2>&1; then
		python=$candidate
		break
	fi
done

# The examples are copied, so an imported model sits beside the original
# and finds the rule packs its `use` names by the same relative path.
cp -R examples "$work/examples"

# findings FILE: the findings of `check --format json`, without the place
# in the file (an imported model has its own layout).
findings() {
	"$python" -c '
import json, sys
doc = json.load(sys.stdin)
for f in doc["findings"]:
    f.pop("file", None); f.pop("line", None)
    print(json.dumps(f, sort_keys=True))
' <"$1"
}

# same_document A B: two OTM documents equal as JSON values.
same_document() {
	"$python" -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
' "$1" "$2"
}

for model in examples/hello.threat examples/*/model.threat; do
	name=${model#examples/}
	dir=$(dirname "$work/examples/$name")
	out=$work/$(echo "$name" | tr / _)
	if ! "$bin" export --format otm --today $today "$model" >"$out.otm.json" 2>"$out.err"; then
		fail "$name: export --format otm" "$out.err"
		continue
	fi
	if "$python" tests/tools/validate-otm.py "$out.otm.json" >"$out.schema" 2>&1; then
		ok "$name: the OTM export is valid against the OTM 0.2.0 schema"
	else
		fail "$name: the OTM export is not valid" "$out.schema"
	fi
	"$bin" export --format otm --today $today "$model" >"$out.again.json" 2>/dev/null
	if cmp -s "$out.otm.json" "$out.again.json"; then
		ok "$name: the OTM export is the same bytes twice"
	else
		fail "$name: two OTM exports differ"
	fi
	if ! "$bin" import otm "$out.otm.json" -o "$dir/roundtrip.threat" 2>"$out.err"; then
		fail "$name: import otm of the export" "$out.err"
		continue
	fi
	"$bin" check --today $today --format json "$model" >"$out.before.json" 2>/dev/null
	"$bin" check --today $today --format json "$dir/roundtrip.threat" >"$out.after.json" 2>"$out.err"
	findings "$out.before.json" >"$out.before"
	findings "$out.after.json" >"$out.after"
	if [ -s "$out.before" ] && diff -u "$out.before" "$out.after" >"$out.diff"; then
		ok "$name: export then import raises the same $(wc -l <"$out.before") findings"
	else
		fail "$name: export then import changes the findings" "$out.diff"
	fi
	if "$bin" export --format otm --today $today "$dir/roundtrip.threat" >"$out.second.json" 2>/dev/null &&
		same_document "$out.otm.json" "$out.second.json"; then
		ok "$name: the imported model exports the same OTM document"
	else
		fail "$name: the imported model exports another OTM document"
	fi
	if ! "$bin" export --format threat-dragon --today $today "$model" >"$out.td.json" 2>"$out.err"; then
		fail "$name: export --format threat-dragon" "$out.err"
		continue
	fi
	"$bin" export --format threat-dragon --today $today "$model" >"$out.td2.json" 2>/dev/null
	if cmp -s "$out.td.json" "$out.td2.json"; then
		ok "$name: the Threat Dragon export is the same bytes twice"
	else
		fail "$name: two Threat Dragon exports differ"
	fi
	# every element, flow and boundary comes back (under an id made from
	# its label), and the model checks without errors
	count='
import json, sys
doc = json.load(open(sys.argv[1]))
zones = [z for z in doc["trustZones"] if not (z.get("attributes") or {}).get("threat:outside")]
print(len(doc["components"]) + len(doc["dataflows"]) + len(zones))
'
	if "$bin" import threat-dragon "$out.td.json" -o "$dir/dragon.threat" 2>"$out.err" &&
		"$bin" export --format otm --today $today "$dir/dragon.threat" >"$out.dragon.json" 2>"$out.err"; then
		want=$("$python" -c "$count" "$out.otm.json")
		got=$("$python" -c "$count" "$out.dragon.json")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			ok "$name: the Threat Dragon export imports and checks with all $want elements, flows and boundaries"
		else
			fail "$name: the Threat Dragon round trip has $got elements, flows and boundaries, not $want"
		fi
	else
		fail "$name: the Threat Dragon export does not import and check" "$out.err"
	fi
done

# ---- -o: atomic, never over an existing file without --force, never over
# a file the command reads ----
otm=tests/golden/interop/inputs/foreign.otm.json
echo "keep me" >"$work/existing.threat"
"$bin" import otm "$otm" -o "$work/existing.threat" 2>"$work/err"
status=$?
if [ $status = 2 ] && grep -q "already exists; not overwriting it" "$work/err" && [ "$(cat "$work/existing.threat")" = "keep me" ]; then
	ok "import -o refuses an existing file without --force, exit 2, the file unchanged"
else
	fail "import -o over an existing file" "$work/err"
fi
"$bin" import otm "$otm" >"$work/stdout.threat" 2>/dev/null
if "$bin" import otm "$otm" -o "$work/existing.threat" --force 2>"$work/err" &&
	cmp -s "$work/existing.threat" "$work/stdout.threat" && grep -q "^threat: wrote " "$work/err"; then
	ok "import -o --force replaces it with what standard output gets"
else
	fail "import -o --force" "$work/err"
fi
cp "$otm" "$work/in.json"
"$bin" import otm "$work/in.json" -o "$work/in.json" --force 2>"$work/err"
status=$?
if [ $status = 2 ] && grep -q "refusing to write over" "$work/err" && cmp -s "$otm" "$work/in.json"; then
	ok "import -o never replaces the file it reads, even with --force"
else
	fail "import -o over its input (exit $status)" "$work/err"
fi
cp examples/hello.threat "$work/hello.threat"
"$bin" export --format otm "$work/hello.threat" -o "$work/hello.threat" --force 2>"$work/err"
status=$?
if [ $status = 2 ] && grep -q "refusing to write over" "$work/err" && cmp -s examples/hello.threat "$work/hello.threat"; then
	ok "export -o never replaces the model it reads, even with --force"
else
	fail "export -o over the model (exit $status)" "$work/err"
fi
"$bin" export --format otm --today $today examples/hello.threat -o "$work/hello.otm.json" 2>/dev/null
"$bin" export --format otm --today $today examples/hello.threat 2>/dev/null >"$work/hello.stdout.json"
if cmp -s "$work/hello.otm.json" "$work/hello.stdout.json"; then
	ok "export -o writes what standard output gets"
else
	fail "export -o and standard output differ"
fi
if "$bin" import otm - <"$otm" >"$work/stdin.threat" 2>/dev/null && cmp -s "$work/stdin.threat" "$work/stdout.threat"; then
	ok "import FORMAT - reads standard input"
else
	fail "import from standard input"
fi

# ---- bad input of every kind: exit 2 with a message, quickly ----
bad_input() {
	local what=$1 want=$2
	shift 2
	timeout 20 "$bin" "$@" >"$work/out" 2>"$work/err"
	local status=$?
	if [ $status = 2 ] && grep -qF -- "$want" "$work/err" && [ ! -s "$work/out" ]; then
		ok "$what: exit 2, '$want'"
	else
		fail "$what: exit $status" "$work/err"
	fi
}
truncate -s 100M "$work/huge.json"
bad_input "a 100 MB file" "larger than the 64 MiB limit" import otm "$work/huge.json"
mkdir "$work/folder.json"
bad_input "a folder" "is a directory" import threat-dragon "$work/folder.json"
bad_input "a missing file" "cannot read" import otm "$work/missing.json"
head -c 4096 /dev/urandom >"$work/random.bin"
bad_input "random bytes" "invalid JSON" import threat-dragon "$work/random.bin"
printf '{"otmVersion": "0.2.0", "project": {"name": "' >"$work/long.json"
head -c 3000000 /dev/zero | tr '\0' 'a' >>"$work/long.json"
printf '"}}' >>"$work/long.json"
if timeout 20 "$bin" import otm "$work/long.json" >"$work/out" 2>"$work/err"; then
	ok "a 3 MB name imports (within 20 s)"
else
	fail "a 3 MB name" "$work/err"
fi
bad_input "import without a file" "import needs a format" import otm
bad_input "export without --format" "export needs --format" export examples/hello.threat

summary
