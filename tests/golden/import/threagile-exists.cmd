import threagile tests/fixtures/threagile/stub.yaml -o {}
