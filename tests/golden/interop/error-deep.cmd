import otm tests/golden/interop/inputs/deep.json
