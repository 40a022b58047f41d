rules --pack tests/golden/rules/explain/scales.lua S-1
