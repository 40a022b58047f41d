-- A local pack named like the built-in stride: it raises only LOCAL-1, so
-- a model that loaded it instead of stride would show none of stride's.
pack { name = "local-stride" }
rule {
	id = "LOCAL-1", category = "spoofing", applies = "external", title = "local stride loaded",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() return true end,
}
