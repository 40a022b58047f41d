#!/usr/bin/env bash
# The CI kit: action.yml and .pre-commit-hooks.yaml parse as YAML and hold
# what doc/ci.md says; the Action's own steps (tests/tools/run-action.py
# runs them as GitHub does) check an example, write valid SARIF and fail or
# pass on `fail-on`; the hooks' exact commands pass on the examples and fail
# on an unformatted file and on an attribute outside the vocabulary; and
# the YAML in doc/ci.md parses, with only inputs the Action declares.
#
#   tests/tools/ci-kit.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" ci-kit "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
export NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 LC_ALL=C
unset THREAT_PATH

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
for name in ("models", "fail-on", "sarif-file", "upload", "strict", "threat"):
    assert name in action["inputs"], f"no input {name}"
steps = action["runs"]["steps"]
uses = [s for s in steps if "uses" in s]
assert [s["uses"] for s in uses] == ["github/codeql-action/upload-sarif@v3"], uses
assert uses[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
check = next(s for s in steps if s.get("id") == "check")
assert "args=(check --format sarif)" in check["run"] and "--fail-on" in check["run"]
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
	if [ "$status" = "$want" ] && grep -qF "step check outputs {'status': '$want_check'}" "$work/action"; then
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
	cmp -s "$ws/threat.sarif" <(cd "$ws" && "$bin" check --format sarif model.threat 2>/dev/null); then
	ok "Action writes valid SARIF, the same as threat check --format sarif"
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

summary
