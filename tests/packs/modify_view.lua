-- Tries to change a view other rules see.
rule {
	id = "VIEW-1", category = "tampering", applies = "process", title = "writes",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(p)
		rawset(p.attr, "tech", "evil")
	end,
}
