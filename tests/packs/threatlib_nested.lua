-- The tables inside threatlib are shared too: web technologies that
-- stride's rules look up.
local T = require "threatlib"
T.WEB_TECH.x = true
