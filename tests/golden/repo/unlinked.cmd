check --repo tests/golden/repo/unlinked tests/golden/repo/unlinked/docs/model.threat
