-- Tries to reach a C module or a file outside the search path by require.
local marker = "/tmp/threat-pack-escape-require_c"
local lib = require "io"
lib.open(marker, "w"):close()
