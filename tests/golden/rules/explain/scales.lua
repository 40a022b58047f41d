-- A pack whose factors name scales, for `threat rules ID`.
pack { name = "scales", version = "1.0" }

rule {
	id = "S-1",
	category = "information_disclosure",
	applies = "flow",
	title = "Scored from the element",
	when = function(f) return f.crosses end,
	likelihood = { skill = 2, motive = 3, opportunity = "exposure", population = { "exposure", 2 },
		discoverability = 1 },
	impact = { confidentiality = "data", integrity = { "data", "exposure", 2 },
		compliance = "personal_data" },
	mitigation = "Encrypt it.",
}
