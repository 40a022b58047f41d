-- Tries to change globals other packs see: the shared table behind _ENV.
helper = "attacker"
rule = nil
local shared = getmetatable(_ENV)
shared.__index.rule = function() end
