diff --format md {} tests/golden/ci/versions/diff-md-after.threat --fail-on review
