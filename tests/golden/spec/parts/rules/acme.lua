pack { name = "acme", version = "1.0", description = "Acme house rules" }

rule {
  id = "ACME-I-01", framework = "STRIDE", category = "information_disclosure",
  applies = "flow",                        -- or { "process", "store" }
  title = "PII leaves the cluster unencrypted",
  when = function(f) return f.crosses and f.pii and not f.attr.tls end,
  likelihood = function(f) return { skill = 2, motive = 3, opportunity = f.opportunity,
                                    population = 2, discoverability = 2 } end,
  impact = { confidentiality = 3, compliance = 3 },
  mitigation = "Terminate TLS at both ends of the flow.",
  refs = { "CWE-319" },
}
