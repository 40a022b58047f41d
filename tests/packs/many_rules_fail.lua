-- Fails, so that the run with many_rules.lua exits 2.
error("many_rules: loaded")
