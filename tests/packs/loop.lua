-- An endless loop while the pack loads.
local n = 0
while true do n = n + 1 end
