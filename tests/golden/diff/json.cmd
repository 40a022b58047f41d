diff --format json {} tests/golden/diff/versions/after.threat
