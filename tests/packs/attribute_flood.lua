-- Declares attributes without end: the vocabulary stops it at its cap,
-- before the pack's time or memory runs out.
for i = 1, 1000000 do
	attribute { name = "a" .. i, applies = "process", type = "bool", doc = string.rep("d", 400) }
end
