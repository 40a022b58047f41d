check --format md-summary --fail-on high {}
