import yaml tests/golden/interop/inputs/empty.json
