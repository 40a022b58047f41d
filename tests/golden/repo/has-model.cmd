check --repo tests/golden/repo/linked
