-- A memory bomb in one C call: string.rep of a gigabyte, past the 256 MB cap.
local unit = "x"
local huge = string.rep(unit, 1 << 30)
return #huge
