check --format sarif {}
