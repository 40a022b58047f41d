-- Texts the engine would keep outside the Lua heap: a 50 MB title, a
-- 10 MB field name, then a 60 MB error message.
local big = string.rep("x", 50 << 20)
rule {
	id = "LONG-1", category = "spoofing", applies = "process", title = big,
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() return false end,
}
rule {
	id = "LONG-2", category = "spoofing", applies = "process", title = "long field",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() return false end,
	[string.rep("y", 10 << 20)] = true,
}
big = nil
error(string.rep("z", 60 << 20))
