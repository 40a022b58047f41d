#!/usr/bin/env bash
# The command line as a Unix tool: help for every command, --color, the
# pager, several models in one run, CSV for trackers, fmt --check's diff.
#
#   tests/tools/cli.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" cli "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
unset NO_COLOR PAGER
export SOURCE_DATE_EPOCH=1780272000 # 2026-06-01
esc=$(printf '\033')

# expect WHAT STATUS COMMAND...: runs COMMAND, output in $work/out and
# $work/err, and checks its exit status.
expect() {
	local what=$1 want=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local status=$?
	if [ "$status" = "$want" ]; then ok "$what"; else
		cat "$work/err" "$work/out" >"$work/both"
		fail "$what: exit $status, not $want" "$work/both"
	fi
}

# ---- help for every command ----
commands="check report dfd new fmt diff query repl rules help"
for command in $commands; do
	for ask in "$command --help" "$command -h" "help $command"; do
		# shellcheck disable=SC2086
		"$bin" $ask >"$work/help" 2>"$work/err"
		status=$?
		if [ $status = 0 ] && [ ! -s "$work/err" ] && head -n 1 "$work/help" | grep -q "^usage: threat $command" &&
			grep -q '^Example:' "$work/help" && grep -q "^  threat $command" "$work/help"; then
			ok "threat $ask: usage, options, example, exit 0"
		else
			fail "threat $ask (exit $status)" "$work/help"
		fi
	done
done
"$bin" check --help >"$work/a"
"$bin" help check >"$work/b"
if cmp -s "$work/a" "$work/b"; then ok "help check = check --help"; else fail "help check differs from check --help"; fi
unknown=0
for command in $commands; do
	"$bin" "$command" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$work/options"
	for option in $(cat "$work/options"); do
		[ "$option" = --help ] && continue
		# an option the help names is one the command knows
		"$bin" "$command" "$option" >"$work/out" 2>"$work/err"
		if grep -q "has no option" "$work/err"; then
			fail "threat $command $option: the help names an option the command lacks" "$work/err"
			unknown=1
		fi
	done
done
[ $unknown = 1 ] || ok "every option a help text names is known to its command"
# and an option none names is refused by name, before anything is read
for command in check report new test "import threagile" import export; do
	# shellcheck disable=SC2086 # "import threagile" is two words
	expect "threat $command --no-such-option: exit 2" 2 "$bin" $command --no-such-option
	grep -qF "$command has no option --no-such-option" "$work/err" &&
		ok "threat $command names the option it lacks" ||
		fail "threat $command --no-such-option" "$work/err"
done
expect "threat help nosuch: exit 2" 2 "$bin" help nosuch
grep -q "no command 'nosuch'" "$work/err" && ok "threat help nosuch says why" || fail "threat help nosuch" "$work/err"
expect "threat --help: exit 0" 0 "$bin" --help
grep -q "threat COMMAND --help" "$work/out" && ok "threat --help points at COMMAND --help" || fail "threat --help" "$work/out"
if grep -qE 'SPEC|doc/[a-z]+\.md' "$work/out"; then fail "threat --help names a file that is not installed" "$work/out"; else ok "threat --help names no file that is not installed"; fi
for command in $commands; do "$bin" "$command" --help; done >"$work/all"
if grep -qE 'SPEC|doc/' "$work/all"; then fail "a command's help names a file that is not installed" "$work/all"; else ok "the command helps name no file that is not installed"; fi

