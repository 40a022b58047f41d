-- ge-stack: the team's standard stack (Next.js + Hono + PostgreSQL on k3s),
-- after shared/seed APPLYING_STRIDE_TO_GE_STACK: every CHECK question, and
-- the threat lines they guard against, keyed on the element's `tech`.
--
-- Each setting the seed asks about is one attribute, and gives two rules:
--
--   GE-<TECH>-0N  a threat (a STRIDE category, the seed's threat line as
--                 title) when the model states a bad value;
--   GE-<TECH>-1N  a `check` (the seed's CHECK question as title) when the
--                 model does not state it at all.
--
-- A good value is silent. So `productionBrowserSourceMaps true` raises
-- GE-NEXT-01, leaving it out raises GE-NEXT-11, and `false` raises nothing.
-- The seed's threat lines that no CHECK names have settings of their own
-- (ReDoS, render loops, JWT algorithm confusion, verbose logging, client
-- certificates, column access and encryption, the two query limits).
--
--   tech        element            attributes
--   nextjs      process            productionBrowserSourceMaps, auth_middleware, public_env,
--                                  safe_regex, hooks_lint
--   hono        process            auth, body_limit, validation, rate_limit,
--                                  jwt_algorithms, log_level
--   postgresql  store              rls, role, tls, slow_query_log, client_cert,
--                                  column_grants, column_encryption, connection_limit,
--                                  statement_timeout
--   k3s         process, boundary  network_policies, pod_security, run_as_root,
--                                  resource_limits, image_signing, secrets_as_env,
--                                  registries
--   (hosting)   model              the k3s attributes, as GE-HOST-0N/1N, when the
--                                  model's `hosting` names k3s and no element has
--                                  `tech k3s`
--
-- Attributes are read on the element with the `tech`. A child process
-- (the Hono app's route groups, its data access layer, a workload inside
-- the cluster's process) is a part of the same program: it is not asked
-- the questions again. But a part that refuses a control its program
-- states (`auth none`, `validation none`, `body_limit none` on a Hono
-- route group, `run_as_root true` on a workload) raises that threat on
-- itself. The seed's threat lines that apply to any stack (XSS and cookie
-- theft, error pages and stack traces, SQL injection, missing audit
-- trail...) are the stride pack's rules; doc/stack-and-privacy.md maps them.
--
-- Scoring: threats follow the element (opportunity and population from
-- exposure, confidentiality from the data it touches); checks are open
-- questions, scored LOW (likelihood Low x impact Medium) for settings that
-- guard authentication, authorisation or the data, INFO (Low x Low) for
-- the rest.

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local type, ipairs, pairs, tostring, setmetatable = type, ipairs, pairs, tostring, setmetatable

pack {
	name = "ge-stack",
	version = "1.0",
	description = "The GE stack's CHECK items for Next.js, Hono, PostgreSQL and k3s, keyed on "
		.. "`tech`: a bad setting is a threat, an unstated one an open question",
}

-- The attributes the rules read (besides threatlib's and the language's).
attribute {
	{ name = "productionBrowserSourceMaps", applies = "process", type = "bool",
		doc = "Next.js ships source maps to browsers (want `false`)" },
	{ name = "auth_middleware", applies = "process", type = "bool",
		doc = "Next.js middleware checks the session on protected routes" },
	{ name = "public_env", applies = "process", type = "list",
		doc = "the `NEXT_PUBLIC_` variables: each must be truly public" },
	{ name = "body_limit", applies = { "process", "flow" }, type = "control",
		doc = "the largest request body accepted: `\"1mb\"`" },
	{ name = "validation", applies = { "process", "flow" }, type = "control",
		doc = "input validation: `zod`, `valibot`, `true`..." },
	{ name = "rate_limit", applies = { "process", "flow" }, type = "control",
		doc = "requests are rate-limited" },
	{ name = "rls", applies = "store", type = "bool",
		doc = "row-level security is enforced" },
	{ name = "role", applies = { "store", "flow", "external" }, type = "text",
		doc = "the database role the application connects as (not a superuser)" },
	{ name = "slow_query_log", applies = "store", type = "control",
		doc = "slow queries are logged" },
	{ name = "safe_regex", applies = "process", type = "control",
		doc = "regular expressions that match user input are checked for catastrophic "
			.. "backtracking (a linter, or a linear-time engine)" },
	{ name = "hooks_lint", applies = "process", type = "control",
		doc = "the React hooks lint rules (rules-of-hooks, exhaustive-deps) fail the build" },
	{ name = "jwt_algorithms", applies = "process", type = "list",
		doc = "the algorithms the JWT verifier accepts: `[\"RS256\"]`" },
	{ name = "log_level", applies = "process", type = "enum",
		values = { "trace", "debug", "verbose", "info", "notice", "warn", "warning", "error", "fatal" },
		doc = "the production log level (want `info` or above)" },
	{ name = "client_cert", applies = { "store", "flow" }, type = "control",
		doc = "clients authenticate with certificates the server verifies" },
	{ name = "column_grants", applies = "store", type = "control",
		doc = "the application's role is granted only the columns it uses" },
	{ name = "column_encryption", applies = "store", type = "control",
		doc = "personal data is encrypted column by column (not only the disk)" },
	{ name = "statement_timeout", applies = "store", type = "control",
		doc = "queries are cut off after a time limit" },
	{ name = "connection_limit", applies = "store", type = "control",
		doc = "the number of connections is limited" },
	{ name = "network_policies", applies = { "process", "boundary", "model" }, type = "control",
		doc = "Kubernetes network policies restrict pod traffic" },
	{ name = "pod_security", applies = { "process", "boundary", "model" }, type = "enum", values = { "restricted", "baseline", "privileged" },
		doc = "the Pod Security Standard enforced (want `restricted`)" },
	{ name = "run_as_root", applies = { "process", "boundary", "model" }, type = "bool",
		doc = "the program runs as root" },
	{ name = "resource_limits", applies = { "process", "boundary", "model" }, type = "control",
		doc = "pods have CPU and memory limits" },
	{ name = "image_signing", applies = { "process", "boundary", "model" }, type = "control",
		doc = "only signed images are admitted" },
	{ name = "secrets_as_env", applies = { "process", "boundary", "model" }, type = "bool",
		doc = "secrets are passed as environment variables (want `false`)" },
	{ name = "registries", applies = { "process", "boundary", "model" }, type = "list",
		doc = "the registries images may come from" },
}

-- Words that say a control covers only part of what it should (`rls
-- partial`, `validation some`): as bad as none.
local PARTIAL = T.set { "partial", "partly", "some", "incomplete", "mixed", "optional" }

-- The state of a setting: "unstated", "good" or "bad". `want` is true for
-- settings that should be on (`rls true`), false for those that should be
-- off (`run_as_root false`).
local function setting(v, name, want)
	local x = T.value(v, name)
	if x == nil then return "unstated" end
	-- Most settings are stated `true` or `false`: no word to look up.
	if type(x) == "boolean" then return x == want and "good" or "bad" end
	if T.is(v, name, PARTIAL) then return "bad" end
	local on = T.yes(v, name)
	if on == want then return "good" end
	return "bad"
end

-- Shows a stated value in a detail: `rls false`, `pod_security baseline`.
local function shown(v, name)
	local x = T.value(v, name)
	if type(x) == "table" then
		local parts = {}
		for i, w in ipairs(x) do parts[i] = tostring(w) end
		return "`" .. name .. " [" .. table.concat(parts, ", ") .. "]`"
	end
	return "`" .. name .. " " .. tostring(x) .. "`"
end

-- The detail of a bad value: "api states `rls false`".
local function states_value(v, name) return v.key .. " states " .. shown(v, name) end

local CHECK_LIKELIHOOD = { discoverability = 1 }

-- Registers the pair of rules for one setting (see the header).
--   spec.n          1..9: the threat is GE-<TECH>-0n, the check GE-<TECH>-1n
--   spec.bad(v)     a detail string when the stated value is bad, else nil
--   spec.unstated(v) true when the setting is not stated (default: the
--                   attribute is absent)
--   spec.question   the check's title; spec.answer how to answer it
--   spec.check_impact  impact table of the check
local UNSTATED, GOOD = {}, {}

local function setting_rules(stack, spec)
	local id = string.format("%s-%02d", stack.prefix, spec.n)
	local check_id = string.format("%s-%02d", stack.prefix, spec.n + 10)
	local verdicts, cache, n = stack.verdicts, stack.verdict_cache, spec.n
	local attr = spec.attr
	-- Most models use few of the stack's technologies: the rules of a
	-- `tech` the model never names are left out of the run (`only_if`).
	local in_model = stack.in_model
	-- The engine calls `when` only for elements that state one of the
	-- stack's `tech` words (doc/rules.md, `requires`): the others are never
	-- members, so the rules would answer false for them anyway. A threat
	-- that a part of a member may raise (a Hono route group's `auth none`)
	-- is asked of every element of its kinds, since parts rarely state a
	-- `tech`; a model rule has no filter.
	local requires = stack.tech_words and { tech = stack.tech_words } or nil
	local answer = spec.answer
	if stack.answer_where then answer = answer:gsub(" on the cluster", stack.answer_where) end
	rule {
		id = id,
		framework = "STRIDE",
		category = spec.category,
		applies = stack.applies,
		title = spec.title,
		description = spec.description .. (stack.also or "") .. " The open question when `"
			.. attr .. "` is not stated is " .. check_id .. ".",
		requires = not spec.parts and requires or nil,
		only_if = in_model,
		when = function(v)
			local r = (cache[v] or verdicts(v))[n]
			if r == false or r == UNSTATED or r == GOOD then return false end
			return r
		end,
		likelihood = spec.likelihood,
		impact = spec.impact,
		mitigation = spec.mitigation .. " Then state " .. answer .. ".",
		refs = spec.refs,
	}
	rule {
		id = check_id,
		framework = "STRIDE",
		category = "check",
		applies = stack.applies,
		title = spec.question,
		description = "Open question of " .. id .. " (" .. spec.title .. ") for " .. stack.where
			.. " that do not state `" .. attr .. "`" .. (spec.asked_when or "") .. ". Answered by "
			.. answer .. "; a bad value raises " .. id .. " instead.",
		requires = requires,
		only_if = in_model,
		when = function(v)
			if (cache[v] or verdicts(v))[n] ~= UNSTATED then return false end
			local named = stack.named
			if type(named) == "function" then named = named(v) end
			return stack.subject(v).key .. " (" .. named .. ") states no `" .. attr .. "`"
		end,
		likelihood = CHECK_LIKELIHOOD,
		impact = spec.check_impact,
		mitigation = "Look the setting up (code, configuration or cluster) and state it as "
			.. answer .. ". " .. spec.mitigation,
		refs = spec.refs,
	}
end

-- A simple on/off setting: bad when the stated value is the wrong one.
local function onoff(want)
	return function(spec)
		return function(v)
			if setting(v, spec.attr, want) ~= "bad" then return nil end
			return states_value(v, spec.attr)
		end
	end
end

-- What an element is to a stack of processes: true for a member (it has
-- one of the stack's `tech` words, and no enclosing process has), the
-- member's view for a part of a member (`api.admin` inside the Hono app
-- `api`, with or without a `tech` of its own), false otherwise.
local function stack_members(techs)
	return T.memo(function(v)
		local top = T.is(v, "tech", techs) and v or false
		local up = T.parent(v)
		while up do
			if T.is(up, "tech", techs) then top = up end
			up = T.parent(up)
		end
		if top == v then return true end
		return top
	end)
end

-- The verdicts of all of a stack's settings on an element, computed
-- together once: a table indexed by the setting's number, each false (the
-- element is not asked), UNSTATED, GOOD, or the bad value's detail.
--
-- A part of a member is asked only about the settings marked `parts`, and
-- only whether it refuses one that its program does not already get a
-- threat for: a route group that states `auth none` under an app with
-- `auth jwt` raises the threat on the route group. Parts are never asked
-- the open questions: the program answers for them.
--
-- Returns the function and its cache (weak keys, as T.memo's), which the
-- rules read first: each of a stack's rules asks about every element.
local NOT_ASKED = setmetatable({}, { __index = function() return false end })
local function stack_verdicts(stack)
	local members = stack.members or stack_members(stack.tech)
	local subject = stack.subject
	local cache = setmetatable({}, { __mode = "k" })
	local verdicts
	local function compute(x)
		local role = members(x)
		if not role then return NOT_ASKED end
		local v = subject(x)
		local out = {}
		if role ~= true then
			local program = verdicts(role)
			local settings = stack.settings
			for i = 1, #settings do
				local spec = settings[i]
				local up = program[spec.n]
				out[spec.n] = spec.parts and T.stated(v, spec.attr)
					and (up == GOOD or up == UNSTATED) and spec.bad(v) or false
			end
			return out
		end
		-- The element's attributes are read once for all its settings; an
		-- on/off setting stated `true` or `false` is judged here, as its
		-- `bad` would judge it.
		local attr = v.attr
		local settings = stack.settings
		for i = 1, #settings do
			local spec = settings[i]
			local x = attr and attr[spec.attr]
			if spec.asked and not spec.asked(v) then
				out[spec.n] = false
			elseif spec.unstated and spec.unstated(v) or not spec.unstated and x == nil then
				out[spec.n] = UNSTATED
			elseif spec.onoff and type(x) == "boolean" then
				out[spec.n] = x ~= spec.want and states_value(v, spec.attr) or GOOD
			else
				out[spec.n] = spec.bad(v) or GOOD
			end
		end
		return out
	end
	verdicts = function(x)
		local r = cache[x]
		if r == nil then
			r = compute(x)
			cache[x] = r
		end
		return r
	end
	return verdicts, cache
end

local function identity(v) return v end

local function add(stack, spec)
	if spec.bad == nil then
		spec.bad = onoff(spec.want)(spec)
		spec.onoff = true
	end
	if stack.settings == nil then
		stack.settings = {}
		if not stack.members then
			local words = {}
			for w in pairs(stack.tech) do words[#words + 1] = w end
			table.sort(words)
			stack.tech_words = words
			local tech = stack.tech
			stack.in_model = function(m) return T.model_uses(m, "tech", tech) end
			stack.where = "elements with `tech " .. stack.name .. "`"
			stack.named = "tech " .. stack.name
		end
		stack.subject = stack.subject or identity
		stack.verdicts, stack.verdict_cache = stack_verdicts(stack)
	end
	stack.settings[#stack.settings + 1] = spec
	setting_rules(stack, spec)
	-- The stride pack's generic rule for the same attribute leaves these
	-- elements (and their parts) to this pack (threatlib, "Claims").
	if stack.claims and stack.claims[spec.attr] then T.claim(spec.attr, stack.tech) end
end

-- ===========================================================================
-- Next.js front end

local NEXT = { prefix = "GE-NEXT", name = "nextjs", applies = "process",
	tech = T.set { "nextjs", "next", "next.js" } }

add(NEXT, {
	n = 1,
	attr = "productionBrowserSourceMaps",
	want = false,
	category = "information_disclosure",
	title = "Source maps in production",
	description = "next.config.js sets productionBrowserSourceMaps to true, so the production "
		.. "build serves .map files: anyone can read the application's original source, "
		.. "comments and internal route names, and find its weak spots faster. Raised by "
		.. "`productionBrowserSourceMaps true`; `false` is the safe value.",
	-- Trivial to fetch and obvious; the gain is reconnaissance.
	likelihood = T.likelihood_factors { skill = 3, motive = 1, discoverability = 2 },
	impact = { confidentiality = 2 },
	mitigation = "Set productionBrowserSourceMaps: false (the default); upload source maps to "
		.. "the error tracker privately instead of serving them.",
	refs = { "CWE-540", "OWASP A05:2021" },
	question = "Is next.config.js productionBrowserSourceMaps set to false?",
	answer = "`productionBrowserSourceMaps false` on the process",
	check_impact = { confidentiality = 1 },
})

add(NEXT, {
	n = 2,
	attr = "auth_middleware",
	want = true,
	category = "elevation_of_privilege",
	title = "Admin routes accessible without server-side auth check",
	description = "The Next.js app states `auth_middleware false`: its API routes and admin "
		.. "pages rely on the client (hidden links, client-side redirects) instead of a "
		.. "server-side session check, so anyone who calls the route directly gets through.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Check the session server-side in middleware.ts for every protected path "
		.. "(matcher covering /api and /admin) and again in each route handler and server "
		.. "action that changes data; deny by default.",
	refs = { "CWE-306", "CWE-862", "OWASP A01:2021", "ASVS V4.1" },
	question = "Are Next.js API routes protected with middleware auth?",
	answer = "`auth_middleware true` on the process",
	check_impact = { integrity = 2 },
})

-- A NEXT_PUBLIC_ variable is compiled into the browser bundle. Names whose
-- words say key, secret, token, password... are secrets made public, unless
-- a word says the value is meant to be public (Stripe's publishable key,
-- Supabase's anon key).
local SECRET_WORDS = T.set { "KEY", "APIKEY", "SECRET", "SECRETS", "TOKEN", "TOKENS",
	"PASSWORD", "PASSWD", "PWD", "PASS", "PRIVATE", "CREDENTIAL", "CREDENTIALS", "SIGNING",
	"JWT", "AUTH_SECRET" }
local PUBLIC_WORDS = T.set { "PUBLISHABLE", "ANON" }
local PREFIX = "NEXT_PUBLIC_"

local function secret_public_env(name)
	if type(name) ~= "string" then return false end
	-- Next.js inlines only names that start with NEXT_PUBLIC_ exactly.
	if name:sub(1, #PREFIX) ~= PREFIX then return false end
	local secret = false
	for word in name:sub(#PREFIX + 1):upper():gmatch("[^_]+") do
		if PUBLIC_WORDS[word] then return false end
		if SECRET_WORDS[word] then secret = true end
	end
	return secret
end

add(NEXT, {
	n = 3,
	attr = "public_env",
	category = "information_disclosure",
	title = "Exposed API keys in client bundle",
	description = "`public_env` lists the environment variables the app reads; those prefixed "
		.. "NEXT_PUBLIC_ are inlined into the JavaScript every visitor downloads. Raised when "
		.. "a NEXT_PUBLIC_ name says it holds a secret (a word KEY, SECRET, TOKEN, PASSWORD, "
		.. "PRIVATE, CREDENTIAL...), e.g. NEXT_PUBLIC_API_KEY; names with PUBLISHABLE or ANON "
		.. "are meant to be public, and names without the exact prefix stay on the server.",
	bad = function(v)
		local x = T.list(v, "public_env")
		local bad = {}
		for _, name in ipairs(x) do
			if secret_public_env(name) then bad[#bad + 1] = name end
		end
		if #bad == 0 then return nil end
		return v.key .. " exposes " .. table.concat(bad, ", ") .. " to the browser"
	end,
	-- Anyone can read the bundle, and leaked keys are harvested by bots.
	likelihood = T.likelihood_factors { skill = 3, motive = 3, discoverability = 3 },
	impact = { confidentiality = 3, financial = 2 },
	mitigation = "Keep secrets in server-only variables (no NEXT_PUBLIC_ prefix), read them in "
		.. "route handlers or server components, rotate any key that was ever shipped, and "
		.. "list the remaining NEXT_PUBLIC_ names in `public_env`.",
	refs = { "CWE-200", "CWE-798", "OWASP A05:2021" },
	question = "Are environment variables prefixed correctly (NEXT_PUBLIC_ only for truly "
		.. "public values)?",
	answer = "`public_env [...]` on the process, listing the variables the app reads",
	check_impact = { confidentiality = 2 },
})

add(NEXT, {
	n = 4,
	attr = "safe_regex",
	want = true,
	category = "denial_of_service",
	title = "Client-side ReDoS",
	description = "The app states `safe_regex false`: regular expressions that match user "
		.. "input (form validation, search, routing) may backtrack catastrophically, so one "
		.. "crafted string freezes the page, or, in server components and route handlers, "
		.. "blocks the Node.js event loop for every user.",
	likelihood = T.likelihood_factors { skill = 2, motive = 1, discoverability = 1 },
	impact = { availability = 2 },
	mitigation = "Lint every regular expression for catastrophic backtracking (nested or "
		.. "overlapping quantifiers) in CI, bound the length of input before matching it, and "
		.. "use a linear-time engine (RE2) for patterns built from user input.",
	refs = { "CWE-1333", "CWE-400", "OWASP ReDoS" },
	question = "Are regular expressions that match user input checked for catastrophic "
		.. "backtracking?",
	answer = "`safe_regex true` on the process",
	check_impact = { availability = 1 },
})

add(NEXT, {
	n = 5,
	attr = "hooks_lint",
	want = true,
	category = "denial_of_service",
	title = "Infinite re-render loops",
	description = "The app states `hooks_lint false`: without the React hooks lint rules a "
		.. "state update in an effect with a wrong dependency list renders forever, freezing "
		.. "the browser tab and, when the effect fetches, flooding the API with requests from "
		.. "every open page.",
	likelihood = T.likelihood_factors { skill = 1, motive = 1, discoverability = 1 },
	impact = { availability = 2 },
	mitigation = "Run the React hooks lint rules (rules-of-hooks, exhaustive-deps) as errors in "
		.. "CI, wrap each route in an error boundary, and rate-limit the API per client so a "
		.. "looping page cannot flood it.",
	refs = { "CWE-835", "CWE-400" },
	question = "Do the React hooks lint rules (rules-of-hooks, exhaustive-deps) fail the build?",
	answer = "`hooks_lint true` on the process",
	check_impact = { availability = 1 },
})

-- ===========================================================================
-- Hono API

-- body_limit: STRIDE-D-02 asks the same of any web or API process.
local HONO = { prefix = "GE-HONO", name = "hono", applies = "process", tech = T.set { "hono" },
	claims = { body_limit = true } }

add(HONO, {
	n = 1,
	attr = "auth",
	want = true,
	parts = true,
	category = "spoofing",
	title = "Missing auth middleware on routes",
	description = "The Hono API states `auth none` (or `partial`): route groups without the "
		.. "auth middleware accept requests from anyone, who can then act as any user. A "
		.. "route group (a part of the app) that states `auth none` raises it on its own, "
		.. "whatever the app states.",
	likelihood = T.likelihood_factors { skill = 3, motive = 3, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Mount the JWT middleware (hono/jwt with the algorithm pinned, keys from "
		.. "Keycloak's JWKS) on every route group with app.use('/api/*', ...), list the public "
		.. "routes explicitly, and test that an unauthenticated request to each group gets 401.",
	refs = { "CWE-306", "CWE-287", "OWASP A07:2021", "OWASP API2:2023" },
	question = "Does every Hono route group have auth middleware?",
	answer = "`auth ...` on the process (e.g. `auth jwt`)",
	check_impact = { integrity = 2 },
})

add(HONO, {
	n = 2,
	attr = "body_limit",
	want = true,
	parts = true,
	category = "denial_of_service",
	title = "Unbounded request body size",
	description = "The Hono API states `body_limit none`: a few requests with huge bodies "
		.. "exhaust its memory and take it down for every user. A route group (a part of the "
		.. "app) that states `body_limit none` raises it on its own, whatever the app states.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Use hono/body-limit on every route that reads a body (e.g. 1 MB, more only "
		.. "for upload routes) and reject larger requests with 413.",
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023" },
	question = "Is request body size limited? (c.req.raw.body size check or middleware)",
	answer = "`body_limit ...` on the process (e.g. `body_limit \"1mb\"`)",
	check_impact = { availability = 2 },
})

-- Schema validators the team accepts; the standard is Zod.
local SCHEMA = T.set { "zod", "valibot", "typebox", "arktype", "yup", "joi", "ajv" }

add(HONO, {
	n = 3,
	attr = "validation",
	parts = true,
	category = "tampering",
	title = "Request body manipulation, parameter pollution",
	description = "Requests reach the handlers without a schema for every route (`validation "
		.. "none`, `partial`, `manual`...): extra, repeated or mistyped fields change what the "
		.. "handler does (mass assignment, parameter pollution). Good values name a schema "
		.. "validator applied to ALL routes: `zod` (the team standard), or valibot, typebox, "
		.. "arktype, yup, joi, ajv. A route group (a part of the app) that states another "
		.. "value raises it on its own, whatever the app states.",
	bad = function(v)
		if T.is(v, "validation", SCHEMA) and not T.is(v, "validation", PARTIAL) then return nil end
		return states_value(v, "validation")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { integrity = { "data", 2 } },
	mitigation = "Validate every route's params, query and body with @hono/zod-validator and "
		.. "strict schemas (unknown keys rejected), and pass only the parsed object to the "
		.. "handler.",
	refs = { "CWE-20", "CWE-915", "CWE-235", "OWASP API3:2023", "ASVS V5.1" },
	question = "Are Zod schemas used for ALL request validation?",
	answer = "`validation zod` on the process",
	check_impact = { integrity = 2 },
})

add(HONO, {
	n = 4,
	attr = "rate_limit",
	want = true,
	category = "denial_of_service",
	title = "Missing rate limiting",
	description = "The Hono API states `rate_limit none`: bots can flood it, brute-force "
		.. "logins and scrape data at whatever rate the network allows.",
	likelihood = T.likelihood_factors { skill = 3, motive = 2, discoverability = 3 },
	impact = { availability = 2 },
	mitigation = "Rate-limit per client and per route (a Hono rate-limiter middleware backed "
		.. "by Redis), stricter on login and expensive routes, behind the CDN's limits.",
	refs = { "CWE-770", "CWE-799", "OWASP API4:2023" },
	question = "Is the Hono API rate-limited per client?",
	answer = "`rate_limit ...` on the process (e.g. `rate_limit \"100/min\"`)",
	check_impact = { availability = 1 },
})

-- Bearer-token schemes: the ones a JWT verifier checks.
local JWT_AUTH = T.set { "jwt", "bearer", "oidc", "oauth", "oauth2", "token" }
local ANY_ALG = T.set { "none", "any", "*", "all" }

-- The family of a JWS algorithm: "hmac" for the shared-secret ones,
-- "public" for RSA, ECDSA and EdDSA, nil for none or an unknown name.
local function jwt_family(alg)
	if type(alg) ~= "string" then return nil end
	local a = alg:upper()
	if a:match("^HS%d+$") then return "hmac" end
	if a:match("^[RPE]S%d+$") or a == "EDDSA" or a == "ES256K" then return "public" end
	return nil
end

add(HONO, {
	n = 5,
	attr = "jwt_algorithms",
	-- Asked of APIs that verify bearer tokens; GE-HONO-01/11 ask about the rest.
	asked = function(v) return T.is(v, "auth", JWT_AUTH) end,
	asked_when = " and verify bearer tokens (`auth jwt`, `oidc`, `bearer`...)",
	unstated = function(v) return T.list(v, "jwt_algorithms")[1] == nil end,
	category = "spoofing",
	title = "JWT algorithm confusion",
	description = "The JWT verifier accepts algorithms it should not: `none`, any algorithm, "
		.. "or a shared-secret one (HS256) beside a public-key one (RS256, ES256). An attacker "
		.. "then signs a token with no key, or with the public key used as an HMAC secret, "
		.. "and the API takes it for Keycloak's. Raised when `jwt_algorithms` lists `none`, "
		.. "`any`, an unknown name, or mixes HS* with RS*, PS*, ES* or EdDSA; one family "
		.. "(`[\"RS256\"]`) is silent. Asked of Hono APIs that verify bearer tokens.",
	bad = function(v)
		local x = T.list(v, "jwt_algorithms")
		local families, bad = {}, {}
		for _, alg in ipairs(x) do
			local family = jwt_family(alg)
			if family == nil or ANY_ALG[tostring(alg):lower()] then
				bad[#bad + 1] = tostring(alg)
			else
				families[family] = true
			end
		end
		if #bad > 0 then return v.key .. " accepts " .. table.concat(bad, ", ") end
		if families.hmac and families.public then
			return v.key .. " accepts shared-secret and public-key algorithms together: "
				.. shown(v, "jwt_algorithms")
		end
		return nil
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 3, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Pin the verifier to the one algorithm the identity provider signs with "
		.. "(hono/jwt's `alg`, or jwk() with the JWKS and an allow-list of RS256), reject "
		.. "`none`, and never use a public key as an HMAC secret.",
	refs = { "CWE-347", "CWE-327", "OWASP A02:2021", "OWASP API2:2023" },
	question = "Is the JWT verifier pinned to the algorithm the identity provider signs with?",
	answer = "`jwt_algorithms [\"RS256\"]` on the process",
	check_impact = { integrity = 2 },
})

local QUIET_LEVELS = T.set { "info", "notice", "warn", "warning", "error", "fatal" }

add(HONO, {
	n = 6,
	attr = "log_level",
	category = "information_disclosure",
	title = "Overly verbose logging",
	description = "The API logs at `debug` or `trace` (or `verbose`) in production: request "
		.. "bodies, headers with bearer tokens and cookies, query parameters and SQL end up in "
		.. "the log store, readable by everyone with access to it and kept as long as the "
		.. "logs are. Raised whatever the data is, personal or not (personal data in logs is "
		.. "LINDDUN-I-01's); `info` and above are silent.",
	bad = function(v)
		if T.is(v, "log_level", QUIET_LEVELS) then return nil end
		return states_value(v, "log_level")
	end,
	-- Needs access to the logs first.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = { confidentiality = 2 },
	mitigation = "Log at info in production, never request bodies or the Authorization and "
		.. "Cookie headers (redact them in the logger), and turn debug on per request only, "
		.. "for a limited time.",
	refs = { "CWE-532", "CWE-215", "OWASP A09:2021" },
	question = "Does the API log at info level or above in production, without request bodies "
		.. "or tokens?",
	answer = "`log_level info` on the process",
	check_impact = { confidentiality = 2 },
})

-- ===========================================================================
-- PostgreSQL

-- rls and role: STRIDE-E-02 asks the same of any store; statement_timeout
-- and connection_limit: STRIDE-D-04 asks for either of them.
local PG = { prefix = "GE-PG", name = "postgresql", applies = "store",
	tech = T.set { "postgresql", "postgres" },
	claims = { rls = true, role = true, statement_timeout = true, connection_limit = true } }

-- Flows that reach the store over the network (not within one program).
local access_flows = T.memo(function(s)
	local out = {}
	for _, f in ipairs(T.flows(s)) do
		if not T.in_process(f) then out[#out + 1] = f end
	end
	return out
end)

add(PG, {
	n = 1,
	attr = "rls",
	want = true,
	category = "tampering",
	title = "Missing RLS bypassing tenant isolation",
	description = "The database states `rls false` (or `partial`): tenant isolation rests on "
		.. "every query remembering its WHERE clause, so one forgotten filter or one injection "
		.. "reads or changes other tenants' rows.",
	likelihood = T.likelihood_factors { skill = 2, motive = 3, discoverability = 1 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "ALTER TABLE ... ENABLE (and FORCE) ROW LEVEL SECURITY on every "
		.. "tenant-scoped table, with policies on the tenant id set per transaction "
		.. "(SET LOCAL app.tenant_id), and a test that queries across tenants return nothing.",
	refs = { "CWE-284", "CWE-639", "OWASP A01:2021" },
	question = "Is RLS enabled for ALL tenant-scoped tables?",
	answer = "`rls true` on the store",
	check_impact = { confidentiality = 2 },
})

local SUPERUSER = T.set { "postgres", "root", "superuser", "admin", "administrator", "sa",
	"rds_superuser", "azure_superuser", "supabase_admin" }

add(PG, {
	n = 2,
	attr = "role",
	category = "elevation_of_privilege",
	title = "Overly permissive database roles",
	description = "The application connects as a superuser (`role postgres`, `root`, "
		.. "`superuser`, `admin`...), which bypasses RLS and may run DDL, COPY PROGRAM and "
		.. "read every schema: one injection or leaked connection string owns the database. "
		.. "The role may be stated on the store or on the flows that reach it.",
	unstated = function(s)
		if T.stated(s, "role") then return false end
		for _, f in ipairs(access_flows(s)) do
			if T.stated(f, "role") then return false end
		end
		return true
	end,
	bad = function(s)
		local bad = {}
		if T.is(s, "role", SUPERUSER) or T.no(s, "role") then bad[#bad + 1] = shown(s, "role") end
		for _, f in ipairs(access_flows(s)) do
			if T.is(f, "role", SUPERUSER) then
				bad[#bad + 1] = shown(f, "role") .. " on " .. f.key
			end
		end
		if #bad == 0 then return nil end
		return s.key .. " is reached with " .. table.concat(bad, ", ")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Connect as a least-privilege role per service (NOSUPERUSER NOBYPASSRLS, "
		.. "no DDL; migrations run as a separate owner role), granted only the tables and "
		.. "columns it uses.",
	refs = { "CWE-250", "CWE-269", "OWASP A01:2021" },
	question = "Does the application connect with a least-privilege role (not superuser)?",
	answer = "`role ...` on the store, naming the application's role (e.g. `role app_rw`)",
	check_impact = { integrity = 2 },
})

add(PG, {
	n = 3,
	attr = "tls",
	category = "spoofing",
	title = "Connection without SSL",
	description = "The database states `tls false`, or a flow to it does: credentials and "
		.. "rows cross the network in the clear, and without certificate verification "
		.. "anyone on the path can pose as the database. A store without `tls` whose every "
		.. "network flow states `tls true` counts as stated. Whether clients present "
		.. "certificates is GE-PG-05's question.",
	unstated = function(s)
		if T.stated(s, "tls") then return false end
		local flows = access_flows(s)
		for _, f in ipairs(flows) do
			if T.no(f, "tls") then return false end
			if not T.secure_transport(f) then return true end
		end
		return #flows == 0
	end,
	bad = function(s)
		local bad = {}
		if T.no(s, "tls") then bad[#bad + 1] = s.key .. " states `tls false`" end
		for _, f in ipairs(access_flows(s)) do
			if T.no(f, "tls") then bad[#bad + 1] = f.key .. " states `tls false`" end
		end
		if #bad == 0 then return nil end
		return table.concat(bad, "; ")
	end,
	-- Needs a position on the network path.
	likelihood = { skill = 2, motive = 2, opportunity = 2, population = 1, discoverability = 1 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Require TLS on the server (hostssl only in pg_hba.conf, ssl = on) and "
		.. "connect with sslmode=verify-full.",
	refs = { "CWE-319", "CWE-295", "OWASP A02:2021" },
	question = "Do connections to PostgreSQL require TLS with certificate verification "
		.. "(sslmode=verify-full)?",
	answer = "`tls true` on the store",
	check_impact = { confidentiality = 2 },
})

add(PG, {
	n = 4,
	attr = "slow_query_log",
	want = true,
	category = "repudiation",
	title = "Injection attempts leave no trace in the database logs",
	description = "The database states `slow_query_log false`: the slow and failing queries "
		.. "that SQL injection probing produces (time-based payloads, syntax errors, huge "
		.. "scans) are not logged, so an attack in progress goes unnoticed and cannot be "
		.. "reconstructed afterwards.",
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = { integrity = 2 },
	mitigation = "Set log_min_duration_statement (e.g. 500 ms) and log_min_error_statement, "
		.. "ship the logs to the central log store, and alert on bursts of syntax errors or "
		.. "pg_sleep calls.",
	refs = { "CWE-778", "OWASP A09:2021" },
	question = "Are slow query logs enabled to detect injection attempts?",
	answer = "`slow_query_log true` on the store",
	check_impact = { integrity = 1 },
})

-- The client presents a certificate: `client_cert true` or `mtls true` on
-- the flow, or certificate authentication (`auth mtls`).
local CERT_AUTH = T.set { "mtls", "cert", "certificate", "client_cert", "x509" }
local function cert_flow(f)
	return T.yes(f, "client_cert") or T.yes(f, "mtls") or T.is(f, "auth", CERT_AUTH)
end

add(PG, {
	n = 5,
	attr = "client_cert",
	category = "spoofing",
	title = "Missing client certificate verification",
	description = "The database states `client_cert false` (or a flow to it does): clients "
		.. "log in with a password alone, so a password leaked from a config file, a CI "
		.. "variable or a log is enough to connect as the application from anywhere the "
		.. "network allows. A store without `client_cert` whose every network flow states "
		.. "`client_cert true`, `mtls true` or `auth mtls` counts as answered.",
	unstated = function(s)
		if T.stated(s, "client_cert") then return false end
		local flows = access_flows(s)
		for _, f in ipairs(flows) do
			if T.no(f, "client_cert") then return false end
			if not cert_flow(f) then return true end
		end
		return #flows == 0
	end,
	bad = function(s)
		local bad = {}
		if T.no(s, "client_cert") then bad[#bad + 1] = s.key .. " states `client_cert false`" end
		for _, f in ipairs(access_flows(s)) do
			if T.no(f, "client_cert") then bad[#bad + 1] = f.key .. " states `client_cert false`" end
		end
		if #bad == 0 then return nil end
		return table.concat(bad, "; ")
	end,
	-- Needs a stolen password and a network path to the database.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Authenticate service roles with client certificates (hostssl ... cert, or "
		.. "clientcert=verify-full beside SCRAM in pg_hba.conf), issued per service by the "
		.. "secrets manager and rotated automatically.",
	refs = { "CWE-287", "CWE-295", "CWE-308" },
	question = "Do clients authenticate to PostgreSQL with certificates (clientcert=verify-full)?",
	answer = "`client_cert true` on the store",
	check_impact = { integrity = 2 },
})

add(PG, {
	n = 6,
	attr = "column_grants",
	want = true,
	category = "information_disclosure",
	title = "Excessive column access",
	description = "The database states `column_grants false`: the application's role may read "
		.. "every column of the tables it uses (password hashes, tokens, internal notes), so "
		.. "one injection or over-broad SELECT * returns far more than the feature needs.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = T.impact_factors { confidentiality = 2 },
	mitigation = "Grant the application's role SELECT and UPDATE on the columns it uses only "
		.. "(GRANT SELECT (col, ...) ON ...), or expose views with just those columns, and "
		.. "keep secrets such as password hashes in tables only the authentication role reads.",
	refs = { "CWE-269", "CWE-200", "OWASP API3:2023" },
	question = "Is the application's role granted only the columns it uses?",
	answer = "`column_grants true` on the store",
	check_impact = { confidentiality = 2 },
})

add(PG, {
	n = 7,
	attr = "column_encryption",
	want = true,
	-- Asked of stores that keep personal data; `encrypted true` (the disk
	-- or volume) does not answer it.
	asked = function(s) return s.pii == true end,
	asked_when = " and keep personal data (an asset with `pii true`)",
	category = "information_disclosure",
	title = "Missing column-level encryption for PII",
	description = "The database keeps personal data and states `column_encryption false`: the "
		.. "data is readable to anyone who can query the database, read a dump or a replica, "
		.. "or administer the server. Encryption of the disk or volume (`encrypted true`) "
		.. "protects against a stolen disk only and does not answer it.",
	-- Needs a way to query or dump the database first.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors { confidentiality = 2 },
	mitigation = "Encrypt the personal-data columns in the application (envelope encryption "
		.. "with keys from the secrets manager) or with pgcrypto, keep a blind index for "
		.. "lookups, and keep the keys away from the database and its backups.",
	refs = { "CWE-311", "CWE-312", "GDPR Art. 32", "OWASP A02:2021" },
	question = "Are the personal-data columns encrypted at column level, not only the disk?",
	answer = "`column_encryption true` on the store",
	check_impact = { confidentiality = 2 },
})

-- Both limits are asked of stores that queries from outside the cluster
-- can reach (as STRIDE-D-04 does): a store only internal jobs use is left
-- alone.
local function reached_from_outside(s)
	for _, f in ipairs(access_flows(s)) do
		local o = T.other(f, s)
		if o and o.kind == "process" and T.opportunity(o) >= 2 then return true end
	end
	return false
end

add(PG, {
	n = 8,
	attr = "connection_limit",
	want = true,
	asked = reached_from_outside,
	asked_when = " and are queried by processes exposed to the internet or a partner network",
	category = "denial_of_service",
	title = "Missing connection pool limits",
	description = "The database states `connection_limit none`: a traffic burst, a slow query "
		.. "holding connections, or a leak in one service opens connections until "
		.. "max_connections is reached, and every other client of the database is refused. "
		.. "A statement timeout (GE-PG-09) does not answer it.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Put a pooler in front (PgBouncer, transaction pooling) with a fixed pool per "
		.. "service, cap each role with CONNECTION LIMIT, and size the application's pool "
		.. "below that.",
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023" },
	question = "Is the number of connections capped (a pool per service, a CONNECTION LIMIT per "
		.. "role)?",
	answer = "`connection_limit ...` on the store (e.g. `connection_limit 20`)",
	check_impact = { availability = 1 },
})

add(PG, {
	n = 9,
	attr = "statement_timeout",
	want = true,
	asked = reached_from_outside,
	asked_when = " and are queried by processes exposed to the internet or a partner network",
	category = "denial_of_service",
	title = "Unbounded queries",
	description = "The database states `statement_timeout none`: one expensive search or an "
		.. "injection with pg_sleep runs for as long as it likes, holding a connection and a "
		.. "CPU, and a few of them take the database down for everyone. A connection limit "
		.. "(GE-PG-08) does not answer it.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Set statement_timeout per application role (ALTER ROLE ... SET "
		.. "statement_timeout = '5s'), idle_in_transaction_session_timeout, and paginate every "
		.. "list endpoint.",
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023" },
	question = "Do queries have a statement timeout?",
	answer = "`statement_timeout ...` on the store (e.g. `statement_timeout \"5s\"`)",
	check_impact = { availability = 1 },
})

-- ===========================================================================
-- k3s cluster
--
-- The cluster is a process with `tech k3s` (as in examples/ge-webapp), or a
-- boundary with `tech k3s` around the workloads it runs; the settings are
-- stated on that element. k8s and kubernetes are accepted as well.
--
-- A model may also name the cluster only in its `hosting` line, as the
-- team's Level 0 template does (`hosting "k3s cluster"`) and draw no
-- element for it. Then the same settings are asked of the model, as
-- GE-HOST-0N/1N, and stated in the model block.

-- run_as_root: STRIDE-E-05 asks the same of any process.
local K3S = { prefix = "GE-K3S", name = "k3s", applies = { "process", "boundary" },
	tech = T.set { "k3s", "k8s", "kubernetes" }, claims = { run_as_root = true } }

-- True when the model's `hosting` names the cluster (a word k3s, k8s or
-- kubernetes) and no element states one of those as its `tech`.
local function hosted_only(m)
	local hosting = m.meta.hosting
	if type(hosting) ~= "string" or T.model_uses(m, "tech", K3S.tech) then return false end
	for word in hosting:lower():gmatch("[%w]+") do
		if K3S.tech[word] then return true end
	end
	return false
end

-- The model seen as the cluster: its block holds the settings.
local model_as_cluster = T.memo(function(m) return { key = "model", attr = m.meta } end)

local HOST = { prefix = "GE-HOST", name = "k3s", applies = "model",
	members = function(m) return hosted_only(m) end,
	in_model = hosted_only,
	subject = model_as_cluster,
	where = "models whose `hosting` names k3s (or k8s, Kubernetes), with no element of "
		.. "`tech k3s`,",
	named = function(m) return "hosting \"" .. tostring(m.meta.hosting) .. "\"" end,
	answer_where = " in the model block",
	also = " Raised on the model when its `hosting` names k3s and no element has `tech "
		.. "k3s`: the settings are then stated in the model block (as GE-K3S's are on the "
		.. "cluster element)." }

-- Registers a k3s setting for the cluster element (GE-K3S) and for the
-- model that names the cluster only in `hosting` (GE-HOST).
local function k3s(spec)
	local copy = {}
	for k, v in pairs(spec) do copy[k] = v end
	copy.parts = nil
	add(K3S, spec)
	add(HOST, copy)
end

k3s {
	n = 1,
	attr = "network_policies",
	want = true,
	category = "elevation_of_privilege",
	title = "Lateral movement: any pod can reach any service",
	description = "The cluster states `network_policies false` (or `partial`): with no "
		.. "default-deny NetworkPolicy per namespace, a compromised pod reaches the database, "
		.. "Vault and every other service directly, and can impersonate a service to them "
		.. "(the seed's \"service impersonation without mTLS\").",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { confidentiality = 3, integrity = 3 },
	mitigation = "Apply a default-deny NetworkPolicy (ingress and egress) in every namespace "
		.. "and allow only the flows in the DFD; add mTLS between services where the data is "
		.. "sensitive.",
	refs = { "CWE-923", "CIS Kubernetes 5.3.2", "NSA/CISA Kubernetes Hardening" },
	question = "Are NetworkPolicies in place for every namespace?",
	answer = "`network_policies true` on the cluster",
	check_impact = { confidentiality = 2 },
}

k3s {
	n = 2,
	attr = "pod_security",
	category = "elevation_of_privilege",
	title = "Container running as root, hostPath mounts, privileged mode",
	description = "Pod Security Standards are not enforced at the restricted level "
		.. "(`pod_security baseline`, `privileged` or `none`): pods may run privileged, as root, "
		.. "with host namespaces or hostPath mounts, and a container escape becomes control of "
		.. "the node. Only `pod_security restricted` is silent.",
	bad = function(v)
		if T.text(v, "pod_security") == "restricted" then return nil end
		return states_value(v, "pod_security") .. ", not restricted"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { integrity = 3, availability = 3 },
	mitigation = "Label every application namespace pod-security.kubernetes.io/enforce: "
		.. "restricted, and fix the workloads that fail it (runAsNonRoot, no privilege "
		.. "escalation, dropped capabilities, seccomp RuntimeDefault).",
	refs = { "CWE-250", "CIS Kubernetes 5.2", "Kubernetes Pod Security Standards" },
	question = "Are PodSecurityStandards enforced (restricted profile)?",
	answer = "`pod_security restricted` on the cluster",
	check_impact = { integrity = 2 },
}

k3s {
	n = 3,
	attr = "run_as_root",
	want = false,
	parts = true,
	category = "elevation_of_privilege",
	title = "Container running as root",
	description = "The workloads state `run_as_root true`: code execution in a container runs "
		.. "as uid 0, one kernel or runtime bug away from root on the node. A workload drawn "
		.. "inside the cluster's process that states `run_as_root true` raises it on its own.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { integrity = 3, availability = 3 },
	mitigation = "Build images with a non-root USER, set runAsNonRoot: true and a fixed "
		.. "runAsUser in the securityContext, with a read-only root filesystem.",
	refs = { "CWE-250", "CIS Kubernetes 5.2.6" },
	question = "Do all containers run as a non-root user (runAsNonRoot)?",
	answer = "`run_as_root false` on the cluster",
	check_impact = { integrity = 2 },
}

k3s {
	n = 4,
	attr = "resource_limits",
	want = true,
	category = "denial_of_service",
	title = "Pod without resource limits consuming all node resources",
	description = "The workloads state `resource_limits false`: one pod in a loop or under "
		.. "attack takes all the node's CPU and memory, and every other pod on it goes down.",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Set CPU and memory requests and limits on every container, and a "
		.. "LimitRange and ResourceQuota per namespace so none can be deployed without them.",
	refs = { "CWE-770", "CIS Kubernetes 5.7" },
	question = "Do all pods have CPU and memory limits?",
	answer = "`resource_limits true` on the cluster",
	check_impact = { availability = 1 },
}

k3s {
	n = 5,
	attr = "image_signing",
	want = true,
	category = "tampering",
	title = "Container image without signature verification",
	description = "The cluster states `image_signing false`: it runs whatever image the tag "
		.. "points to, so a compromised registry, CI token or dev agent can ship code into "
		.. "production.",
	-- A supply-chain attack takes skill, but the payoff is the whole cluster.
	likelihood = { skill = 1, motive = 2, opportunity = 1, population = 1, discoverability = 2 },
	impact = { integrity = 3 },
	mitigation = "Sign images in CI (cosign, keyless or with a KMS key) and enforce the "
		.. "signature at admission (Kyverno or sigstore policy-controller); deploy by digest.",
	refs = { "CWE-494", "CWE-345", "SLSA", "OWASP A08:2021" },
	question = "Are container image signatures verified at admission?",
	answer = "`image_signing true` on the cluster",
	check_impact = { integrity = 2 },
}

k3s {
	n = 6,
	attr = "secrets_as_env",
	want = false,
	category = "information_disclosure",
	title = "Secrets mounted as env vars visible in /proc",
	description = "The workloads state `secrets_as_env true`: secrets passed as environment "
		.. "variables are readable in /proc/<pid>/environ, inherited by child processes, and "
		.. "end up in crash dumps, debug pages and `kubectl describe` output.",
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 2 },
	impact = { confidentiality = 3 },
	mitigation = "Mount secrets as files (a read-only volume) or fetch them from Vault at "
		.. "start-up (Vault Agent, CSI driver), never as env vars; enable encryption of "
		.. "Secrets at rest in k3s.",
	refs = { "CWE-526", "CWE-214", "CIS Kubernetes 5.4.1" },
	question = "Are secrets mounted as files or fetched from Vault rather than passed as env vars?",
	answer = "`secrets_as_env false` on the cluster",
	check_impact = { confidentiality = 2 },
}

-- Registries anyone can publish to, when trusted as a whole (no namespace
-- after the host: `docker.io` trusts every image on Docker Hub,
-- `ghcr.io/acme` only Acme's).
local PUBLIC_REGISTRY = T.set { "docker.io", "index.docker.io", "registry-1.docker.io",
	"registry.hub.docker.com", "hub.docker.com", "quay.io", "ghcr.io", "gcr.io",
	"public.ecr.aws", "registry.gitlab.com", "mcr.microsoft.com" }
local ANY = T.set { "*", "any", "all", "anywhere" }

k3s {
	n = 7,
	attr = "registries",
	-- An empty list says nothing about where images come from.
	unstated = function(v) return T.list(v, "registries")[1] == nil end,
	category = "tampering",
	title = "Images pulled from untrusted registries",
	description = "`registries` lists where the cluster may pull images from. Raised when the "
		.. "list allows any registry (`*`, `any`), or trusts a whole public registry "
		.. "(`docker.io`, `quay.io`, `ghcr.io`... with no namespace after the host), where "
		.. "anyone can publish an image with a convincing name (typosquatting, hijacked "
		.. "accounts). Private registries and namespaced entries (`ghcr.io/acme`) are silent.",
	bad = function(v)
		local x = T.list(v, "registries")
		local bad = {}
		for _, r in ipairs(x) do
			local name = type(r) == "string" and (r:lower():gsub("/+$", "")) or nil
			if name == nil or ANY[name] or PUBLIC_REGISTRY[name] then bad[#bad + 1] = tostring(r) end
		end
		if #bad == 0 then return nil end
		return v.key .. " trusts " .. table.concat(bad, ", ")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { integrity = 3 },
	mitigation = "Pull only from the team's own registry (mirror the base images you use "
		.. "into it), and enforce the allow-list at admission (Kyverno, or k3s registries.yaml "
		.. "mirrors with no fallback to Docker Hub).",
	refs = { "CWE-494", "CWE-829", "CIS Kubernetes 5.5.1", "OWASP A08:2021" },
	question = "Are all images from trusted registries only?",
	answer = "`registries [...]` on the cluster, listing where images are pulled from",
	check_impact = { integrity = 2 },
}
