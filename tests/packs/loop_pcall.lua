-- An endless loop inside pcall, inside an endless loop: the budget error is
-- raised again on every instruction, so pcall cannot swallow it.
while true do
	pcall(function() while true do end end)
end
