drift --repo tests/fixtures/drift/shop
