-- A pack written against the deprecated forms of the pack API: positional
-- likelihood factors, T.model(m), and the global `model`. It still loads
-- and runs; each form is reported once, at its first use.
local T = require "threatlib"

pack { name = "old-api" }

rule {
	id = "OLD-01",
	category = "check",
	applies = "store",
	title = "Store named in the model's title",
	likelihood = T.likelihood_factors(2, 2, 1),
	impact = { integrity = 1 },
	when = function(s)
		return model.meta.name:find(s.label, 1, true) ~= nil
	end,
}

rule {
	id = "OLD-02",
	category = "check",
	applies = "process",
	title = "Process in a named model",
	likelihood = T.likelihood_factors(1, 1, 1),
	impact = { integrity = 1 },
	when = function(p, m)
		return T.model(m).meta.name ~= nil
	end,
}
