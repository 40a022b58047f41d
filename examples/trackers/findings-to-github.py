#!/usr/bin/env python3
"""One GitHub issue per finding that needs work, from `threat check --format csv`.

    threat check --format csv model.threat > findings.csv
    examples/trackers/findings-to-github.py findings.csv [--label threat-model] [--dry-run]

Each issue is keyed by the finding's stable id, written at the start of its
title as "[ID] title": a finding that still needs work (open, expired, or
planned) without an issue gets one; an issue whose finding is now
mitigated, accepted, a false positive or gone is closed with a comment
saying why; nothing else changes, so the
script can run on every push. It calls the GitHub CLI (`gh`, logged in, in
the repository's folder) and needs nothing but Python's standard library.
"""
import argparse
import csv
import json
import subprocess
import sys

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEEDS_WORK = ("open", "expired", "planned")


def cell(text):
    """A CSV cell as written: threat puts a ' before a cell that a
    spreadsheet would run as a formula; a script takes it off."""
    if text.startswith("'") and text[1:2] and text[1] in "".join(FORMULA_START):
        return text[1:]
    return text


def read_findings(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: cell(v) for k, v in row.items()} for row in csv.DictReader(f)]


def gh(args, dry_run):
    if dry_run:
        print("gh " + " ".join(args))
        return ""
    return subprocess.run(["gh"] + args, check=True, capture_output=True, text=True).stdout


def issue_id(title):
    """The finding id of an issue titled "[ID] title", else None."""
    if title.startswith("[") and "] " in title:
        return title[1 : title.index("] ")]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--label", default="threat-model")
    parser.add_argument("--dry-run", action="store_true", help="print the gh commands instead")
    args = parser.parse_args()

    findings = read_findings(args.csv)
    listed = subprocess.run(
        ["gh", "issue", "list", "--label", args.label, "--state", "open", "--limit", "1000",
         "--json", "number,title"],
        check=True, capture_output=True, text=True).stdout
    issues = {issue_id(i["title"]): i for i in json.loads(listed or "[]") if issue_id(i["title"])}

    wanted = {}
    for f in findings:
        if f["status"] in NEEDS_WORK:
            wanted[f["id"]] = f
    for fid, f in wanted.items():
        if fid in issues:
            continue
        body = (f"Finding `{fid}` of rule {f['rule']} on `{f['element'] or 'the model'}` "
                f"({f['file']}).\n\nRisk: **{f['risk']}**, status: {f['status']}, "
                f"due: {f['due'] or 'none'}{' (overdue)' if f['overdue'] == 'true' else ''}.\n\n"
                f"Explain it with `threat query {f['file']} 'explain {fid}'`; close it with a "
                f"`mitigation` or an `accept` statement naming `{fid}` in the model.")
        gh(["issue", "create", "--label", args.label, "--title", f"[{fid}] {f['title']}",
            "--body", body], args.dry_run)
    by_id = {f["id"]: f for f in findings}
    for fid, issue in issues.items():
        if fid in wanted:
            continue
        why = f"now {by_id[fid]['status']}" if fid in by_id else "no longer raised"
        gh(["issue", "close", str(issue["number"]), "--comment",
            f"`{fid}` is {why} in the threat model."], args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
