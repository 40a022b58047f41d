test --format json tests/golden/packtest/packs/demo.lua {} tests/golden/packtest/missing.threat
