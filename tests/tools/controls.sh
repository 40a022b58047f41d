#!/usr/bin/env bash
# Text from a model, a pack or a file name never reaches a terminal, a CI
# log or a JSON consumer raw (doc/report.md "Escaping"): controls,
# bidirectional overrides and isolates become U+FFFD on every channel, and
# no output line starts a GitHub Actions workflow command (`::`). Each
# check compares exact bytes.
#
#   tests/tools/controls.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" controls "$1"
today=2026-06-01
R=$'\xef\xbf\xbd' # U+FFFD
ESC=$'\033'
RLO=$'\xe2\x80\xae' # U+202E RIGHT-TO-LEFT OVERRIDE
LRI=$'\xe2\x81\xa6' # U+2066 LEFT-TO-RIGHT ISOLATE

# has NAME FILE LINE: FILE holds LINE as one whole line.
has() {
	if grep -qxF -- "$3" "$2"; then
		ok "$1"
	else
		printf 'wanted the line: %s\n' "$3" >>"$2"
		fail "$1" "$2"
	fi
}

# clean NAME FILE: no ESC, no bidirectional control, no line that starts
# (after white space) with "::".
clean() {
	if grep -q -e "$ESC" -e "$RLO" -e "$LRI" "$2" || grep -qE '^[[:space:]]*::' "$2"; then
		fail "$1" "$2"
	else
		ok "$1"
	fi
}

cd "$work" || exit 2
pack=$ESC[31mevil.lua
cat >"$pack" <<'LUA'
rule {
	id = "EVIL-1", category = "tampering", applies = "process",
	title = "t\27[2J\u{202E}x\u{2066}y",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(p)
		print("::warning::from pack\27[31m", "\u{202E}rev\n  ::error::two")
		return true
	end,
}
LUA
cat >model.threat <<'EOF_MODEL'
model "::warning::x" { date 2026-03-24  next_review 2026-06-24 }
use "./\u{1b}[31mevil.lua"
process web "W\u{202E}eb" { tech x }
EOF_MODEL

NO_COLOR=1 "$bin" check --timings --today $today model.threat >out 2>err
has "check: a model named ::warning:: does not start a workflow command" out \
	"$R:warning::x: 1 element (1 process), 0 flows, 0 boundaries"
clean "check: stdout clean" out
has "print: controls and bidi as U+FFFD, tab kept" err "$R:warning::from pack$R[31m	${R}rev"
has "print: a later line cannot start a workflow command" err "  $R:error::two"
sed -nE 's/^(timings: pack [^ ]*) .*/\1/p; s/^timings: rule EVIL-1 .*( \(.*\))$/rule\1/p' err >timings
has "--timings: a pack's name sanitised" timings "timings: pack $R[31mevil"
has "--timings: a rule's pack sanitised" timings "rule ($R[31mevil)"
clean "check: stderr clean" err

"$bin" check --format json --today $today model.threat >json 2>/dev/null
has "JSON: a title with ESC, U+202E and U+2066" json "      \"title\": \"t$R[2J${R}x${R}y\","
"$bin" check --format sarif --today $today model.threat >sarif 2>/dev/null
has "SARIF: the same title" sarif "                \"text\": \"t$R[2J${R}x${R}y\""
clean "SARIF: nothing raw" sarif

"$bin" check --format md-summary --today $today model.threat >md-summary 2>/dev/null
has "check --format md-summary: the model's name" md-summary \
	"Checked **::warning::x** (\`model.threat\`) on $today: 1 finding, 1 open or expired, 0 overdue."
clean "check --format md-summary: nothing raw" md-summary
sed 's/^process web .*/&\nprocess api "::error::\\u{1b}[2J\\u{202E}x" { tech y }/' model.threat >model-2.threat
"$bin" diff --format md --today $today model.threat model-2.threat >diff-md 2>/dev/null
has "diff --format md: a new label with controls" diff-md \
	"| added | process | \`api\` | ::error::$R\\[2J${R}x | — |"
clean "diff --format md: nothing raw" diff-md

"$bin" rules --format md --pack "./$pack" >md 2>/dev/null
has "rules --format md: the pack heading" md "## Pack \`$R[31mevil\`"
has "rules --format md: the rule row" md \
	"| EVIL-1 | STRIDE | tampering | process | t$R\\[2J${R}x${R}y |  |"

# A diagnostic quotes its source line with the same replacements.
printf 'model "m" { date 2026-03-24 }\nprocess web "W\xe2\x80\xaeeb\x1b[2J" { tech x  bogus 1 }\n' >diag.threat
NO_COLOR=1 "$bin" check --today $today diag.threat >/dev/null 2>diag
has "diagnostic: the quoted source line" diag "    2 | process web \"W${R}eb$R[2J\" { tech x  bogus 1 }"
clean "diagnostic: nothing raw" diag
# A file name given by the user starts the line of its diagnostics.
cp diag.threat ::warning::diag.threat
NO_COLOR=1 "$bin" check --today $today ::warning::diag.threat >/dev/null 2>diag-name
has "diagnostic: a file name cannot start a workflow command" diag-name \
	"$R:warning::diag.threat:2:18: error: control character 0x1B in string: write it as \\u{1B}"
# fmt --check names an unformatted file at the start of its line.
printf 'model "m"   {}\n' >::notice::messy.threat
"$bin" fmt --check ::notice::messy.threat 2>fmt-check
has "fmt --check: a file name cannot start a workflow command" fmt-check \
	"$R:notice::messy.threat: not formatted (run 'threat fmt $R:notice::messy.threat')"

# threat test: a fixture's name starts no workflow command and no control
# reaches the report, its problem lines or the JSON.
printf 'model "m" { date 2026-03-24 }\n# expect: EVIL-1@web\nprocess web "W"\nprocess api "A"\n' >::warning::fixture.threat
NO_COLOR=1 "$bin" test "./$pack" ::warning::fixture.threat >test-out 2>test-err
has "test: the fixture's line" test-out "FAILED  $R:warning::fixture.threat"
has "test: a problem's line" test-out \
	"  $R:warning::fixture.threat:4: unexpected EVIL-1@api: raised on the element declared here, and no expect names it"
clean "test: stdout clean" test-out
clean "test: stderr clean" test-err
"$bin" test --format json "./$pack" ::warning::fixture.threat >test-json 2>/dev/null
has "test --format json: the pack's file" test-json "      \"file\": \"$R[31mevil.lua\","
clean "test --format json: nothing raw" test-json

summary
