# 2.8 MB of `elseif x then` branches.
awk 'BEGIN { print "local x = false"; print "if x then"; for (i = 0; i < 140000; i++) print "elseif x then x = 1"; print "end" }' >compile_size.lua
