import threagile tests/fixtures/threagile/nothing.yaml
