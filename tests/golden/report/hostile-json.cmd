report --format json {}
