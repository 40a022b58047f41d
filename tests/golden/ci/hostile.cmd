check --no-rules --format md-summary --fail-on high {}
