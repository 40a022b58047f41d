import threagile tests/fixtures/threagile/example.yaml
