check --repo tests/golden/repo/nowhere
