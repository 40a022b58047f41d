-- linddun: privacy threats after LINDDUN, which the team applies alongside
-- STRIDE whenever a model holds personal data (shared/seed,
-- PRIVACY_THREAT_MODELING; GDPR Art. 25 data protection by design, Art. 35
-- DPIA).
--
-- Every rule looks only at elements that store, process or carry personal
-- data (`pii` on the view: an asset with `pii true` that the element stores
-- or a flow carries), so a model without PII gets nothing from this pack.
-- The categories per DFD element type, with the LINDDUN threat-tree ids the
-- rules cite in `refs`:
--
--   category          rule          element                      tree
--   linkability       LINDDUN-L-01  data store                   L.ds
--                     LINDDUN-L-02  flow to a third party        L.df
--   identifiability   LINDDUN-I-01  process (its logs)           I.p
--   non_repudiation   LINDDUN-N-01  process, data store          NR.p, NR.ds
--   detectability     LINDDUN-D-01  process taking credentials   D.p
--   disclosure        LINDDUN-Di-01 process collecting PII       Di.p
--                     LINDDUN-Di-02 data store                   Di.ds
--   unawareness       LINDDUN-U-01  data subject (external)      U.e
--                     LINDDUN-U-02  data subject (external)      U.e
--   non_compliance    LINDDUN-NC-01 the model (DPIA)             NC
--                     LINDDUN-NC-02 data store (retention)       NC.ds
--                     LINDDUN-NC-03 process (purpose, basis)     NC.p
--                     LINDDUN-NC-04 flow to a third party (DPA)  NC.df
--
-- Processes are judged at Level 0: a process is one processing activity,
-- its children's data and flows count towards it, and the answer is stated
-- on it (children inherit it). A gateway, CDN or load balancer (threatlib's
-- T.is_gateway) forwards requests without being a processing activity of
-- its own: it gets no finding, and what people send through it counts for
-- the process behind it. A data subject is a human external entity
-- (`kind user`, `browser`, `customer`...) that is not staff (`kind admin`,
-- `operator`, `staff`, `employee`, `support`); a third party is an external
-- entity that is not a person (a payment or e-mail provider, an IdP).
--
-- Scoring: impact always includes compliance, 3 when the model's
-- `regulatory` list names GDPR (a breach may be an Art. 33 notification, a
-- violation an Art. 83 fine) and 2 otherwise; rules about exposure of the
-- data add confidentiality from its sensitivity. Likelihood factors are
-- each rule's judgement, explained beside it; most are Low (needs access
-- to the store, a log or a partner's systems), so the risk is MEDIUM under
-- GDPR, and the clear-cut gaps (PII in logs, no notice, no retention, no
-- processor agreement, no DPIA for sensitive PII) are Medium, so HIGH.

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local ipairs, tostring = ipairs, tostring

pack {
	name = "linddun",
	version = "1.0",
	description = "LINDDUN privacy threats (linkability, identifiability, non-repudiation, "
		.. "detectability, disclosure, unawareness, non-compliance) for elements holding "
		.. "personal data, scored for GDPR",
}

-- The attributes the rules read (besides threatlib's and the language's).
attribute {
	{ name = "pseudonymised", applies = { "process", "store", "flow" }, type = "bool",
		doc = "personal data is pseudonymised" },
	{ name = "anonymised", applies = { "process", "store", "flow" }, type = "bool",
		doc = "personal data is anonymised" },
	{ name = "dpa", applies = { "flow", "external" }, type = "control",
		doc = "a data processing agreement covers the recipient: `true` or its reference" },
	{ name = "minimised", applies = { "flow", "process" }, type = "bool",
		doc = "only the data the recipient needs is sent (data minimisation)" },
	{ name = "log_redaction", applies = "process", type = "control",
		doc = "personal data is redacted from the logs" },
	{ name = "log_retention", applies = { "process", "store" }, type = "control",
		doc = "how long audit and access logs are kept: `\"90d\"`" },
	{ name = "access_log", applies = { "process", "store" }, type = "control",
		doc = "reads of personal data are logged" },
	{ name = "enumeration_safe", applies = "process", type = "bool",
		doc = "sign-in and reset answers do not reveal whether an account exists" },
	{ name = "subject_rights", applies = { "model", "external", "process" }, type = "control",
		doc = "how data subjects exercise their rights (access, erasure...)" },
	{ name = "dpia", applies = "model", type = "control",
		doc = "the data protection impact assessment: `true` or its reference" },
	{ name = "retention", applies = "store", type = "control",
		doc = "how long personal data is kept: `\"2y\"`; `forever` does not answer" },
	{ name = "lawful_basis", applies = "process", type = "control",
		doc = "the GDPR lawful basis for the processing" },
	{ name = "consent", applies = { "process", "external" }, type = "control",
		doc = "the data subject's consent is collected" },
	{ name = "notice", applies = { "process", "external" }, type = "control",
		doc = "a privacy notice is shown where personal data is collected" },
	{ name = "audit", applies = { "process", "store", "flow" }, type = "control",
		doc = "actions or changes are written to an audit trail" },
}

