-- Loops while it loads, like six_loops.lua.
while true do end
