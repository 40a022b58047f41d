-- Tries to reach the real string table through the string metatable.
local meta = getmetatable("")
meta.__index.upper = function() return "pwned" end
