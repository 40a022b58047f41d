#!/usr/bin/env python3
"""Runs the `run:` steps of the composite action in action.yml as GitHub
would, in order, so a test exercises the exact commands the Action runs:

    tests/tools/run-action.py ACTION_YML WORKDIR NAME=VALUE...

Each NAME=VALUE sets an input (the others take their defaults). A step's
`env` may use ${{ inputs.NAME }}, ${{ steps.ID.outputs.NAME }} and
${{ github.action_path }}; any other expression, or an expression inside a
`run:` script itself (text spliced into a shell script), is an error.
Steps that `uses:` another action are not run: each is printed as
`uses ACTION if CONDITION` with its `with:` values resolved. GITHUB_OUTPUT
works as on GitHub (both its `name=value` and `name<<DELIMITER` forms);
GITHUB_STEP_SUMMARY is the caller's, else /dev/null. Like GitHub, the run
stops at the first step that fails; the last line is `step ID exited N`,
or `all steps passed`, and the exit status is the failing step's (0 when
all passed). Needs PyYAML."""
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def read_outputs(text):
    """GITHUB_OUTPUT's two forms: `name=value` lines, and `name<<DELIMITER`,
    the value's lines, then DELIMITER alone on a line."""
    outputs = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        heredoc = re.fullmatch(r"([A-Za-z0-9_-]+)<<(.+)", line)
        if heredoc:
            name, delimiter = heredoc.groups()
            value = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i == len(lines):
                raise ValueError(f"output {name}: no line {delimiter} ends its value")
            i += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    action_file, workdir = sys.argv[1], sys.argv[2]
    with open(action_file, encoding="utf-8") as f:
        action = yaml.safe_load(f)
    action_path = os.path.dirname(os.path.abspath(action_file))
    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for pair in sys.argv[3:]:
        name, _, value = pair.partition("=")
        if name not in inputs:
            print(f"run-action: the action has no input '{name}'", file=sys.stderr)
            return 2
        inputs[name] = value
    outputs = {}

    def resolve(text):
        def one(match):
            expr = match.group(1)
            if expr == "github.action_path":
                return action_path
            m = re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr)
            if m and m.group(1) in inputs:
                return inputs[m.group(1)]
            m = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
            if m:
                return outputs.get(m.group(1), {}).get(m.group(2), "")
            raise ValueError(f"unsupported expression '{expr}'")

        return EXPRESSION.sub(one, str(text))

    if action.get("runs", {}).get("using") != "composite":
        print("run-action: not a composite action", file=sys.stderr)
        return 2
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"#{index + 1}")
        if "uses" in step:
            with_values = {k: resolve(v) for k, v in (step.get("with") or {}).items()}
            print(f"uses {step['uses']} if {step.get('if', 'always')} with {with_values}")
            continue
        script = step["run"]
        if EXPRESSION.search(script):
            print(f"run-action: step {step_id} splices an expression into its script", file=sys.stderr)
            return 2
        if step.get("shell") != "bash":
            print(f"run-action: step {step_id} has no `shell: bash`", file=sys.stderr)
            return 2
        env = dict(os.environ)
        env.update({k: resolve(v) for k, v in (step.get("env") or {}).items()})
        with tempfile.NamedTemporaryFile("r", suffix=".out", delete=False) as out:
            output_file = out.name
        env["GITHUB_OUTPUT"] = output_file
        env["GITHUB_ACTION_PATH"] = action_path
        # the job's summary page: the caller's file when it gives one
        env.setdefault("GITHUB_STEP_SUMMARY", os.devnull)
        # GitHub runs `bash --noprofile --norc -eo pipefail {0}`
        status = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                 cwd=workdir, env=env)
        with open(output_file, encoding="utf-8") as f:
            outputs[step_id] = read_outputs(f.read())
        os.unlink(output_file)
        print(f"step {step_id} outputs {outputs[step_id]}")
        if status != 0:
            print(f"step {step_id} exited {status}")
            return status
    print("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
