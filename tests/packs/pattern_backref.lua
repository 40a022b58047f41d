-- A back-reference compares a whole capture at every length the
-- repetition before it tries, at every start position.
local ok = pcall(string.find, string.rep("a", 31000), "(a*)%1b")
return string.rep("a", 31000):find("(a*)%1b")
