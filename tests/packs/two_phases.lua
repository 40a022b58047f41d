-- Slow rules in both phases: element rules past the deadline, then a
-- finding rule for each of their findings. Phase 2 has no deadline of its
-- own: it does not start once the run's deadline has passed.
local function busy(seconds)
	local start = os.clock()
	while os.clock() - start < seconds do end
end
rule {
	id = "SLOW-1", category = "spoofing", applies = "process", title = "slow element rule",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() busy(0.25) return true end,
}
rule {
	id = "SLOW-2", category = "spoofing", applies = "finding", title = "slow finding rule",
	likelihood = { skill = 1 }, impact = { integrity = 1 },
	when = function() busy(0.25) return false end,
}
