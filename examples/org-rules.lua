-- org-rules.lua: an example organisation pack, the house rules the Acme
-- security team enforces in CI on every threat model. Use it from a model
-- with a path relative to the model file:
--
--   use "stride"
--   use "../org-rules.lua"
--
-- and run `threat rules --pack acme` to list the rules. The pack reuses the
-- helpers of the built-in packs through `require "threatlib"` (found in the
-- installed stdlib/), and declares its own vocabulary with attribute{}:
--
--   owner "team"          on internet-facing processes
--   region "eu-west-1"    on externals that receive personal data
--   dpa true              on third-party externals that receive personal data
--   backup, encrypted     on stores holding critical assets
--   protocol ...          on every flow that crosses a trust boundary

local T = require "threatlib"

pack {
	name = "acme",
	version = "1.0",
	description = "Acme house rules: ownership, EU data residency, DPAs, protected "
		.. "critical stores, explicit protocols",
}

-- The attributes the house rules read, added to the vocabulary `threat
-- check` holds a model to (doc/rules.md "attribute"). `owner` extends the
-- language's attribute to processes, `zone` gets one more value.
attribute {
	{ name = "owner", applies = "process", type = "text",
		doc = "the team that owns the process" },
	{ name = "region", applies = "external", type = "text",
		doc = "where the external entity keeps the data: `eu-west-1`, `us-east-1`..." },
	{ name = "transfer_mechanism", applies = "external", type = "control",
		doc = "the GDPR transfer mechanism for a region outside the EU/EEA: `\"SCC\"`" },
	{ name = "dpa", applies = "external", type = "control",
		doc = "a data processing agreement covers the vendor: `true` or its reference" },
	{ name = "third_party", applies = "external", type = "bool",
		doc = "the external entity is a third party (a vendor, a processor)" },
	{ name = "backup", applies = "store", type = "control",
		doc = "the store is backed up" },
	{ name = "zone", applies = "external", type = "enum", values = { "third_party" },
		doc = "where the external entity sits" },
}

local function acme(spec)
	spec.framework = "ACME"
	rule(spec)
end

-- EU/EEA member states (ISO 3166 alpha-2) and the cloud regions located there.
local EEA = T.set { "at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr",
	"hu", "ie", "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se",
	"is", "li", "no", "eu", "eea", "europe", "westeurope", "northeurope", "francecentral",
	"germanywestcentral", "swedencentral", "polandcentral", "italynorth", "spaincentral" }

-- True when a region names the EU/EEA: a country or "eu" word, an AWS-style
-- "eu-..." region, or a GCP "europe-..." one.
local function in_eea(region)
	region = region:lower()
	if EEA[region] then return true end
	return region:match("^eu%-") ~= nil or region:match("^europe%-") ~= nil
end

