-- Just under the size cap, an elseif chain still compiles for seconds:
-- the deadline stops the compiler, and pcall does not hide it.
local text = "local x = false\nif x then\n" .. string.rep("elseif x then x = 1\n", 52000) .. "end\n"
local ok = pcall(load, text)
error("not stopped")
