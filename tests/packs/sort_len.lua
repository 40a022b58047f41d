-- table.sort over a table whose __len says two billion and whose reads and
-- writes are C functions: hours inside one C call, where the instruction
-- budget never runs.
local huge = setmetatable({}, { __len = function() return 2 ^ 31 - 2 end, __index = rawlen, __newindex = rawequal })
table.sort(huge)
