-- A rule that fails on every element: a message each, without a cap (the
-- 100 its pack may keep, then one that counts the rest: 101 in all).
rule {
	id = "FAIL-1", category = "spoofing", applies = "process", title = "fails",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(e) return e.missing.field end,
}
