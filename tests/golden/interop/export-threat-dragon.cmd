export --format threat-dragon --today 2026-04-01 tests/golden/interop/export-otm.threat
