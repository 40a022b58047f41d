drift --repo tests/fixtures/drift/shop --services tests/fixtures/drift/services-bad.json
