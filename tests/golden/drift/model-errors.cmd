drift --repo tests/fixtures/drift/shop tests/fixtures/drift/broken.threat
