#!/usr/bin/env python3
"""Validates Open Threat Model documents against the OTM 0.2.0 JSON schema
kept in tests/otm/otm-schema-0.2.0.json (tests/otm/NOTICE), plus what the
schema leaves to the reader: ids unique within each list, and every
reference (a parent, a dataflow's ends, an asset, a threat or mitigation
of an instance) naming something the document declares.

    tests/tools/validate-otm.py FILE.json...   (or - for stdin)

Exit status 0 when every file is valid, 1 otherwise (each problem is
printed), 2 when jsonschema is missing (Debian: python3-jsonschema)."""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate-otm: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "otm", "otm-schema-0.2.0.json")


def references(doc):
    problems = []
    ids = {}
    for key in ("assets", "trustZones", "components", "dataflows", "threats", "mitigations"):
        seen = set()
        for i, item in enumerate(doc.get(key) or []):
            if item["id"] in seen:
                problems.append(f"/{key}/{i}: a second id {item['id']!r}")
            seen.add(item["id"])
        ids[key] = seen
    for key in ("trustZones", "components"):
        for i, item in enumerate(doc.get(key) or []):
            parent = item.get("parent") or {}
            if "trustZone" in parent and parent["trustZone"] not in ids["trustZones"]:
                problems.append(f"/{key}/{i}/parent: no trust zone {parent['trustZone']!r}")
            if "component" in parent and parent["component"] not in ids["components"]:
                problems.append(f"/{key}/{i}/parent: no component {parent['component']!r}")
    for i, flow in enumerate(doc.get("dataflows") or []):
        for end in ("source", "destination"):
            if flow[end] not in ids["components"]:
                problems.append(f"/dataflows/{i}/{end}: no component {flow[end]!r}")
        for asset in flow.get("assets") or []:
            if asset not in ids["assets"]:
                problems.append(f"/dataflows/{i}/assets: no asset {asset!r}")
    for i, item in enumerate(doc.get("components") or []):
        for kind in ("processed", "stored"):
            for asset in ((item.get("assets") or {}).get(kind) or []):
                if asset not in ids["assets"]:
                    problems.append(f"/components/{i}/assets/{kind}: no asset {asset!r}")
    for key in ("components", "dataflows"):
        for i, item in enumerate(doc.get(key) or []):
            for t, instance in enumerate(item.get("threats") or []):
                if instance["threat"] not in ids["threats"]:
                    problems.append(f"/{key}/{i}/threats/{t}: no threat {instance['threat']!r}")
                for link in instance.get("mitigations") or []:
                    if link["mitigation"] not in ids["mitigations"]:
                        problems.append(f"/{key}/{i}/threats/{t}: no mitigation {link['mitigation']!r}")
    return problems


def main(paths):
    with open(SCHEMA, encoding="utf-8") as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    bad = 0
    for path in paths:
        try:
            if path == "-":
                doc = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}")
            bad += 1
            continue
        problems = [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
                    for e in validator.iter_errors(doc)]
        if not problems:
            problems = references(doc)
        for problem in problems:
            print(f"{path}: {problem}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
