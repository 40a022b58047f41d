test tests/golden/packtest/packs/old.lua
