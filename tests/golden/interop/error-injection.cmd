import otm tests/golden/interop/inputs/injection.otm.json
