diff {} tests/golden/diff/versions/boundary-nesting-after.threat --fail-on review
