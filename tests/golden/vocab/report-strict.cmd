report --strict --today 2026-04-01 {}
