-- A pack with no rules, so the REPL transcripts here show the model's
-- hand-written threats only and do not change when the built-in packs do.
pack { name = "quiet", version = "1.0", description = "no rules" }
