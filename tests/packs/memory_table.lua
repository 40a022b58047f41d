-- A memory bomb by table growth, inside a rule.
rule {
	id = "MEM-1", category = "tampering", applies = "process", title = "grows",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() local t = {} for i = 1, math.huge do t[i] = { i, i, i } end end,
}
