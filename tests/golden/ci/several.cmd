check --no-rules --format md-summary --fail-on high {} tests/golden/ci/models/broken.threat tests/golden/ci/models/quiet.threat