-- Flows that hand personal data to the external entity e (a `<->` flow
-- counts in both directions).
local function pii_flows_to(e)
	local out = {}
	for _, f in ipairs(e.inflows or {}) do
		for _, a in ipairs(f.assets or {}) do
			if a.pii then
				out[#out + 1] = f
				break
			end
		end
	end
	return out
end

local THIRD_PARTY = T.set { "third_party", "saas", "vendor", "partner", "processor",
	"subprocessor", "payment", "email", "analytics" }

local function third_party(e)
	return T.yes(e, "third_party") or T.is(e, "kind", THIRD_PARTY)
		or T.is(e, "zone", T.set { "partner", "third_party" })
end

-- ---------------------------------------------------------------------------

acme {
	id = "ACME-01",
	category = "check",
	applies = "process",
	title = "Internet-facing process without an owner",
	description = "Every process reachable from the internet has a named owning team, who "
		.. "gets the findings and the pager. Raised for processes whose exposure is internet. "
		.. "Answered by `owner \"team\"` on the process (a child inherits its parent's).",
	when = function(p)
		if p.exposure ~= "internet" or T.has(p, "owner") then return false end
		return p.key .. " is internet-facing and names no `owner`"
	end,
	likelihood = { discoverability = 2 },
	impact = { compliance = 2 },
	mitigation = "Add `owner \"team-name\"` to the process.",
	refs = { "ACME-SEC-POL-3.1" },
}

acme {
	id = "ACME-02",
	category = "non_compliance",
	applies = "external",
	title = "Personal data leaves the EU/EEA",
	description = "Acme keeps personal data in the EU/EEA (GDPR chapter V): an external "
		.. "entity outside it may receive personal data only under an approved transfer "
		.. "mechanism. Raised for an external entity whose `region` is outside the EU/EEA "
		.. "and that receives an asset with `pii true`. Answered by moving the processing to "
		.. "an EU region, or `transfer_mechanism \"SCC\"` (standard contractual clauses "
		.. "approved by legal) on the external entity.",
	when = function(e)
		local region = T.text(e, "region")
		if region == nil or in_eea(region) or T.yes(e, "transfer_mechanism") then return false end
		local flows = pii_flows_to(e)
		if #flows == 0 then return false end
		return "personal data on " .. T.keys(flows) .. " goes to region " .. region
	end,
	likelihood = { discoverability = 2 },
	impact = { compliance = 3, financial = 3 },
	mitigation = "Use the provider's EU region, or get legal to approve a transfer mechanism "
		.. "(SCCs and a transfer impact assessment) and state it.",
	refs = { "GDPR Art. 44", "GDPR Art. 46", "ACME-SEC-POL-5.2" },
}

acme {
	id = "ACME-03",
	category = "check",
	applies = "external",
	title = "Region of an external receiving personal data unstated",
	description = "An external entity receives personal data but the model does not say "
		.. "where it processes it, so ACME-02 cannot tell whether the data leaves the "
		.. "EU/EEA. Answered by `region \"...\"` on the external entity (e.g. `region "
		.. "eu-west-1`, `region nl`, `region us`).",
	when = function(e)
		if T.stated(e, "region") then return false end
		local flows = pii_flows_to(e)
		if #flows == 0 then return false end
		return e.key .. " receives personal data on " .. T.keys(flows) .. " and states no `region`"
	end,
	likelihood = { discoverability = 2 },
	impact = { compliance = 2 },
	mitigation = "State the region the provider processes the data in.",
	refs = { "ACME-SEC-POL-5.2" },
}

acme {
	id = "ACME-04",
	category = "non_compliance",
	applies = "external",
	title = "Third party receives personal data without a DPA",
	description = "A third party (an external entity with `kind` saas, vendor, partner, "
		.. "processor, payment, email, analytics, `zone partner`, or `third_party true`) "
		.. "that receives personal data is a processor under GDPR Art. 28 and needs a signed "
		.. "data processing agreement. Answered by `dpa true` on the external entity.",
	when = function(e)
		if not third_party(e) or T.yes(e, "dpa") then return false end
		local flows = pii_flows_to(e)
		if #flows == 0 then return false end
		return e.key .. " receives personal data on " .. T.keys(flows) .. " without `dpa true`"
	end,
	likelihood = { discoverability = 2 },
	impact = { compliance = 3 },
	mitigation = "Sign the provider's DPA (legal keeps the register), then state `dpa true`.",
	refs = { "GDPR Art. 28", "ACME-SEC-POL-5.4" },
}

-- Stores holding a critical asset.
local function critical_assets(s)
	local out = {}
	for _, a in ipairs(s.assets or {}) do
		if a.sensitivity == "critical" then out[#out + 1] = a end
	end
	return out
end

acme {
	id = "ACME-05",
	category = "information_disclosure",
	applies = "store",
	title = "Critical data stored unencrypted",
	description = "Stores holding critical assets are encrypted at rest, without exception. "
		.. "Answered by `encrypted true` on the store.",
	when = function(s)
		local crit = critical_assets(s)
		if #crit == 0 or T.yes(s, "encrypted") then return false end
		return s.key .. " holds " .. T.names(crit) .. " without `encrypted true`"
	end,
	-- "exposure": the engine measures the store's exposure (T.opportunity)
	likelihood = { skill = 2, motive = 3, opportunity = "exposure", population = 2,
		discoverability = 2 },
	impact = { confidentiality = 3 },
	mitigation = "Enable volume or database encryption with keys in Vault.",
	refs = { "CWE-311", "ACME-SEC-POL-4.1" },
}

acme {
	id = "ACME-06",
	category = "denial_of_service",
	applies = "store",
	title = "Critical data without a backup",
	description = "Stores holding critical assets are backed up daily to immutable storage. "
		.. "Answered by `backup true` on the store.",
	when = function(s)
		local crit = critical_assets(s)
		if #crit == 0 or T.yes(s, "backup") then return false end
		return s.key .. " holds " .. T.names(crit) .. " without `backup true`"
	end,
	likelihood = { skill = 2, motive = 2, opportunity = 2, population = 2, discoverability = 2 },
	impact = { availability = 3, integrity = 3 },
	mitigation = "Add the store to the nightly immutable backup and test the restore.",
	refs = { "ACME-SEC-POL-4.3" },
}

acme {
	id = "ACME-07",
	category = "check",
	applies = "flow",
	title = "Boundary-crossing flow without a protocol",
	description = "Every flow that crosses a trust boundary states its `protocol`, so "
		.. "reviewers and the rules can judge its transport. Answered by `protocol ...` on "
		.. "the flow (https, grpcs, postgres...).",
	when = function(f)
		if not f.crosses or T.stated(f, "protocol") then return false end
		return f.key .. " crosses a boundary and states no `protocol`"
	end,
	likelihood = { discoverability = 2 },
	impact = { compliance = 1 },
	mitigation = "State the flow's protocol.",
	refs = { "ACME-SEC-POL-2.1" },
}

local BANNED = T.set { "http", "ws", "ftp", "telnet" }

acme {
	id = "ACME-08",
	category = "information_disclosure",
	applies = "flow",
	title = "Cleartext protocol in use",
	description = "Acme bans cleartext web and file protocols everywhere, inside the cluster "
		.. "too: `protocol http`, `ws`, `ftp` and `telnet` are findings whatever `tls` says. "
		.. "Answered by switching to https, wss or sftp.",
	when = function(f)
		if not T.is(f, "protocol", BANNED) then return false end
		return f.key .. " uses protocol " .. T.text(f, "protocol")
	end,
	likelihood = { skill = 2, motive = 2, opportunity = "exposure", population = 2,
		discoverability = 3 },
	-- "data": the sensitivity of what the flow carries (T.confidentiality)
	impact = { confidentiality = "data", compliance = 2 },
	mitigation = "Use https/wss/sftp; inside the cluster, the mesh's mTLS.",
	refs = { "CWE-319", "ACME-SEC-POL-2.2" },
}
