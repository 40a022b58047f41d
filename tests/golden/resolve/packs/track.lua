-- A fixed pack for the tracking goldens, so their expected output does not
-- move when the built-in packs change: one finding per flow, per
-- cleartext flow, per process and per store.
pack { name = "track", version = "1.0", description = "golden-test rules for tracking" }

rule {
  id = "TRK-T-01", framework = "STRIDE", category = "tampering",
  applies = "flow",
  title = "Flow tampered with in transit",
  when = function(f) return true end,
  likelihood = { skill = 2, motive = 2, opportunity = 2 },
  impact = { integrity = 2 },
}

rule {
  id = "TRK-T-02", framework = "STRIDE", category = "tampering",
  applies = "flow",
  title = "Cleartext flow",
  when = function(f) return f.attr.protocol == "http" end,
  likelihood = { skill = 2, motive = 3, opportunity = 3 },
  impact = { integrity = 3 },
}

rule {
  id = "TRK-R-01", framework = "STRIDE", category = "repudiation",
  applies = "process",
  title = "No audit trail",
  when = function(p) return true end,
  likelihood = { skill = 1, motive = 1, opportunity = 1 },
  impact = { compliance = 2 },
}

rule {
  id = "TRK-I-01", framework = "STRIDE", category = "information_disclosure",
  applies = "store",
  title = "Store readable by anyone inside",
  when = function(s) return true end,
  likelihood = { skill = 2, motive = 2, opportunity = 1 },
  impact = { confidentiality = 3 },
}
