diff {} tests/golden/diff/versions/integration-after.threat --fail-on review
