-- string.rep of an empty string copies nothing 2^60 times inside one C
-- call, where no budget can stop it: it must return "" at once.
pack { name = "rep_empty" }
local s = string.rep("", 1 << 60)
error("string.rep returned " .. #s .. " bytes")
