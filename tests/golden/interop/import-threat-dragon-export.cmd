import threat-dragon tests/golden/interop/export-threat-dragon.out
