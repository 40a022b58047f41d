diff {} tests/golden/diff/versions/boundary-emptied-after.threat
