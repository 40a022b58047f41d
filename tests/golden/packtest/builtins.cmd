test --with-builtins tests/golden/packtest/packs/demo.lua {}
