#!/usr/bin/env bash
# The CI kit: action.yml and .pre-commit-hooks.yaml parse as YAML and hold
# what doc/ci.md says; the Action's own steps (tests/tools/run-action.py
# runs them as GitHub does) check an example, write valid SARIF, write the
# Markdown summaries of the check and of the change against a base
# revision (to files and to the job's summary page), check the repository
# (the A04 finding when it holds no model), and fail or pass on `fail-on`
# and `fail-on-review`; the hooks' exact commands pass on the examples and
# fail on an unformatted file and on an attribute outside the vocabulary;
# and the YAML in doc/ci.md parses, with only inputs the Action declares,
# and its drift job's command finds a payment SDK the model lacks.
#
#   tests/tools/ci-kit.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" ci-kit "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
export NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 LC_ALL=C
export GIT_CONFIG_NOSYSTEM=1 HOME=$work GIT_AUTHOR_DATE=2026-03-24T12:00:00Z GIT_COMMITTER_DATE=2026-03-24T12:00:00Z
unset THREAT_PATH GIT_DIR GIT_WORK_TREE GITHUB_STEP_SUMMARY

# The python3 with PyYAML (and one with jsonschema for the SARIF check):
# the first python3 on PATH may be another installation than Debian's.
python=""
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c 'import yaml' >/dev/null 2>&1; then
		python=$candidate
		break
	fi
done
if [ -z "$python" ]; then
	fail "python3 with PyYAML (tests/tools/install-deps.sh installs python3-yaml)"
	summary
	exit 1
fi
sarif_python=python3
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c 'import jsonschema' >/dev/null 2>&1; then
		sarif_python=$candidate
		break
	fi
done

# The two files parse, and hold the parts the documentation promises.
if "$python" - >"$work/yaml" 2>&1 <<'PY'; then
import yaml
action = yaml.safe_load(open("action.yml", encoding="utf-8"))
assert action["runs"]["using"] == "composite", "not a composite action"
for name in ("models", "fail-on", "sarif-file", "upload", "strict", "repo", "summary",
             "summary-file", "diff-base", "diff-file", "fail-on-review", "threat"):
    assert name in action["inputs"], f"no input {name}"
