#!/usr/bin/env bash
# Checks the documents and diagrams beyond what the golden files pin down:
#
#   - every DOT the tool writes (the dfd goldens, and `dfd` at both levels
#     on the hostile model and on every example) is accepted by `dot -Tsvg`
#     without a single warning;
#   - the hostile model's HTML report and SVG contain no markup from its
#     labels (<script, <img, <b>), and every Markdown table row keeps its
#     header's column count (the examples' reports too);
#   - SARIF from `check --format sarif` on the goldens and the examples is
#     valid against the SARIF 2.1.0 schema (tests/tools/validate-sarif.py);
#   - `threat new` gives a model that checks cleanly (`--strict`, exit 0),
#     and `report -o` writes the same bytes as standard output;
#   - doc/rules-reference.md and doc/attributes.md are what the tool
#     generates, every example is free of warnings (`check --strict`), and
#     doc/precision.md gives a verdict on exactly the findings the
#     examples it reviews raise;
#   - doc/coverage.md names only rules the built-in packs have, all 42
#     Threagile rules and 114 pytm classes, and a reason for each row
#     without a rule (tests/tools/coverage.py).
#
#   tests/tools/check-docs.sh THREAT_BIN
#
# Last line: `docs: N passed, N failed`; exit status 1 when anything failed.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: tests/tools/check-docs.sh THREAT_BIN" >&2
	exit 2
fi
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
export NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 LC_ALL=C
unset THREAT_PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/check-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
# The Python that has jsonschema: the first python3 on PATH may be another
# installation than Debian's, where install-deps.sh puts python3-jsonschema.
python=python3
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c 'import jsonschema' >/dev/null 2>&1; then
		python=$candidate
		break
	fi
done
failed=0
pass() { passed=$((passed + 1)); }
fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

hostile=tests/golden/report/hostile.threat
examples=(examples/hello.threat examples/ge-webapp/model.threat examples/pytm-demo/model.threat
	examples/threagile-b2b/model.threat examples/llm-app/model.threat)

# DOT: accepted by Graphviz, and silently (a warning means a broken graph).
check_dot() {
	local what=$1 file=$2
	if ! dot -Tsvg "$file" >"$work/dot.svg" 2>"$work/dot.err"; then
		fail "$what: dot -Tsvg rejected it: $(head -n 3 "$work/dot.err")"
	elif [ -s "$work/dot.err" ]; then
		fail "$what: dot -Tsvg warned: $(head -n 3 "$work/dot.err")"
	else
		pass
	fi
}

