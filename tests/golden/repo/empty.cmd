check --repo tests/golden/repo/empty
