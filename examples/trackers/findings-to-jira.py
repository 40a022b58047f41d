#!/usr/bin/env python3
"""One Jira issue per finding that needs work, from `threat check --format csv`.

    threat check --format csv model.threat > findings.csv
    JIRA_URL=https://acme.atlassian.net JIRA_USER=me@acme.example JIRA_TOKEN=... \\
        examples/trackers/findings-to-jira.py findings.csv --project SEC [--dry-run]

Each issue is keyed by the finding's stable id, written at the start of its
summary as "[ID] title" and found again through the label (threat-model by
default): a finding that still needs work (open, expired, or planned)
without an unresolved issue gets a Task; an unresolved issue whose finding
is now mitigated, accepted, a false positive or gone gets a comment saying
so and is moved to the first transition that ends in a Done status. It uses
Jira's REST API (version 2) with an API token and nothing but Python's
standard library; --dry-run prints the requests instead of sending them
(and takes no issue as existing).
"""
import argparse
import base64
import csv
import json
import os
import sys
import urllib.parse
import urllib.request

FORMULA_START = "=+-@\t\r"
NEEDS_WORK = ("open", "expired", "planned")


def cell(text):
    """A CSV cell as written: threat puts a ' before a cell that a
    spreadsheet would run as a formula; a script takes it off."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        return text[1:]
    return text


def read_findings(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: cell(v) for k, v in row.items()} for row in csv.DictReader(f)]


class Jira:
    def __init__(self, dry_run):
        self.dry_run = dry_run
        self.url = os.environ.get("JIRA_URL", "https://jira.example").rstrip("/")
        token = f"{os.environ.get('JIRA_USER', '')}:{os.environ.get('JIRA_TOKEN', '')}"
        self.auth = "Basic " + base64.b64encode(token.encode()).decode()

    def call(self, method, path, body=None):
        if self.dry_run:
            print(method, path, json.dumps(body, sort_keys=True) if body is not None else "")
            return {}
        request = urllib.request.Request(
            self.url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": self.auth, "Content-Type": "application/json",
                     "Accept": "application/json"})
        with urllib.request.urlopen(request) as response:
            text = response.read().decode()
            return json.loads(text) if text else {}


def issue_id(summary):
    """The finding id of an issue summarised "[ID] title", else None."""
    if summary.startswith("[") and "] " in summary:
        return summary[1 : summary.index("] ")]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--project", required=True, help="the Jira project key, e.g. SEC")
    parser.add_argument("--label", default="threat-model")
    parser.add_argument("--issue-type", default="Task")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    jira = Jira(args.dry_run)

    findings = read_findings(args.csv)
    jql = f'project = "{args.project}" AND labels = "{args.label}" AND resolution IS EMPTY'
    found = jira.call("GET", "/rest/api/2/search?" + urllib.parse.urlencode(
        {"jql": jql, "fields": "summary", "maxResults": 1000}))
    issues = {}
    for issue in found.get("issues", []):
        fid = issue_id(issue["fields"]["summary"])
        if fid:
            issues[fid] = issue["key"]

    wanted = {f["id"]: f for f in findings if f["status"] in NEEDS_WORK}
    for fid, f in wanted.items():
        if fid in issues:
            continue
        description = (
            f"Finding {{{{{fid}}}}} of rule {f['rule']} on {{{{{f['element'] or 'the model'}}}}} "
            f"({f['file']}).\n\nRisk: *{f['risk']}*, status: {f['status']}, "
            f"due: {f['due'] or 'none'}{' (overdue)' if f['overdue'] == 'true' else ''}.")
        fields = {"project": {"key": args.project}, "issuetype": {"name": args.issue_type},
                  "summary": f"[{fid}] {f['title']}", "description": description,
                  "labels": [args.label]}
        if f["due"]:
            fields["duedate"] = f["due"]
        jira.call("POST", "/rest/api/2/issue", {"fields": fields})
    by_id = {f["id"]: f for f in findings}
    for fid, key in issues.items():
        if fid in wanted:
            continue
        why = f"now {by_id[fid]['status']}" if fid in by_id else "no longer raised"
        jira.call("POST", f"/rest/api/2/issue/{key}/comment",
                  {"body": f"{fid} is {why} in the threat model."})
        transitions = jira.call("GET", f"/rest/api/2/issue/{key}/transitions").get("transitions", [])
        done = [t for t in transitions if t.get("to", {}).get("statusCategory", {}).get("key") == "done"]
        if done:
            jira.call("POST", f"/rest/api/2/issue/{key}/transitions", {"transition": {"id": done[0]["id"]}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
