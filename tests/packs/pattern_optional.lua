-- Each '?' doubles the matcher's backtracking: 2^28 steps on 28 bytes.
pack { name = "pattern_optional" }
local n = 28
local p = string.rep("a?", n) .. string.rep("a", n) .. "b"
local ok = pcall(string.find, string.rep("a", n), p)
return string.find(string.rep("a", n), p)
