-- demo: a small pack for the `threat test` golden cases, with a rule of
-- each shape: an element rule, a model rule and a rule about findings.
pack { name = "demo" }

attribute { name = "owner", applies = "process", type = "text", doc = "the owning team" }

rule {
	id = "DEMO-01",
	category = "check",
	applies = "process",
	title = "Process without an owner",
	when = function(p) return p.attr.owner == nil end,
	likelihood = { discoverability = 2 },
	impact = { reputation = 1 },
}

rule {
	id = "DEMO-02",
	category = "information_disclosure",
	applies = "flow",
	title = "Flow without TLS",
	when = function(f) return f.attr.tls ~= true end,
	likelihood = { skill = 2, motive = 2, opportunity = "exposure" },
	impact = { confidentiality = 3 },
}

rule {
	id = "DEMO-03",
	category = "check",
	applies = "model",
	title = "No review scheduled",
	when = function(m) return m.meta.next_review == nil end,
	likelihood = { discoverability = 1 },
	impact = { reputation = 1 },
}

rule {
	id = "DEMO-04",
	category = "check",
	applies = "finding",
	title = "HIGH finding left open",
	requires = { risk = { "high", "critical" }, status = "open" },
	when = function(f) return true end,
	likelihood = { discoverability = 1 },
	impact = { reputation = 1 },
}
