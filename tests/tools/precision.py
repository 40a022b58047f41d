#!/usr/bin/env python3
"""Keeps doc/precision.md in step with the findings of the two third-party
examples it reviews.

    tests/tools/precision.py THREAT_BIN            check (tests/tools/check-docs.sh)
    tests/tools/precision.py THREAT_BIN --update   rewrite what follows from the findings

For each example the document has a verdict table (`### `examples/NAME``,
rows `| `FINDING-ID` | RISK | keep/drop | why |`) and a row of the Results
table (`| NAME | before… | before… | FINDINGS | KEPT | **RATIO%** | … |`).

Check: every finding `check --today 2026-12-07` raises has a row, with its
current risk; no row names a finding no longer raised; every verdict is
keep or drop; the Results row gives the number of findings, the number
kept and the kept ratio of the table. Prints what differs, exit 1.

Update: rewrites the risk cells and the Results row from the findings and
the verdicts, keeps the order of the findings as `check` lists them, and
drops the rows of findings no longer raised. A finding without a verdict
gets a row with verdict `?`, which the check refuses: a reviewer gives it
one. The verdicts and reasons themselves are never rewritten.
"""
import json
import os
import re
import subprocess
import sys

EXAMPLES = ["pytm-demo", "threagile-b2b", "llm-app"]
TODAY = "2026-12-07"
DOC = "doc/precision.md"
ROW = re.compile(r"^\| `([^`]+)` \| ([A-Z]+) \| ([a-z?]+) \| (.*) \|$")


def findings(threat, example):
    out = subprocess.run(
        [threat, "check", "--today", TODAY, "--format", "json", f"examples/{example}/model.threat"],
        capture_output=True, text=True, check=False)
    if out.returncode > 1:
        sys.exit(f"precision: check of examples/{example} exited {out.returncode}: {out.stderr[:300]}")
    return [(f["id"], f["risk"]) for f in json.loads(out.stdout)["findings"]]


def sections(lines):
    """The verdict table of each example: (first row index, end index)."""
    found = {}
    for example in EXAMPLES:
        header = f"### `examples/{example}`"
        if header not in lines:
            sys.exit(f"precision: {DOC} has no section {header}")
        i = lines.index(header) + 1
        while i < len(lines) and not ROW.match(lines[i]):
            i += 1
        start = i
        while i < len(lines) and lines[i].startswith("| `"):
            i += 1
        found[example] = (start, i)
    return found


def ratio(kept, total):
    return f"{100.0 * kept / total:.1f}%" if total else "-"


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--update"):
        sys.exit("usage: tests/tools/precision.py THREAT_BIN [--update]")
    threat, update = sys.argv[1], len(sys.argv) == 3
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    with open(DOC, encoding="utf-8") as f:
        lines = f.read().split("\n")
    problems = []
    tables = sections(lines)
    for example in reversed(EXAMPLES):  # from the end, so indexes stay valid
        start, end = tables[example]
        rows = {}
        for line in lines[start:end]:
            m = ROW.match(line)
            if not m:
                problems.append(f"{example}: a row that is not `| `ID` | RISK | verdict | why |`: {line}")
                continue
            rows[m.group(1)] = (m.group(2), m.group(3), m.group(4))
        raised = findings(threat, example)
        new_rows, kept = [], 0
        for fid, risk in raised:
            if fid not in rows:
                problems.append(f"{example}: {fid} ({risk}) is raised and has no verdict")
                new_rows.append(f"| `{fid}` | {risk} | ? | (to review) |")
                continue
            old_risk, verdict, why = rows[fid]
            if old_risk != risk:
                problems.append(f"{example}: {fid} is {risk} now, the table says {old_risk}")
            if verdict not in ("keep", "drop"):
                problems.append(f"{example}: {fid} has the verdict '{verdict}' (keep or drop)")
            kept += verdict == "keep"
            new_rows.append(f"| `{fid}` | {risk} | {verdict} | {why} |")
        for fid in rows:
            if fid not in dict(raised):
                problems.append(f"{example}: {fid} has a verdict and is no longer raised")
        lines[start:end] = new_rows
        # the Results row: findings, kept, ratio
        for i, line in enumerate(lines):
            cells = line.split(" | ")
            if line.startswith(f"| {example} |") and len(cells) >= 7:
                want = [str(len(raised)), str(kept), f"**{ratio(kept, len(raised))}**"]
                if cells[3:6] != want:
                    problems.append(f"{example}: Results says {cells[3:6]}, the verdicts give {want}")
                cells[3:6] = want
                lines[i] = " | ".join(cells)
                break
        else:
            problems.append(f"{example}: no row `| {example} | …` in the Results table")
        print(f"{example}: {kept} of {len(raised)} findings kept ({ratio(kept, len(raised))})")
    if update:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print(f"precision: {DOC} updated; give every `?` row a verdict")
        return 0
    for p in problems:
        print(f"precision: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
