import threagile tests/fixtures/threagile/bad/duplicate-key.yaml
