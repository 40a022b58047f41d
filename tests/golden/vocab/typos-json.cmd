check --format json --today 2026-04-01 {}