for out in tests/golden/dfd/*.out; do
	head -n 1 "$out" | grep -q '^digraph' || continue
	check_dot "$out" "$out"
done
for model in "$hostile" "${examples[@]}"; do
	for level in 0 1; do
		if "$bin" dfd "$model" --level "$level" >"$work/dfd.dot" 2>"$work/dfd.err"; then
			check_dot "dfd $model --level $level" "$work/dfd.dot"
		else
			fail "dfd $model --level $level exited $?: $(head -n 3 "$work/dfd.err")"
		fi
	done
done

# No label may become markup in HTML or SVG.
no_markup() {
	local what=$1 file=$2
	if grep -n -i -E '<script|<img|<b>|<iframe|javascript:' "$file" >"$work/markup"; then
		fail "$what holds markup from a label: $(head -n 3 "$work/markup")"
	else
		pass
	fi
}

if "$bin" report "$hostile" --format html >"$work/hostile.html" 2>"$work/html.err"; then
	no_markup "report --format html of $hostile" "$work/hostile.html"
	if grep -q '<svg' "$work/hostile.html"; then pass; else fail "the HTML report has no inline SVG: $(cat "$work/html.err")"; fi
else
	fail "report --format html $hostile exited $?"
fi
if "$bin" dfd "$hostile" --format svg >"$work/hostile.svg" 2>"$work/svg.err"; then
	no_markup "dfd --format svg of $hostile" "$work/hostile.svg"
else
	fail "dfd --format svg $hostile exited $?: $(head -n 3 "$work/svg.err")"
fi

# Markdown tables: a row has as many unescaped '|' as its header.
table_columns() {
	awk '
		function pipes(line,   n, i, c) {
			n = 0
			for (i = 1; i <= length(line); i++) {
				c = substr(line, i, 1)
				if (c == "\\") { i++; continue }
				if (c == "|") n++
			}
			return n
		}
		/^\|/ { n = pipes($0); if (want < 0) want = n; else if (n != want) { print NR ": " n " cells, header has " want; bad = 1 } ; next }
		{ want = -1 }
		BEGIN { want = -1 }
		END { exit bad }
	' "$1"
}
for model in "$hostile" "${examples[@]}"; do
	if "$bin" report "$model" >"$work/report.md" 2>/dev/null; then
		if table_columns "$work/report.md" >"$work/columns"; then pass; else fail "report $model: $(head -n 3 "$work/columns")"; fi
	else
		fail "report $model exited $?"
	fi
done

# SARIF against the 2.1.0 schema; a model with errors (exit 2) gets a
# valid log too, with the errors as tool notifications.
for model in tests/golden/sarif/*.threat "${examples[@]}"; do
	"$bin" check --format sarif "$model" >"$work/out.sarif" 2>/dev/null
	status=$?
	expected=0
	[ -f "${model%.threat}.code" ] && expected=$(cat "${model%.threat}.code")
	if [ $status -gt 1 ] && [ "$status" != "$expected" ]; then
		fail "check --format sarif $model exited $status"
	elif "$python" tests/tools/validate-sarif.py "$work/out.sarif" >"$work/sarif.err" 2>&1; then
		pass
	else
		fail "SARIF of $model: $(head -n 5 "$work/sarif.err")"
	fi
done

# `threat new` checks cleanly and refuses to overwrite.
if "$bin" new -o "$work/new.threat" 2>/dev/null; then
	if "$bin" check --strict "$work/new.threat" >/dev/null 2>"$work/new.err"; then pass; else fail "the ge-webapp template does not check cleanly: $(head -n 5 "$work/new.err")"; fi
	if "$bin" new -o "$work/new.threat" 2>/dev/null; then fail "new -o overwrote an existing file"; else pass; fi
else
	fail "new -o exited $?"
fi

# -o writes what stdout gets, and never the model itself.
"$bin" report "$hostile" >"$work/stdout.md" 2>/dev/null
if "$bin" report "$hostile" -o "$work/file.md" 2>/dev/null && cmp -s "$work/stdout.md" "$work/file.md"; then pass; else fail "report -o differs from stdout"; fi

# doc/rules-reference.md is what `threat rules --format md` prints, after its
# header (make rules-reference regenerates it).
if tests/tools/rules-reference.sh "$bin" | cmp -s - doc/rules-reference.md; then
	pass
else
	fail "doc/rules-reference.md is out of date: run make rules-reference"
fi

# doc/attributes.md is what `threat rules --attributes --format md` prints,
# after its header (make attributes-reference regenerates it).
if tests/tools/attributes-reference.sh "$bin" | cmp -s - doc/attributes.md; then
	pass
else
	fail "doc/attributes.md is out of date: run make attributes-reference"
fi

# Every example is free of warnings: each attribute it writes is one the
# packs it uses read (doc/attributes.md).
for example in "${examples[@]}" examples/org/model.threat; do
	if "$bin" check --strict --today 2026-04-01 "$example" >/dev/null 2>"$work/example.err" &&
		! grep -q 'warning' "$work/example.err"; then
		pass
	else
		fail "$example is not warning-free: $(head -3 "$work/example.err")"
	fi
done

# doc/precision.md gives a verdict on every finding the two third-party
# examples raise, with its current risk, and on none they no longer raise,
# and its Results table adds them up: a rule change that moves their
# findings sends the reviewer back to it (tests/tools/precision.py).
if "$python" tests/tools/precision.py "$bin" >"$work/precision" 2>&1; then
	pass
else
	fail "doc/precision.md is out of date (make precision-update, then review):" \
		"$(grep '^precision' "$work/precision" | head -n 5)"
fi

# doc/coverage.md maps every Threagile rule and pytm threat class to rules
# that exist, or gives the reason none does (tests/tools/coverage.py).
if "$python" tests/tools/coverage.py "$bin" >"$work/coverage" 2>&1; then
	pass
else
	fail "doc/coverage.md names rules that do not exist or rows without a reason:" \
		"$(head -n 5 "$work/coverage")"
fi

echo "docs: $passed passed, $failed failed"
[ $failed = 0 ]
