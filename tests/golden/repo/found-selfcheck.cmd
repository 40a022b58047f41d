check --self-check --repo tests/golden/repo/linked tests/golden/repo/linked/security/checkout.threat
