-- A set of a million characters: each subject character is tested
-- against the whole set, at every start position.
local subject = string.rep("b", 1000000)
return subject:find("[" .. string.rep("a", 1000000) .. "]")
