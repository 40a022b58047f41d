-- A loop of slow C calls runs a few instructions a second: the count hook
-- would first look at the clock after minutes.
pack { name = "slow_calls" }
local big = string.rep("x", 64 << 20)
while true do local u = big:upper() end
