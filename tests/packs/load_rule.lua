-- rule{} called from load()ed text: the place of the call is in a chunk
-- that has no file, and its name must outlive the lookup.
load('rule { id = "LOADED-1", category = "spoofing", applies = "process" }')()
