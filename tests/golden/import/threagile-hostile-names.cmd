import threagile tests/fixtures/threagile/hostile-names.yaml
