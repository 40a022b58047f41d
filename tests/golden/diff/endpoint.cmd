diff {} tests/golden/diff/versions/endpoint-after.threat --fail-on review
