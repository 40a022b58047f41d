-- A plain find whose naive search costs subject x needle steps (about 1e12
-- here): it must answer in linear time. The error shows it finished.
local at = string.rep("a", 2000000):find(string.rep("a", 1000000) .. "b", 1, true)
local also = string.rep("a", 2000000):find(string.rep("a", 1000000) .. "b")
error("finished: " .. tostring(at) .. " " .. tostring(also))