# ---- no dead references: every Markdown link resolves; nothing names the
# product specification or team files that are not in the repository ----
dead=""
for doc in README.md doc/*.md examples/README.md; do
	for target in $(grep -oE '\]\([^)#]+' "$doc" | sed 's/^](//' | grep -v '^https\?:'); do
		[ -e "$(dirname "$doc")/$target" ] || dead="$dead $doc:$target"
	done
done
[ -z "$dead" ] && ok "every Markdown link in README.md and doc/ resolves" || fail "dead links:$dead"
for command in $commands; do "$bin" "$command" --help; done >"$work/helps"
"$bin" --help >>"$work/helps"
if grep -nE 'SPEC|shared/|\bseed\b' README.md doc/*.md examples/README.md grammar/threat.ebnf man/threat.1 man/threat.5 "$work/helps" >"$work/dead"; then
	fail "a reference to a file not in the repository" "$work/dead"
else
	ok "no doc, man page, grammar or help text refers to SPEC.md or the team's files"
fi

# ---- --color ----
model=examples/hello.threat
expect "--color=always on a pipe" 0 "$bin" --color=always check "$model"
grep -q "$esc\[" "$work/out" && ok "--color=always colours a pipe" || fail "--color=always gives no colour" "$work/out"
NO_COLOR=1 "$bin" check --color=always "$model" >"$work/out" 2>&1
grep -q "$esc\[" "$work/out" && ok "--color=always (after the command) beats NO_COLOR" || fail "--color=always with NO_COLOR" "$work/out"
"$bin" check "$model" >"$work/out" 2>&1
grep -q "$esc" "$work/out" && fail "auto colours a pipe" "$work/out" || ok "--color=auto: no colour on a pipe"
expect "--color=sometimes: exit 2" 2 "$bin" --color=sometimes check "$model"
grep -q "unknown value 'sometimes' for --color (auto, always, never)" "$work/err" && ok "--color=sometimes says why" || fail "--color=sometimes" "$work/err"
expect "--color never (two words)" 0 "$bin" --color never check "$model"
# on a terminal (script(1) gives one): colour by default, none with never
if command -v script >/dev/null 2>&1; then
	script -qec "'$bin' check '$model'" /dev/null >"$work/tty" 2>&1
	grep -q "$esc\[" "$work/tty" && ok "a terminal is coloured by default" || fail "no colour on a terminal" "$work/tty"
	script -qec "'$bin' --color=never check '$model'" /dev/null >"$work/tty" 2>&1
	grep -q "$esc\[" "$work/tty" && fail "--color=never coloured a terminal" "$work/tty" || ok "--color=never on a terminal"
	script -qec "NO_COLOR=1 '$bin' check '$model'" /dev/null >"$work/tty" 2>&1
	grep -q "$esc\[" "$work/tty" && fail "NO_COLOR coloured a terminal" "$work/tty" || ok "NO_COLOR on a terminal"
else
	fail "script(1) is missing (util-linux)"
fi

# ---- the pager: on a terminal (script(1) with 5 rows), not on a pipe ----
pager="sed s/^/PAGED:/"
script -qec "stty rows 5 cols 100; PAGER='$pager' '$bin' query '$model' threats" /dev/null >"$work/tty" 2>&1
grep -q "^PAGED:.*STRIDE-" "$work/tty" && ok "query: a long answer on a terminal goes through \$PAGER" ||
	fail "query: no pager on a terminal" "$work/tty"
script -qec "stty rows 200 cols 100; PAGER='$pager' '$bin' query '$model' 'threats limit 1'" /dev/null >"$work/tty" 2>&1
grep -q "PAGED:" "$work/tty" && fail "query: a short answer was paged" "$work/tty" || ok "query: a short answer is not paged"
script -qec "stty rows 5 cols 100; PAGER= '$bin' query '$model' threats" /dev/null >"$work/tty" 2>&1
grep -q "STRIDE-" "$work/tty" && ok "PAGER= (empty) turns the pager off" || fail "PAGER= (empty)" "$work/tty"
PAGER="$pager" "$bin" query "$model" threats >"$work/out" 2>&1
grep -q "PAGED:" "$work/out" && fail "query: a pipe was paged" "$work/out" || ok "query: no pager on a pipe"
(sleep 1; printf 'threats\n'; sleep 1; printf 'quit\n') |
	script -qec "stty rows 5 cols 100; PAGER='$pager' XDG_STATE_HOME='$work/state' '$bin' repl '$model'" /dev/null >"$work/tty" 2>&1
grep -q "^PAGED:.*STRIDE-" "$work/tty" && ok "repl: a long answer on a terminal goes through \$PAGER" ||
	fail "repl: no pager on a terminal" "$work/tty"

# ---- the findings table on a narrow terminal: ELEMENT gives way first ----
webapp=examples/ge-webapp/model.threat
table() { script -qec "stty rows 50 cols $1; '$bin' check --color=never --today 2026-04-01 '$webapp'" /dev/null | tr -d '\r' | sed -n '/^Findings/,/^$/p'; }
table 80 >"$work/80"
if grep -q "^  RISK    ID  *TITLE  *STATUS  *DUE$" "$work/80" && grep -q "STRIDE-D-03@queue    Data loss without a backup  " "$work/80" &&
	[ "$(LC_ALL=C.UTF-8 wc -L <"$work/80")" -le 80 ]; then
	ok "80 columns: ELEMENT goes, whole titles, within 80"
else
	fail "80 columns" "$work/80"
fi
table 100 >"$work/100"
grep -q "^  RISK    ID  *ELEMENT  *TITLE" "$work/100" && grep -q "Data loss without a backup  " "$work/100" &&
	ok "100 columns: ELEMENT narrowed, whole titles" || fail "100 columns" "$work/100"
table 60 >"$work/60"
grep -q "STRIDE-D-03@queue  *Data loss withou… " "$work/60" && ok "60 columns: ids whole, the title cut last" ||
	fail "60 columns" "$work/60"

# ---- several models in one run ----
mkdir -p "$work/models"
for name in alpha beta; do
	cat >"$work/models/$name.threat" <<MODEL
model "$name" { date 2026-03-01  next_review 2026-09-01 }
mitigation M-01 "the same id in both models" { status planned }
external browser "Browser"
process web "Web" { auth session_cookie }
flow browser -> web "requests" { protocol https  tls true }
MODEL
done
printf 'model "broken" { date 2026-03-01 }\nflow a -> b\n' >"$work/models/broken.threat"
alpha=$work/models/alpha.threat beta=$work/models/beta.threat broken=$work/models/broken.threat
expect "check of two models: exit 0 (no duplicate id across them)" 0 "$bin" check "$alpha" "$beta"
[ "$(grep -c '^==> .*\.threat <==$' "$work/out")" = 2 ] && grep -q "^==> $alpha <==" "$work/out" &&
	ok "check of two models: a heading per model" || fail "check of two models: headings" "$work/out"
grep -q "^alpha: " "$work/out" && grep -q "^beta: " "$work/out" && ok "check of two models: each model's own summary" ||
	fail "check of two models: summaries" "$work/out"
expect "check --format json of two models" 0 "$bin" check --format json "$alpha" "$beta"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [m["model"]["name"] for m in d] == ["alpha", "beta"], d' "$work/out" 2>"$work/err" &&
	ok "check --format json of two models: an array of one object per model" || fail "json array" "$work/err"
[ "$(sed -n 2p "$work/out")" = "  {" ] && [ "$(sed -n 3p "$work/out")" = '    "model": {' ] && [ "$(tail -n 1 "$work/out")" = "]" ] &&
	ok "the array is indented like the objects" || fail "json array layout" "$work/out"
expect "check --format json of one model" 0 "$bin" check --format json "$alpha"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["model"]["name"] == "alpha"' "$work/out" 2>"$work/err" &&
	ok "check --format json of one model: one object, as before" || fail "json of one model" "$work/err"
expect "check --format sarif of two models" 0 "$bin" check --format sarif "$alpha" "$beta"
python3 -c '
import json, sys
log = json.load(open(sys.argv[1]))
runs = log["runs"]
assert len(runs) == 2, len(runs)
ids = [r["automationDetails"]["id"] for r in runs]
assert ids[0] != ids[1] and ids[0].endswith("alpha.threat/"), ids
' "$work/out" 2>"$work/err" && ok "check --format sarif of two models: one run per model, told apart" ||
	fail "sarif of two models" "$work/err"
if python3 tests/tools/validate-sarif.py "$work/out" >"$work/err" 2>&1; then ok "the two-run SARIF log is valid"; else fail "two-run SARIF log" "$work/err"; fi
expect "check --fail-on low of two models: exit 1, the worst" 1 "$bin" check --fail-on low "$alpha" "$beta"
expect "check of a good and a broken model: exit 2, the worst" 2 "$bin" check "$alpha" "$broken"
grep -q "^==> $broken <==" "$work/out" && grep -q "^not checked: " "$work/out" && grep -q "^alpha: " "$work/out" &&
	ok "the good model is checked, the broken one named" || fail "good and broken" "$work/out"
expect "check --merge of two models: their ids clash" 2 "$bin" check --merge "$alpha" "$beta"
grep -q "duplicate id 'M-01'" "$work/err" && ok "--merge reads the files as one model" || fail "--merge" "$work/err"
expect "report --format json of two models" 0 "$bin" report --format json --today 2026-04-01 "$alpha" "$beta"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 2' "$work/out" 2>"$work/err" &&
	ok "report --format json of two models: an array" || fail "report json array" "$work/err"
expect "report (md) of two models: a usage error" 2 "$bin" report "$alpha" "$beta"
grep -q "one model at a time" "$work/err" && ok "report (md) of two models says why" || fail "report md of two" "$work/err"
expect "query of two models" 0 "$bin" query "$alpha" "$beta" threats where rule = STRIDE-S-01
[ "$(grep -c '^==> ' "$work/out")" = 2 ] && ok "query of two models: a heading per model" || fail "query headings" "$work/out"
expect "query --format json of two models" 0 "$bin" query --format json "$alpha" "$beta" summary
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 2' "$work/out" 2>"$work/err" &&
	ok "query --format json of two models: an array" || fail "query json array" "$work/err"

# ---- CSV for trackers ----
cat >"$work/models/csv.threat" <<'MODEL'
model "csv" { date 2026-03-01  next_review 2026-09-01 }
external browser "Browser"
process web "Web" { auth session_cookie }
flow browser -> web "=HYPERLINK(\"http://evil\"), \"quoted\"" { protocol https  tls true }
threat T-01 "=cmd|' /C calc'!A0, a title" {
  category spoofing  on web
  likelihood { skill 3 }  impact { confidentiality 3 }
}
threat T-02 "-2+3" {
  category tampering  on web
  likelihood { skill 1 }  impact { integrity 1 }
}
accept T-02 "known" { by pol }
MODEL
expect "check --format csv" 0 "$bin" check --format csv --no-rules --today 2026-06-01 "$work/models/csv.threat"
printf 'id,rule,element,title,risk,status,due,overdue,file\r\n' >"$work/want"
printf 'T-01,T-01,web,"\x27=cmd|\x27 /C calc\x27!A0, a title",CRITICAL,open,2026-03-02,true,%s\r\n' "$work/models/csv.threat" >>"$work/want"
printf 'T-02,T-02,web,"\x27-2+3",INFO,accepted,,false,%s\r\n' "$work/models/csv.threat" >>"$work/want"
if cmp -s "$work/want" "$work/out"; then ok "CSV: header, RFC 4180 quoting, formulas defused, overdue"; else
	diff "$work/want" "$work/out" >"$work/diff"
	fail "CSV rows" "$work/diff"
fi
python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["id", "rule", "element", "title", "risk", "status", "due", "overdue", "file"], rows[0]
assert all(len(r) == 9 for r in rows), rows
' "$work/out" 2>"$work/err" && ok "CSV parses with Python's csv module, 9 cells a row" || fail "CSV parse" "$work/err"
expect "check --format csv of two models" 0 "$bin" check --format csv "$alpha" "$beta"
[ "$(grep -c '^id,rule,' "$work/out")" = 1 ] && grep -q "alpha.threat" "$work/out" && grep -q "beta.threat" "$work/out" &&
	ok "CSV of two models: one header, each model's rows" || fail "CSV of two models" "$work/out"
expect "check --format csv --self-check: a usage error" 2 "$bin" check --format csv --self-check "$alpha"

# ---- fmt --check: a diff that applies ----
cp tests/golden/fmt/messy.threat "$work/messy.threat"
(cd "$work" && "$bin" fmt --check messy.threat >messy.diff 2>messy.err)
status=$?
[ $status = 1 ] && grep -q '^@@ -1,' "$work/messy.diff" && grep -q "messy.threat: not formatted" "$work/messy.err" &&
	ok "fmt --check: a unified diff on stdout, exit 1" || fail "fmt --check (exit $status)" "$work/messy.diff"
if (cd "$work" && patch -p0 -s <messy.diff) && (cd "$work" && "$bin" fmt --check messy.threat) >"$work/out" 2>&1 &&
	[ ! -s "$work/out" ]; then
	ok "fmt --check | patch -p0 formats the file"
else
	fail "the fmt --check diff does not apply" "$work/out"
fi

# ---- the tracker recipes (doc/trackers.md) against a stand-in gh ----
mkdir -p "$work/fakebin"
cat >"$work/fakebin/gh" <<'GH'
#!/usr/bin/env bash
# stands in for the GitHub CLI: two issues exist, every call is logged
printf '%s\n' "$*" >>"$GH_LOG"
if [ "$1 $2" = "issue list" ]; then
	printf '[{"number": 7, "title": "[T-01] =cmd|\x27 /C calc\x27!A0, a title"}, {"number": 9, "title": "[STRIDE-X-99@gone] an old finding"}]\n'
fi
GH
chmod +x "$work/fakebin/gh"
"$bin" check --format csv --no-rules --today 2026-06-01 "$work/models/csv.threat" >"$work/findings.csv"
printf 'T-03,T-03,web,"\x27@SUM(1)",HIGH,open,2026-03-08,true,x.threat\r\n' >>"$work/findings.csv"
export GH_LOG=$work/gh.log
: >"$GH_LOG"
if PATH="$work/fakebin:$PATH" python3 examples/trackers/findings-to-github.py "$work/findings.csv" >"$work/out" 2>&1; then
	ok "findings-to-github.py runs"
else
	fail "findings-to-github.py" "$work/out"
fi
# T-01 has an issue; T-02 is accepted; T-03 is new; STRIDE-X-99@gone is gone
if [ "$(grep -c '^issue create' "$GH_LOG")" = 1 ] && grep -q '^issue create --label threat-model --title \[T-03\] @SUM(1) ' "$GH_LOG" &&
	grep -q '^issue close 9 --comment `STRIDE-X-99@gone` is no longer raised in the threat model.$' "$GH_LOG" &&
	[ "$(grep -c '^issue close' "$GH_LOG")" = 1 ]; then
	ok "GitHub: one issue for the new finding (formula mark taken off), the gone one closed"
else
	fail "GitHub recipe calls" "$GH_LOG"
fi
if python3 examples/trackers/findings-to-jira.py "$work/findings.csv" --project SEC --dry-run >"$work/jira" 2>&1 &&
	[ "$(grep -c '^POST /rest/api/2/issue {' "$work/jira")" = 2 ] &&
	grep -q '"summary": "\[T-01\] =cmd' "$work/jira" && grep -q '"duedate": "2026-03-08"' "$work/jira"; then
	ok "Jira (--dry-run): a Task per finding that needs work, with its due date"
else
	fail "Jira recipe" "$work/jira"
fi

# drift without --repo: the git work tree around the current folder, and its
# models found in it; outside any work tree, a usage error
mkdir -p "$work/tree/.git" "$work/tree/src"
cp -R tests/fixtures/drift/shop/. "$work/tree/"
if (cd "$work/tree/src" && "$bin" drift >"$work/drift.out" 2>&1); then
	fail "drift in a work tree with a payment SDK should exit 1" "$work/drift.out"
elif [ $? = 1 ] && head -n 1 "$work/drift.out" | grep -q '^package.json:7: drift: Stripe (payments)'; then
	ok "drift finds the enclosing git work tree and its model"
else
	fail "drift in a work tree" "$work/drift.out"
fi
mkdir -p "$work/nogit"
(cd "$work/nogit" && "$bin" drift >"$work/drift.out" 2>&1)
status=$?
if [ -e "$(dirname "$work")/.git" ] || [ -e /.git ]; then
	echo "skip drift outside a git work tree: $(dirname "$work") lies in one"
elif [ $status = 2 ] && grep -q 'is in no git work tree; name the repository with --repo DIR' "$work/drift.out"; then
	ok "drift outside a git work tree asks for --repo"
else
	fail "drift outside a git work tree should exit 2 and ask for --repo" "$work/drift.out"
fi
summary