-- Compliance impact: 3 under GDPR, else 2 (the element holds PII, or the
-- rule would not have fired).
local function compliance(m)
	return T.regulated(m, "GDPR") and 3 or 2
end

local function capped(x, top) return math.min(x, top) end

local STAFF = T.set { "admin", "administrator", "operator", "staff", "employee", "support",
	"backoffice" }

-- A person whose own data the system processes (not staff working on
-- other people's data).
local data_subject = T.memo(function(e)
	return e.kind == "external" and T.is_human(e) and not T.is(e, "kind", STAFF)
end)

-- An organisation outside ours that receives what we send it.
local function third_party(e)
	return e ~= nil and e.kind == "external" and not T.is_human(e)
end

-- The personal-data assets of a view: "A-02" or "A-02, A-07".
local function pii_names(v)
	local out = {}
	for _, a in ipairs(v.assets or {}) do
		if a.pii then out[#out + 1] = a.key end
	end
	if #out == 0 then return "personal data" end
	return table.concat(out, ", ")
end

-- All flows of a process and of its children, each once.
local subtree_flows = T.memo(function(p)
	local out, seen = {}, {}
	local function walk(v)
		for _, f in ipairs(T.flows(v)) do
			if not seen[f] then
				seen[f] = true
				out[#out + 1] = f
			end
		end
		for _, c in ipairs(v.children) do walk(c) end
	end
	walk(p)
	return out
end)

-- When flow f delivers data into process p (or one of its children): the
-- element at its far end, which sends it; else nil.
local function into(f, p)
	local function inside(v)
		while v do
			if v == p then return true end
			v = T.parent(v)
		end
		return false
	end
	if inside(f.target) then return f.source end
	if f.bidirectional and inside(f.source) then return f.target end
	return nil
end

-- The element for which `pred` holds that sends what v passes on: v
-- itself, or, when v is a gateway, whoever sends to it (through at most
-- a few gateways in a row); nil when none.
local function sender(v, pred, depth)
	if v == nil then return nil end
	if pred(v) then return v end
	if depth == 0 or v.kind ~= "process" or not T.is_gateway(v) then return nil end
	for _, g in ipairs(T.flows(v)) do
		local far = into(g, v)
		if far and far ~= v then
			local who = sender(far, pred, depth - 1)
			if who then return who end
		end
	end
	return nil
end
local GATEWAY_HOPS = 3

-- The data subject, or the person, who sends through v (see sender),
-- worked out once per element: a gateway in front of many processes is
-- asked once, not once per process.
local subject_sender = T.memo(function(v) return sender(v, data_subject, GATEWAY_HOPS) or false end)
local human_sender = T.memo(function(v) return sender(v, T.is_human, GATEWAY_HOPS) or false end)

-- Flows carrying PII from a data subject (directly or through a gateway)
-- into Level 0 process p, and the subjects' keys.
local function collected(p)
	local flows, who, seen = {}, {}, {}
	for _, f in ipairs(subtree_flows(p)) do
		local far = f.pii and into(f, p)
		if far then
			local o = subject_sender(far)
			if o then
				flows[#flows + 1] = f
				if not seen[o.key] then
					seen[o.key] = true
					who[#who + 1] = o.key
				end
			end
		end
	end
	return flows, who
end

-- The third party a PII flow hands data to, or nil: the flow goes from
-- one of our elements to a non-person external entity (or both ways).
local function recipient(f)
	if not f.pii or f.source == nil or f.target == nil then return nil end
	if third_party(f.target) and f.source.kind ~= "external" then return f.target end
	if f.bidirectional and third_party(f.source) and f.target.kind ~= "external" then
		return f.source
	end
	return nil
end

-- A top-level process that handles personal data (not a gateway that
-- only forwards it).
local function pii_process(p)
	return p.pii == true and not T.parent(p) and not T.is_gateway(p)
end

-- True when the model keeps or moves personal data in an in-scope store or
-- flow; returns the personal-data asset keys and the highest sensitivity.
-- Computed once per model; the walk stops as soon as every personal-data
-- asset of the model has been seen on some element.
local SENS = { low = 1, medium = 2, high = 3, critical = 4 }
local model_pii = T.per_model(function(m)
	local names, seen, top = {}, {}, 0
	local wanted = 0
	for _, a in ipairs(m.elements("asset")) do
		if a.pii then wanted = wanted + 1 end
	end
	for _, kind in ipairs { "store", "flow", "process", "external" } do
		if #names >= wanted then break end
		for _, v in ipairs(m.elements(kind)) do
			if v.pii and T.scoped(v) then
				for _, a in ipairs(v.assets) do
					if a.pii and not seen[a.key] then
						seen[a.key] = true
						names[#names + 1] = a.key
						top = math.max(top, SENS[a.sensitivity or ""] or 0)
					end
				end
				if #names >= wanted then break end
			end
		end
	end
	table.sort(names)
	return { names = names, top = top }
end)

-- ===========================================================================
-- Linkability

rule {
	id = "LINDDUN-L-01",
	framework = "LINDDUN",
	category = "linkability",
	applies = "store",
	title = "Personal records linkable across datasets",
	description = "The store keeps personal data under direct identifiers (e-mail address, "
		.. "customer number reused everywhere), so anyone who obtains a copy, an export or a "
		.. "backup can join it with other datasets and follow the same person across "
		.. "contexts. Raised for every store holding an asset with `pii true`. Answered by "
		.. "`pseudonymised true` (or `anonymised true`) on the store.",
	when = function(s)
		if not s.pii or T.yes(s, "pseudonymised") or T.yes(s, "anonymised") then return false end
		return s.key .. " keeps " .. pii_names(s) .. " under direct identifiers"
	end,
	-- Needs a copy of the store (insider or breach), moderate skill to join
	-- datasets, and the linkage is not obvious: Low.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(s, m)
		return { confidentiality = capped(T.confidentiality(s), 2), compliance = compliance(m) }
	end,
	mitigation = "Pseudonymise: key personal records on a random or keyed-hash (HMAC) "
		.. "identifier instead of e-mail or national id, keep the mapping table apart with its "
		.. "own access control, and give analytics, support and test copies their own "
		.. "pseudonyms. Then state `pseudonymised true` on the store.",
	refs = { "LINDDUN L.ds", "GDPR Art. 4(5)", "GDPR Art. 25", "GDPR Art. 32(1)(a)" },
}

rule {
	id = "LINDDUN-L-02",
	framework = "LINDDUN",
	category = "linkability",
	applies = "flow",
	title = "Personal data linkable at a third party",
	description = "The flow gives personal data to an organisation outside ours (a payment "
		.. "or e-mail provider), keyed on the person's real identifiers, so the provider, or "
		.. "whoever breaches it, can link what it receives from us with what it holds from "
		.. "other clients. Raised for PII flows to an external entity that is not a person. "
		.. "Answered by `pseudonymised true` on the flow (the provider gets a reference that "
		.. "means nothing outside our system), or, where the provider needs the real "
		.. "identifiers (e-mail delivery, payments), by `minimised true` on the flow together "
		.. "with `dpa true` on the provider or the flow: only the fields it needs, to a "
		.. "processor bound by contract not to combine them with other clients' data.",
	when = function(f)
		if not f.pii then return false end
		local r = recipient(f)
		if r == nil or T.yes(f, "pseudonymised") or T.yes(f, "anonymised") then return false end
		local bound, minimised = T.yes(f, "dpa") or T.yes(r, "dpa"), T.yes(f, "minimised")
		if bound and minimised then return false end
		local missing = "no `pseudonymised true`, nor `minimised true` with `dpa true`"
		if bound then missing = "no `pseudonymised true` or `minimised true`" end
		if minimised then missing = "no `pseudonymised true` or `dpa true`" end
		return f.key .. " gives " .. pii_names(f) .. " to " .. r.key .. " under real identifiers: "
			.. missing
	end,
	-- The recipient has the data already (no skill), but rarely a motive;
	-- only it and its own attackers can link: Low.
	likelihood = { skill = 2, motive = 1, opportunity = 1, population = 1, discoverability = 2 },
	impact = function(_, m) return { confidentiality = 2, compliance = compliance(m) } end,
	mitigation = "Send a pseudonymous reference (an order or payment id) rather than names "
		.. "and e-mail addresses wherever the provider's service allows; where it needs contact "
		.. "data (e-mail delivery), send it per message rather than as a profile, and bind the "
		.. "provider by contract not to combine it with other clients' data. Then state "
		.. "`pseudonymised true` on the flow, or `minimised true` on it and `dpa true` on the "
		.. "provider.",
	refs = { "LINDDUN L.df", "GDPR Art. 25", "GDPR Art. 28(3)" },
}

-- ===========================================================================
-- Identifiability

rule {
	id = "LINDDUN-I-01",
	framework = "LINDDUN",
	category = "identifiability",
	applies = "process",
	title = "Personal data written to logs identifies people",
	description = "The process handles personal data, and request logs, error logs and "
		.. "traces pick up names, e-mail addresses and tokens; logs are read by many more "
		.. "people (operators, developers, the log vendor) and kept longer than the data "
		.. "itself. Raised for every top-level process that handles PII. Answered by "
		.. "`log_redaction true` (or `pseudonymised true`) on the process.",
	when = function(p)
		if not pii_process(p) or T.yes(p, "log_redaction") or T.yes(p, "pseudonymised") then
			return false
		end
		return p.key .. " handles " .. pii_names(p) .. " and states no `log_redaction true`"
	end,
	-- Reading logs takes no skill, many people can, but it needs internal
	-- access and someone to look: Medium.
	likelihood = { skill = 3, motive = 2, opportunity = 1, population = 2, discoverability = 1 },
	impact = function(p, m)
		return { confidentiality = T.confidentiality(p), compliance = compliance(m) }
	end,
	mitigation = "Redact or hash personal fields before logging (a logger serialiser that "
		.. "drops e-mail, name, address and token fields; request bodies never logged whole), "
		.. "keep log retention short and restrict who can search the logs. Then state "
		.. "`log_redaction true` on the process.",
	refs = { "LINDDUN I.p", "GDPR Art. 5(1)(c)", "GDPR Art. 32", "CWE-532", "OWASP A09:2021" },
}

-- ===========================================================================
-- Non-repudiation

rule {
	id = "LINDDUN-N-01",
	framework = "LINDDUN",
	category = "non_repudiation",
	applies = { "process", "store" },
	title = "Users tracked more than necessary",
	description = "The element keeps an audit trail or access log of what people do with "
		.. "personal data (`audit true` or `access_log true`) but no limit on how long: the "
		.. "log becomes a permanent record of each user's behaviour that they cannot deny or "
		.. "escape, far beyond what security needs. Raised only when such a log is stated "
		.. "(the control itself is the privacy threat). Answered by `log_retention ...` on "
		.. "the element (e.g. `log_retention \"90d\"`).",
	when = function(v)
		if not v.pii or (v.kind == "process" and v.parent ~= nil) then return false end
		if T.yes(v, "log_retention") then return false end
		local logs = {}
		for _, name in ipairs { "audit", "access_log" } do
			if T.yes(v, name) then logs[#logs + 1] = "`" .. name .. " true`" end
		end
		if #logs == 0 then return false end
		local limit = "no `log_retention`"
		if T.stated(v, "log_retention") then
			limit = "`log_retention " .. tostring(v.attr.log_retention) .. "`"
		end
		return v.key .. " logs users' actions (" .. table.concat(logs, ", ") .. ") with " .. limit
	end,
	-- Harm needs misuse of the log by someone with access to it: Low.
	likelihood = { skill = 3, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Keep access and audit logs proportionate to need: record who acted on which "
		.. "record and when, not everything a user viewed; set a retention period (e.g. 90 "
		.. "days for access logs, the legal period for financial records), delete or aggregate "
		.. "after it, and mention the logging in the privacy notice. Then state "
		.. "`log_retention \"90d\"` on the element.",
	refs = { "LINDDUN NR.p", "LINDDUN NR.ds", "GDPR Art. 5(1)(c)", "GDPR Art. 5(1)(e)" },
}

-- ===========================================================================
-- Detectability

-- An asset a person signs in with: `kind credential`/`password`, or a
-- label naming credentials or passwords (session tokens are not: they are
-- issued after the check this rule is about).
local CREDENTIAL_KIND = T.set { "credential", "credentials", "password", "passwords" }
local login_credential = T.memo(function(a)
	if T.is(a, "kind", CREDENTIAL_KIND) then return true end
	local label = (a.label or ""):lower()
	return label:find("credential", 1, true) ~= nil or label:find("password", 1, true) ~= nil
		or label:find("passphrase", 1, true) ~= nil
end)

-- True when the model has a login credential asset at all (most models
-- have none, and then no process needs a look).
local has_credentials = T.per_model(function(m)
	for _, a in ipairs(m.elements("asset")) do
		if login_credential(a) then return true end
	end
	return false
end)

rule {
	id = "LINDDUN-D-01",
	framework = "LINDDUN",
	category = "detectability",
	applies = "process",
	title = "Whether a person has an account can be detected",
	description = "The process takes credentials from people (login, sign-up, password "
		.. "reset) and keeps their personal data; if it answers differently for a known and "
		.. "an unknown e-mail address, anyone can find out whether a given person is a "
		.. "customer (account enumeration), which is itself personal data for a sensitive "
		.. "service. Raised for top-level processes that receive a credential asset (`kind "
		.. "credential`, or a label naming passwords or credentials) from a person. Answered "
		.. "by `enumeration_safe true` on the process.",
	only_if = has_credentials,
	when = function(p, m)
		if not pii_process(p) or T.yes(p, "enumeration_safe") then return false end
		for _, f in ipairs(subtree_flows(p)) do
			local far = into(f, p)
			if far and human_sender(far) then
				for _, a in ipairs(f.assets or {}) do
					if login_credential(a) then
						return p.key .. " takes " .. a.key .. " on " .. f.key
							.. " and states no `enumeration_safe true`"
					end
				end
			end
		end
		return false
	end,
	-- Easy to try and automate, but few attackers care who is a customer;
	-- opportunity and population follow exposure.
	likelihood = T.likelihood_factors { skill = 2, motive = 1, discoverability = 2, population = 1 },
	impact = function(p, m)
		return { confidentiality = T.at_least(p, "high") and 2 or 1, compliance = compliance(m) }
	end,
	mitigation = "Answer login, sign-up and password-reset requests the same way whether or "
		.. "not the account exists (same message, status code and timing: \"if the address is "
		.. "registered, we sent an e-mail\"), and rate-limit those endpoints. Then state "
		.. "`enumeration_safe true` on the process.",
	refs = { "LINDDUN D.p", "CWE-203", "CWE-204", "GDPR Art. 25" },
}

-- ===========================================================================
-- Disclosure

rule {
	id = "LINDDUN-Di-01",
	framework = "LINDDUN",
	category = "disclosure",
	applies = "process",
	title = "More personal data collected than the purpose needs",
	description = "The process collects personal data from data subjects (forms, profiles, "
		.. "uploads) and nothing states that the fields were reviewed against the purpose; "
		.. "every field collected without need is one more to disclose in a breach and to "
		.. "justify to a regulator. Raised for top-level processes with PII flows from a data "
		.. "subject. Answered by `minimised true` on the process, or on each of those flows.",
	when = function(p)
		if not pii_process(p) or T.yes(p, "minimised") then return false end
		local flows, who = collected(p)
		local open = 0
		for _, f in ipairs(flows) do
			if not T.yes(f, "minimised") then open = open + 1 end
		end
		if open == 0 then return false end
		return p.key .. " collects " .. pii_names(p) .. " from " .. table.concat(who, ", ")
			.. " and states no `minimised true`"
	end,
	-- The excess is only disclosed if the data leaks later: Low.
	likelihood = { skill = 3, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(p, m)
		return { confidentiality = capped(T.confidentiality(p), 2), compliance = compliance(m) }
	end,
	mitigation = "Collect only the fields the stated purpose needs (data minimisation): "
		.. "review every form and API field, make optional what is optional, drop what no "
		.. "process reads, and prefer coarser values (an age band, not a date of birth). Then "
		.. "state `minimised true` on the process.",
	refs = { "LINDDUN Di.p", "GDPR Art. 5(1)(c)", "GDPR Art. 25(2)" },
}

rule {
	id = "LINDDUN-Di-02",
	framework = "LINDDUN",
	category = "disclosure",
	applies = "store",
	title = "Access to personal data is not logged",
	description = "The store keeps personal data and nothing records who reads or exports "
		.. "it, so staff looking up people without a reason, an over-broad service account or "
		.. "a slow leak go unnoticed, and a breach cannot be scoped for the Art. 33 "
		.. "notification. Raised for every store holding PII. Answered by `access_log true` on "
		.. "the store (reads are logged; `audit true` covers only changes).",
	when = function(s)
		if not s.pii or T.yes(s, "access_log") then return false end
		return "reads of " .. pii_names(s) .. " in " .. s.key .. " are not logged"
	end,
	-- An insider or a compromised service account, undetected: Low.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(s, m)
		return { confidentiality = T.confidentiality(s), compliance = compliance(m) }
	end,
	mitigation = "Log who read or exported which person's records (user, record id, purpose, "
		.. "time), never the data itself; keep the log proportionate and time-limited, and "
		.. "review it for look-ups without a ticket. Then state `access_log true` on the store.",
	refs = { "LINDDUN Di.ds", "GDPR Art. 5(2)", "GDPR Art. 32(1)(b)", "GDPR Art. 33(3)" },
}

-- ===========================================================================
-- Unawareness

-- True when the external entity, or a process it gives personal data to
-- (or that process's parent), states the attribute.
local function stated_at_collection(e, names)
	for _, n in ipairs(names) do
		if T.yes(e, n) then return true end
	end
	-- the processes e's flows reach, and those behind a gateway they reach
	local function states(v, depth)
		for _, f in ipairs(T.flows(v)) do
			local o = T.other(f, v)
			if f.pii and o and o ~= e and o.kind == "process" then
				for _, n in ipairs(names) do
					if T.has(o, n) then return true end
				end
				if depth > 0 and T.is_gateway(o) and states(o, depth - 1) then return true end
			end
		end
		return false
	end
	return states(e, GATEWAY_HOPS)
end

-- PII flows between a data subject and our processes or stores.
local function shares_pii(e)
	for _, f in ipairs(T.flows(e)) do
		local o = T.other(f, e)
		if f.pii and o and o.kind ~= "external" then return true end
	end
	return false
end

rule {
	id = "LINDDUN-U-01",
	framework = "LINDDUN",
	category = "unawareness",
	applies = "external",
	title = "People are not told what happens to their data",
	description = "A data subject gives us personal data and nothing states that they are "
		.. "informed where it is collected: what we keep, why, on which lawful basis, who "
		.. "receives it (payment and e-mail providers), for how long, and how to exercise "
		.. "their rights. Raised for data subjects (human external entities that are not "
		.. "staff) with PII flows. Answered by `notice true` or `consent true` on the external "
		.. "entity or on the process that collects the data.",
	when = function(e)
		if not data_subject(e) or not shares_pii(e) then return false end
		if stated_at_collection(e, { "notice", "consent" }) then return false end
		return e.key .. " gives " .. pii_names(e) .. "; no `notice true` or `consent true` "
			.. "where it is collected"
	end,
	-- Certain to leave people unaware; a complaint or audit is what makes
	-- it bite: Medium.
	likelihood = { skill = 3, motive = 2, opportunity = 1, population = 1, discoverability = 2 },
	impact = function(_, m) return { compliance = compliance(m), reputation = 2 } end,
	mitigation = "Show a privacy notice where the data is collected (Art. 13: controller, "
		.. "purposes, lawful basis, recipients, retention, rights, DPO contact) and ask for "
		.. "consent only where consent is the lawful basis: separate from the terms, specific, "
		.. "and as easy to withdraw as to give. Then state `notice true` (or `consent true`) on "
		.. "the external entity or the process that collects the data.",
	refs = { "LINDDUN U.e", "GDPR Art. 7", "GDPR Art. 12", "GDPR Art. 13" },
}

rule {
	id = "LINDDUN-U-02",
	framework = "LINDDUN",
	category = "unawareness",
	applies = "external",
	title = "People cannot see, correct or delete their data",
	description = "A data subject has no stated way to exercise the rights of access, "
		.. "rectification, erasure and portability, so requests are handled ad hoc, late "
		.. "(the deadline is one month) or not at all, and deletion misses copies. Raised for "
		.. "data subjects with PII flows. Answered by `subject_rights true` on the external "
		.. "entity, the process that serves it, or the model.",
	when = function(e, m)
		if not data_subject(e) or not shares_pii(e) then return false end
		if m and m.meta and T.yes({ attr = m.meta }, "subject_rights") then return false end
		if stated_at_collection(e, { "subject_rights" }) then return false end
		return e.key .. " has no stated way to access, correct or erase " .. pii_names(e)
	end,
	-- A request that goes wrong, then a complaint: Low.
	likelihood = { skill = 3, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Give people a self-service page or a documented request process to see, "
		.. "export, correct and delete their data, answered within one month, and make "
		.. "deletion reach backups, logs and processors. Then state `subject_rights true` on "
		.. "the model or the external entity.",
	refs = { "LINDDUN U.e", "GDPR Art. 15", "GDPR Art. 16", "GDPR Art. 17", "GDPR Art. 20" },
}

-- ===========================================================================
-- Non-compliance

rule {
	id = "LINDDUN-NC-01",
	framework = "LINDDUN",
	category = "non_compliance",
	applies = "model",
	title = "No data protection impact assessment",
	description = "The model holds personal data and does not state that a DPIA was done. "
		.. "GDPR Art. 35 requires one before processing likely to result in a high risk "
		.. "(sensitive data, large scale, systematic monitoring), and the team's practice "
		.. "makes this LINDDUN analysis its input. Raised once per model with PII; scored "
		.. "higher when the personal data is of high or critical sensitivity. Answered by "
		.. "`dpia true` on the model (or the DPIA's reference, `dpia \"DPIA-2026-04\"`).",
	when = function(v, m)
		if T.yes({ attr = v.meta or {} }, "dpia") then return false end
		local names = model_pii(m).names
		if #names == 0 then return false end
		local stated = v.meta and v.meta.dpia
		if stated ~= nil then
			return "personal data " .. table.concat(names, ", ") .. " and `dpia " .. tostring(stated)
				.. "` on the model"
		end
		return "personal data " .. table.concat(names, ", ") .. " and no `dpia` on the model"
	end,
	likelihood = function(_, m)
		if model_pii(m).top >= 3 then
			return { skill = 3, motive = 2, opportunity = 1, population = 1, discoverability = 2 }
		end
		return { skill = 3, motive = 1, opportunity = 1, population = 1, discoverability = 1 }
	end,
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Carry out a DPIA before the processing starts, with this LINDDUN analysis "
		.. "as its threat input; record the outcome and the DPO's advice, consult the "
		.. "supervisory authority if a high risk remains (Art. 36), and state `dpia true` on "
		.. "the model.",
	refs = { "LINDDUN NC", "GDPR Art. 35", "GDPR Art. 36" },
}

local FOREVER = T.set { "forever", "indefinite", "unlimited", "permanent" }

rule {
	id = "LINDDUN-NC-02",
	framework = "LINDDUN",
	category = "non_compliance",
	applies = "store",
	title = "Personal data kept without a retention limit",
	description = "The store keeps personal data and states no retention period, so it "
		.. "grows for ever: storage limitation is breached, and every breach and every "
		.. "erasure request covers years of data nobody needs. Raised for every store holding "
		.. "PII (job queues too: finished jobs often stay). Answered by `retention ...` on the "
		.. "store (e.g. `retention \"30d\"`, `retention \"7y\"`); `forever` does not count.",
	when = function(s)
		if not s.pii then return false end
		if T.yes(s, "retention") and not T.is(s, "retention", FOREVER) then return false end
		if T.stated(s, "retention") then
			return s.key .. " keeps " .. pii_names(s) .. " with `retention " .. tostring(s.attr.retention)
				.. "`"
		end
		return s.key .. " keeps " .. pii_names(s) .. " with no retention limit"
	end,
	-- Certain to accumulate; an audit or a breach makes it bite: Medium.
	likelihood = { skill = 3, motive = 2, opportunity = 1, population = 1, discoverability = 2 },
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Set a retention period per kind of record (accounts: closure plus 30 days; "
		.. "invoices: the legal period; job payloads: days), delete or anonymise automatically "
		.. "when it ends (a scheduled job), and state it with `retention` on the store.",
	refs = { "LINDDUN NC.ds", "GDPR Art. 5(1)(e)", "GDPR Art. 17" },
}

rule {
	id = "LINDDUN-NC-03",
	framework = "LINDDUN",
	category = "non_compliance",
	applies = "process",
	title = "Purpose and lawful basis of the processing unstated",
	description = "The process handles personal data and the model does not say what for or "
		.. "on which lawful basis, so nothing stops the data being reused for another purpose "
		.. "(analytics, marketing) and the record of processing activities has a gap. Raised "
		.. "for every top-level process that handles PII. Answered by `purpose \"...\"` or "
		.. "`lawful_basis ...` (contract, legal_obligation, consent, legitimate_interest) on "
		.. "the process, or `consent true`.",
	when = function(p)
		if not pii_process(p) then return false end
		if T.yes(p, "purpose") or T.yes(p, "lawful_basis") or T.yes(p, "consent") then
			return false
		end
		return p.key .. " handles " .. pii_names(p) .. " with no `purpose` or `lawful_basis`"
	end,
	-- Reuse for another purpose has to be decided by someone: Low.
	likelihood = { skill = 3, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Record each processing activity with its purpose and lawful basis in the "
		.. "register (Art. 30), and keep the data to that purpose (purpose limitation): no "
		.. "reuse for marketing or analytics without a compatible purpose or a new basis. Then "
		.. "state `purpose` and `lawful_basis` on the process.",
	refs = { "LINDDUN NC.p", "GDPR Art. 5(1)(b)", "GDPR Art. 6", "GDPR Art. 30" },
}

rule {
	id = "LINDDUN-NC-04",
	framework = "LINDDUN",
	category = "non_compliance",
	applies = "flow",
	title = "Personal data sent to a processor without an agreement",
	description = "The flow hands personal data to a third party, which processes it on our "
		.. "behalf, and nothing states a data processing agreement: without one the transfer "
		.. "itself breaches Art. 28, and nothing binds the provider to our purposes, "
		.. "security and deletion (nor covers a transfer outside the EEA). Raised for PII "
		.. "flows to an external entity that is not a person. Answered by `dpa true` on the "
		.. "external entity or the flow.",
	when = function(f)
		local r = recipient(f)
		if r == nil or T.yes(f, "dpa") or T.yes(r, "dpa") then return false end
		return f.key .. " gives " .. pii_names(f) .. " to " .. r.key .. " with no `dpa true`"
	end,
	-- Certain if it is missing; found in any audit: Medium.
	likelihood = { skill = 3, motive = 2, opportunity = 1, population = 1, discoverability = 2 },
	impact = function(_, m) return { compliance = compliance(m) } end,
	mitigation = "Sign a data processing agreement with the provider (Art. 28), check where "
		.. "it processes the data (outside the EEA: Art. 46 safeguards), list it as a "
		.. "recipient in the privacy notice, and state `dpa true` on the external entity.",
	refs = { "LINDDUN NC.df", "GDPR Art. 28", "GDPR Art. 44" },
}
