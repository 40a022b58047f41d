drift --repo tests/fixtures/drift/shop --services tests/fixtures/drift/services.json tests/fixtures/drift/shop-complete.threat
