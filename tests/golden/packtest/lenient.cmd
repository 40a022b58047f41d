test --lenient tests/golden/packtest/packs/demo.lua {}
