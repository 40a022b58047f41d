test tests/golden/packtest/packs/demo.lua
