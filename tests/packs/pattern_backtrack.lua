-- A pattern whose backtracking would run for hours inside one C call,
-- where the instruction budget cannot stop it; pcall must not hide it.
pack { name = "pattern_backtrack" }
local subject = string.rep("a", 1000000)
local ok = pcall(string.find, subject, ".-.-.-b")
return subject:match("(.-)(.-)b")
