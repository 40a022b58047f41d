import threagile tests/fixtures/threagile/bad/bad-enum.yaml
