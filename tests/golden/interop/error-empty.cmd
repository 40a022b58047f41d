import otm tests/golden/interop/inputs/empty.json
