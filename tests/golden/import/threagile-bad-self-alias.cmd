import threagile tests/fixtures/threagile/bad/self-alias.yaml
