test tests/golden/packtest/packs/bare.lua
