-- 2,000 rules that always fire, on every element of a large model: a
-- million findings from this pack alone, and more without a cap.
for i = 1, 2000 do
	rule {
		id = "ALWAYS-" .. i, category = "spoofing", applies = { "process", "flow" }, title = "always",
		likelihood = { skill = 1 }, impact = { integrity = 1 },
		when = function() return true end,
	}
end
