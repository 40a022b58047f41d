check --repo tests/golden/repo/empty --format sarif
