drift --repo tests/fixtures/drift/shop --format xml
