import threagile tests/fixtures/threagile/bad/binary.yaml
