-- Hands load a binary chunk: only text is accepted.
local chunk = string.dump(function() return os end)
-- load returns nil and the reason; assert raises it.
local f = assert(load(chunk, "=evil", "b"))
f()
