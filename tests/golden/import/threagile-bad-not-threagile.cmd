import threagile tests/fixtures/threagile/bad/not-threagile.yaml
