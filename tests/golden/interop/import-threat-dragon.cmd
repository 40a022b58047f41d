import threat-dragon tests/golden/interop/inputs/dragon.json
