-- A finalizer runs with hooks off, where no budget could stop it: the
-- sandbox refuses metatables with __gc.
pack { name = "gc_loop" }
setmetatable({}, { __gc = function() while true do end end })
