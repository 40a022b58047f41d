drift --repo tests/fixtures/drift/packed
