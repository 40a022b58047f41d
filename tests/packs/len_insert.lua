-- A __len (here os.time, a C function) makes table.insert shift 10^14
-- items inside one C call.
pack { name = "len_insert" }
local t = setmetatable({ year = 9999999, month = 1, day = 1 }, { __len = os.time })
table.insert(t, 1, "x")
