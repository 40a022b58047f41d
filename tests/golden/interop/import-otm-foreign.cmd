import otm tests/golden/interop/inputs/foreign.otm.json
