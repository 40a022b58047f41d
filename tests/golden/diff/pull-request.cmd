diff {} tests/golden/diff/versions/after.threat --fail-on high
