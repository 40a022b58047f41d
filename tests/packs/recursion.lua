-- Unbounded recursion, in Lua and through a metamethod: a stack overflow
-- error, not a crash.
local t = setmetatable({}, { __index = function(self, key) return self[key] end })
local ok = pcall(function() return t.x end)
local function deeper(n) return deeper(n + 1) + 1 end
deeper(1)
