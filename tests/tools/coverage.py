#!/usr/bin/env python3
"""Checks doc/coverage.md against the rules the built-in packs register.

    tests/tools/coverage.py THREAT_BIN        (tests/tools/check-docs.sh)

The document maps every Threagile built-in rule, every OWASP pytm threat
class and every threat line of the team stack's STRIDE questions to the
`threat` rules that raise it. Each table row is

    | `ID` | title | covered by | note |

where "covered by" lists rule ids in backticks, or says `not applicable`
or `not covered`, and then the note gives the reason. Fails (exit 1,
naming each problem) when a rule id named there is not a rule of the
built-in packs, when the Threagile table has not 42 distinct rules or the
pytm table not 114 distinct classes, or when a row has neither a rule nor
a reason.
"""
import os
import re
import subprocess
import sys

DOC = "doc/coverage.md"
SECTIONS = {  # heading prefix -> how many rows it must have (None: any)
    "## Threagile": 42,
    "## OWASP pytm": 114,
    "## The team stack": None,
}
ROW = re.compile(r"^\| (.*?) \| (.*?) \| (.*?) \| (.*?) \|$")
RULE_ID = re.compile(r"`([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)`")
NO_RULE = ("not applicable", "not covered")

# Rules other branches of this round add (supply-chain pack, stride.lua).
# Named here until they are merged; the lead removes this list at the merge,
# after which every id must come from the loaded packs.
PENDING_RULES = {
    "SC-01", "SC-02", "SC-03", "SC-04", "SC-05", "SC-06",
    "STRIDE-S-06", "STRIDE-T-11", "STRIDE-E-06", "STRIDE-E-07",
}


def loaded_rules(threat):
    out = subprocess.run([threat, "rules"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"coverage: `threat rules` exited {out.returncode}: {out.stderr[:300]}")
    ids = set()
    for line in out.stdout.splitlines()[1:]:
        if line and not line[0].isspace() and " rules in " not in line:
            ids.add(line.split()[0])
    return ids


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tests/tools/coverage.py THREAT_BIN")
    threat = os.path.abspath(sys.argv[1])
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    known = loaded_rules(threat)
    with open(DOC, encoding="utf-8") as f:
        lines = f.read().split("\n")
    problems = []
    section, rows = None, {}
    for n, line in enumerate(lines, 1):
        if line.startswith("## "):
            section = next((s for s in SECTIONS if line.startswith(s)), None)
            if section:
                rows[section] = []
            continue
        m = ROW.match(line)
        if not section or not m or m.group(1) in ("Threagile rule", "pytm class", "stack") \
                or set(m.group(1)) <= set("-|"):
            continue
        subject, covered, note = m.group(1), m.group(3).strip(), m.group(4).strip()
        rows[section].append(subject)
        ids = RULE_ID.findall(covered)
        if ids:
            for rule in ids:
                if rule not in known and rule not in PENDING_RULES:
                    problems.append(f"{DOC}:{n}: {subject}: no loaded pack has a rule {rule}")
        elif covered not in NO_RULE:
            problems.append(f"{DOC}:{n}: {subject}: names no rule and is neither "
                            f"'not applicable' nor 'not covered'")
        elif not note:
            problems.append(f"{DOC}:{n}: {subject}: {covered} without a reason")
    for section, want in SECTIONS.items():
        got = rows.get(section)
        if got is None:
            problems.append(f"{DOC}: no section '{section}…'")
            continue
        if want is not None and len(set(got)) != len(got):
            dupes = sorted({s for s in got if got.count(s) > 1})
            problems.append(f"{DOC}: '{section}…' lists {', '.join(dupes)} more than once")
        if want is not None and len(set(got)) != want:
            problems.append(f"{DOC}: '{section}…' has {len(set(got))} rows, not {want}")
    for p in problems:
        print(f"coverage: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
