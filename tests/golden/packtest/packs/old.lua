-- A pack written against deprecated forms of the pack API (positional
-- likelihood factors, the global `model`): `threat test` shows each
-- warning once, not once per fixture.
local T = require "threatlib"

rule {
	id = "OLD-01",
	category = "check",
	applies = "process",
	title = "Process in a model without a review date",
	when = function(p) return model.meta.next_review == nil end,
	likelihood = T.likelihood_factors(1, 1, 1),
	impact = { reputation = 1 },
}
