-- hygiene: the team's threat-modelling anti-patterns and review rules
-- (shared/seed, COMMON_MISTAKES and SELF_CHECK). Every rule is a `check`:
-- it says something about the model and the process around it, not about
-- an attack. Most run in the second phase (applies "model" or "finding")
-- and read model.findings.
--
-- Scoring. A hygiene gap is visible to any reviewer, so every rule uses one
-- likelihood factor, discoverability 2 (Medium). The impact is one factor,
-- compliance (with the team's practice, not a regulation), by how much the
-- gap weakens the model:
--   3  a CRITICAL threat left unanswered                     -> HIGH
--   2  a HIGH threat unanswered, an expired acceptance, an overdue review
--      or mitigation                                          -> MEDIUM
--   1  an incomplete diagram or schedule                      -> LOW

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring

pack {
	name = "hygiene",
	version = "1.0",
	description = "Threat-modelling anti-patterns: unanswered HIGH/CRITICAL threats, expired "
		.. "acceptances, stale reviews, happy-path-only diagrams, missing insiders, loose ends",
}

local function hygiene(spec)
	spec.framework = "HYGIENE"
	spec.category = "check"
	rule(spec)
end

local SEEN = { discoverability = 2 }

local SERIOUS = { HIGH = true, CRITICAL = true }

-- Findings hygiene itself (or any other second-phase rule) produces are
-- not in model.findings; neither are hand-written threats of no concern.
local function reviewable(f)
	return f.framework ~= "HYGIENE" and f.category ~= "check"
end

-- ---------------------------------------------------------------------------
-- Dates ("YYYY-MM-DD" strings compare in calendar order).

local function parse_date(s)
	if type(s) ~= "string" then return nil end
	local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
	if not y then return nil end
	return tonumber(y), tonumber(m), tonumber(d)
end

-- The date `months` months after s, clamped to the end of the month
-- (2025-08-31 + 6 months = 2026-02-28).
local function add_months(s, months)
	local y, m, d = parse_date(s)
	if not y then return nil end
	m = m + months
	y = y + (m - 1) // 12
	m = (m - 1) % 12 + 1
	local last = ({ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[m]
	if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then last = 29 end
	return string.format("%04d-%02d-%02d", y, m, math.min(d, last))
end

local function today(m)
	return m.today or os.date("!%Y-%m-%d")
end

-- ---------------------------------------------------------------------------
-- Threats without an answer

-- One finding for the model, not one per threat: the HIGH findings are
-- already in the table, and doubling each would bury them. Computed once
-- per model (when and impact both ask); the risk is tested first, since
-- most findings are below HIGH.
local SHOWN = 8 -- ids HYG-01 lists; the rest are counted

local unanswered_of = T.per_model(function(m)
	-- Filtered in C (the same test as SERIOUS, `open` and reviewable);
	-- only the findings listed get a view.
	local not_ours = { framework = "hygiene", category = "check" }
	local open = m.findings_where({ risk = { "high", "critical" }, status = "open" }, not_ours)
	local ids = {}
	for i = 1, math.min(#open, SHOWN) do ids[i] = open[i].id end
	local critical = #m.findings_where({ risk = "critical", status = "open" }, not_ours) > 0
	return { ids = ids, count = #open, critical = critical }
end)

-- The first SHOWN ids of the open HIGH and CRITICAL findings, how many
-- there are, and whether one is CRITICAL.
local function unanswered(m)
	local u = unanswered_of(m)
	return u.ids, u.count, u.critical
end

hygiene {
	id = "HYG-01",
	applies = "model",
	title = "HIGH or CRITICAL threats with neither mitigation nor acceptance",
	description = "Every threat MUST have a mitigation or an explicit risk acceptance, and "
		.. "HIGH/CRITICAL ones come first (CRITICAL: fix before deployment; HIGH: before the "
		.. "next release). Raised once for the model, listing every open HIGH or CRITICAL "
		.. "finding. Answered by a `mitigation` that `mitigates` each of them, or an `accept` "
		.. "with a reason, `by` and `until`. An acceptance that has expired is HYG-02's.",
	when = function(m)
		local ids, count = unanswered(m)
		if count == 0 then return false end
		local more = count > SHOWN and (" and " .. (count - SHOWN) .. " more") or ""
		return count .. (count == 1 and " finding is" or " findings are")
			.. " open with no mitigation or acceptance: " .. table.concat(ids, ", ") .. more
	end,
	likelihood = SEEN,
	impact = function(m)
		local _, _, critical = unanswered(m)
		return { compliance = critical and 3 or 2 }
	end,
	mitigation = "Write a `mitigation` that names each finding in `mitigates`, or `accept` it "
		.. "with the reason, who accepts it and until when.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-02",
	applies = "finding",
	requires = { status = "expired" }, -- checked in C: no view for the others
	title = "Risk acceptance has expired",
	description = "The acceptance covering this finding has passed its `until` date, so the "
		.. "risk is open again and nobody has re-decided it. Raised on every finding whose "
		.. "status is `expired`; higher when the finding is HIGH or CRITICAL. Answered by "
		.. "renewing the acceptance (a new `until`) after a review, or by mitigating it.",
	when = function(f, m)
		if f.status ~= "expired" or not reviewable(f) then return false end
		m = m or model
		for _, a in ipairs((m and m.acceptances) or {}) do
			if a.finding == f.id and a["until"] then
				return "acceptance of " .. f.id .. " by " .. tostring(a.by or "?")
					.. " expired on " .. a["until"]
			end
		end
		return "the acceptance of " .. f.id .. " has expired"
	end,
	likelihood = SEEN,
	impact = function(f) return { compliance = SERIOUS[f.risk] and 3 or 2 } end,
	mitigation = "Review the risk again: renew the acceptance with a new `until`, or mitigate.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-03",
	applies = "model",
	title = "Threat model review overdue",
	description = "The model is a living document: it is reviewed at least every six months "
		.. "and on every architecture change. Raised when the model's `date` is more than six "
		.. "months before today, or its `next_review` date has passed. Answered by reviewing "
		.. "the model and updating `date` and `next_review`.",
	when = function(v, m)
		m = m or model
		local meta, now = v.meta or {}, today(m)
		local nr = meta.next_review
		if type(nr) == "string" and nr < now then
			return "next_review " .. nr .. " has passed (today " .. now .. ")"
		end
		local due = add_months(meta.date, 6)
		if due and due < now then
			return "the model is dated " .. meta.date .. ", more than 6 months before " .. now
		end
		return false
	end,
	likelihood = SEEN,
	impact = { compliance = 2 },
	mitigation = "Review the model with the team (victoria, pol), then set `date` to the "
		.. "review date and `next_review` three months on.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-04",
	applies = "model",
	title = "No review scheduled",
	description = "A threat model filed and forgotten goes stale. Raised when the `model` "
		.. "statement has no `next_review` date. Answered by `next_review YYYY-MM-DD` "
		.. "(typically the model's date plus three months, or the next major change).",
	when = function(v)
		if (v.meta or {}).next_review ~= nil then return false end
		return "the model statement has no `next_review`"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Add `next_review` to the model statement and a reminder in CI.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-05",
	applies = "model",
	title = "Mitigation past its due date",
	description = "A mitigation still `planned` or `in_progress` has passed its `due` date, "
		.. "so the threats it covers stay open longer than the plan said. Answered by "
		.. "finishing it (`status implemented`), or agreeing a new `due` date.",
	when = function(v, m)
		m = m or model
		local now, late = today(m), {}
		for _, x in ipairs((m and m.mitigations) or {}) do
			if (x.status == "planned" or x.status == "in_progress") and type(x.due) == "string"
				and x.due < now then
				late[#late + 1] = x.id .. " (due " .. x.due .. ")"
			end
		end
		if #late == 0 then return false end
		return table.concat(late, ", ")
	end,
	likelihood = SEEN,
	impact = { compliance = 2 },
	mitigation = "Implement the mitigation, or re-plan it with its owner and a new `due` date.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- What the diagram leaves out

-- Words that show the model goes beyond the happy path, by aspect. A word
-- of the text matches when it starts with one of the stems. The first three
-- are each required (every model has errors, failures and abuse to show);
-- of the last two (admin paths, background work) one is enough, since a
-- system may well have no admin panel or no jobs.
local ASPECTS = {
	{ name = "error flow", required = true, stems = { "error", "exception", "reject",
		"bounce", "invalid", "denied", "4xx", "5xx" } },
	{ name = "failure path", required = true, stems = { "fail", "retry", "retries",
		"timeout", "fallback", "dlq", "dead_letter", "dead-letter", "deadletter", "fault",
		"outage", "backoff", "rollback", "compensat", "circuit" } },
	{ name = "abuse path", required = true, stems = { "abuse", "fraud", "attack", "brute",
		"spam", "bots", "scrap", "misuse", "malicious", "captcha", "lockout", "lock",
		"moderat", "blocklist", "denylist", "quarantine", "chargeback", "suspicious" } },
	{ name = "admin path", stems = { "admin", "backoffice", "operator", "console", "support",
		"moderat", "superuser", "management", "ops" } },
	{ name = "background job or webhook", stems = { "job", "cron", "schedul", "batch",
		"worker", "queue", "webhook", "callback", "consumer", "async", "background",
		"event", "kafka", "rabbitmq", "sqs", "nats", "bullmq", "pubsub" } },
}

local TEXT_ATTRS = { "kind", "tech", "trigger", "purpose" }

-- True when `text` holds a word starting with one of the stems. A plain
-- search finds candidates fast; the character before a hit must not be a
-- letter, so "ops" matches "ops" and "dev_ops" but not "stops".
local function mentions(text, stems)
	for _, stem in ipairs(stems) do
		local at = 1
		while true do
			local i = text:find(stem, at, true)
			if not i then break end
			if i == 1 or not text:sub(i - 1, i - 1):find("%a") then return true end
			at = i + 1
		end
	end
	return false
end

-- Every stem of every aspect, for one model.mentions call.
local ALL_STEMS = {}
for _, a in ipairs(ASPECTS) do
	for _, stem in ipairs(a.stems) do ALL_STEMS[#ALL_STEMS + 1] = stem end
end

hygiene {
	id = "HYG-06",
	applies = "model",
	title = "Only the happy path is modelled",
	description = "Threat modelling only the happy path ignores error responses, failures, "
		.. "abuse, admin panels, cron jobs and webhooks, where many real attacks land. "
		.. "Searched in the labels and ids of the flows, processes, stores, externals and "
		.. "actors and the `kind`/`tech` of the nodes: raised when an error flow (error, "
		.. "reject, bounce...), a failure path (failure, retry, timeout, dead-letter, "
		.. "fallback...) or an abuse path (abuse, fraud, attacker, spam, lockout, "
		.. "moderation...) is missing, or when neither an admin path (admin, backoffice, "
		.. "operator, support...) nor background work (job, cron, batch, worker, queue, "
		.. "webhook, event...) is there. Answered by modelling them.",
	when = function(v, m)
		m = m or model
		-- The names and labels are searched in C (model.mentions), the
		-- `kind`, `tech`... words and the actors' names in one text.
		local named = m.mentions(ALL_STEMS)
		local texts = {}
		for _, name in ipairs(TEXT_ATTRS) do
			for w in pairs(T.model_words(m, name)) do texts[#texts + 1] = w end
		end
		for _, a in ipairs(m.elements("actor")) do
			texts[#texts + 1] = a.id
			texts[#texts + 1] = a.label or ""
		end
		local words = table.concat(texts, "\n"):lower()
		local missing, optional_missing, optional = {}, {}, 0
		for _, a in ipairs(ASPECTS) do
			local seen = false
			for _, stem in ipairs(a.stems) do
				if named[stem] then
					seen = true
					break
				end
			end
			seen = seen or mentions(words, a.stems)
			if a.required then
				if not seen then missing[#missing + 1] = a.name end
			else
				optional = optional + 1
				if not seen then optional_missing[#optional_missing + 1] = a.name end
			end
		end
		if #optional_missing == optional then
			for _, name in ipairs(optional_missing) do missing[#missing + 1] = name end
		end
		if #missing == 0 then return false end
		return "no " .. table.concat(missing, ", no ")
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Add the error responses, the failure paths (retries, dead letters, "
		.. "timeouts), the abuse cases, admin paths, scheduled jobs and webhooks to the "
		.. "diagram, with their flows, and let the rules analyse them.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-07",
	applies = "model",
	title = "No insider threat actor",
	description = "Modelling only external attackers ignores the malicious insider (a rogue "
		.. "admin, a compromised agent or CI token). Raised when no `actor` states `access "
		.. "internal` (or `kind insider`). Answered by `actor insider \"Rogue admin\" { access "
		.. "internal }`.",
	when = function(v, m)
		m = m or model
		for _, a in ipairs(m.elements("actor")) do
			if T.text(a, "access") == "internal" or T.text(a, "kind") == "insider" then
				return false
			end
		end
		return "no actor with `access internal`"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Declare an insider actor and review the threats it could carry out (audit, "
		.. "least privilege, four-eyes on admin actions).",
	refs = { "OWASP A04:2021" },
}

-- True when v or any of its descendants has a flow.
local function connected(v)
	if v.inflows[1] ~= nil or v.outflows[1] ~= nil then return true end
	local children = v.children
	if children then
		for _, c in ipairs(children) do
			if connected(c) then return true end
		end
	end
	return false
end

hygiene {
	id = "HYG-08",
	applies = { "external", "process", "store" },
	title = "Element with no data flows",
	description = "An element nothing flows to or from cannot be analysed: either a flow is "
		.. "missing from the diagram, or the element is not part of the system. A process "
		.. "whose children have flows counts as connected, and so does a child whose "
		.. "enclosing process has flows (the model stays at Level 0 there). Answered by "
		.. "adding its flows, or removing it.",
	when = function(v)
		if connected(v) then return false end
		local p = v.parent
		while p do
			if p.inflows[1] ~= nil or p.outflows[1] ~= nil then return false end
			p = p.parent
		end
		return v.key .. " has no flows"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Draw the flows that reach the element, or remove it from the model.",
	refs = { "OWASP A04:2021" },
}

-- A finding id that a second-phase rule produces (key `model`, or a
-- finding's id as the key): those are never in model.findings.
local function second_phase(id)
	local key = id:match("^[^@]+@(.*)$")
	return key == "model" or (key ~= nil and key:find("@", 1, true) ~= nil)
end

-- Patterns in `mitigates` and `accept` (a '*' in the rule or the element):
-- the finding ids they name, matched as `threat check` matches them
-- (doc/language.md, "Patterns"): '*' is any run of characters; the
-- element part is the key after the id's first '@', or in the arrow form
-- `SRC->DST` the ends of a flow, either way round for a flow (or a
-- pattern) written with <->.
local function glob(g)
	local escaped = g:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0")
	return "^" .. escaped:gsub("%*", ".*") .. "$"
end

local function compile_pattern(text)
	local rule, rest = text:match("^([^@]*)@(.*)$")
	if not rule then return nil end
	local p = { rule = glob(rule), text = text }
	local src, arrow, dst = rest:match("^(.-)(<?%->)(.*)$")
	if src and (src:find("*", 1, true) or dst:find("*", 1, true)) then
		p.source, p.target, p.both = glob(src), glob(dst), arrow == "<->"
	else
		p.element = glob(rest)
		-- a key second-phase findings have: those are not in model.findings
		p.second_phase = ("model"):find(p.element) ~= nil or rest:find("@", 1, true) ~= nil
	end
	return p
end

local function pattern_matches(p, f, m)
	local rule, key = f.id:match("^([^@]*)@(.*)$")
	if not rule or not rule:find(p.rule) then return false end
	if p.element then return key:find(p.element) ~= nil end
	local e = m.get(key)
	if not e or e.kind ~= "flow" then return false end
	local s, t = e.source.key, e.target.key
	if s:find(p.source) and t:find(p.target) then return true end
	return (p.both or e.bidirectional) and t:find(p.source) ~= nil and s:find(p.target) ~= nil
end

hygiene {
	id = "HYG-09",
	applies = "model",
	title = "Stale references to findings",
	description = "A mitigation or acceptance names a finding (`RULE@ELEMENT`) that no rule "
		.. "raised any more, or a pattern (`STRIDE-T-*@api`) that names no finding: the "
		.. "element was renamed, the pack changed, or the threat is gone, so the decision "
		.. "no longer covers anything. Answered by pointing the reference at the current "
		.. "finding id, or removing it.",
	when = function(v, m)
		m = m or model
		local stale, patterns = {}, {}
		local function check(owner, id)
			if type(id) ~= "string" or not id:find("@", 1, true) then return end
			if id:find("*", 1, true) then
				local p = compile_pattern(id)
				if p then
					p.owner = owner
					patterns[#patterns + 1] = p
				end
			elseif not second_phase(id) and m.finding(id) == nil then
				stale[#stale + 1] = owner .. " -> " .. id
			end
		end
		for _, x in ipairs(m.mitigations or {}) do
			for _, id in ipairs(x.mitigates or {}) do check(x.id, id) end
		end
		for _, a in ipairs(m.acceptances or {}) do check("accept", a.finding) end
		-- One pass over the findings for every pattern, only when there are
		-- patterns; it stops once each has matched.
		local unmatched = #patterns
		if unmatched > 0 then
			for _, f in ipairs(m.findings or {}) do
				for _, p in ipairs(patterns) do
					if not p.matched and pattern_matches(p, f, m) then
						p.matched = true
						unmatched = unmatched - 1
					end
				end
				if unmatched == 0 then break end
			end
		end
		for _, p in ipairs(patterns) do
			if not p.matched and not p.second_phase then
				stale[#stale + 1] = p.owner .. " -> " .. p.text
			end
		end
		if #stale == 0 then return false end
		return table.concat(stale, ", ")
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Update the finding ids in `mitigates` and `accept` (see `threat check` "
		.. "for the current ids), or delete the stale entries.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-10",
	applies = "boundary",
	title = "Trust boundary that no flow crosses",
	description = "A boundary is drawn where trust changes, so flows should cross it; when "
		.. "none does, either the flows that cross it are missing or the boundary encloses "
		.. "the wrong elements. Answered by adding the crossing flows or fixing its members.",
	when = function(b)
		if b.crossed_by[1] == nil then return b.key .. " is crossed by no flow" end
		return false
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Draw the flows that enter and leave the boundary, or correct its members.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-11",
	applies = "flow",
	title = "Boundary-crossing flow without a label",
	description = "Every data flow is labelled with what it moves, and a flow that crosses a "
		.. "trust boundary is the first thing a reviewer reads. Raised for a crossing flow "
		.. "with no label. Answered by a label: `flow a -> b \"what it carries\"`.",
	when = function(f)
		if not f.crosses then return false end
		local label = f.label
		if label ~= nil and label ~= "" and label ~= f.key and label ~= f.id then return false end
		return f.key .. " has no label"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Label the flow with the data it moves and its purpose.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- Every threat answered, not only the serious ones

local minor_unanswered_of = T.per_model(function(m)
	local not_ours = { framework = "hygiene", category = "check" }
	local open = m.findings_where({ risk = { "medium", "low" }, status = "open" }, not_ours)
	local ids = {}
	for i = 1, math.min(#open, SHOWN) do ids[i] = open[i].id end
	return { ids = ids, count = #open }
end)

hygiene {
	id = "HYG-12",
	applies = "model",
	title = "MEDIUM or LOW threats with neither mitigation nor acceptance",
	description = "Every threat MUST have a mitigation or an explicit risk acceptance, the "
		.. "MEDIUM and LOW ones too (MEDIUM: plan the fix in an upcoming sprint; LOW: add it "
		.. "to the backlog or accept it). Raised once for the model, listing the open MEDIUM "
		.. "and LOW findings, at a lower risk than HYG-01's HIGH and CRITICAL ones. INFO "
		.. "findings need no action. Answered by a planned `mitigation` that `mitigates` "
		.. "each of them, or an `accept` with a reason, `by` and `until`.",
	when = function(m)
		local u = minor_unanswered_of(m)
		if u.count == 0 then return false end
		local more = u.count > SHOWN and (" and " .. (u.count - SHOWN) .. " more") or ""
		return u.count .. (u.count == 1 and " MEDIUM or LOW finding is" or " MEDIUM or LOW findings are")
			.. " open with no mitigation or acceptance: " .. table.concat(u.ids, ", ") .. more
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Plan a `mitigation` (status planned, an owner and a due date) that names each "
		.. "finding in `mitigates`, or `accept` the minor ones with a reason, `by` and `until`.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- Threats outside the diagram

hygiene {
	id = "HYG-13",
	applies = "model",
	title = "Threat on no element",
	description = "A hand-written threat says which element or flow it concerns (`on`), so "
		.. "the diagram shows where it lands, the report lists it against that element and "
		.. "a change to the element brings it back for review. Raised for the threats with "
		.. "no `on`. Answered by `on ELEMENT` or `on SOURCE -> TARGET`.",
	when = function(v, m)
		m = m or model
		local loose = {}
		for _, t in ipairs(m.threats or {}) do
			if t.on == nil then loose[#loose + 1] = t.id end
		end
		if #loose == 0 then return false end
		local shown = {}
		for i = 1, math.min(#loose, SHOWN) do shown[i] = loose[i] end
		local more = #loose > SHOWN and (" and " .. (#loose - SHOWN) .. " more") or ""
		return table.concat(shown, ", ") .. more .. (#loose == 1 and " names" or " name")
			.. " no element (`on`)"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Attach each threat to the element or flow it concerns with `on`.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-14",
	applies = "model",
	title = "Threats written without a data-flow diagram",
	description = "The DFD is drawn BEFORE the threats are analysed: you cannot model what "
		.. "you cannot see. Raised when the model has hand-written threats but no data "
		.. "flow, so nothing shows where data moves, which boundaries it crosses, or what the "
		.. "rules should analyse. Answered by drawing the diagram: the externals, processes "
		.. "and stores, the flows between them and the trust boundaries.",
	when = function(v, m)
		m = m or model
		local threats = m.threats or {}
		if threats[1] == nil or m.elements("flow")[1] ~= nil then return false end
		return #threats .. (#threats == 1 and " threat is" or " threats are")
			.. " written, but the model has no data flows"
	end,
	likelihood = SEEN,
	impact = { compliance = 2 },
	mitigation = "Draw the Level 0 DFD (elements, flows with labels, trust boundaries), then "
		.. "attach the threats to its elements.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- Granularity: Level 0 for the overview, Level 1 for each major component

-- Too coarse: one process without children is an end of at least
-- COARSE_SHARE of the model's flows, there are at least COARSE_FLOWS of
-- them, and no process has children (the model has no Level 1 at all).
local COARSE_FLOWS, COARSE_SHARE = 6, 0.75
-- Too fine: at least FINE_PROCESSES processes, FINE_SHARE of which have a
-- single flow each (every function drawn as a process).
local FINE_PROCESSES, FINE_SHARE = 24, 0.75
-- Level 1 due: a process without children with LEVEL1_FLOWS flows or more,
-- or flows to LEVEL1_PEERS other elements or more. Peers make a model that
-- draws a request and its answer as two flows count like one that draws
-- them as one `<->` flow.
local LEVEL1_FLOWS, LEVEL1_PEERS = 10, 8

-- How many flows p is an end of (a `<->` flow, in both its inflows and
-- outflows, counts once), and how many other elements they reach. A view
-- is the same object for the whole run, so views are compared and kept
-- as keys themselves: their `key` strings would be built for nothing.
local function flow_count(p)
	local seen, peers, flows, npeers = {}, {}, 0, 0
	for _, list in ipairs({ p.inflows, p.outflows }) do
		for _, f in ipairs(list) do
			if not seen[f] then
				seen[f] = true
				flows = flows + 1
				local source = f.source
				local other = source == p and f.target or source
				if other ~= p and not peers[other] then
					peers[other] = true
					npeers = npeers + 1
				end
			end
		end
	end
	return flows, npeers
end

-- How many flow ends p has: an upper bound of both flow_count's numbers
-- (a `<->` flow is in both lists), read without building anything.
local function flow_ends(p)
	return #p.inflows + #p.outflows
end

-- Per model: the coarse process (its key, how many flows it is an end of,
-- and the model's flows), or false. Only a model with no process expanded
-- can be too coarse, so the first process with children settles it and a
-- model drawn at Level 1 is not walked further.
local coarse_of = T.per_model(function(m)
	local processes = m.elements("process")
	-- by index: the list makes the view of each process read, and the
	-- walk usually stops at the first
	for i = 1, #processes do
		local p = processes[i]
		if p.children and p.children[1] ~= nil then return false end
	end
	local busiest, most = nil, 0
	for _, p in ipairs(processes) do
		-- counted only where the count can matter: more than the busiest so far
		local ends = flow_ends(p)
		if ends > most then
			local n = ends > 1 and flow_count(p) or ends
			if n > most then busiest, most = p, n end
		end
	end
	local flows = #m.elements("flow")
	if busiest and flows >= COARSE_FLOWS and most >= COARSE_SHARE * flows then
		return { key = busiest.key, most = most, flows = flows }
	end
	return false
end)

-- Per model: how many processes have a single flow when that is too many
-- (`single` of `processes`), or false. The walk stops once enough
-- processes have more than one flow that the rest cannot make it too fine.
local fine_of = T.per_model(function(m)
	local processes = m.elements("process")
	local total = #processes
	if total < FINE_PROCESSES then return false end
	local single, others = 0, 0
	for i = 1, total do
		local ends = flow_ends(processes[i])
		if ends == 1 or (ends == 2 and flow_count(processes[i]) == 1) then
			single = single + 1
		else
			others = others + 1
			if total - others < FINE_SHARE * total then return false end
		end
	end
	if single >= FINE_SHARE * total then return { single = single, processes = total } end
	return false
end)

hygiene {
	id = "HYG-15",
	applies = "model",
	title = "Model drawn at the wrong granularity",
	description = "Too high a level misses detail, too low a level is analysis paralysis: "
		.. "Level 0 gives the overview, Level 1 each major component, and the model stops "
		.. "there unless an area is HIGH risk. Raised when the model is too coarse (at least "
		.. COARSE_FLOWS .. " flows, one process at an end of " .. math.floor(COARSE_SHARE * 100)
		.. "% or more of them, and no process expanded into children: a single \"backend\") "
		.. "or too fine (" .. FINE_PROCESSES .. " processes or more, "
		.. math.floor(FINE_SHARE * 100) .. "% of them with a single flow: every function a "
		.. "process). Answered by expanding the coarse process into its major parts, or by "
		.. "merging the fine ones into the components they belong to.",
	when = function(m)
		local coarse = coarse_of(m)
		if coarse then
			return "too coarse: " .. coarse.key .. " is an end of " .. coarse.most .. " of the "
				.. coarse.flows .. " flows, and no process is expanded at Level 1"
		end
		local fine = fine_of(m)
		if fine then
			return "too fine: " .. fine.single .. " of the " .. fine.processes
				.. " processes have a single flow each"
		end
		return false
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Draw Level 0 for the overview and Level 1 for each major component: expand "
		.. "a process that holds most flows into its parts (`process api { process auth ... }`), "
		.. "merge processes that are single functions into the component that runs them.",
	refs = { "OWASP A04:2021" },
}

hygiene {
	id = "HYG-16",
	applies = "process",
	title = "Major process not expanded at Level 1",
	description = "Level 1 expands each major component of the Level 0 diagram into its "
		.. "parts (auth middleware, validation, handlers, data access, external clients), so "
		.. "the threats land on the part that has them. Raised for a process with no "
		.. "children and " .. LEVEL1_FLOWS .. " flows or more of its own, or flows to "
		.. LEVEL1_PEERS .. " other elements or more (unless HYG-15 already names it as the "
		.. "model's single coarse process). Answered by its children: "
		.. "`process api { process auth \"...\" ... }` with the flows drawn to them.",
	when = function(p, m)
		m = m or model
		if flow_ends(p) < LEVEL1_PEERS then return false end
		if p.children and p.children[1] ~= nil then return false end
		local flows, peers = flow_count(p)
		local coarse = coarse_of(m)
		if (flows < LEVEL1_FLOWS and peers < LEVEL1_PEERS) or (coarse and coarse.key == p.key) then
			return false
		end
		return p.key .. " has " .. flows .. (flows == 1 and " flow" or " flows") .. " to " .. peers
			.. (peers == 1 and " element" or " elements") .. " and no children"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Expand the process at Level 1: declare its major parts as child processes "
		.. "and draw each flow to the part that handles it.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- Assets the diagram never places

-- Per model: the ids of the assets some store keeps, some flow carries or
-- some process or external `handles`, gathered in C as lower-case words
-- (so ids are compared without case: two assets whose ids differ only in
-- case count as placed when either is); nil when the model has no flow
-- (HYG-14's diagram not drawn yet, so nothing is placed anywhere).
local placed_assets = T.per_model(function(m)
	if m.elements("flow")[1] == nil then return nil end
	-- threatlib's word indexes, built in one pass over the model
	return { T.model_words(m, "stores"), T.model_words(m, "data"), T.model_words(m, "handles") }
end)

hygiene {
	id = "HYG-17",
	applies = "asset",
	title = "Asset nothing stores, carries or handles",
	description = "An asset that no store keeps (`stores`), no flow carries (`data`) and no "
		.. "process or external `handles`: either the diagram misses where it lives and "
		.. "moves, so the threats to it are scored without it, or it is no part of the "
		.. "system and widens what the model claims to protect. Raised when the model has "
		.. "flows. Answered by naming it in the `stores`, `data` or `handles` where it "
		.. "belongs, or removing it.",
	when = function(a, m)
		local placed = placed_assets(m or model)
		if placed == nil then return false end
		local id = a.key:lower()
		for _, words in ipairs(placed) do
			if words[id] then return false end
		end
		return T.names({ a }) .. " is in no `stores`, `data` or `handles`"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Add the asset to the stores that keep it and the flows that carry it, or "
		.. "remove it from the model.",
	refs = { "OWASP A04:2021" },
}
