-- Loaded after other_globals.lua: its globals and `rule` must be intact.
helper = "victim"
rule {
	id = "VICTIM-1", category = "spoofing", applies = "external", title = "victim still works",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(e) return helper == "victim" and string.upper("ok") == "OK" end,
}
