import threagile tests/fixtures/threagile/bad/unknown-alias.yaml
