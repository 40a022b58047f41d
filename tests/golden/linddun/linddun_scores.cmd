check --format json {}
