-- One rule{} call whose table holds two million keys that are not names:
-- a warning each, without a cap.
local spec = {
	id = "MANY-1", category = "spoofing", applies = "process", title = "many keys",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() return false end,
}
for i = 1, 2000000 do spec[i] = true end
rule(spec)
error("registered")
