diff --format md tests/golden/diff/pull-request.threat tests/golden/diff/versions/after.threat --fail-on high
