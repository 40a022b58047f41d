-- A rule that fails on 120 elements: a message each, without a cap (the
-- 100 its pack may keep, then one that counts the rest: 101 in all). The
-- 120 come first in the model, so with two engines (each with its own
-- cap) they all fall to the first one and the count is the same.
rule {
	id = "FAIL-1", category = "spoofing", applies = "process", title = "fails",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(e) return tonumber(e.key:sub(2)) > 120 or e.missing.field end,
}
