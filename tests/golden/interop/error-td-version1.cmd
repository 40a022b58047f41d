import threat-dragon tests/golden/interop/inputs/v1.td.json
