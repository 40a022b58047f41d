check tests/golden/import/threagile-hostile-names.out --today 2026-12-07
