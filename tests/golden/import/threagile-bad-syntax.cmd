import threagile tests/fixtures/threagile/bad/syntax.yaml
