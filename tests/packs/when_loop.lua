-- An endless loop inside a rule's `when`, wrapped in pcall.
rule {
	id = "LOOP-1", category = "tampering", applies = "process", title = "loops",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(p)
		local ok = pcall(function()
			while true do end
		end)
		return ok
	end,
}
