drift --repo tests/fixtures/drift/hostile
