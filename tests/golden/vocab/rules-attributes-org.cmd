rules --attributes --pack stride --pack examples/org-rules.lua --format md
