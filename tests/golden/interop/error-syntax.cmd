import otm tests/golden/interop/inputs/syntax.json
