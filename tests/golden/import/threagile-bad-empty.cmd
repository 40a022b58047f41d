import threagile tests/fixtures/threagile/bad/empty.yaml
