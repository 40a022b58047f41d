-- A pack without fixtures beside it.
rule {
	id = "BARE-01", category = "check", applies = "process", title = "Any process",
	when = function() return true end,
	likelihood = { discoverability = 1 }, impact = { reputation = 1 },
}
