-- 60,000 rules, each with a filter of its own: the engine groups equal
-- filters once the packs are loaded, and compared every rule with every
-- earlier one (and every id with every earlier id).
for i = 1, 60000 do
	rule {
		id = "MANY-" .. i, category = "spoofing", applies = "process", title = "many",
		likelihood = { skill = 1 }, impact = { integrity = 1 },
		requires = { tech = "tech" .. i },
		when = function() return true end,
	}
end
