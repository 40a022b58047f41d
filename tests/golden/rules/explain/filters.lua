-- A pack whose rules state requires/unless, for `threat rules ID`.
pack { name = "filters", version = "1.0" }

rule {
	id = "F-1",
	category = "spoofing",
	applies = "process",
	title = "Routes without authentication",
	requires = { tech = { "hono", "express" }, lang = "ts" },
	unless = { kind = "gateway" },
	when = function(p) return not p.attr.auth end,
	likelihood = { skill = 2, motive = 2, opportunity = 2, population = 2, discoverability = 2 },
	impact = { confidentiality = 2 },
	mitigation = "Put an auth middleware in front of every route.",
}
