drift --repo tests/fixtures/drift/services.json
