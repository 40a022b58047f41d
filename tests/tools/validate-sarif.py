#!/usr/bin/env python3
"""Validates SARIF files against the SARIF 2.1.0 JSON schema kept in
tests/sarif/sarif-schema-2.1.0.json (OASIS, errata 01), plus the parts of
GitHub code scanning's contract the schema leaves optional: a tool driver
name, a ruleId on every result that names a rule of the driver, a message
text, a level, and a relative location with a startLine.

    tests/tools/validate-sarif.py FILE.sarif...   (or - for stdin)

Exit status 0 when every file is valid, 1 otherwise (each problem is
printed), 2 when jsonschema is missing (Debian: python3-jsonschema)."""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate-sarif: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "sarif", "sarif-schema-2.1.0.json")


def github_checks(log):
    problems = []
    for r, run in enumerate(log.get("runs") or []):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            problems.append(f"runs[{r}].tool.driver.name is missing")
        rules = [rule.get("id") for rule in driver.get("rules", [])]
        if len(rules) != len(set(rules)):
            problems.append(f"runs[{r}]: duplicate rule ids")
        for i, result in enumerate(run.get("results", [])):
            where = f"runs[{r}].results[{i}]"
            rule_id = result.get("ruleId")
            if rule_id not in rules:
                problems.append(f"{where}: ruleId {rule_id!r} is not a rule of the driver")
            index = result.get("ruleIndex")
            if index is not None and (index >= len(rules) or rules[index] != rule_id):
                problems.append(f"{where}: ruleIndex {index} does not point at {rule_id!r}")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: no message text")
            if result.get("level") not in ("error", "warning", "note", "none"):
                problems.append(f"{where}: level {result.get('level')!r}")
            for loc in result.get("locations", []):
                phys = loc.get("physicalLocation", {})
                uri = phys.get("artifactLocation", {}).get("uri", "")
                if not uri or uri.startswith("/"):
                    problems.append(f"{where}: artifact uri {uri!r} is not a relative URI")
                if phys.get("region", {}).get("startLine", 0) < 1:
                    problems.append(f"{where}: no startLine")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: no partialFingerprints")
    return problems


def main(paths):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema)
    failed = False
    for path in paths:
        try:
            if path == "-":
                log = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as f:
                    log = json.load(f)
        except (OSError, ValueError) as error:
            print(f"{path}: not JSON: {error}")
            failed = True
            continue
        problems = [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in validator.iter_errors(log)
        ]
        problems += github_checks(log)
        for problem in problems:
            print(f"{path}: {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
