check --repo tests/golden/repo/linked tests/golden/repo/linked/security/model.threat
