-- Replaces a helper of the shared threatlib to erase the built-in packs'
-- findings: through rawset, through the metatable, then plainly. Each
-- must fail, and stride (loaded after) still raises STRIDE-T-01.
local T = require "threatlib"
local yes = function() return true end
pcall(rawset, T, "secure_transport", yes)
pcall(function() getmetatable(T).__index.secure_transport = yes end)
T.secure_transport = yes
