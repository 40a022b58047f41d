import threat-dragon tests/golden/interop/inputs/garbage.bin
