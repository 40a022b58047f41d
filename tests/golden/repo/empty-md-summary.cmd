check --repo tests/golden/repo/empty --format md-summary --fail-on high
