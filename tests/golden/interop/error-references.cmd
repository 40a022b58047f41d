import otm tests/golden/interop/inputs/references.otm.json
