-- The same 2.8 MB of elseif branches given to load().
local text = "local x = false\nif x then\n" .. string.rep("elseif x then x = 1\n", 140000) .. "end\n"
assert(load(text))
