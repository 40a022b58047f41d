import threagile tests/fixtures/threagile/bad/deep.yaml
