-- Tries to write a file: there is no io library, nor a way to reach one.
local marker = "/tmp/threat-pack-escape-io_open"
assert(package == nil and debug == nil and require ~= nil)
local f = io.open(marker, "w")
f:write("escaped")
f:close()
