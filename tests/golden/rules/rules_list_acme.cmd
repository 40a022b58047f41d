rules --pack examples/org-rules.lua