steps = action["runs"]["steps"]
uses = [s for s in steps if "uses" in s]
assert [s["uses"] for s in uses] == ["github/codeql-action/upload-sarif@v3"], uses
assert uses[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
check = next(s for s in steps if s.get("id") == "check")
for part in ("args=(check)", "--format sarif", "--format md-summary", "--fail-on", "--repo"):
    assert part in check["run"], f"the check step has no {part}"
diff = next(s for s in steps if s.get("id") == "diff")
assert "args=(diff --format md)" in diff["run"] and "--fail-on review" in diff["run"]
hooks = yaml.safe_load(open(".pre-commit-hooks.yaml", encoding="utf-8"))
by_id = {h["id"]: h for h in hooks}
assert by_id["threat-fmt"]["entry"] == "threat fmt --check"
assert by_id["threat-check"]["entry"] == "threat check --strict"
for hook in hooks:
    for key in ("id", "name", "entry", "language"):
        assert key in hook, f"{hook.get('id')} has no {key}"
PY
	ok "action.yml and .pre-commit-hooks.yaml parse and hold the documented parts"
else
	fail "action.yml and .pre-commit-hooks.yaml" "$work/yaml"
fi

# run_action WHAT WANT_STATUS WANT_CHECK_STATUS WORKDIR INPUT=VALUE...
run_action() {
	local what=$1 want=$2 want_check=$3 dir=$4
	shift 4
	"$python" tests/tools/run-action.py action.yml "$dir" threat="$bin" "$@" >"$work/action" 2>&1
	local status=$?
	if [ "$status" = "$want" ] && grep -F "step check outputs {" "$work/action" | grep -qF "'status': '$want_check'"; then
		ok "$what"
	else
		echo "exit $status, wanted $want (threat check $want_check)" >>"$work/action"
		fail "$what" "$work/action"
	fi
}

ws=$work/workspace
mkdir -p "$ws/threat" && cp examples/hello.threat "$ws/model.threat"
run_action "Action, fail-on high: the example's HIGH findings fail the job" 1 1 "$ws"
if grep -qF "uses github/codeql-action/upload-sarif@v3 if \${{ inputs.upload == 'true' && steps.check.outputs.status != '2' }} with {'sarif_file': 'threat.sarif'" "$work/action"; then
	ok "Action uploads the SARIF it wrote"
else
	fail "Action uploads the SARIF it wrote" "$work/action"
fi
if "$sarif_python" tests/tools/validate-sarif.py "$ws/threat.sarif" >"$work/sarif" 2>&1 &&
	cmp -s "$ws/threat.sarif" <(cd "$ws" && "$bin" check --repo . --format sarif model.threat 2>/dev/null); then
	ok "Action writes valid SARIF, the same as threat check --repo . --format sarif"
else
	fail "Action's SARIF" "$work/sarif"
fi
run_action "Action, fail-on critical: passes" 0 0 "$ws" fail-on=critical
run_action "Action, fail-on empty: never fails on findings" 0 0 "$ws" fail-on=
cp examples/hello.threat "$ws/threat/a.threat" && cp examples/hello.threat "$ws/threat/b.threat"
run_action "Action, models as a pattern, strict, another SARIF file" 0 0 "$ws" \
	'models=threat/*.threat' fail-on=critical strict=true sarif-file=out/both.sarif
if grep -qF '"threat/a.threat"' "$ws/out/both.sarif" && grep -qF '"threat/b.threat"' "$ws/out/both.sarif"; then
	ok "Action checks every model the pattern names"
else
	fail "Action checks every model the pattern names" "$ws/out/both.sarif"
fi
printf 'model "Broken" { date 2026-03-24 }\nflow a -> b "x"\n' >"$ws/broken.threat"
run_action "Action, a broken model: threat check exits 2 and so does the job" 2 2 "$ws" models=broken.threat

# same WHAT FILE COMMAND...: FILE holds what COMMAND prints (run in $ws).
same() {
	local what=$1 file=$2
	shift 2
	(cd "$ws" && "$bin" "$@" 2>/dev/null) >"$work/want"
	if cmp -s "$work/want" "$file"; then
		ok "$what"
	else
		diff -u "$work/want" "$file" >"$work/same" 2>&1
		fail "$what" "$work/same"
	fi
}
# has WHAT FILE TEXT: FILE holds TEXT as a whole line.
has() {
	if grep -qxF -- "$3" "$2"; then
		ok "$1"
	else
		printf 'wanted the line: %s\n' "$3" >>"$2"
		fail "$1" "$2"
	fi
}

# The check's Markdown summary: in summary-file and on the job's page, the
# same as `check --format md-summary` with the Action's arguments; the
# governance checks see the workspace (`--repo .`: its README does not
# link the model).
rm -rf "$ws/out" "$ws/broken.threat" "$ws"/*.md
export GITHUB_STEP_SUMMARY=$work/step-summary.md
: >"$GITHUB_STEP_SUMMARY"
run_action "Action, the Markdown summary, fail-on high" 1 1 "$ws"
same "Action writes check --format md-summary to summary-file" "$ws/threat-summary.md" \
	check --fail-on high --repo . --format md-summary model.threat
if cmp -s "$ws/threat-summary.md" "$GITHUB_STEP_SUMMARY"; then
	ok "Action puts the summary on the job's summary page"
else
	fail "Action puts the summary on the job's summary page" "$GITHUB_STEP_SUMMARY"
fi
has "the summary's verdict" "$ws/threat-summary.md" "### Threat model check: failed"
if grep -qF '"ruleId": "GOV-04"' "$ws/threat.sarif"; then
	ok "Action checks the repository (GOV-04: no README links the model)"
else
	fail "Action checks the repository (GOV-04: no README links the model)" "$ws/threat-summary.md"
fi
: >"$GITHUB_STEP_SUMMARY"
run_action "Action, summary false: nothing on the job's page" 0 0 "$ws" fail-on= summary=false \
	summary-file=reports/summary.md
if [ ! -s "$GITHUB_STEP_SUMMARY" ] && grep -qxF "### Threat model check: checked" "$ws/reports/summary.md"; then
	ok "Action, summary false: the summary file only"
else
	fail "Action, summary false: the summary file only" "$ws/reports/summary.md"
fi
rm -rf "$ws/reports" "$ws/threat-summary.md"

# The change against a base revision: the workspace is a git repository
# whose HEAD has the example; the work tree adds an integration.
(cd "$ws" && git init -q . && git config user.email test@example.org && git config user.name test &&
	git add model.threat && git commit -qm "the model") >"$work/git" 2>&1 || fail "git init" "$work/git"
printf 'external mollie "Mollie" { zone partner }\nflow webhook: mollie -> shop "payment status" { protocol https  tls true }\n' \
	>>"$ws/model.threat"
: >"$GITHUB_STEP_SUMMARY"
run_action "Action, diff-base HEAD: a change that needs a review does not fail without fail-on-review" 0 0 "$ws" \
	fail-on=critical diff-base=HEAD
same "Action writes diff --format md REV -- MODEL to diff-file" "$ws/threat-diff.md" \
	diff --format md HEAD -- model.threat
has "the change's verdict" "$ws/threat-diff.md" "### Threat model change: security review needed"
if grep -qF "step diff outputs {'review': 'needed', 'diff-status': '0'}" "$work/action" &&
	grep -qxF "### Threat model change: security review needed" "$GITHUB_STEP_SUMMARY" &&
	grep -qxF "### Threat model check: passed" "$GITHUB_STEP_SUMMARY"; then
	ok "Action: output review=needed; the check and the change on the job's page"
else
	fail "Action: output review=needed; the check and the change on the job's page" "$work/action"
fi
run_action "Action, fail-on-review true: the change fails the job" 1 0 "$ws" \
	fail-on=critical diff-base=HEAD fail-on-review=true
if grep -qF "step gate exited 1" "$work/action" && grep -qF '**Failed:** the change calls for a security review (`--fail-on review`).' "$ws/threat-diff.md"; then
	ok "Action, fail-on-review true: the gate fails, the Markdown says why"
else
	fail "Action, fail-on-review true: the gate fails, the Markdown says why" "$work/action"
fi
(cd "$ws" && git commit -qam "mollie") >"$work/git" 2>&1 || fail "git commit" "$work/git"
run_action "Action, diff-base HEAD with no change: passes fail-on-review" 0 0 "$ws" \
	fail-on=critical diff-base=HEAD fail-on-review=true
has "no change: the Markdown says so" "$ws/threat-diff.md" "### Threat model change: no security review needed"
cp examples/hello.threat "$ws/second.threat"
run_action "Action, a model new since the base calls for a review" 1 0 "$ws" \
	'models=model.threat second.threat' fail-on=critical diff-base=HEAD fail-on-review=true
has "a new model: the Markdown says so" "$ws/threat-diff.md" \
	'`second.threat` is not in the base revision: the whole model is new and calls for a full review.'
rm -f "$ws/second.threat"
run_action "Action, a diff-base that is no commit: exit 2" 2 0 "$ws" fail-on=critical diff-base=no-such-branch
rm -f "$ws/threat-diff.md"

# A repository with no model: `check --repo .` alone, the A04 finding
# (GOV-06, HIGH) in the SARIF and the summary.
empty=$work/empty
mkdir -p "$empty" && echo "# A project without a threat model" >"$empty/README.md"
run_action "Action, a repository without a model: GOV-06 fails fail-on high" 1 1 "$empty"
if grep -qF '"ruleId": "GOV-06"' "$empty/threat.sarif" &&
	grep -qF '| `GOV-06@model` | `model` | No threat model in the repository | HIGH |' "$empty/threat-summary.md"; then
	ok "Action, a repository without a model: A04 in the SARIF and the summary"
else
	fail "Action, a repository without a model: A04 in the SARIF and the summary" "$empty/threat-summary.md"
fi
run_action "Action, repo empty: no repository checked, the missing model is an error" 2 2 "$empty" repo=
unset GITHUB_STEP_SUMMARY

# The hooks' commands as pre-commit runs them: entry, args, then (unless
# pass_filenames is false) the staged files that match `files`.
mkdir -p "$work/bin" && ln -s "$bin" "$work/bin/threat"
hook() {
	local id=$1 dir=$2
	shift 2
	(cd "$dir" && PATH=$work/bin:$PATH "$python" - "$root/.pre-commit-hooks.yaml" "$id" "$@" <<'PY'
import re, shlex, subprocess, sys, yaml
hooks = {h["id"]: h for h in yaml.safe_load(open(sys.argv[1], encoding="utf-8"))}
hook = hooks[sys.argv[2]]
files = [f for f in sys.argv[3:] if re.search(hook.get("files", ""), f)]
command = shlex.split(hook["entry"]) + list(hook.get("args", []))
if hook.get("pass_filenames", True):
    command += files
sys.exit(subprocess.call(command, stdout=subprocess.DEVNULL))
PY
	)
}
hook_expect() {
	local what=$1 want=$2
	shift 2
	hook "$@" 2>"$work/hook"
	local status=$?
	if [ "$status" = "$want" ]; then
		ok "$what"
	else
		echo "exit $status, wanted $want" >>"$work/hook"
		fail "$what" "$work/hook"
	fi
}
hook_expect "hook threat-fmt passes on the formatted examples" 0 threat-fmt "$root" \
	examples/hello.threat examples/ge-webapp/model.threat README.md
printf 'model  "Loose"{date 2026-03-24}\n' >"$ws/loose.threat"
hook_expect "hook threat-fmt fails on an unformatted file" 1 threat-fmt "$ws" model.threat loose.threat
hook_expect "hook threat-check passes on the example as model.threat" 0 threat-check "$ws" model.threat
sed 's/^process \([a-z]*\) "\([^"]*\)" {/process \1 "\2" { colour blue /' examples/hello.threat >"$ws/threat/model.threat"
hook_expect "hook threat-check fails on an attribute outside the vocabulary" 2 threat-check "$ws/threat" model.threat

# doc/ci.md: every YAML block parses, and the steps that use this Action
# pass only inputs it declares.
if "$python" - >"$work/doc" 2>&1 <<'PY'; then
import re, yaml
action = yaml.safe_load(open("action.yml", encoding="utf-8"))
text = open("doc/ci.md", encoding="utf-8").read()
blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
assert len(blocks) >= 2, "doc/ci.md has fewer than two YAML blocks"
used = 0
for block in blocks:
    doc = yaml.safe_load(block)
    for job in (doc.get("jobs") or {}).values() if isinstance(doc, dict) else []:
        for step in job.get("steps", []):
            if str(step.get("uses", "")).endswith("/threat@v1"):
                used += 1
                for name in step.get("with", {}):
                    assert name in action["inputs"], f"doc/ci.md passes undeclared input {name}"
assert used, "doc/ci.md has no workflow that uses the Action"
PY
	ok "doc/ci.md's YAML parses and passes only declared inputs"
else
	fail "doc/ci.md's YAML" "$work/doc"
fi

# The workflow's drift job: its `threat drift` step, run as written, finds
# a payment SDK the model lacks (exit 1) and writes SARIF for the upload.
drift_ws=$work/drift
mkdir -p "$drift_ws" && cp examples/hello.threat "$drift_ws/model.threat"
printf '{\n  "name": "shop",\n  "dependencies": {\n    "stripe": "^14.0.0"\n  }\n}\n' >"$drift_ws/package.json"
"$python" - >"$work/drift-step" 2>&1 <<'PY'
import re, yaml
text = open("doc/ci.md", encoding="utf-8").read()
for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
    doc = yaml.safe_load(block)
    if isinstance(doc, dict) and "drift" in (doc.get("jobs") or {}):
        step = next(s for s in doc["jobs"]["drift"]["steps"] if s.get("name") == "threat drift")
        print(step["run"], end="")
PY
(cd "$drift_ws" && THREAT=$bin bash --noprofile --norc -eo pipefail "$work/drift-step") >"$work/drift-out" 2>&1
status=$?
if [ $status = 1 ] && grep -qF 'package.json:4: drift: Stripe (payments)' "$work/drift-out" &&
	"$sarif_python" tests/tools/validate-sarif.py "$drift_ws/drift.sarif" >>"$work/drift-out" 2>&1 &&
	grep -qF '"uri": "package.json"' "$drift_ws/drift.sarif"; then
	ok "doc/ci.md's drift job: Stripe in package.json, exit 1, valid SARIF"
else
	echo "exit $status, wanted 1" >>"$work/drift-out"
	fail "doc/ci.md's drift job" "$work/drift-out"
fi

summary
