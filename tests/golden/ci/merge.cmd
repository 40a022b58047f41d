check --no-rules --format md-summary --merge {} tests/golden/ci/models/part.threat
