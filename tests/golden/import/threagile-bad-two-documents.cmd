import threagile tests/fixtures/threagile/bad/two-documents.yaml
