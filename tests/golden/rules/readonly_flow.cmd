check --today 2026-04-01 {}
