import threagile tests/fixtures/threagile/bad/wrong-type.yaml
