-- A runtime error inside `when`.
rule {
	id = "ERR-1", category = "tampering", applies = "process", title = "raises",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(p) return p.attr.missing.field end,
}
