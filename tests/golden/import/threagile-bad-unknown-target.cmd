import threagile tests/fixtures/threagile/bad/unknown-target.yaml
