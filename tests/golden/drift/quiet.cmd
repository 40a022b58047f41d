drift --repo tests/fixtures/drift/shop tests/fixtures/drift/shop-complete.threat
