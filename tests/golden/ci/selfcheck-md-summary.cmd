check --self-check --format md-summary {}
