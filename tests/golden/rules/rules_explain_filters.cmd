rules --pack tests/golden/rules/explain/filters.lua F-1
