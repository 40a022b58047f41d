import threagile tests/fixtures/threagile/bad/bad-bool.yaml
