report --today 2026-04-01 {}
