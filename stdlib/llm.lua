-- llm: threats of applications built on language models, after the OWASP
-- Top 10 for LLM applications (2025): prompt injection, direct and
-- indirect; sensitive data sent to a provider's model; model output used
-- unchecked; an agent's excessive agency; system-prompt leakage; unbounded
-- consumption; poisoned retrieval data; model weights from an unverified
-- source.
--
-- What the diagram says (threatlib's predicates, doc/packs.md):
--
--   a model     an external (a provider's API: a third party) or a process
--               (hosted by the team) of `kind llm` or a model `tech`
--               (openai, anthropic, bedrock, ollama, vllm...);
--   an agent    a process of `kind agent`: its model decides which tools to
--               call. An agent whose model the diagram does not draw (no
--               flow to a model) is taken as the model itself;
--   a tool      whatever an agent sends requests to; `tool_scope` says what
--               it can do (read, write, delete, send, pay, execute, admin);
--   a vector    a store of `kind vector_store` or a vector `tech` (pgvector,
--     store     pinecone, qdrant...): what retrieval puts into prompts.
--
-- A prompt is a flow into a model. It carries untrusted text when its
-- sender serves people (their requests reach it, threatlib's
-- T.serves_users) or is a person (direct injection, LLM-01), or when the
-- program that sends it reads content that came from outside (indirect
-- injection, LLM-02): a store written from outside (a vector store among
-- them), an external system's answers, a tool that fetches from one.
-- Externals in zone internal (staff, the team's systems) are not outside.
-- When the prompt states
-- `data`, only sources that share an asset with it count; when it does
-- not, only the sources a prompt is built from by design count (a vector
-- store, and for an agent everything it reads).
--
-- Every rule's `only_if` leaves it out of a model that names no model,
-- agent, tool or vector store (one look per model at the `kind` and
-- `tech` words it uses), so on other models the pack costs nothing per
-- element.
--
-- Factors follow the element: opportunity and population from the
-- exposure of the prompt's sender (or the agent, the consumer, the store),
-- confidentiality from the data the prompt or the element carries.

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local type, ipairs, pairs = type, ipairs, pairs

local yes, has, is, level0 = T.yes, T.has, T.is, T.level0
local is_response, in_process = T.is_response, T.in_process
local concat = table.concat

pack {
	name = "llm",
	version = "1.0",
	description = "LLM and agent threats (OWASP Top 10 for LLM applications): prompt injection, "
		.. "data sent to a provider's model, unchecked output, excessive agency, prompt leakage, "
		.. "unbounded consumption, poisoned retrieval, unverified model weights",
}

attribute {
	{ name = "prompt_guard", applies = { "process", "external", "flow" }, type = "control",
		doc = "untrusted text is screened and kept apart from the instructions before it reaches the model: `true`, a filter's name..." },
	{ name = "output_validation", applies = { "process", "flow" }, type = "control",
		doc = "model output is validated or encoded before it is used (a schema, an allowlist, escaping)" },
	{ name = "human_approval", applies = { "process", "external", "store", "flow" }, type = "control",
		doc = "a person confirms each action with side effects before an agent's tool runs it" },
	{ name = "tool_scope", applies = { "process", "external", "store", "flow" }, type = "enum",
		values = { "read", "write", "delete", "send", "pay", "execute", "admin" },
		doc = "what a tool, or an agent's call to it, can do: `read`, or a list such as `[write, send]`" },
	{ name = "token_limit", applies = { "process", "external", "flow" }, type = "control",
		doc = "use of the model is bounded: tokens per request, requests or cost per user: `\"4k/request\"`..." },
	{ name = "zero_retention", applies = { "external", "flow" }, type = "bool",
		doc = "the model's provider keeps no prompts or outputs and does not train on them" },
	{ name = "ingest_validation", applies = { "process", "store", "flow" }, type = "control",
		doc = "content is checked and its source recorded before it is indexed for retrieval" },
	{ name = "model_provenance", applies = "process", type = "control",
		doc = "a self-hosted model's weights come from a pinned, verified source: a hash, a signature, an internal registry" },
	-- shared with stride (same type): declared here too for a model that uses llm alone
	{ name = "rate_limit", applies = { "process", "flow" }, type = "control",
		doc = "requests are rate-limited: `true`, `\"100/min\"`..." },
	{ name = "minimised", applies = { "process", "flow" }, type = "bool",
		doc = "only the data the recipient needs is sent (data minimisation)" },
	{ name = "readonly", applies = "flow", type = "bool",
		doc = "the flow only reads from its target (a query, a lookup): nothing it carries is written or kept there" },
}

-- A flow to a provider's model is this pack's LLM-03, not stride's
-- generic STRIDE-I-02 (threatlib, "Claims").
T.claim("minimised", T.LLM_TECH, T.LLM_KIND)

-- ---------------------------------------------------------------------------
-- The model-wide gate.

local function union(...)
	local out = {}
	for i = 1, select("#", ...) do
		for w in pairs((select(i, ...))) do out[w] = true end
	end
	return out
end
local LLM_KINDS = union(T.LLM_KIND, T.AGENT_KIND, T.TOOL_KIND, T.VECTOR_STORE_KIND)
local LLM_TECHS = union(T.LLM_TECH, T.TOOL_TECH, T.VECTOR_STORE_TECH)

local about_llms = T.per_model(function(m)
	return T.model_uses(m, "kind", LLM_KINDS) or T.model_uses(m, "tech", LLM_TECHS)
end)

-- ---------------------------------------------------------------------------
-- The diagram's models and programs.

local function is_node(v) return v.kind == "process" or v.kind == "external" end

-- The processes of a program: the top-level process and all its parts.
local parts_of = T.memo(function(p)
	local out = {}
	local function walk(v)
		out[#out + 1] = v
		for _, c in ipairs(v.children or {}) do walk(c) end
	end
	walk(p)
	return out
end)

-- True when an agent's program sends to a model the diagram draws.
local calls_a_model = T.memo(function(p)
	for _, part in ipairs(parts_of(level0(p))) do
		for _, f in ipairs(part.outflows or {}) do
			local t = f.target
			if f.source == part and t and is_node(t) and T.is_llm(t) then return true end
		end
	end
	return false
end)

-- True for a model (T.is_llm) and for an agent whose model is not drawn.
local function is_model(v)
	if not is_node(v) then return false end
	if T.is_llm(v) then return true end
	return T.is_agent(v) and not calls_a_model(v)
end

-- True when an external sends content rather than people's requests or
-- model output: any system but an identity provider or a model.
local function content_source(x)
	return x.kind == "external" and not T.is_human(x) and not T.is_llm(x) and not T.is_idp(x)
end

-- True for an external in zone internal: staff and the team's own systems.
local INTERNAL = T.set { "internal" }
local function internal(x) return is(x, "zone", INTERNAL) end


-- True when a program takes input from outside: people's requests reach
-- it, or a part of it receives from an external (a request, or the answer
-- to its own call: a fetched page, an e-mail, a webhook).
local outside_input = T.memo(function(p, m)
	p = level0(p)
	if T.serves_users(p, m) then return true end
	for _, part in ipairs(parts_of(p)) do
		if part ~= p and T.serves_users(part, m) then return true end
		for _, f in ipairs(T.flows(part)) do
			local x = T.other(f, part)
			if x and x.kind == "external" and not T.is_llm(x) and not internal(x)
				and (f.target == part or (f.bidirectional and f.source == part)) then
				return true
			end
		end
	end
	return false
end)

-- The flows that write content from outside into store s: requests into
-- it (not lookups) from an external or from a program that takes input
-- from outside.
local outside_writes = T.memo(function(s, m)
	local out = {}
	for _, f in ipairs(s.inflows or {}) do
		local x = f.source
		if f.target == s and x and x ~= s and not is_response(f) and not yes(f, "readonly") then
			if (x.kind == "external" and not T.is_llm(x) and not internal(x))
				or (x.kind == "process" and outside_input(x, m)) then
				out[#out + 1] = f
			end
		end
	end
	return out
end)

-- The keys of the first few views of a list, and how many more there are:
-- a detail names a hub's writers without listing thousands of them.
local function some_keys(list)
	local shown = {}
	for i = 1, math.min(#list, 3) do shown[i] = list[i].key end
	local text = concat(shown, ", ")
	if #list > 3 then text = text .. " and " .. (#list - 3) .. " more" end
	return text
end

-- The content-source externals a process's program reads from (pages it
-- fetches, e-mails it receives): a tool that searches the web hands what
-- it found to whoever calls it.
local fetches_outside = T.memo(function(x)
	local out = {}
	for _, part in ipairs(parts_of(level0(x))) do
		for _, f in ipairs(T.flows(part)) do
			local y = T.other(f, part)
			if y and content_source(y) and not internal(y)
				and (f.target == part or (f.bidirectional and f.source == part)) then
				out[#out + 1] = y
			end
		end
	end
	return out
end)

-- True when flows f and g share an asset.
local function share_data(f, g)
	local mine = {}
	for _, a in ipairs(T.assets(f)) do mine[a] = true end
	for _, a in ipairs(T.assets(g)) do
		if mine[a] then return true end
	end
	return false
end

-- True when the content flow g reaches a prompt: the prompt (if drawn)
-- shares an asset with g when it states its data; else g comes from a
-- source prompts are built from by design.
local function reaches(prompt, g, source, agent)
	if prompt and T.stated(prompt, "data") then return share_data(g, prompt) end
	return agent or T.is_vector_store(source)
end

-- The content from outside that program p reads, as "key (why)" strings,
-- for a prompt flow (nil: the agent is its own model): stores written from
-- outside, content-source externals, and other programs (an agent's tools)
-- that read such externals.
local function outside_content(p, prompt, m)
	local agent = T.is_agent(p) or T.is_agent(level0(p))
	local out, seen = {}, {}
	for _, part in ipairs(parts_of(level0(p))) do
		for _, g in ipairs(T.flows(part)) do
			local x = T.other(g, part)
			if x and not seen[x] and not in_process(g) then
				if x.kind == "store" then
					local writes = outside_writes(x, m)
					if writes[1] and reaches(prompt, g, x, agent) then
						seen[x] = true
						out[#out + 1] = x.key .. " (written by " .. some_keys(writes) .. ")"
					end
				elseif (g.target == part or (g.bidirectional and g.source == part))
					and reaches(prompt, g, x, agent) then
					if content_source(x) and not internal(x) then
						seen[x] = true
						out[#out + 1] = x.key
					elseif x.kind == "process" and level0(x) ~= level0(p) and not is_model(x) then
						local fetched = fetches_outside(x)
						if fetched[1] then
							seen[x] = true
							out[#out + 1] = x.key .. " (reads " .. some_keys(fetched) .. ")"
						end
					end
				end
			end
		end
	end
	return out
end

-- The prompt flow f's sender, when f is a prompt: a flow into a drawn
-- model (T.is_llm) from a process or an external, not the model's answer
-- to a call of its own. (An agent that is its own model is judged on the
-- agent, not on the flows into it.)
local function prompt_sender(f)
	local t, s = f.target, f.source
	if not (t and s and t ~= s and is_node(t) and T.is_llm(t)) or is_response(f) then return nil end
	if in_process(f) then return nil end
	return s
end

-- Direct input: people send the prompt, or their requests reach its sender.
local function from_people(s, m)
	if s.kind == "external" then return T.is_human(s) end
	return s.kind == "process" and (T.serves_users(s, m) or T.serves_users(level0(s), m))
end

-- True when untrusted text reaches model v: a prompt into it from people
-- or with content from outside, or, for an agent that is its own model,
-- people's requests or content from outside reaching the agent.
local takes_untrusted = T.memo(function(v, m)
	if v.kind == "process" and T.is_agent(v) and is_model(v) then
		return from_people(v, m) or outside_content(v, nil, m)[1] ~= nil
	end
	for _, f in ipairs(v.inflows or {}) do
		local s = f.target == v and prompt_sender(f)
		if s and (from_people(s, m) or (s.kind == "process" and outside_content(s, f, m)[1] ~= nil)) then
			return true
		end
	end
	return false
end)

-- A control stated on the prompt, its sender (or the sender's program), or
-- the model.
local function stated_on_prompt(f, name)
	return yes(f, name) or has(f.source, name) or has(f.target, name)
end

-- Where people's text reaches a model with no `control` stated: v itself
-- for an agent that is its own model (the diagram draws no model behind
-- it) and that people's requests reach; the sender for a prompt (a flow
-- into a model) that people write or whose sender serves people; else nil.
local function people_prompt(v, m, control)
	if v.kind == "process" then
		if not (T.is_agent(v) and is_model(v)) or has(v, control) then return nil end
		return from_people(v, m) and v or nil
	end
	local s = prompt_sender(v)
	if not s or not from_people(s, m) or stated_on_prompt(v, control) then return nil end
	return s
end

-- ---------------------------------------------------------------------------
-- Rules.

local REFS_INJECTION = { "OWASP LLM01:2025", "CWE-1427", "CWE-77" }


rule {
	id = "LLM-01",
	category = "tampering",
	applies = { "flow", "process" },
	title = "Direct prompt injection",
	description = "People's input reaches a language model: they can write instructions that "
		.. "override the prompt's (\"ignore the above\"), to make it leak what the prompt "
		.. "carries, say what it must not, or misuse the tools it steers. Raised on a flow into "
		.. "a model (`kind llm`, a model `tech`) whose sender is a person or a process that "
		.. "people's requests reach, and on an agent whose model the diagram does not draw "
		.. "when people's requests reach it. Answered by `prompt_guard` on the flow, its "
		.. "sender or the model (an agent: on the agent).",
	only_if = about_llms,
	when = function(v, m)
		local s = people_prompt(v, m, "prompt_guard")
		if not s then return false end
		if s == v then
			return "people's requests reach " .. v.key .. ", which states no `prompt_guard`"
		end
		if s.kind == "external" then
			return s.key .. " writes the prompt of " .. v.target.key .. " without `prompt_guard`"
		end
		return "people's requests reach " .. s.key .. ", which prompts " .. v.target.key
			.. " without `prompt_guard`"
	end,
	likelihood = T.likelihood_factors { skill = 1, motive = 2, discoverability = 3 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Keep untrusted text apart from the instructions (delimit or mark it, never "
		.. "concatenate it into the system prompt), screen it for injection before it reaches "
		.. "the model, and give the model no more data or authority than the person sending "
		.. "the text has: authorise what it does outside the model, not through the prompt.",
	refs = REFS_INJECTION,
}

rule {
	id = "LLM-02",
	category = "tampering",
	applies = { "flow", "process" },
	title = "Indirect prompt injection",
	description = "Content the team does not write reaches a language model: stored user "
		.. "content, retrieved documents, fetched web pages, e-mails, tool results. Whoever "
		.. "wrote it can plant instructions the model follows when it reads them, with the "
		.. "authority of whoever asked. Raised on a flow into a model whose sender's program "
		.. "reads such content (a store written from outside, an external system's answers, "
		.. "a tool that fetches from one; when the prompt states `data`, only content sharing an asset "
		.. "with it), and on an agent whose model is not drawn that reads it. Answered by "
		.. "`prompt_guard` on the flow, its sender or the model (an agent: on the agent).",
	only_if = about_llms,
	when = function(v, m)
		local found, target
		if v.kind == "process" then
			if not (T.is_agent(v) and is_model(v)) or has(v, "prompt_guard") then return false end
			if v.parent then return false end -- the agent's program is judged whole
			found, target = outside_content(v, nil, m), v.key
		else
			local s = prompt_sender(v)
			if not s or s.kind ~= "process" or stated_on_prompt(v, "prompt_guard") then return false end
			found, target = outside_content(s, v, m), v.target.key
		end
		if found[1] == nil then return false end
		return "content from " .. concat(found, ", ") .. " reaches " .. target
			.. " without `prompt_guard`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Treat retrieved and stored content as data, never as instructions: mark it "
		.. "as quoted input, screen it before it reaches the model, strip what can carry hidden "
		.. "instructions (markup, invisible text), and require a person's confirmation before "
		.. "anything the model decides after reading it changes data or leaves the system.",
	refs = REFS_INJECTION,
}

rule {
	id = "LLM-03",
	category = "information_disclosure",
	applies = "flow",
	title = "Sensitive data sent to a third-party model",
	description = "The flow hands personal or high/critical data to a model run by a provider "
		.. "(an external of `kind llm` or a model `tech`), which may keep prompts, show them "
		.. "to its staff or train on them. Raised on flows to such a model (either end of a "
		.. "`<->` flow) carrying such assets. Answered by `minimised true` on the flow (the "
		.. "data is removed or pseudonymised before the prompt is sent) or `zero_retention "
		.. "true` on the flow or the model (the provider keeps nothing and trains on nothing). "
		.. "With this pack loaded, stride's STRIDE-I-02 leaves these flows to it.",
	only_if = about_llms,
	when = function(f, m)
		if not f.pii and f.max_sensitivity ~= "high" and f.max_sensitivity ~= "critical" then
			return false
		end
		local s, t = f.source, f.target
		local provider = (t and t.kind == "external" and T.is_llm(t)) and t
			or (f.bidirectional and s and s.kind == "external" and T.is_llm(s) and s) or nil
		if not provider then return false end
		if yes(f, "minimised") or yes(f, "minimized") or yes(f, "zero_retention")
			or yes(provider, "zero_retention") then
			return false
		end
		local carried = {}
		for _, a in ipairs(f.assets) do
			if a.pii or a.sensitivity == "high" or a.sensitivity == "critical" then
				carried[#carried + 1] = a.key
			end
		end
		if carried[1] == nil then return false end
		return concat(carried, ", ") .. " sent to " .. provider.key
			.. " without `minimised true` or `zero_retention true`"
	end,
	-- the data is exposed where the provider keeps it, as with any processor
	likelihood = { skill = 1, motive = 2, opportunity = 2, population = 1, discoverability = 1 },
	impact = T.impact_factors(),
	mitigation = "Remove or pseudonymise personal and confidential data before it goes into "
		.. "a prompt, and use the provider only under terms that exclude retention and "
		.. "training (or host the model yourself); cover the transfer by a processing agreement.",
	refs = { "OWASP LLM02:2025", "CWE-359", "CWE-201" },
}

-- Where a program sends model output: to people (shown), to a query
-- language (a SQL, NoSQL or directory store), to a tool that executes.
local EXECUTE = T.set { "execute" }

-- The person x shows what it gets to: x itself, or the person at the other
-- end of a gateway (a CDN, WAF, load balancer) that x is.
local function facing_person(x)
	if x.kind == "external" then return T.is_human(x) and x or nil end
	if x.kind ~= "process" or not T.is_gateway(x) then return nil end
	for _, f in ipairs(T.flows(x)) do
		local y = T.other(f, x)
		if y and y.kind == "external" and T.is_human(y) then return y end
	end
	return nil
end

local function shown_to(x)
	local person = facing_person(x)
	if person == nil then return nil end
	if person == x then return "shown to " .. x.key end
	return "shown to " .. person.key .. " through " .. x.key
end

-- Where flow h of a program's part sends model output: to people (shown),
-- into queries that are not parameterised (a SQL, NoSQL or directory
-- store), to a tool that executes it.
local function sink(h, part)
	local s, t = h.source, h.target
	if in_process(h) then return nil end
	if s == part and t then
		local shown = shown_to(t)
		if shown then return shown end
		if is_response(h) then return nil end
		if t.kind == "store" and (T.is_sql(t) or T.is_nosql(t) or T.is_ldap(t))
			and not (yes(h, "parameterized") or has(part, "parameterized") or yes(h, "orm")
				or has(part, "orm")) then
			return "used in queries to " .. t.key
		end
		if is(h, "tool_scope", EXECUTE) or is(t, "tool_scope", EXECUTE) then
			return "executed by " .. t.key
		end
	elseif t == part and h.bidirectional and s then
		return shown_to(s)
	end
	return nil
end

-- True when what element x sends is the output of a model that takes
-- untrusted text: such a model, or an agent that relays one's answers.
local relays_untrusted_output = T.memo(function(x, m)
	if not is_node(x) then return false end
	if is_model(x) then return takes_untrusted(x, m) end
	if not T.is_agent(x) then return false end
	for _, part in ipairs(parts_of(level0(x))) do
		for _, f in ipairs(part.outflows or {}) do
			local t = f.target
			if f.source == part and t and is_node(t) and T.is_llm(t) and takes_untrusted(t, m) then
				return true
			end
		end
	end
	return false
end)

-- The flows that bring such output to process p, unless its sender
-- validates it.
local function model_output(p, m)
	local out = {}
	for _, g in ipairs(T.flows(p)) do
		local s, t = g.source, g.target
		local from = (t == p and s ~= p and s) or (s == p and g.bidirectional and t) or nil
		if from and level0(from) ~= level0(p) and relays_untrusted_output(from, m)
			and not (from.kind == "process" and has(from, "output_validation")) then
			out[#out + 1] = g
		end
	end
	return out
end

rule {
	id = "LLM-04",
	category = "tampering",
	applies = "process",
	title = "Model output used unchecked",
	description = "A program takes a language model's output and passes it on: into pages "
		.. "people see (cross-site scripting, links that leak data), into queries (SQL or "
		.. "NoSQL injection), into a tool that executes it. Whoever steers the model's input "
		.. "(LLM-01, LLM-02) then writes that output. Raised on a process that receives the "
		.. "output of a model that takes untrusted text, directly or relayed by an agent (or "
		.. "is such an agent whose model is not drawn), and whose program sends to "
		.. "people (directly or through a gateway), into queries to a SQL/NoSQL/directory "
		.. "store that are not parameterised (`parameterized true`, `orm`), or to a tool whose "
		.. "`tool_scope` includes "
		.. "`execute` (when both flows state `data`, only when they share an asset). Answered "
		.. "by `output_validation` on the process, on either flow, or on the agent that "
		.. "relays the output.",
	only_if = about_llms,
	when = function(p, m)
		if has(p, "output_validation") then return false end
		local outputs = model_output(p, m)
		local own = T.is_agent(p) and is_model(p) and takes_untrusted(p, m)
		if outputs[1] == nil and not own then return false end
		local found, seen = {}, {}
		for _, part in ipairs(parts_of(level0(p))) do
			for _, h in ipairs(T.flows(part)) do
				local where = not yes(h, "output_validation") and sink(h, part)
				if where and not seen[where] then
					local carried = own
					for _, g in ipairs(outputs) do
						if not yes(g, "output_validation") and (not T.stated(g, "data")
							or not T.stated(h, "data") or share_data(g, h)) then
							carried = true
						end
					end
					if carried then
						seen[where] = true
						found[#found + 1] = where
					end
				end
			end
		end
		if found[1] == nil then return false end
		local from = {}
		for i, g in ipairs(outputs) do from[i] = T.other(g, p).key end
		local whose = from[1] and ("output of " .. concat(from, ", ")) or ("output of " .. p.key .. "'s model")
		return whose .. " is " .. concat(found, ", ") .. " without `output_validation`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Treat model output as untrusted input: validate it against a schema or an "
		.. "allowlist of actions, encode it for where it goes (HTML escaping, no raw markdown "
		.. "links or images), pass it to queries only as parameters, and never to a shell or "
		.. "interpreter outside a sandbox.",
	refs = { "OWASP LLM05:2025", "CWE-79", "CWE-89", "CWE-78", "CWE-94" },
}

local READ_ONLY = T.set { "read" }

-- What an agent's call h can do: the `tool_scope` words of the flow, else
-- of its target; unstated, `read` for a `readonly true` flow, else `write`.
local function actions(h, t)
	local x = T.value(h, "tool_scope")
	if x == nil then x = T.value(t, "tool_scope") end
	if x == nil then return { yes(h, "readonly") and "read" or "write" }, false end
	if type(x) == "string" then return { x:lower() }, true end
	local out = {}
	for _, w in ipairs(x) do
		if type(w) == "string" then out[#out + 1] = w:lower() end
	end
	return out, true
end

rule {
	id = "LLM-05",
	category = "elevation_of_privilege",
	applies = "process",
	requires = { kind = { "agent", "ai_agent", "llm_agent" } },
	title = "Excessive agency of an agent's tools",
	description = "An agent's model decides which tools to call, and a manipulated or "
		.. "mistaken model calls them: tools that write, delete, send, pay or execute act "
		.. "without anyone deciding to. Raised on an agent (`kind agent`) whose program sends "
		.. "requests to a tool, store or system that can do more than read (its `tool_scope` "
		.. "on the flow or the target; unstated, a call that is not `readonly true` counts as "
		.. "a write). Answered by `human_approval` on the flow, the tool or the agent, or by a "
		.. "`tool_scope` of `read` where reading is all the task needs.",
	only_if = about_llms,
	when = function(p, m)
		if p.parent or has(p, "human_approval") then return false end
		local found = {}
		for _, part in ipairs(parts_of(p)) do
			for _, h in ipairs(part.outflows or {}) do
				local t = h.target
				if h.source == part and t and not in_process(h) and not is_response(h)
					and not (is_node(t) and T.is_llm(t))
					and not yes(h, "human_approval") and not has(t, "human_approval") then
					local words, said = actions(h, t)
					local acting = {}
					for _, w in ipairs(words) do
						if not READ_ONLY[w] then acting[#acting + 1] = w end
					end
					if acting[1] then
						found[#found + 1] = h.key .. " (" .. concat(acting, ", ")
							.. (said and "" or ": no `tool_scope` stated") .. ")"
					end
				end
			end
		end
		if found[1] == nil then return false end
		return concat(found, ", ") .. " without `human_approval`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = { "data", 2 }, financial = 2 },
	mitigation = "Give the agent only the tools the task needs, each with the narrowest "
		.. "permissions (read-only where reading is enough, acting with the user's own rights, "
		.. "not a service account's), and have a person confirm every action that changes "
		.. "data, sends messages, pays or executes.",
	refs = { "OWASP LLM06:2025", "CWE-250", "CWE-269" },
}

local PROMPT_KIND = T.set { "system_prompt", "prompt", "instructions" }
local SENSITIVE = T.set { "medium", "high", "critical" }

rule {
	id = "LLM-06",
	category = "information_disclosure",
	applies = "flow",
	title = "System prompt leakage",
	description = "The prompt carries what its readers must not see: credentials, or "
		.. "instructions and rules of some sensitivity. Whoever can write to the model "
		.. "(LLM-01, LLM-02) can ask it to repeat them, and no instruction stops that "
		.. "reliably. Raised on a flow into a model that takes untrusted text and carries a "
		.. "secret asset (`secret true`, a secret `kind`) or a prompt asset (`kind "
		.. "system_prompt`, `prompt`, `instructions`) of medium sensitivity or more. Answered "
		.. "by moving the secret out of the prompt (out of the flow's `data`) and keeping "
		.. "in it only what may be shown (the prompt asset's `sensitivity low`).",
	only_if = about_llms,
	when = function(f, m)
		local s = prompt_sender(f)
		if not s or f.assets[1] == nil then return false end
		local leaked = {}
		for _, a in ipairs(f.assets) do
			if T.is_secret(a) or (is(a, "kind", PROMPT_KIND) and SENSITIVE[a.sensitivity or "low"]) then
				leaked[#leaked + 1] = a.key
			end
		end
		if leaked[1] == nil then return false end
		if not from_people(s, m) and not (s.kind == "process" and outside_content(s, f, m)[1]) then
			return false
		end
		return concat(leaked, ", ") .. " in the prompt of " .. f.target.key
			.. ", which takes untrusted text"
	end,
	likelihood = T.likelihood_factors { skill = 1, motive = 2, discoverability = 2 },
	impact = T.impact_factors(),
	mitigation = "Keep credentials and confidential rules out of prompts: the code around the "
		.. "model holds the keys and enforces the rules (authorisation, limits) itself, and "
		.. "the prompt says only what may be read back.",
	refs = { "OWASP LLM07:2025", "CWE-200", "CWE-522" },
}

rule {
	id = "LLM-07",
	category = "denial_of_service",
	applies = { "flow", "process" },
	title = "Unbounded consumption",
	description = "People can make the application call a model as often and with as much "
		.. "text as they like: each call costs money and capacity, so a script can run up "
		.. "the bill, exhaust the quota for everyone, or copy the model's behaviour. Raised "
		.. "on a flow into a model whose sender is a person or serves people, and on an "
		.. "agent whose model is not drawn that people reach. Answered by `token_limit` on the "
		.. "flow, its sender or the model, or `rate_limit` on the flow.",
	only_if = about_llms,
	when = function(v, m)
		local s = people_prompt(v, m, "token_limit")
		if not s then return false end
		if s == v then
			return "people's requests reach " .. v.key .. ", which states no `token_limit`"
		end
		if yes(v, "rate_limit") then return false end
		return "people's requests reach " .. v.target.key .. " through " .. v.key
			.. " without `token_limit`"
	end,
	likelihood = T.likelihood_factors { skill = 1, motive = 2, discoverability = 2 },
	impact = { availability = 2, financial = 2 },
	mitigation = "Bound every use of the model: the size of each prompt and answer, the "
		.. "requests and tokens per user and per period, and a spending cap at the provider, "
		.. "with an alert before it is reached.",
	refs = { "OWASP LLM10:2025", "CWE-400", "CWE-770" },
}

rule {
	id = "LLM-08",
	category = "tampering",
	applies = "store",
	title = "Poisoned retrieval data",
	description = "A vector store that retrieval reads into prompts is fed with content from "
		.. "outside: uploads, crawled pages, e-mails, tickets. A planted document then "
		.. "answers questions with false facts or hidden instructions (LLM-02) for everyone "
		.. "who asks. Raised on a vector store (`kind vector_store`, a vector `tech`) written "
		.. "by an external or by a program that takes input from outside. Answered by "
		.. "`ingest_validation` on the store, the flow that feeds it or the program that "
		.. "indexes (what is indexed is checked and its source recorded).",
	only_if = about_llms,
	when = function(s, m)
		if not T.is_vector_store(s) or yes(s, "ingest_validation") then
			return false
		end
		local found = {}
		for _, f in ipairs(outside_writes(s, m)) do
			if not yes(f, "ingest_validation") and not has(f.source, "ingest_validation") then
				found[#found + 1] = f.key
			end
		end
		if found[1] == nil then return false end
		return s.key .. " is fed from outside by " .. concat(found, ", ")
			.. " without `ingest_validation`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Index only content from sources you trust or have checked: validate and "
		.. "clean what is ingested, record each document's source and who added it, keep "
		.. "tenants' documents apart, and be able to find and remove everything a source added.",
	refs = { "OWASP LLM08:2025", "OWASP LLM04:2025", "CWE-345" },
}

rule {
	id = "LLM-09",
	category = "tampering",
	applies = "process",
	title = "Model weights from an unverified source",
	description = "The team runs a model (a process of `kind llm` or a model `tech`) whose "
		.. "weights come from outside: a public hub, a vendor, a fine-tuning run on data "
		.. "others wrote. Tampered weights answer as their author wants (approve what they "
		.. "should block, leak what they see), and some weight formats run code when they "
		.. "are loaded. Raised on every self-hosted model that does not state "
		.. "`model_provenance` (the weights' source is pinned and verified: a hash, a "
		.. "signature, an internal registry). A provider's model (an external) is the "
		.. "provider's to verify.",
	only_if = about_llms,
	when = function(p, m)
		if not T.is_llm(p) or p.parent then return false end
		if has(p, "model_provenance") then return false end
		return p.key .. " runs a model whose weights state no `model_provenance`"
	end,
	-- reaching the weights means reaching a hub account or the supply chain,
	-- not the application: the exposure of the model says nothing of it
	likelihood = { skill = 2, motive = 2, opportunity = 2, population = 1, discoverability = 1 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Take weights only from sources you trust, pin them by hash or signature "
		.. "and verify that at every load, prefer formats that cannot run code "
		.. "(safetensors rather than pickle), and keep the model's fine-tuning data to "
		.. "sources you control.",
	refs = { "OWASP LLM03:2025", "OWASP LLM04:2025", "CWE-494", "CWE-502" },
}
