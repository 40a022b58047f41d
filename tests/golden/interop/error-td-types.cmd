import threat-dragon tests/golden/interop/inputs/td-types.json
