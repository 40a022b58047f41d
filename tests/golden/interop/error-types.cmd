import otm tests/golden/interop/inputs/types.otm.json
