diff {} tests/golden/diff/versions/no-review-after.threat --fail-on review
