check tests/golden/import/threagile-stub.out --today 2026-12-07
