-- %b scans the rest of the subject from every start: quadratic.
pack { name = "pattern_balance" }
local subject = string.rep("(", 1000000)
return subject:find("%b()")
