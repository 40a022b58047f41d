check --format md {}
