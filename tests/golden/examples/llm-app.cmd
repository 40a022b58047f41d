check --today 2026-12-07 {}
