check --format sarif --today 2026-04-01 {}
