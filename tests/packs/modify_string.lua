-- Tries to change the shared string library for every pack.
local upper = string.upper
string.upper = function(s) return "pwned" end
