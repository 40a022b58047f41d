-- Prints 100 MB: the output stops at the engine's ceiling.
local line = string.rep("p", 1000)
for i = 1, 100000 do print(line) end
error("printed")
