-- A syntax error.
rule {
	id = "SYN-1", category = "tampering", applies = "process", title = "broken",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() return true end end,
}
