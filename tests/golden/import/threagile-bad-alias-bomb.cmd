import threagile tests/fixtures/threagile/bad/alias-bomb.yaml
