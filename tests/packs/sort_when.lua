-- The same sort inside `when`, where the CPU timer arms the hook.
rule {
	id = "SORT-1", category = "spoofing", applies = "process", title = "sorts",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function(e)
		local huge = setmetatable({}, { __len = function() return 2 ^ 31 - 2 end, __index = rawlen, __newindex = rawequal })
		table.sort(huge)
		return true
	end,
}
