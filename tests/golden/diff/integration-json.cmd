diff --format json {} tests/golden/diff/versions/integration-after.threat
