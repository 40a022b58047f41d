-- A fixed pack for the document goldens, so their expected output does not
-- move when the built-in packs change: two STRIDE rules and one LINDDUN
-- rule whose texts are themselves hostile to Markdown and HTML.
pack { name = "mini", version = "1.0", description = "golden-test rules" }

rule {
  id = "MINI-T-01", framework = "STRIDE", category = "tampering",
  applies = "flow",
  title = "Flow crosses a boundary | unchecked <input>",
  description = "A flow that crosses a trust boundary carries input the receiver must validate.",
  when = function(f) if f.crosses then return f.key .. " crosses " .. #f.crossings .. " boundary" end end,
  likelihood = { skill = 2, motive = 2, opportunity = 3, population = 2, discoverability = 2 },
  impact = { integrity = 3 },
  mitigation = "Validate every field | reject the rest",
  refs = { "CWE-20" },
}

rule {
  id = "MINI-S-01", framework = "STRIDE", category = "spoofing",
  applies = "external",
  title = "External entity may be impersonated",
  when = function(e) return true end,
  likelihood = { skill = 1, motive = 1, opportunity = 1 },
  impact = { reputation = 1 },
  refs = { "CWE-287" },
}

rule {
  id = "MINI-L-01", framework = "LINDDUN", category = "identifiability",
  applies = { "store" },
  title = "Personal data identifies people",
  when = function(s) return s.pii end,
  likelihood = { skill = 2, motive = 2, opportunity = 1 },
  impact = { compliance = 2 },
  mitigation = "Pseudonymise where the purpose allows.",
}
