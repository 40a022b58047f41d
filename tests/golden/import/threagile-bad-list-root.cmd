import threagile tests/fixtures/threagile/bad/list-root.yaml
