test --format xml tests/golden/packtest/packs/demo.lua {}
