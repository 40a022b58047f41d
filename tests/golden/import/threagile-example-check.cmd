check tests/golden/import/threagile-example.out --today 2026-12-07 --format json
