export --format otm --today 2026-04-01 {}
