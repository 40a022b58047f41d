-- stride: STRIDE per element, after the team's practice
-- (shared/seed, STRIDE_PER_ELEMENT):
--
--   external entity       spoofing
--   data flow             tampering, information disclosure
--   data store            tampering, information disclosure, repudiation,
--                         denial of service, elevation of privilege
--   process               all six
--   boundary-crossing flow all six
--
-- Every rule is raised unless the model states the control that answers it;
-- each rule's description names that attribute, so `threat rules --pack
-- stride` tells a user what to write. Rules only fire where a reviewer
-- would ask the question:
--
--   * application rules (XSS, CSRF, error pages, body limits, SSRF,
--     authorisation, audit) look at the programs that serve requests, not
--     at a CDN or gateway in front of them nor at the platform they run on
--     (`tech k3s`, `kind cluster`...);
--   * they judge a whole program: the top-level process, with the requests
--     of all its parts (`api.dal`, `api.auth`...); a part gets a finding of
--     its own only when it refuses a control its program states;
--   * flows that answer a call (`api -> web.ssr` beside `web.ssr -> api`)
--     are not requests: no authentication, rate limit or identity is asked
--     of them;
--   * the engine skips elements with `in_scope false`, and this pack skips
--     flows whose two ends are out of scope.
--
-- Factors follow the element: opportunity and population from exposure,
-- confidentiality from the sensitivity of the data, and compliance from
-- PII + GDPR (see threatlib.lua).
--
-- Every `when` runs once per element of its kind, so each tests its
-- cheapest conditions first (the kind of an end, one attribute) and builds
-- lists and strings only when it is about to fire.
--
-- The rules that ask one control of a program or an element are data:
-- `program_control { ... }` and `element_control { ... }` specs (the
-- control that answers the threat, which flows count, what is skipped,
-- the detail), each built into a rule by one generic builder, as
-- ge-stack.lua builds its settings' rules from tables. The rules with a
-- shape of their own (transport, injection, spoofing across boundaries,
-- runtimes) keep their `when`.

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring

local yes, has, is, parent = T.yes, T.has, T.is, T.parent
local in_process, is_response, untrusted_input = T.in_process, T.is_response, T.untrusted_input
local is_gateway, is_platform = T.is_gateway, T.is_platform
local concat = table.concat

pack {
	name = "stride",
	version = "1.1",
	description = "STRIDE per element: spoofing, tampering, repudiation, information disclosure, "
		.. "denial of service and elevation of privilege, answered by the controls the model states",
}

-- The attributes the rules read (besides threatlib's and the language's).
attribute {
	{ name = "cookies", applies = "process", type = "control",
		doc = "the program keeps a browser session in cookies" },
	{ name = "role", applies = { "store", "flow", "external" }, type = "text",
		doc = "the database role the application connects as (store, flow), or a person's role (external)" },
	{ name = "public", applies = "flow", type = "bool",
		doc = "the flow serves anonymous, public content: no authentication is asked of it" },
	{ name = "readonly", applies = "flow", type = "bool",
		doc = "the flow only reads from its target (a query, a lookup): nothing it carries is written or kept there" },
	{ name = "mfa", applies = { "external", "process", "store", "flow" }, type = "bool",
		doc = "a second factor is required: of the person (external), at the sign-in the "
			.. "process or store enforces, or on the flow" },
	{ name = "ui", applies = "process", type = "bool",
		doc = "the program serves a web user interface to browsers (`false`: it has none, such "
			.. "as a JSON API)" },
	{ name = "upload", applies = { "process", "flow" }, type = "control",
		doc = "the program accepts file uploads: `true`, or what it accepts (`[pdf, png]`)" },
	{ name = "upload_validation", applies = { "process", "flow" }, type = "control",
		doc = "uploaded files are checked: type by content, size, name, a malware scan" },
	{ name = "hardened", applies = { "process", "store", "boundary" }, type = "control",
		doc = "the server or runtime is hardened: `cis`, `true`... (a benchmark, a minimal "
			.. "image, needless services off, patched)" },
	{ name = "isolation", applies = { "process", "store", "boundary" }, type = "control",
		doc = "the workloads on a shared runtime are isolated from one another: `node_pools`, "
			.. "`vm`, `gvisor`, `kata`, `true`..." },
	{ name = "secure_cookies", applies = { "process", "flow" }, type = "bool",
		doc = "session cookies are Secure, HttpOnly and SameSite" },
	{ name = "validation", applies = { "process", "flow" }, type = "control",
		doc = "input validation: `zod`, `valibot`, `true`..." },
	{ name = "parameterized", applies = { "process", "flow" }, type = "bool",
		doc = "database queries are parameterised (SQL and LDAP injection)" },
	{ name = "orm", applies = { "process", "flow" }, type = "control",
		doc = "queries go through an ORM or query builder: `drizzle`, `prisma`..." },
	{ name = "path_validation", applies = { "process", "flow" }, type = "bool",
		doc = "file paths from requests are validated (path traversal)" },
	{ name = "csp", applies = { "process", "flow" }, type = "control",
		doc = "a Content Security Policy: `strict`, `nonce`, `true`..." },
	{ name = "csrf", applies = { "process", "flow" }, type = "bool",
		doc = "requests that change state carry a CSRF token" },
	{ name = "samesite", applies = { "process", "flow" }, type = "enum", values = { "strict", "lax", "none" },
		doc = "the SameSite setting of the session cookie" },
	{ name = "deserialization", applies = { "process", "flow" }, type = "control",
		doc = "how untrusted serialised data is read: `safe`, `allowlist`, `signed`; `false`: unsafe" },
	{ name = "xml_entities", applies = { "process", "flow" }, type = "bool",
		doc = "the XML parser resolves external entities (`false` answers XXE)" },
	{ name = "xxe_protection", applies = { "process", "flow" }, type = "bool",
		doc = "the XML parser is hardened against external entities" },
	{ name = "audit", applies = { "process", "store", "flow" }, type = "control",
		doc = "actions or changes are written to an audit trail (answers repudiation)" },
	{ name = "identity_propagation", applies = "flow", type = "bool",
		doc = "the caller's identity is passed on with the call" },
	{ name = "minimised", applies = { "flow", "process" }, type = "bool",
		doc = "only the data the recipient needs is sent (data minimisation)" },
	{ name = "minimized", applies = { "flow", "process" }, type = "bool",
		doc = "the American spelling of `minimised`" },
	{ name = "hashed", applies = "store", type = "bool",
		doc = "the passwords the store keeps are hashed with a password hash" },
	{ name = "error_handler", applies = { "process", "flow" }, type = "control",
		doc = "errors are caught and answered with a generic message" },
	{ name = "verbose_errors", applies = { "process", "flow" }, type = "bool",
		doc = "error responses show stack traces or internals" },
	{ name = "egress_allowlist", applies = { "process", "flow" }, type = "control",
		doc = "outgoing requests are limited to an allowlist (answers SSRF)" },
	{ name = "rate_limit", applies = { "process", "flow" }, type = "control",
		doc = "requests are rate-limited: `true`, `\"100/min\"`..." },
	{ name = "body_limit", applies = { "process", "flow" }, type = "control",
		doc = "the largest request body accepted: `\"1mb\"`" },
	{ name = "backup", applies = "store", type = "control",
		doc = "the store is backed up" },
	{ name = "statement_timeout", applies = "store", type = "control",
		doc = "queries are cut off after a time limit" },
	{ name = "connection_limit", applies = "store", type = "control",
		doc = "the number of connections is limited" },
	{ name = "authz", applies = { "process", "flow" }, type = "control",
		doc = "requests are authorised: `rbac`, `abac`, `true`..." },
	{ name = "rbac", applies = { "process", "flow" }, type = "control",
		doc = "role-based access control" },
	{ name = "rls", applies = "store", type = "bool",
		doc = "row-level security is enforced" },
	{ name = "waf", applies = { "process", "flow" }, type = "control",
		doc = "a web application firewall filters the requests" },
	{ name = "run_as_root", applies = "process", type = "bool",
		doc = "the program runs as root" },
	{ name = "privileged", applies = "process", type = "bool",
		doc = "the container runs privileged" },
	{ name = "host_path", applies = "process", type = "control",
		doc = "the container mounts a host path" },
	{ name = "host_network", applies = "process", type = "bool",
		doc = "the container uses the host's network" },
}

local function stride(spec)
	spec.framework = "STRIDE"
	rule(spec)
end

-- A flow between two elements that are both out of scope is theirs, not
-- ours (the engine skips out-of-scope elements, and a flow's scope is its
-- own). Flow rules that do not already require one end in scope ask this
-- just before they fire.
local function ours(f)
	local s, t = f.source, f.target
	return not (s and t and s.in_scope == false and t.in_scope == false)
end

local function max2(x) if x > 2 then return x end return 2 end

-- Factor tables built once when the pack loads. A factor function that
-- picks one of them returns a shared table instead of building one per
-- finding, which on a model that states few controls is hundreds of
-- thousands of tables (doc/rules.md "The pack API").

-- Likelihood for each opportunity 1-3 (an element's `opportunity`),
-- population following it, both at most `cap` when given.
local function per_opportunity(skill, motive, discoverability, cap)
	local out = {}
	for o = 1, 3 do
		local x = cap and math.min(o, cap) or o
		out[o] = { skill = skill, motive = motive, opportunity = x, population = x,
			discoverability = discoverability }
	end
	return out
end

-- Integrity 2 or 3 for each integrity value 1-3: max2 as a table.
local INTEGRITY_AT_LEAST_2 = { { integrity = 2 }, { integrity = 2 }, { integrity = 3 } }

-- A connection's likelihood: as discoverable as the boundary it crosses.
local CROSSING_LIKELIHOOD = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 }
local INNER_LIKELIHOOD = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 }
local function connection_likelihood(f)
	return f.crosses and CROSSING_LIKELIHOOD or INNER_LIKELIHOOD
end

-- Injection through a flow: as likely as its source is reachable.
local INJECTION_LIKELIHOOD = per_opportunity(2, 2, 2)
local function injection_likelihood(f) return INJECTION_LIKELIHOOD[f.source.opportunity] end

-- Stack-specific advice (a rule's `advice`): added to the technology-neutral
-- mitigation only on findings whose element, or an end of whose flow,
-- states that `tech` (doc/rules.md).
local TRANSPORT_ADVICE = {
	postgresql = "PostgreSQL: `sslmode=verify-full` on the client and `hostssl` lines only "
		.. "in pg_hba.conf.",
	mysql = "MySQL: `require_secure_transport=ON` on the server and "
		.. "`ssl-mode=VERIFY_IDENTITY` on the client.",
	mariadb = "MariaDB: `require_secure_transport=ON` and clients that verify the server "
		.. "certificate.",
	redis = "Redis: a `tls-port`, `port 0` to close the cleartext one, and `rediss://` URLs.",
	ldap = "LDAP: ldaps:// (or StartTLS that is required) with certificate checks.",
	nfs = "NFS: NFS over TLS, or Kerberos with `sec=krb5p`.",
	apache = "Apache httpd: serve HTTPS only (mod_ssl) and redirect port 80 with HSTS.",
}
local TS_QUERY_ADVICE = "TypeScript: Drizzle's query builder binds every value; keep "
	.. "`sql.raw` and string-built SQL out of request paths."
local KUBERNETES_PRIVILEGE_ADVICE = "Kubernetes: enforce the PodSecurity `restricted` profile "
	.. "on the namespace (runAsNonRoot, no privileged containers, no hostPath)."

-- Request-like flows: HTTP(S), unstated, or gRPC/GraphQL/WebSocket.
local HTTPISH = T.set { "http", "https", "h2", "http2", "http3", "grpc", "grpcs", "graphql",
	"ws", "wss", "rest", "soap" }
local function httpish(f)
	local p = T.text(f, "protocol")
	return p == nil or HTTPISH[p] == true
end

-- Why a flow's transport is not encrypted, for the finding's detail.
local function cleartext_reason(f)
	if T.no(f, "tls") then return "`tls false` on " .. f.key end
	local p = T.text(f, "protocol")
	if p and T.CLEARTEXT_PROTOCOL[p] then
		return "protocol " .. p .. " is cleartext and `tls true` is not stated"
	end
	if p then return "protocol " .. p .. " without `tls true`" end
	return "neither `tls true` nor an encrypted protocol (https, wss, grpcs...) is stated"
end

-- Transport threats are judged per connection. A response (`web -> user`
-- after `user -> web`) travels on the connection of the request it
-- answers, so it is reported with that request (the first it answers)
-- when the request is cleartext too; it gets a finding of its own only
-- when that request is encrypted (the model then says two things of one
-- connection).
local function carrier(r)
	local g = T.answered(r)[1]
	if g and not T.secure_transport(g) and not in_process(g) and ours(g) then return g end
	return nil
end

-- The answer for the last flow asked: `when` asks, then `impact` asks
-- again for the same flow (a one-entry cache of what the model says).
local replies_of, replies_for

local function cleartext_replies(f)
	if rawequal(f, replies_of) then return replies_for end
	local replies = T.replies(f)
	if replies[1] ~= nil then
		local out = {}
		for _, r in ipairs(replies) do
			if not T.secure_transport(r) and carrier(r) == f then out[#out + 1] = r end
		end
		replies = out
	end -- else the shared empty list
	replies_of, replies_for = f, replies
	return replies
end

-- Why flow f's connection is cleartext, naming the replies reported with
-- it; nil when it is encrypted, inside one program, out of scope at both
-- ends, or a reply reported on its request. STRIDE-T-01 and I-01 ask it
-- of every flow, one after the other: the answer for the last flow asked
-- is kept, as cleartext_replies keeps its.
local connection_of, connection_why

local function cleartext_why(f)
	if rawequal(f, connection_of) then return connection_why end
	local why
	if not (T.secure_transport(f) or in_process(f) or not ours(f) or carrier(f)) then
		why = cleartext_reason(f)
		local replies = cleartext_replies(f)
		if replies[1] ~= nil then
			local keys = {}
			for i, r in ipairs(replies) do keys[i] = r.key end
			why = why .. "; the replies on the same connection (" .. concat(keys, ", ")
				.. ") are cleartext too"
		end
	end
	connection_of, connection_why = f, why
	return why
end

-- `quiet(f)`, when given, is true for a connection the rule leaves alone.
local function cleartext_connection(f, quiet)
	local why = cleartext_why(f)
	if why == nil or (quiet and quiet(f)) then return nil end
	return why
end

-- True for a flow with nothing to disclose: it states its `data`, which
-- holds nothing above low sensitivity, no personal data and no secret,
-- and no credential travels on it (no `auth` but `none`). Anonymous
-- public content (`public true`) is such a flow; so is one that states
-- `data []`.
local function nothing_to_disclose(f)
	if not T.stated(f, "data") or f.pii or yes(f, "auth") then return false end
	if f.max_sensitivity ~= nil and f.max_sensitivity ~= "low" then return false end
	return T.secrets(f)[1] == nil
end

-- True for a connection none of whose flows (the flow and the replies
-- reported with it) has anything to disclose.
local function nothing_disclosed(f)
	if not nothing_to_disclose(f) then return false end
	for _, r in ipairs(cleartext_replies(f)) do
		if not nothing_to_disclose(r) then return false end
	end
	return true
end

-- The impact of a connection's threats: the data of the flow and of the
-- replies reported with it. Without replies, `alone`: the factors of the
-- flow's own data, which the engine measures as it does a static table's.
local TAMPERING_ALONE = { integrity = { "data", 2 } }
local DISCLOSURE_ALONE = T.impact_factors()

local function connection_impact(f, m, alone, extra)
	local replies = cleartext_replies(f)
	if replies[1] == nil then return alone end
	local out = T.impact(f, m, extra)
	for _, r in ipairs(replies) do
		local more = T.impact(r, m, extra)
		for k, x in pairs(more) do
			if out[k] == nil or x > out[k] then out[k] = x end
		end
	end
	return out
end

-- Names of the boundaries a flow crosses: "TB-01, TB-03".
local function crossing_names(f)
	local out = {}
	for i, b in ipairs(f.crossings or {}) do out[i] = b.id or b.key end
	return concat(out, ", ")
end

-- Keys of a list of views (flows, elements), at most `n` of them: "a->b, c->d and 3 more".
local function flow_keys(list, n)
	n = n or 3
	local out = {}
	for i = 1, math.min(#list, n) do out[i] = list[i].key end
	local text = concat(out, ", ")
	if #list > n then text = text .. " and " .. (#list - n) .. " more" end
	return text
end

local function authenticated(p)
	return has(p, "auth") or has(p, "mtls")
end

-- Service registries (STRIDE-S-07): where programs look up one another's
-- endpoints. A registry's missing authentication is reported by S-07 as
-- poisoning, not again by S-03, S-04 or T-10.
local REGISTRY_TECH = T.set { "consul", "eureka", "etcd", "zookeeper", "nacos" }
local REGISTRY_KIND = T.set { "service_registry", "service_discovery", "discovery" }
local function service_registry(v)
	return v ~= nil and v.parent == nil
		and (is(v, "tech", REGISTRY_TECH) or is(v, "kind", REGISTRY_KIND))
end

-- ---------------------------------------------------------------------------
-- Program-level rules: the behaviour of a whole program (its error pages,
-- its body limit, its authorisation...) is judged on its top-level process
-- with the flows of all its parts, so `api` gets one finding rather than
-- one per part. A part is judged on its own only when it refuses a control
-- (`error_handler false`) that its program states.
--
--   answered(v)  v states the control (positively)
--   refuses(v)   v states it negatively
--   which        the program's flows the rule looks at: "requests" (from
--                outside), "calls" (from any other program) or "untrusted"
--                (every untrusted inflow, answers to its own calls included:
--                a parser does not care who started the exchange)
--
-- Returns those flows (a non-empty list), or nil.
local program = T.program
local PER_PART = { requests = T.requests, calls = T.calls, untrusted = T.untrusted_inflows }

-- Every untrusted inflow of a program, its parts' included (T.collect).
local program_untrusted = T.memo(function(p) return T.collect(p, T.untrusted_inflows) end)

-- True when pred holds for a part of process p, at any depth. When none
-- states a program's control, the program's flows are the ones T.program
-- keeps, and no list is built per rule.
local function some_part(p, pred)
	for _, c in ipairs(p.children) do
		if pred(c) or some_part(c, pred) then return true end
	end
	return false
end

local function program_flows(p, answered, refuses, which)
	local r = program(p)
	local up = r.part
	if up then
		if not refuses(p) then return nil end
		local covered = false
		while up do
			if answered(up) then
				covered = true
				break
			end
			up = parent(up)
		end
		if not covered then return nil end -- the program's own finding covers it
		local list = T.collect(p, PER_PART[which])
		if list[1] == nil then return nil end
		return list
	end
	if answered(p) then return nil end
	local list = r[which] or program_untrusted(p)
	if list[1] == nil then return nil end
	if not r.leaf and some_part(p, answered) then
		-- leave out the parts that state the control themselves
		list = T.collect(p, PER_PART[which], answered)
		if list[1] == nil then return nil end
	end
	return list
end

local program_requests = T.program_requests

-- ---------------------------------------------------------------------------
-- Program controls, as data. Most program-level rules have one shape: a
-- control the program states answers the threat; it is judged on the
-- top-level process with the flows of all its parts (program_flows), and
-- raised when missing. Each such rule is a spec, and program_control
-- builds its `when` from it. The fields beside the rule's own (id,
-- category, title, description, likelihood, impact, mitigation, advice,
-- refs; `applies` is "process"):
--
--   control            the attribute that answers the threat: stated and
--                      positive answers it (T.yes), negative refuses it
--                      (T.no); or, for controls that several attributes
--                      answer, the two predicates:
--   answered, refused  functions of a process
--   flows              the program's flows that count: "requests",
--                      "calls" or "untrusted" (program_flows)
--   skip               what the program may be for the rule to leave it
--                      alone: "gateway", "platform", "product" (T.program)
--   claimed            an attribute a stack pack asks about itself for the
--                      process's `tech` (T.claim): the rule leaves it
--   only_if(m)         the rule's own `only_if`: false for a model the rule
--                      has nothing to say about (the engine asks it once
--                      per run, and then no element)
--   applies_to(p, m)   false for a program the rule is not about; any
--                      other value is passed on as `about`
--   needs(p, flows, m, about)  false when those flows do not call for the
--                      control after all (all public, none HTTP-like...)
--   missing            the detail after the process's key: "states no
--                      `audit true`"; a part that refuses the control its
--                      program states gets `refusal` when given (a text,
--                      or a function of the part that returns one)
--   detail(p, flows, m, about)  instead of the two: the detail, or false
local CONTROL_FIELDS = T.set { "control", "answered", "refused", "flows", "skip", "claimed",
	"applies_to", "needs", "missing", "refusal", "detail" }

local function program_control(spec)
	local answered, refused = spec.answered, spec.refused
	local name = spec.control
	if name then
		answered = answered or function(v) return yes(v, name) end
		refused = refused or function(v) return T.no(v, name) end
	end
	local which, skip, claimed = spec.flows, spec.skip or {}, spec.claimed
	local applies_to, needs, detail = spec.applies_to, spec.needs, spec.detail
	local missing, refusal = spec.missing, spec.refusal or spec.missing
	local out = { applies = "process" }
	for k, x in pairs(spec) do
		if not CONTROL_FIELDS[k] then out[k] = x end
	end
	out.when = function(p, m)
		if skip[1] ~= nil then
			local r = program(p)
			for i = 1, #skip do
				if r[skip[i]] then return false end
			end
		end
		if claimed and T.claimed(p, claimed) then return false end
		local about = true
		if applies_to then
			about = applies_to(p, m)
			if not about then return false end
		end
		local flows = program_flows(p, answered, refused, which)
		if not flows then return false end
		if needs and not needs(p, flows, m, about) then return false end
		if detail then return detail(p, flows, m, about) or false end
		if not parent(p) then return p.key .. " " .. missing end
		return p.key .. " " .. (type(refusal) == "function" and refusal(p) or refusal)
	end
	stride(out)
end

-- Element controls, as data: a control the element states answers the
-- threat, raised when it is missing. Besides the rule's own fields
-- (`applies` included):
--
--   control            the attribute that answers it (T.yes), or
--   answered(v)        a function saying whether v answers it
--   skip(v)            true for an element the rule leaves alone
--   needs(v, m)        false when v has nothing the control protects
--   missing            the detail after the element's key, or
--   detail(v, m)       a function giving it
local ELEMENT_FIELDS = T.set { "control", "answered", "skip", "needs", "missing", "detail" }

local function element_control(spec)
	local name = spec.control
	local answered = spec.answered or function(v) return yes(v, name) end
	local skip, needs, detail, missing = spec.skip, spec.needs, spec.detail, spec.missing
	local out = {}
	for k, x in pairs(spec) do
		if not ELEMENT_FIELDS[k] then out[k] = x end
	end
	out.when = function(v, m)
		if answered(v) or (skip and skip(v)) then return false end
		if needs and not needs(v, m) then return false end
		if detail then return detail(v, m) or false end
		return v.key .. " " .. missing
	end
	stride(out)
end

-- True when pred holds for some view of the list.
local function some(list, pred)
	for _, v in ipairs(list) do
		if pred(v) then return true end
	end
	return false
end

-- Model features, once per model: rules about rare technologies stop at
-- once in a model that has none.
local per_model = T.per_model
local uses, has_people = T.model_uses, T.model_has_people

local has_ldap = per_model(function(m)
	return uses(m, "protocol", T.LDAP_PROTOCOL) or uses(m, "tech", T.LDAP_TECH)
		or uses(m, "kind", T.LDAP_KIND)
end)
local has_files = per_model(function(m)
	return uses(m, "tech", T.FILE_TECH) or uses(m, "kind", T.FILE_KIND)
end)

-- Applies a predicate to the program and its parts.
local function program_is(p, pred)
	if pred(p) then return true end
	return p.children[1] ~= nil and T.program_is(p, pred)
end

-- True when a web program keeps a browser session in cookies: the auth
-- scheme says so, or it is a web front end with an interactive login.
local COOKIE_AUTH = T.set { "session", "session_cookie", "cookie", "cookies", "nextauth",
	"authjs", "form", "password", "oidc", "saml", "sso", "keycloak", "lucia", "passport" }
local function cookie_auth(v)
	local a = T.text(v, "auth")
	if a and (a:find("cookie", 1, true) or a:find("session", 1, true)) then return true end
	if yes(v, "cookies") then return true end
	return T.is_web(v) and is(v, "auth", COOKIE_AUTH)
end

-- How a program keeps a browser session in cookies: true when the
-- program states it (cookie_auth), else the first request into it whose
-- `auth` names a cookie or session (`auth session_cookie` on a flow), or
-- false. A gateway forwards the cookie and keeps no session of its own.
local function cookie_flow(f)
	local a = T.text(f, "auth")
	return a ~= nil and (a:find("cookie", 1, true) ~= nil or a:find("session", 1, true) ~= nil)
end
local cookie_session = T.memo(function(top)
	if program_is(top, cookie_auth) then return true end
	if is_gateway(top) then return false end
	for _, f in ipairs(program_requests(top)) do
		if cookie_flow(f) then return f end
	end
	return false
end)

-- True when people's requests reach the program (directly, or through a
-- gateway or another of our programs).
local function serves_users(p, m)
	return program_is(p, function(v) return T.serves_users(v, m) end)
end

local PRIVILEGED = T.set { "admin", "administrator", "operator", "staff", "employee",
	"support", "root", "developer", "dba" }
-- A person whose account reaches more than their own data: an
-- administrator, an operator, a developer, back-office staff.
local function privileged(e)
	if is(e, "kind", PRIVILEGED) or is(e, "role", PRIVILEGED) then return true end
	local words = ((e.id or "") .. " " .. (e.label or "")):lower()
	return words:find("admin", 1, true) ~= nil
end

local SUPERUSER = T.set { "postgres", "root", "sa", "admin", "superuser", "administrator",
	"dbo", "sys", "system" }

-- ===========================================================================
-- Spoofing

stride {
	id = "STRIDE-S-01",
	category = "spoofing",
	applies = "external",
	title = "Impersonation of an external entity",
	description = "An attacker pretends to be this external entity (a user through a stolen "
		.. "session or password, a partner system through a leaked API key) and the system "
		.. "accepts what it sends. Raised for an external entity that sends data to a process "
		.. "or store when nothing states how it is authenticated; flows that cross a trust "
		.. "boundary are reported by STRIDE-S-03 instead, and flows that answer our own calls "
		.. "need TLS, not authentication of the caller. Answered by `auth ...` on the external "
		.. "entity (e.g. `auth oidc`), or on each of its flows or the process that receives "
		.. "them; flows marked `public true` serve anonymous content and need none.",
	when = function(e)
		local outs = e.outflows
		if outs[1] == nil or yes(e, "auth") then return false end
		local missing
		for _, f in ipairs(outs) do
			local t = f.target
			if f.source == e and not f.crosses and t and t.kind ~= "external" and T.scoped(t)
				and not is_response(f) and not yes(f, "public") and not yes(f, "auth")
				and not authenticated(t) then
				missing = missing or {}
				missing[#missing + 1] = f
			end
		end
		if not missing then return false end
		return "nothing authenticates " .. e.key .. " on " .. flow_keys(missing)
			.. ": no `auth` on the entity, the flow or the receiver"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Authenticate the entity on every request it makes: OIDC/OAuth 2 for people, "
		.. "signed tokens or mTLS for systems. State it with `auth ...`.",
	refs = { "CWE-287", "CWE-306", "OWASP A07:2021", "ASVS V2" },
}

stride {
	id = "STRIDE-S-02",
	category = "spoofing",
	applies = "external",
	title = "Single-factor access to sensitive data",
	description = "A person reaches sensitive data with a password or session alone; "
		.. "phishing, credential stuffing or a reused password is enough to take the account "
		.. "over. Raised for an authenticated human external entity (`kind user`, `browser`, "
		.. "`customer`..., or an id or label that says browser or user) whose flows carry "
		.. "critical assets. Privileged people (admins, operators, developers, staff) are "
		.. "judged at each system they reach, by STRIDE-S-06. Answered by `mfa true` on the "
		.. "external entity.",
	when = function(e)
		if yes(e, "mfa") or not T.is_human(e) or privileged(e) then return false end
		local level = "critical"
		if not T.at_least(e, level) then return false end
		local logged_in = yes(e, "auth")
		if not logged_in then
			for _, f in ipairs(e.outflows) do
				local t = T.other(f, e)
				if yes(f, "auth") or (t and authenticated(t)) then
					logged_in = true
					break
				end
			end
		end
		if not logged_in then return false end
		local top = {}
		for _, a in ipairs(T.assets(e)) do
			if a.sensitivity == level then top[#top + 1] = a end
		end
		return e.key .. " reaches " .. T.names(top) .. " (" .. T.sensitivity(e)
			.. ") without `mfa true`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	-- A regular account exposes its owner's data.
	impact = { confidentiality = 2, integrity = 2 },
	mitigation = "Require a second factor (TOTP, WebAuthn/passkeys) for these users, at least "
		.. "for administrative and data-export functions.",
	refs = { "CWE-308", "OWASP A07:2021", "ASVS V2.8" },
}

-- STRIDE-S-03's impact follows the flow's target alone: worked out once
-- per target, as many flows cross into one target.
local target_impact = T.memo(function(t, m)
	return T.impact(t, m, { integrity = max2(T.integrity(t)) })
end)
local S03_LIKELIHOOD = per_opportunity(3, 2, 2)
local S03_STORE_LIKELIHOOD = per_opportunity(3, 2, 2, 2)

stride {
	id = "STRIDE-S-03",
	category = "spoofing",
	applies = "flow",
	title = "Unauthenticated flow across a trust boundary",
	description = "The flow crosses a trust boundary into a process or store, and nothing "
		.. "authenticates the caller: anyone who can reach the endpoint can use it. A flow "
		.. "that answers a call of its target is not a request and is skipped. Answered "
		.. "by `auth ...` (e.g. `auth jwt`) or `mtls true` on the flow, on the receiving "
		.. "process or store, or on the external entity that sends it; `public true` on the "
		.. "flow states that it deliberately serves anonymous content. A flow into a service "
		.. "registry is STRIDE-S-07's.",
	when = function(f)
		if not f.crosses then return false end
		local t = f.target
		if t == nil or t.kind == "external" or not T.scoped(t) or service_registry(t) then
			return false
		end
		if yes(f, "auth") or yes(f, "public") or yes(f, "mtls") or authenticated(t) then
			return false
		end
		local s = f.source
		if s and s.kind == "external" and yes(s, "auth") then return false end
		if is_response(f) then return false end
		local why = T.no(f, "auth") and "`auth none` on the flow" or "no `auth` stated"
		return f.key .. " crosses " .. crossing_names(f) .. " into " .. t.key .. ": " .. why
	end,
	likelihood = function(f)
		-- reaching a store's port takes network access, not just the internet
		local by = f.target.kind == "store" and S03_STORE_LIKELIHOOD or S03_LIKELIHOOD
		return by[f.opportunity]
	end,
	impact = function(f, m) return target_impact(f.target, m) end,
	mitigation = "Authenticate every request that crosses the boundary (JWT validation "
		.. "middleware on every route group, mTLS between services, database credentials per "
		.. "service) and reject unauthenticated calls by default.",
	refs = { "CWE-306", "OWASP A07:2021", "ASVS V2", "ASVS V13" },
}

stride {
	id = "STRIDE-S-04",
	category = "spoofing",
	applies = "process",
	title = "Unauthenticated calls inside the trust zone",
	description = "Other processes call this one inside the same trust zone without "
		.. "authenticating: once an attacker has a foothold (a compromised pod, a rogue "
		.. "agent) they can impersonate any caller. Raised for calls from another program "
		.. "that cross no boundary (answers to this process's own calls are skipped). "
		.. "Answered by `auth ...` or `mtls true` on the process (or its parent) or on each "
		.. "such flow. A service registry is STRIDE-S-07's.",
	when = function(p)
		if p.inflows[1] == nil or authenticated(p) or service_registry(p) then return false end
		local missing
		for _, f in ipairs(T.calls(p)) do
			local s = f.source
			if s and s.kind == "process" and not f.crosses and not yes(f, "auth")
				and not yes(f, "mtls") then
				missing = missing or {}
				missing[#missing + 1] = f
			end
		end
		if not missing then return false end
		return flow_keys(missing) .. " reach " .. p.key .. " with neither `auth` nor `mtls true`"
	end,
	-- Needs a foothold inside the zone: insider-level opportunity.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Use mTLS (a service mesh or certificates issued per service) or signed "
		.. "service tokens between services, and network policies that allow only the expected "
		.. "callers.",
	refs = { "CWE-290", "CWE-306", "OWASP A07:2021", "ASVS V9.2" },
}

program_control {
	id = "STRIDE-S-05",
	category = "spoofing",
	title = "Session hijacking through cookie theft",
	description = "A web application keeps the user's session in a cookie; without the "
		.. "HttpOnly, Secure and SameSite flags a script injected by XSS, or a network "
		.. "observer, can steal it and act as the user. Raised for a program that people "
		.. "use with a cookie-based `auth` (`session_cookie`, or a login on a web front end "
		.. "such as `tech nextjs`), stated on the process or on a request into it (`auth "
		.. "session_cookie` on the flow from the browser or the load balancer). Answered by "
		.. "`secure_cookies true` on the process.",
	control = "secure_cookies",
	flows = "requests",
	only_if = has_people,
	applies_to = function(p) return cookie_session(T.level0(p)) end,
	needs = function(p, _, m) return serves_users(p, m) end,
	missing = "keeps browser sessions in cookies and states no `secure_cookies true`",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	-- One hijacked session exposes one user's data.
	impact = { confidentiality = 2, integrity = 2 },
	mitigation = "Set HttpOnly, Secure and SameSite=Lax (or Strict) on session cookies, "
		.. "rotate the session id at login, and keep sessions short-lived.",
	refs = { "CWE-1004", "CWE-614", "CWE-384", "OWASP A07:2021", "ASVS V3.4" },
}

-- Sign-in methods that are a second factor, or stronger, by themselves.
local MFA_AUTH = T.set { "webauthn", "passkey", "totp" }
local function second_factor(v) return yes(v, "mfa") or is(v, "auth", MFA_AUTH) end

-- The privileged people whose sign-ins reach process or store v, on
-- flows that ask for no second factor (nil when none does).
-- Whether the model has a privileged person at all: STRIDE-S-06 stops at
-- once in a model that has none.
local has_privileged_people = per_model(function(m)
	for _, e in ipairs(m.elements("external")) do
		if T.is_human(e) and privileged(e) then return true end
	end
	return false
end)

local function privileged_sign_ins(v)
	local out
	for _, f in ipairs(v.inflows) do
		local e = f.source
		if e ~= v and e and e.kind == "external" and T.is_human(e) and privileged(e)
			and not is_response(f) and not yes(f, "public") and not second_factor(f)
			and not second_factor(e) then
			out = out or {}
			out[#out + 1] = f
		end
	end
	return out
end

stride {
	id = "STRIDE-S-06",
	category = "spoofing",
	applies = { "process", "store" },
	title = "Privileged human access without MFA at the target",
	description = "An administrator, operator, developer or member of staff signs in to "
		.. "this system with one factor; a phished password, a stolen session or a copied key "
		.. "gives the attacker their privileges here: every user's data, the configuration, "
		.. "the code. Judged at the system that is reached, so it is raised whether or not the "
		.. "person's client is in scope. Raised for flows into the process or store from a "
		.. "person of `kind admin`, `administrator`, `operator`, `dba`, `developer`, `staff`, "
		.. "`employee` or `support` (answers to the system's own calls and `public true` "
		.. "flows are skipped); a gateway forwards the sign-in and is skipped too. "
		.. "Answered by `mfa true` on the process or store (it enforces a second factor for "
		.. "these accounts), on the flow, or on the person, or by an `auth` that is one "
		.. "(`webauthn`, `passkey`, `totp`).",
	only_if = has_privileged_people,
	when = function(v, m)
		if v.inflows[1] == nil or has(v, "mfa") or (v.kind == "process" and is_gateway(v)) then
			return false
		end
		local flows = privileged_sign_ins(v)
		if not flows then return false end
		local people, seen = {}, {}
		for _, f in ipairs(flows) do
			local e = f.source
			if not seen[e] then
				seen[e] = true
				people[#people + 1] = e.key
			end
		end
		return concat(people, ", ") .. (people[2] and " sign in to " or " signs in to ") .. v.key
			.. " on " .. flow_keys(flows)
			.. " with no second factor: no `mfa true` on the person, the flow or " .. v.key
	end,
	-- A phished or reused credential works from wherever the person signs
	-- in; a privileged account is worth a targeted attack.
	likelihood = function(v)
		local o = 2
		for _, f in ipairs(privileged_sign_ins(v) or {}) do
			if (f.source.zone or "internet") == "internet" then o = 3 end
		end
		return { skill = 2, motive = 3, opportunity = o, population = 2, discoverability = 2 }
	end,
	impact = function(v, m)
		return T.impact(v, m, { integrity = max2(T.integrity(v)) })
	end,
	mitigation = "Require a phishing-resistant second factor (WebAuthn/passkeys, hardware-backed "
		.. "keys for SSH) for every privileged account at the system itself or at the single "
		.. "sign-on it trusts, and allow privileged access only from managed devices.",
	refs = { "CWE-308", "CWE-287", "OWASP A07:2021", "ASVS V2.8", "CIS Control 6.5" },
}

-- ===========================================================================
-- Tampering

stride {
	id = "STRIDE-T-01",
	category = "tampering",
	applies = "flow",
	title = "Data tampered with in transit",
	description = "The flow's transport is not encrypted, so anyone on the path (a rogue "
		.. "Wi-Fi, a compromised router or pod) can change requests and responses: a "
		.. "man-in-the-middle. One connection gets one finding: a response that answers a "
		.. "cleartext request is reported on the request. Calls between parts of one program "
		.. "(a flow between children of the same process without a `protocol`) are not "
		.. "network traffic and are skipped. Answered by `tls true` on the flow, or an "
		.. "encrypted `protocol` (https, wss, grpcs, ldaps, sftp...).",
	when = function(f)
		return cleartext_connection(f) or false
	end,
	likelihood = connection_likelihood,
	impact = function(f, m)
		local out = connection_impact(f, m, TAMPERING_ALONE)
		if out == TAMPERING_ALONE then return out end
		return { integrity = max2(out.confidentiality or 1) }
	end,
	mitigation = "Encrypt the channel with TLS 1.2+ (HSTS for browsers, certificate "
		.. "verification by database and service clients, mTLS between services) and refuse "
		.. "cleartext connections.",
	advice = TRANSPORT_ADVICE,
	refs = { "CWE-319", "CWE-300", "OWASP A02:2021", "ASVS V9" },
}

stride {
	id = "STRIDE-T-02",
	category = "tampering",
	applies = "flow",
	title = "Untrusted input not validated",
	description = "Data from an external entity or from across a trust boundary reaches a "
		.. "process that does not validate it: manipulated form fields, parameter pollution "
		.. "and injection payloads go straight to the business logic. A gateway, CDN or WAF "
		.. "in front (`kind gateway`...) forwards the input and is skipped: the process "
		.. "behind it is checked on the flow from the gateway; so is the platform that runs "
		.. "the workloads (`tech k3s`...), whose input is deployments, and a third-party "
		.. "product the team runs but does not write (`kind idp`, `ci`, `repository`; "
		.. "`tech keycloak`, `jenkins`...), whose input handling is the vendor's. Also skipped: the "
		.. "replies of a data store to the process's own queries (its data is the process's "
		.. "own, checked when it was written), and remote-access and code-transfer flows "
		.. "(`protocol ssh`, `sftp`, `git`...), whose answer is authentication and review, "
		.. "not a schema. Answered by `validation ...` (e.g. `validation zod`) on the flow or "
		.. "the receiving process.",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "process" then return false end
		if not untrusted_input(f) or yes(f, "validation") or has(t, "validation") then
			return false
		end
		if not T.scoped(t) or is_gateway(t) or is_platform(t) or T.is_product(t)
			or in_process(f) then
			return false
		end
		if T.remote_access(f) or (f.source.kind == "store" and is_response(f)) then
			return false
		end
		if f.crosses then
			return f.key .. " crosses " .. crossing_names(f) .. "; " .. t.key
				.. " states no `validation`"
		end
		return f.key .. " comes from external " .. f.source.key .. "; " .. t.key
			.. " states no `validation`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = function(f) return INTEGRITY_AT_LEAST_2[T.integrity(f.target)] end,
	mitigation = "Validate every request against a schema at the boundary (a schema "
		.. "validator on every route), reject unknown fields, and re-check business invariants "
		.. "server-side.",
	advice = {
		hono = "Hono: validate every route group with a Zod schema (@hono/zod-validator).",
		nextjs = "Next.js: parse Server Action and route handler input with a Zod schema.",
		express = "Express: a schema validation middleware (Zod, Joi) on every router.",
		fastify = "Fastify: a JSON schema on every route (`schema.body`, `querystring`).",
	},
	refs = { "CWE-20", "CWE-915", "OWASP A03:2021", "OWASP A04:2021", "ASVS V5.1" },
}

-- Up to two distinct elements outside program p that send it data,
-- found once per program: enough to say whether any but one does.
local input_sources = T.memo(function(p)
	local found = {}
	local function walk(v)
		for _, f in ipairs(v.inflows) do
			local o = T.other(f, v)
			if o and o ~= found[1] and not in_process(f) then
				found[#found + 1] = o
				if #found == 2 then return true end
			end
		end
		for _, c in ipairs(v.children) do
			if walk(c) then return true end
		end
		return false
	end
	walk(p)
	return found
end)

-- True when program p (a top-level process and its parts) receives data
-- from some element other than `except`: a flow into it, or the answers
-- of a `<->` flow it starts, from outside the program.
local function takes_input(p, except)
	local found = input_sources(p)
	return found[2] ~= nil or (found[1] ~= nil and found[1] ~= except)
end

stride {
	id = "STRIDE-T-03",
	category = "tampering",
	applies = "flow",
	title = "SQL or NoSQL injection",
	description = "A process builds queries for a database from data it received; a crafted "
		.. "value changes the query and reads or modifies data it should not. Raised on flows "
		.. "from a process to a SQL or NoSQL store (by the store's `tech`/`kind`, or a "
		.. "database `protocol`; queues and caches are skipped) when the process's program "
		.. "takes input from anywhere but that store: a scheduled job that only cleans the "
		.. "database builds its queries from nothing an attacker controls. Answered by "
		.. "`parameterized true` on the flow or the process, or `orm ...` on the process "
		.. "(e.g. `orm drizzle`).",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "store" then return false end
		local s = f.source
		if s == nil or s.kind ~= "process" then return false end
		local sql = T.is_sql(t) or is(f, "protocol", T.SQL_PROTOCOL)
		-- a queue or cache on Redis takes commands, not queries built from input
		local nosql = not sql and T.is_nosql(t) and not T.is_queue(t) and not T.is_cache(t)
		if not sql and not nosql then return false end
		if yes(f, "parameterized") or yes(f, "orm") or has(s, "orm") or has(s, "parameterized")
			or not T.scoped(s) or not takes_input(T.level0(s), t) then
			return false
		end
		return (sql and "SQL" or "NoSQL") .. " queries from " .. s.key .. " to " .. t.key
			.. " with neither `parameterized true` nor `orm`"
	end,
	likelihood = injection_likelihood,
	impact = function(f, m) return target_impact(f.target, m) end,
	mitigation = "Use parameterised queries or a query builder/ORM everywhere, never string "
		.. "concatenation; run with a least-privilege database role.",
	advice = {
		hono = TS_QUERY_ADVICE,
		nextjs = TS_QUERY_ADVICE,
		node = TS_QUERY_ADVICE,
		php = "PHP: PDO prepared statements with bound parameters (emulated prepares off).",
		java = "Java: PreparedStatement or JPA parameters; no string-built JPQL.",
	},
	refs = { "CWE-89", "CWE-943", "OWASP A03:2021", "ASVS V5.3" },
}

stride {
	id = "STRIDE-T-04",
	category = "tampering",
	applies = "flow",
	title = "LDAP injection",
	description = "A process builds LDAP filters or DNs from input; a crafted value widens the "
		.. "search or bypasses a bind check. Raised on flows from a process to a directory "
		.. "(`tech ldap`, `kind directory`, or `protocol ldap`/`ldaps`); a third-party product "
		.. "(an identity provider federating a directory) builds its own filters and is "
		.. "skipped. Answered by "
		.. "`parameterized true` (escaped filters through a safe API) on the flow or process.",
	only_if = has_ldap,
	when = function(f, m)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" then return false end
		if not (is(f, "protocol", T.LDAP_PROTOCOL) or T.is_ldap(t)) then return false end
		if yes(f, "parameterized") or has(s, "parameterized") or not T.scoped(s)
			or T.is_product(s) then
			return false
		end
		return "LDAP queries from " .. s.key .. " to " .. t.key .. " without `parameterized true`"
	end,
	likelihood = injection_likelihood,
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Escape every value put in an LDAP filter or DN (RFC 4515) through the "
		.. "library's filter builder, and bind with a read-only service account.",
	refs = { "CWE-90", "OWASP A03:2021", "ASVS V5.3" },
}

-- Path traversal lets a request read or replace the files of its target:
-- worked out once per target.
local file_impact = T.memo(function(t, m) return T.impact(t, m, { integrity = 2 }) end)

stride {
	id = "STRIDE-T-05",
	category = "tampering",
	applies = "flow",
	title = "Path traversal into file storage",
	description = "A program that takes requests from outside reads or writes files or "
		.. "objects whose names come from that input; `../` sequences or absolute keys reach "
		.. "files outside the intended folder. Raised on flows from a process to a file or "
		.. "object store (`tech s3`, `minio`, `filesystem`..., `kind bucket`, `file`...) when "
		.. "its program takes requests from outside. Answered by `path_validation true` on "
		.. "the flow or the process.",
	only_if = has_files,
	when = function(f, m)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" or t.kind ~= "store" then return false end
		if not T.is_file_store(t) then return false end
		if yes(f, "path_validation") or has(s, "path_validation") or not T.scoped(s) then
			return false
		end
		if #program_requests(T.level0(s)) == 0 then return false end
		return s.key .. " takes outside input and accesses files in " .. t.key
			.. " without `path_validation true`"
	end,
	likelihood = injection_likelihood,
	impact = function(f, m) return file_impact(f.target, m) end,
	mitigation = "Never use input as a path: generate object keys server-side, or "
		.. "canonicalise the path and check it stays under the base folder.",
	refs = { "CWE-22", "CWE-73", "OWASP A01:2021", "ASVS V12.3" },
}


-- Applications whose kind says they serve people a web interface, beside
-- the web front ends (T.WEB_KIND): business applications and products.
local WEB_APP_KIND = T.set { "cms", "erp", "crm", "wiki", "forum", "webmail", "intranet",
	"shop", "ecommerce", "lms", "helpdesk", "dashboard" }
-- What a browser speaks (an unstated protocol counts: the default of a
-- person's request).
local BROWSER_PROTOCOL = T.set { "http", "https", "h2", "http2", "http3" }
-- People who use an application rather than a browser: their requests
-- render no page.
local APP_CLIENT_KIND = T.set { "mobile", "client" }

local function browser_request(f)
	local e = f.source
	if not (e and T.is_human(e)) or is(e, "kind", APP_CLIENT_KIND) then return false end
	local p = T.text(f, "protocol")
	return p == nil or BROWSER_PROTOCOL[p] == true
end

-- True when a person's browser reaches program p: a request from a
-- person over a browser protocol, directly or through gateways, load
-- balancers and proxies that forward it.
local function reached_by_browsers(p)
	local seen = {}
	local function through(v, depth)
		if seen[v] or depth > 8 then return false end
		seen[v] = true
		for _, f in ipairs(T.program_requests(v)) do
			if browser_request(f) then return true end
			local s = f.source
			if s and s.kind == "process" and is_gateway(s) and through(T.level0(s), depth + 1) then
				return true
			end
		end
		return false
	end
	return through(p, 0)
end

-- True for a web-facing application: `ui true` on the program, a web
-- front end (T.is_web), an application of a web kind (`cms`, `erp`...),
-- or a program people reach with a browser (an identity provider's
-- sign-in pages, a CI server's web UI); `ui false` says it serves no page.
-- Gateways, the platform and APIs (T.is_api) that are none of the first
-- three are not.
local web_facing = T.memo(function(p)
	if yes(p, "ui") then return true end
	if T.no(p, "ui") then return false end
	if program_is(p, T.is_web) then return true end
	local r = program(p)
	if r.gateway or r.platform then return false end
	if is(p, "kind", WEB_APP_KIND) then return true end
	if T.is_api(p) then return false end
	return reached_by_browsers(p)
end)

program_control {
	id = "STRIDE-T-06",
	category = "tampering",
	title = "Cross-site scripting",
	description = "A web front end renders data an attacker controls; a script injected into "
		.. "the page runs with the user's session (cookie theft, actions on their behalf). "
		.. "Raised for web-facing programs that take requests from outside: web front ends "
		.. "(`tech nextjs`, `react`, `vue`..., or `kind web`), `ui true`, applications of a "
		.. "web kind (`kind cms`, `erp`, `crm`, `wiki`...), and programs a person's browser "
		.. "reaches over http(s), directly or through a gateway or load balancer (an identity "
		.. "provider's sign-in pages, a CI server's web UI); APIs (`kind api`, `tech "
		.. "hono`...) count only when they state `ui true`, and `ui false` says a program "
		.. "serves no page. Answered by `csp ...` on the process (a Content Security Policy, "
		.. "e.g. `csp nonce`).",
	control = "csp",
	flows = "requests",
	applies_to = function(p) return web_facing(T.level0(p)) end,
	missing = "renders outside input and states no `csp`",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 2 },
	mitigation = "Rely on the framework's output encoding (no dangerouslySetInnerHTML or "
		.. "v-html on user data), sanitise rich text, and send a CSP with nonces.",
	refs = { "CWE-79", "OWASP A03:2021", "ASVS V5.3", "ASVS V14.4" },
}

local SAMESITE = T.set { "strict", "lax" }
local function csrf_safe(v) return yes(v, "csrf") or is(v, "samesite", SAMESITE) end
local function csrf_refused(v) return T.no(v, "csrf") and not is(v, "samesite", SAMESITE) end

program_control {
	id = "STRIDE-T-07",
	category = "tampering",
	title = "Cross-site request forgery",
	description = "The browser sends the session cookie with any request, so another site can "
		.. "make a logged-in user's browser submit a state-changing request. Raised for "
		.. "programs that people use with a cookie-based session (an `auth` such as "
		.. "`session_cookie` on the process or on a request into it, or a web front end with "
		.. "an interactive login). Answered by `csrf true` (anti-CSRF tokens) or `samesite "
		.. "strict`/`lax` on the process.",
	answered = csrf_safe,
	refused = csrf_refused,
	flows = "requests",
	only_if = has_people,
	applies_to = function(p) return cookie_session(T.level0(p)) end,
	needs = function(p, _, m) return serves_users(p, m) end,
	detail = function(p, _, _, session)
		local how = session == true and tostring(T.text(p, "auth") or "cookies")
			or T.text(session, "auth") .. " on " .. session.key
		return p.key .. " uses a cookie session (auth " .. how
			.. ") without `csrf true` or `samesite`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	-- A forged request acts as one user.
	impact = { integrity = 2 },
	mitigation = "Use SameSite=Lax/Strict session cookies and anti-CSRF tokens (or a custom "
		.. "header check) on every state-changing route.",
	refs = { "CWE-352", "OWASP A01:2021", "ASVS V4.2.2" },
}

-- Formats and protocols that carry serialised objects.
local SERIALISED = T.set { "java", "java-serialization", "pickle", "marshal", "php",
	"php-serialize", "binaryformatter", "kryo", "rmi", "iiop", "jrmp", "t3", "hessian",
	"yaml-objects", "xstream", "ejb" }
local SAFE_DESERIALISATION = T.set { "safe", "allowlist", "signed" }
local function safe_deserialisation(v) return is(v, "deserialization", SAFE_DESERIALISATION) end
local function unsafe_deserialisation(v) return T.no(v, "deserialization") end

local function serialised(v)
	return is(v, "format", SERIALISED) or is(v, "serialization", SERIALISED)
		or is(v, "protocol", SERIALISED)
end
local has_serialised = per_model(function(m)
	return uses(m, "format", SERIALISED) or uses(m, "serialization", SERIALISED)
		or uses(m, "protocol", SERIALISED)
end)

program_control {
	id = "STRIDE-T-08",
	category = "tampering",
	title = "Untrusted deserialisation",
	description = "The process deserialises native objects (Java serialisation, pickle, PHP "
		.. "serialize, RMI/IIOP...) that come from outside; a crafted payload runs code "
		.. "during deserialisation. Raised when an untrusted inflow of the program states "
		.. "such a `format`, `serialization` or `protocol`, or the process states it. "
		.. "Answered by `deserialization safe` (or `allowlist`, `signed`) on the process.",
	answered = safe_deserialisation,
	refused = unsafe_deserialisation,
	flows = "untrusted",
	only_if = has_serialised,
	detail = function(p, flows)
		local hits = {}
		for _, f in ipairs(flows) do
			if serialised(f) then hits[#hits + 1] = f end
		end
		if #hits > 0 then return "native serialised data on " .. flow_keys(hits) end
		if is(p, "serialization", SERIALISED) or is(p, "format", SERIALISED) then
			return p.key .. " deserialises native objects from outside input"
		end
		return false
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3, availability = 2 },
	mitigation = "Accept only data formats (JSON with a schema), or restrict deserialisation "
		.. "to an allow-list of classes and sign the payloads.",
	refs = { "CWE-502", "OWASP A08:2021", "ASVS V5.5" },
}

local XML = T.set { "xml", "soap", "saml", "xmlrpc", "svg", "docx", "xlsx", "rss", "wsdl" }
local function xml_safe(v) return T.no(v, "xml_entities") or yes(v, "xxe_protection") end
local function xml_unsafe(v) return yes(v, "xml_entities") end
local has_xml = per_model(function(m)
	return uses(m, "format", XML) or uses(m, "protocol", XML) or uses(m, "serialization", XML)
end)

program_control {
	id = "STRIDE-T-09",
	category = "tampering",
	title = "XML external entity injection",
	description = "The process parses XML from outside with external entities enabled; a "
		.. "crafted document reads local files, reaches internal hosts or exhausts memory. "
		.. "Raised when an untrusted inflow of the program states `format`/`protocol` xml, "
		.. "soap, saml, svg..., or the process states such a `format` or `serialization` "
		.. "(what it accepts) and takes untrusted input. Answered by `xml_entities false` (or "
		.. "`xxe_protection true`) on the process.",
	answered = xml_safe,
	refused = xml_unsafe,
	flows = "untrusted",
	only_if = has_xml,
	detail = function(p, flows)
		for _, f in ipairs(flows) do
			if is(f, "format", XML) or is(f, "protocol", XML) then
				return "XML from " .. f.key .. " and no `xml_entities false`"
			end
		end
		if is(p, "format", XML) or is(p, "serialization", XML) then
			return p.key .. " accepts XML from outside input and states no `xml_entities false`"
		end
		return false
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 2, availability = 2 },
	mitigation = "Disable DTDs and external entities in the XML parser, or accept JSON instead.",
	refs = { "CWE-611", "CWE-776", "OWASP A05:2021", "ASVS V5.5.2" },
}

stride {
	id = "STRIDE-T-10",
	category = "tampering",
	applies = "store",
	title = "Data store reachable without authentication",
	description = "Something connects to the store without credentials; whoever reaches the "
		.. "network port can modify (or delete) the data. Flows that cross a trust boundary "
		.. "are STRIDE-S-03's, and a flow the store itself sends to another store is that "
		.. "store's; a service registry is STRIDE-S-07's. Answered by `auth ...` on the store "
		.. "(e.g. `auth scram`, `auth iam`), or on every flow that reaches it.",
	when = function(s)
		if yes(s, "auth") or yes(s, "mtls") or service_registry(s) then return false end
		local missing
		for _, f in ipairs(T.flows(s)) do
			local o = T.other(f, s)
			-- a flow this store sends to another store is its own connection out
			local outbound = f.source == s and o and o.kind == "store" and not f.bidirectional
			if not f.crosses and not outbound and not yes(f, "auth") and not yes(f, "mtls")
				and not in_process(f) then
				missing = missing or {}
				missing[#missing + 1] = f
			end
		end
		if not missing then return false end
		return "no `auth` on " .. s.key .. " or on " .. flow_keys(missing)
	end,
	-- Reaching the store's port takes network access.
	likelihood = function(s)
		local o = math.min(T.opportunity(s), 2)
		return { skill = 3, motive = 2, opportunity = o, population = o, discoverability = 2 }
	end,
	impact = function(s, m)
		return T.impact(s, m, { integrity = max2(T.integrity(s)), availability = 2 })
	end,
	mitigation = "Require authentication on the store (SCRAM passwords per service, IAM "
		.. "roles, client certificates) and bind it to a private network only.",
	refs = { "CWE-306", "OWASP A07:2021", "ASVS V2.10" },
}

local function takes_uploads(v) return yes(v, "upload") end

program_control {
	id = "STRIDE-T-11",
	category = "tampering",
	title = "File upload without validation",
	description = "The program accepts files from outside and nothing states how they are "
		.. "checked; a script uploaded as an image, an oversized archive, a crafted file name "
		.. "or a malicious document runs code on the server, fills its disk or reaches the "
		.. "people who download it. Raised for programs that take requests from outside and "
		.. "accept uploads (`upload true`, or what they accept, on the process or on a "
		.. "request into it); gateways and the platform are skipped. Answered by "
		.. "`upload_validation ...` on the process (e.g. `upload_validation true`: type by "
		.. "content, size, name, a malware scan).",
	control = "upload_validation",
	flows = "requests",
	skip = { "gateway", "platform" },
	only_if = function(m) return m.states("upload", { "flow", "process" }) end,
	detail = function(p, flows)
		local hits
		for _, f in ipairs(flows) do
			if yes(f, "upload") then
				hits = hits or {}
				hits[#hits + 1] = f
			end
		end
		if hits then
			return "files uploaded on " .. flow_keys(hits) .. " reach " .. p.key
				.. ", which states no `upload_validation`"
		end
		if has(p, "upload") or program_is(p, takes_uploads) then
			return p.key .. " accepts file uploads from outside and states no `upload_validation`"
		end
		return false
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3, availability = 2 },
	mitigation = "Check each upload by its content against an allow-list of types, limit its "
		.. "size, generate the stored name server-side, keep the files outside the web root "
		.. "(or in object storage) with no execute right, and scan them for malware.",
	refs = { "CWE-434", "CWE-400", "OWASP A04:2021", "ASVS V12.1", "ASVS V12.2" },
}

-- ===========================================================================
-- Repudiation

program_control {
	id = "STRIDE-R-01",
	category = "repudiation",
	title = "No audit trail of actions",
	description = "The program changes data or serves requests from others but keeps no audit "
		.. "trail, so a user (or an insider) can deny an action and an incident cannot be "
		.. "reconstructed. Raised for programs (a top-level process and its parts) that other "
		.. "elements call; a gateway that only forwards requests is skipped. Answered by "
		.. "`audit true` on the process.",
	control = "audit",
	flows = "calls",
	skip = { "gateway" },
	missing = "states no `audit true`",
	-- Repudiation takes someone who may act: a user or an insider.
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1, population = 2 },
	impact = { integrity = 1, compliance = 2 },
	mitigation = "Write an append-only audit log of security-relevant actions (who, what, "
		.. "when, from where) to a store the process cannot rewrite; keep it per the "
		.. "retention policy.",
	refs = { "CWE-778", "CWE-223", "OWASP A09:2021", "ASVS V7.1" },
}

stride {
	id = "STRIDE-R-02",
	category = "repudiation",
	applies = "store",
	title = "No audit trail of data changes",
	description = "Data in the store can be changed without a record of who changed what and "
		.. "when; tampering goes unnoticed and cannot be undone or attributed. Raised for a "
		.. "store that something writes to (a flow into it that is not `readonly true`); "
		.. "caches and queues (whose entries are consumed, not kept) are skipped. Answered by `audit true` on the store (e.g. pgaudit, "
		.. "change-data-capture to an append-only log).",
	when = function(s)
		local ins = s.inflows
		if ins[1] == nil or yes(s, "audit") or T.is_cache(s) or T.is_queue(s) then return false end
		for _, f in ipairs(ins) do
			if not in_process(f) and not yes(f, "readonly") then
				return "writes by " .. T.other(f, s).key .. " to " .. s.key .. " are not audited"
			end
		end
		return false
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1, population = 2 },
	impact = { integrity = 2, compliance = 2 },
	mitigation = "Enable an audit trail on data changes (pgaudit, triggers into an "
		.. "append-only table, object-store versioning with access logs).",
	refs = { "CWE-778", "OWASP A09:2021", "ASVS V7.2" },
}

stride {
	id = "STRIDE-R-03",
	category = "repudiation",
	applies = "flow",
	title = "User identity lost across a trust boundary",
	description = "A process that serves people calls another process across a trust "
		.. "boundary with its own technical identity only; the callee cannot tell which user "
		.. "asked, so it can neither authorise per user nor record who did what. Raised for "
		.. "calls from a process that people's requests reach (directly or through a gateway; "
		.. "a part that takes requests of its own, such as a webhook handler, serves whoever "
		.. "sends those). Skipped: answers to calls, flows from a gateway (it forwards the "
		.. "user's request as it is), calls to an identity provider (`kind idp`, `tech "
		.. "keycloak`...: the call that establishes who the user is), remote-access and "
		.. "code-transfer flows (`protocol ssh`, `git`...: a deployment is no user's request), "
		.. "and `public true` flows (anonymous content). Answered "
		.. "by `identity_propagation true` on the flow (the user's token, or an on-behalf-of "
		.. "token exchange, travels with the call).",
	only_if = has_people,
	when = function(f, m)
		if not f.crosses then return false end
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" or t.kind ~= "process" then return false end
		if yes(f, "identity_propagation") or yes(f, "public") or not T.scoped(t) then
			return false
		end
		if is_gateway(s) or is_platform(t) or T.is_idp(t) or is_response(f) then return false end
		if T.remote_access(f) or not T.serves_users(s, m) then return false end
		return s.key .. " serves people and calls " .. t.key
			.. " without `identity_propagation true`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1, population = 2 },
	impact = { integrity = 2, compliance = 2 },
	mitigation = "Forward the user's access token (or exchange it, RFC 8693) with each call, "
		.. "and have the callee authorise and log on the user's identity.",
	refs = { "CWE-778", "CWE-284", "OWASP A09:2021", "ASVS V7.1" },
}

-- ===========================================================================
-- Information disclosure

stride {
	id = "STRIDE-I-01",
	category = "information_disclosure",
	applies = "flow",
	title = "Data disclosed in transit",
	description = "The flow's transport is not encrypted, so anyone on the path can read it: "
		.. "credentials, session tokens and the data it carries. On a flow that crosses a "
		.. "trust boundary the attacker population is wider. One connection gets one finding: "
		.. "a response that answers a cleartext request is reported on the request. Calls "
		.. "between parts of one program are skipped, and so are connections with nothing to "
		.. "disclose: each flow states its `data`, which holds nothing above low sensitivity, "
		.. "no personal data and no secret, and carries no credential (no `auth` but `none`), "
		.. "as anonymous public content or `data []` does; their tampering is STRIDE-T-01's. "
		.. "Answered by `tls true` on the flow "
		.. "or an encrypted `protocol` (https, wss, grpcs, ldaps, sftp...).",
	when = function(f)
		return cleartext_connection(f, nothing_disclosed) or false
	end,
	likelihood = connection_likelihood,
	impact = function(f, m) return connection_impact(f, m, DISCLOSURE_ALONE) end,
	mitigation = "Encrypt the channel with TLS 1.2+ (HSTS for browsers, certificate "
		.. "verification by database and service clients, mTLS between services).",
	advice = TRANSPORT_ADVICE,
	refs = { "CWE-319", "OWASP A02:2021", "ASVS V9" },
}

stride {
	id = "STRIDE-I-02",
	category = "information_disclosure",
	applies = "flow",
	title = "Sensitive data sent to an external party",
	description = "The flow hands personal or high/critical data to an external system, where "
		.. "our controls no longer apply; more data than the partner needs widens any breach "
		.. "on their side. Raised for flows to an external entity that is not a person (either "
		.. "end of a `<->` flow) that carry such assets; people receiving their own data are "
		.. "what the system is for. Answered by `minimised true` on the flow (only the fields "
		.. "the partner needs are sent) or `encrypted true` (end-to-end encrypted payload). "
		.. "A flow to a third-party language model is left to the llm pack's LLM-03 when that "
		.. "pack is loaded.",
	when = function(f)
		if not f.pii and f.max_sensitivity ~= "high" and f.max_sensitivity ~= "critical" then
			return false
		end
		local s, t = f.source, f.target
		local ext = (t and t.kind == "external") and t
			or (f.bidirectional and s and s.kind == "external" and s) or nil
		if not ext or T.is_human(ext) or not ours(f) then return false end
		-- a third-party language model is the llm pack's (LLM-03) when it is loaded
		if T.claimed(ext, "minimised") then return false end
		if yes(f, "minimised") or yes(f, "minimized") or yes(f, "encrypted") then return false end
		local carried = {}
		for _, a in ipairs(f.assets) do
			if a.pii or a.sensitivity == "high" or a.sensitivity == "critical" then
				carried[#carried + 1] = a.key
			end
		end
		if #carried == 0 then return false end
		return concat(carried, ", ") .. " sent to " .. ext.key .. " without `minimised true`"
	end,
	-- The data is exposed where the partner keeps it: reaching it means
	-- breaching the partner, which few attackers can.
	likelihood = { skill = 1, motive = 2, opportunity = 2, population = 1, discoverability = 1 },
	impact = T.impact_factors(),
	mitigation = "Send only the fields the partner needs (pseudonymise where possible), and "
		.. "cover the transfer by a contract (DPA) and the partner's own controls.",
	refs = { "CWE-201", "CWE-359", "OWASP A04:2021", "OWASP API3:2023" },
}

stride {
	id = "STRIDE-I-03",
	category = "information_disclosure",
	applies = "flow",
	title = "Data sent to a store that does not keep it",
	description = "The flow carries assets into a store whose `stores` list does not name "
		.. "them: either the store keeps more than the model says, or data travels where it "
		.. "is not needed. Raised only when the store states `stores`, and not for a "
		.. "`readonly true` flow (a query or lookup: what it carries is a key, not kept). "
		.. "Answered by adding "
		.. "the assets to the store's `stores`, or removing them from the flow's `data`.",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "store" then return false end
		local carried = f.assets
		if carried[1] == nil or not T.stated(t, "stores") or not T.scoped(t) then return false end
		if yes(f, "readonly") then return false end -- a lookup key, not kept
		local held = {}
		for _, a in ipairs(t.assets) do held[a] = true end
		local extra
		for _, a in ipairs(carried) do
			if not held[a] then
				extra = extra or {}
				extra[#extra + 1] = a.key
			end
		end
		if not extra then return false end
		return concat(extra, ", ") .. " sent to " .. t.key .. ", whose `stores` omits it"
	end,
	-- A modelling inconsistency first: it takes a breach of the store to matter.
	likelihood = { skill = 2, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors(),
	mitigation = "Stop sending data the store does not need, or record in the model that "
		.. "it keeps it (and protect it accordingly).",
	refs = { "CWE-359", "CWE-212", "OWASP A04:2021" },
}

element_control {
	id = "STRIDE-I-04",
	category = "information_disclosure",
	applies = "store",
	title = "Data at rest not encrypted",
	description = "The store keeps data unencrypted on disk; a stolen disk, backup or "
		.. "snapshot, or a misconfigured volume, discloses it all. Raised for stores that "
		.. "keep assets. Answered by `encrypted true` on the store (disk, volume or "
		.. "column encryption).",
	control = "encrypted",
	needs = function(s) return s.assets[1] ~= nil end,
	detail = function(s)
		return s.key .. " keeps " .. T.names(s.assets) .. " without `encrypted true`"
	end,
	-- Needs access to the storage, a backup or a snapshot: insider-level.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors(),
	mitigation = "Encrypt volumes and backups (disk encryption, a cloud KMS), and encrypt "
		.. "personal-data columns with keys kept in a secrets manager.",
	advice = {
		postgresql = "PostgreSQL: encrypted volumes for the data directory and the WAL "
			.. "archive; pgcrypto or application-side encryption for PII columns.",
		mysql = "MySQL: InnoDB data-at-rest encryption (a keyring component) for tablespaces, "
			.. "redo and binary logs.",
		mariadb = "MariaDB: data-at-rest encryption (a key management plugin) for tables and logs.",
		s3 = "S3: default bucket encryption with SSE-KMS.",
	},
	refs = { "CWE-311", "CWE-312", "OWASP A02:2021", "ASVS V6.1" },
}

stride {
	id = "STRIDE-I-05",
	category = "information_disclosure",
	applies = "store",
	title = "Secrets stored outside a secrets manager",
	description = "The store keeps secrets (passwords, API keys, tokens: assets with `kind "
		.. "secret`/`credential`, `secret true`, or a label that says so); a read of the "
		.. "store hands the attacker every key. Answered by keeping them in a vault (a store "
		.. "with `tech vault`/`kind vault`) or, for user passwords, `hashed true` (a slow "
		.. "salted hash such as argon2id).",
	when = function(s)
		if s.assets[1] == nil or yes(s, "hashed") or T.is_vault(s) then return false end
		local secrets = T.secrets(s)
		if #secrets == 0 then return false end
		return s.key .. " keeps " .. T.names(secrets) .. " outside a vault, not `hashed`"
	end,
	-- Reading the store takes an injection or network access to it.
	likelihood = function(s)
		local o = math.min(T.opportunity(s), 2)
		return { skill = 2, motive = 3, opportunity = o, population = o, discoverability = 2 }
	end,
	impact = T.impact_factors { confidentiality = 3 },
	mitigation = "Move secrets to a secrets manager (short-lived credentials issued per "
		.. "workload); hash passwords with argon2id or bcrypt; never keep them in plain "
		.. "configuration.",
	advice = {
		ldap = "LDAP: store userPassword only as a salted slow hash (e.g. the argon2 "
			.. "password-policy module), never in cleartext or with reversible encryption.",
	},
	refs = { "CWE-256", "CWE-522", "CWE-798", "OWASP A02:2021", "OWASP A07:2021", "ASVS V2.4",
		"ASVS V6.4" },
}

local function error_handled(v) return yes(v, "error_handler") or T.no(v, "verbose_errors") end
local function errors_verbose(v) return T.no(v, "error_handler") or yes(v, "verbose_errors") end

program_control {
	id = "STRIDE-I-06",
	category = "information_disclosure",
	title = "Internal details in error responses",
	description = "Errors reach outside callers with stack traces, SQL fragments, internal "
		.. "host names or the data being processed; attackers use them to plan the next "
		.. "step, and PII may leak. Raised for programs that take requests from outside; "
		.. "gateways and CDNs (which render no application errors), the platform the "
		.. "workloads run on and third-party products (`kind idp`, `ci`, `repository`...), "
		.. "whose errors are the vendor's, are skipped. Answered by `error_handler true` (a global handler "
		.. "returning sanitised errors) or `verbose_errors false` on the process.",
	answered = error_handled,
	refused = errors_verbose,
	flows = "requests",
	skip = { "gateway", "platform", "product" },
	missing = "answers requests from outside and states no `error_handler`",
	refusal = "states `error_handler false`",
	likelihood = T.likelihood_factors { skill = 2, motive = 1, discoverability = 2 },
	impact = function(p) return { confidentiality = T.at_least(p, "medium") and 2 or 1 } end,
	mitigation = "Install a global error handler that logs details server-side and returns a "
		.. "generic message with a correlation id; disable debug modes in production.",
	refs = { "CWE-209", "CWE-215", "OWASP A05:2021", "ASVS V7.4" },
}

local function egress_fixed(v) return yes(v, "egress_allowlist") end

-- Outbound HTTP-like calls a process starts to external systems (not the
-- answers it sends to people or callers).
local function outbound_calls(v)
	local out = {}
	for _, f in ipairs(v.outflows) do
		local t = f.target
		if f.source == v and t and t.kind == "external" and not T.is_human(t) and httpish(f)
			and not is_response(f) then
			out[#out + 1] = f
		end
	end
	return out
end
outbound_calls = T.memo(outbound_calls)

program_control {
	id = "STRIDE-I-07",
	category = "information_disclosure",
	title = "Server-side request forgery",
	description = "The program makes outbound requests to external systems while taking "
		.. "requests from outside; if a URL, host or path can be influenced, an attacker makes "
		.. "it call internal services or the cloud metadata endpoint. Raised for programs "
		.. "that start HTTP-like calls to external systems (answers sent to people or callers "
		.. "do not count) and take requests from outside; gateways and the platform are "
		.. "skipped. Answered by `egress_allowlist true` on the process (destinations fixed "
		.. "in configuration or allow-listed, no user-supplied URLs).",
	control = "egress_allowlist",
	flows = "requests",
	skip = { "gateway", "platform" },
	detail = function(p)
		local calls = T.collect(p, outbound_calls, parent(p) == false and egress_fixed or nil)
		if #calls == 0 then return false end
		local seen, names = {}, {}
		for _, f in ipairs(calls) do
			local k = f.target.key
			if not seen[k] then
				seen[k] = true
				names[#names + 1] = k
			end
		end
		return p.key .. " calls " .. concat(names, ", ")
			.. " and takes requests from outside, with no `egress_allowlist true`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	-- Reaches the internal network, not (directly) the process's data.
	impact = { confidentiality = 2, integrity = 2 },
	mitigation = "Fix outbound destinations in configuration; if URLs come from users, "
		.. "allow-list hosts, resolve and block private ranges, and disable redirects.",
	refs = { "CWE-918", "OWASP A10:2021", "ASVS V12.6" },
}

element_control {
	id = "STRIDE-I-08",
	category = "check",
	applies = "store",
	title = "Store contents unstated",
	description = "The store does not say which assets it keeps, so the sensitivity of a "
		.. "breach (and whether encryption, backup or audit matter) cannot be judged. "
		.. "Answered by `stores [...]` on the store, naming the assets (an empty list `[]` "
		.. "when it keeps nothing of value).",
	answered = function(s) return s.attr.stores ~= nil end,
	missing = "states no `stores`",
	likelihood = { discoverability = 2 },
	impact = { confidentiality = 1 },
	mitigation = "List the assets the store keeps with `stores [A-01, ...]`.",
	refs = { "OWASP A04:2021" },
}

stride {
	id = "STRIDE-I-09",
	category = "check",
	applies = "flow",
	title = "Data crossing a boundary unstated",
	description = "A flow crosses a trust boundary but does not say what data it carries, so "
		.. "its disclosure and tampering threats cannot be scored. Answered by `data [...]` "
		.. "on the flow, naming the assets (an empty list `[]` when it carries nothing of "
		.. "value).",
	when = function(f)
		if not f.crosses or f.attr.data ~= nil or not ours(f) then return false end
		return f.key .. " crosses a trust boundary and states no `data`"
	end,
	likelihood = { discoverability = 2 },
	impact = { confidentiality = 1 },
	mitigation = "List the assets the flow carries with `data [A-01, ...]`.",
	refs = { "OWASP A04:2021" },
}

-- ===========================================================================
-- Denial of service

-- An artefact registry: what our own build processes send it are uploads
-- of releases (code transfer, like a git push), not request traffic.
local ARTEFACT_STORE_KIND = T.set { "registry", "artifact_registry", "container_registry",
	"package_registry", "artifact_repository", "image_registry" }
local ARTEFACT_STORE_TECH = T.set { "harbor", "nexus", "artifactory", "zot", "docker_registry",
	"ecr", "acr", "gcr", "ghcr", "quay" }
local function artefact_store(v)
	return is(v, "kind", ARTEFACT_STORE_KIND) or is(v, "tech", ARTEFACT_STORE_TECH)
end

stride {
	id = "STRIDE-D-01",
	category = "denial_of_service",
	applies = "flow",
	title = "No rate limit on requests from outside",
	description = "Requests cross a trust boundary (or come from an external entity) into a "
		.. "process with no limit on their rate; bots or a misbehaving client exhaust it. "
		.. "Skipped: answers to calls; flows into the platform the workloads run on "
		.. "(deployments); remote-access and code-transfer flows (`protocol ssh`, `git`...) "
		.. "and our own processes' uploads to an artefact registry (`kind registry`, `tech "
		.. "harbor`...), which are not request traffic; flows from a gateway, CDN or load balancer (the "
		.. "flow into it carries the finding: the limit belongs at the edge); and flows from "
		.. "the organisation's own clients (`zone internal`), which no bot drives. Answered "
		.. "by `rate_limit ...` on the flow or the receiving process, or on the process that "
		.. "sends it (a gateway or front end that already limits the traffic).",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "process" then return false end
		if not untrusted_input(f) or yes(f, "rate_limit") or has(t, "rate_limit") then
			return false
		end
		local s = f.source
		if s.kind == "process" and (has(s, "rate_limit") or is_gateway(s)) then return false end
		if s.kind == "external" and s.zone == "internal" then return false end
		if not T.scoped(t) or is_platform(t) or in_process(f) or is_response(f)
			or T.remote_access(f) or (s.kind == "process" and artefact_store(t)) then
			return false
		end
		return "requests on " .. f.key .. " reach " .. t.key .. " with no `rate_limit`"
	end,
	likelihood = T.likelihood_factors { skill = 3, motive = 2, discoverability = 3 },
	impact = { availability = 2, financial = 1 },
	mitigation = "Rate-limit per client and per route at the edge (CDN/WAF) and in the API, "
		.. "with timeouts and back-pressure behind it.",
	refs = { "CWE-770", "CWE-799", "OWASP A04:2021", "OWASP API4:2023" },
}

local function web_or_api(v) return T.is_web(v) or T.is_api(v) end

program_control {
	id = "STRIDE-D-02",
	category = "denial_of_service",
	title = "No limit on request size",
	description = "The program accepts request bodies, uploads or batch sizes without an "
		.. "upper bound; a few oversized requests exhaust its memory or CPU. Raised for web "
		.. "and API programs (by `tech`/`kind`) and programs with HTTP-like requests from "
		.. "outside; gateways and CDNs, the platform the workloads run on, third-party products "
		.. "(`kind idp`, `ci`, `repository`...), and processes whose "
		.. "stack pack asks the question itself (`tech hono`, with ge-stack loaded: "
		.. "GE-HONO-02/12) are skipped. Answered by `body_limit ...` on the process (e.g. "
		.. "`body_limit \"1MB\"`).",
	control = "body_limit",
	flows = "requests",
	skip = { "gateway", "platform", "product" },
	claimed = "body_limit",
	needs = function(p, flows) return program_is(p, web_or_api) or some(flows, httpish) end,
	missing = "takes requests from outside and states no `body_limit`",
	refusal = "states `body_limit none`",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Limit body size, upload size, page size and query depth in the framework or "
		.. "the reverse proxy in front, and set memory and CPU limits on the workload.",
	advice = {
		hono = "Hono: the bodyLimit middleware on every route group.",
		nextjs = "Next.js: `serverActions.bodySizeLimit`, and a size check in route handlers "
			.. "that read the body.",
		express = "Express: a `limit` on express.json() and express.urlencoded().",
		apache = "Apache httpd: LimitRequestBody.",
		nginx = "nginx: client_max_body_size.",
	},
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023", "ASVS V12.1" },
}

element_control {
	id = "STRIDE-D-03",
	category = "denial_of_service",
	applies = "store",
	title = "Data loss without a backup",
	description = "The store keeps data that cannot be rebuilt, and nothing states it is "
		.. "backed up; ransomware, an operator error or a failed disk loses it. Caches "
		.. "(`kind cache`, `tech memcached`) are skipped. Answered by `backup true` on the "
		.. "store.",
	control = "backup",
	skip = T.is_cache,
	needs = function(s) return s.assets[1] ~= nil or s.inflows[1] ~= nil end,
	missing = "states no `backup true`",
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = function(s)
		return { availability = T.at_least(s, "high") and 3 or 2, integrity = 2 }
	end,
	mitigation = "Back up on a schedule to separate, immutable storage, and test the restore.",
	refs = { "ASVS V8.1.5", "OWASP A04:2021" },
}

stride {
	id = "STRIDE-D-04",
	category = "denial_of_service",
	applies = "store",
	title = "Unbounded database queries",
	description = "Queries prompted by outside callers have no time limit and the connection "
		.. "pool no cap; a few expensive searches, or a burst of connections, take the "
		.. "database down for everyone. Raised for SQL/NoSQL stores (not queues or caches) "
		.. "reached from processes exposed to the internet or a partner network. Answered by "
		.. "`statement_timeout ...` or `connection_limit ...` on the store. Stores whose stack "
		.. "pack asks about both itself, as two findings (`tech postgresql`, with ge-stack "
		.. "loaded: GE-PG-08/09), are left to it.",
	when = function(s)
		if not (T.is_sql(s) or T.is_nosql(s)) then return false end
		if yes(s, "statement_timeout") or yes(s, "connection_limit") then return false end
		if T.claimed(s, "statement_timeout") and T.claimed(s, "connection_limit") then
			return false
		end
		if T.is_queue(s) or T.is_cache(s) then return false end
		for _, list in ipairs { s.inflows, s.outflows } do
			for _, f in ipairs(list) do
				local o = T.other(f, s)
				if o and o.kind == "process" and T.opportunity(o) >= 2 and not in_process(f) then
					return "queries from " .. o.key .. " (" .. tostring(o.exposure)
						.. ") reach " .. s.key .. " with no `statement_timeout`"
				end
			end
		end
		return false
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = { availability = 2 },
	mitigation = "Set a statement timeout and a per-account connection limit, size the "
		.. "connection pool, and paginate every list endpoint.",
	advice = {
		postgresql = "PostgreSQL: `ALTER ROLE ... SET statement_timeout`, a per-role CONNECTION "
			.. "LIMIT, and a PgBouncer pool in front.",
		mysql = "MySQL: max_execution_time and max_user_connections for the application account.",
		mariadb = "MariaDB: max_statement_time and max_user_connections for the application "
			.. "account.",
	},
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023" },
}

-- ===========================================================================
-- Elevation of privilege

local function authorised(v) return yes(v, "authz") or yes(v, "rbac") end
-- A part refuses authorisation with `authz none` or `rbac none` (and
-- neither control stated positively).
local function unauthorised(v)
	return (T.no(v, "authz") or T.no(v, "rbac")) and not (yes(v, "authz") or yes(v, "rbac"))
end

program_control {
	id = "STRIDE-E-01",
	category = "elevation_of_privilege",
	title = "Missing authorisation checks",
	description = "The program authenticates callers (or takes outside input) but nothing "
		.. "states how it decides what each caller may do: broken function- or object-level "
		.. "authorisation lets a regular user reach admin functions or other users' records. "
		.. "Raised for programs with requests from outside, unless all of them are `public "
		.. "true`; gateways that only forward requests are skipped. Answered by `authz ...` "
		.. "or `rbac ...` on the process.",
	answered = authorised,
	refused = unauthorised,
	flows = "requests",
	skip = { "gateway" },
	needs = function(_, flows) return some(flows, function(f) return not yes(f, "public") end) end,
	missing = "states neither `authz` nor `rbac`",
	refusal = function(p) return "states `" .. (T.no(p, "authz") and "authz" or "rbac") .. " none`" end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Check authorisation server-side on every route and every object (owner or "
		.. "tenant check), deny by default, and test admin routes with a regular user.",
	refs = { "CWE-862", "CWE-285", "CWE-639", "OWASP A01:2021", "OWASP API1:2023", "ASVS V4" },
}

stride {
	id = "STRIDE-E-02",
	category = "elevation_of_privilege",
	applies = "store",
	title = "Over-privileged access to the data store",
	description = "Processes connect to the store with broad privileges (a superuser, one "
		.. "role for every tenant); a single injection or compromised service reads or "
		.. "changes everything. Answered by `rls true` (row-level security per tenant) or "
		.. "`role ...` (the least-privilege role the application connects as; `postgres`, "
		.. "`root`, `sa` or `admin` are superusers and do not count) on the store, or "
		.. "`role ...` on every flow that reaches it. Stores whose stack pack asks about "
		.. "`rls` and `role` itself (`tech postgresql`, with ge-stack loaded: GE-PG-01/02) "
		.. "are left to it.",
	when = function(s)
		if yes(s, "rls") then return false end
		local role = T.text(s, "role")
		local superuser = role ~= nil and SUPERUSER[role] == true
		if not superuser and yes(s, "role") then return false end
		if T.claimed(s, "role") and T.claimed(s, "rls") then return false end
		if superuser then
			return s.key .. " is reached as role " .. role .. ", a superuser"
		end
		local missing
		for _, f in ipairs(T.flows(s)) do
			local o = T.other(f, s)
			if o and o.kind ~= "store" and not yes(f, "role") and not in_process(f) then
				missing = missing or {}
				missing[#missing + 1] = f
			end
		end
		if not missing then return false end
		return "neither `rls true` nor a least-privilege `role` on " .. s.key .. " or on "
			.. flow_keys(missing)
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = T.impact_factors { integrity = { "data", 2 } },
	mitigation = "Connect with a least-privilege role per service (no superuser, no DDL), "
		.. "and enable row-level security on every tenant-scoped table.",
	refs = { "CWE-250", "CWE-269", "OWASP A01:2021", "ASVS V4.1" },
}

-- The people who administer the system's stores and hosts.
local ADMIN_KIND = T.set { "admin", "administrator", "operator", "dba" }

stride {
	id = "STRIDE-E-03",
	category = "elevation_of_privilege",
	applies = "flow",
	title = "External entity accesses a data store directly",
	description = "An external entity reads or writes a data store with no process of ours "
		.. "in between, so none of our authorisation, validation or logging applies; it "
		.. "holds whatever privileges the store grants it. Answered by modelling the process "
		.. "that mediates the access (an API, an export job); if the direct access is "
		.. "intended (a managed backup service), accept the finding with the reason. "
		.. "An administrator's own access (an external person of `kind admin`, "
		.. "`administrator`, `operator` or `dba`) is skipped: it is the admin path, whose "
		.. "threats are a stolen admin credential (STRIDE-S-06) and a rogue admin.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil then return false end
		local sk, tk = s.kind, t.kind
		local ext, store
		if sk == "external" and tk == "store" then ext, store = s, t
		elseif tk == "external" and sk == "store" then ext, store = t, s
		else return false end
		if not T.scoped(store) then return false end
		-- an administrator's direct access is the admin path, whose threats
		-- are a stolen admin credential (STRIDE-S-06) and the rogue admin
		if T.is_human(ext) and is(ext, "kind", ADMIN_KIND) then return false end
		return ext.key .. " reaches " .. store.key .. " directly, with no process in between"
	end,
	-- Who can misuse the access is the external entity itself: its zone,
	-- not what else reaches it, sets opportunity and population.
	likelihood = function(f)
		local ext = (f.source.kind == "external") and f.source or f.target
		local o = (ext.zone or "internet") == "internet" and 3 or 2
		return { skill = 2, motive = 3, opportunity = o, population = o, discoverability = 2 }
	end,
	impact = function(f, m)
		local store = (f.source.kind == "store") and f.source or f.target
		return T.impact(store, m, { integrity = max2(T.integrity(store)) })
	end,
	mitigation = "Put an API in front of the store that authenticates, authorises and logs "
		.. "each access; give the external party no network path to the store.",
	refs = { "CWE-284", "CWE-501", "OWASP A01:2021" },
}

-- What filters web attacks in front of a program: a WAF, a CDN or an API
-- gateway (`waf true` on any element says it filters too). A load
-- balancer, reverse proxy or ingress only forwards: it is no guard.
local FILTER_KIND = T.set { "waf", "cdn", "gateway", "api_gateway", "edge" }
local FILTER_TECH = T.set { "bunnycdn", "cloudflare", "cloudfront", "akamai", "fastly", "kong",
	"apigee", "modsecurity", "coraza" }
local function filters(v)
	return has(v, "waf") or is(v, "kind", FILTER_KIND) or is(v, "tech", FILTER_TECH)
end
-- A gateway that forwards without filtering.
local function forwarder(v) return is_gateway(v) and not filters(v) end

local function internet_request(f)
	local s = f.source
	return s ~= nil and s.kind == "external" and (s.zone or "internet") == "internet"
		and httpish(f) and not is_response(f) and not yes(f, "waf")
end

-- The internet entities whose requests reach forwarder g with no filter
-- on the way (through other forwarders too), or nil.
local unfiltered_senders = T.memo(function(g)
	local out, seen = nil, {}
	local function walk(v, depth)
		if seen[v] or depth > 8 then return end
		seen[v] = true
		for _, f in ipairs(T.requests(v)) do
			local s = f.source
			if internet_request(f) then
				out = out or {}
				out[#out + 1] = s.key
			elseif s and s.kind == "process" and forwarder(s) and httpish(f) and not yes(f, "waf")
				and not is_response(f) then
				walk(s, depth + 1)
			end
		end
	end
	walk(g, 0)
	return out
end)

-- True when forwarder g passes requests on to a process.
local function forwards(g)
	for _, f in ipairs(g.outflows) do
		local t = f.target
		if f.source == g and t and t.kind == "process" and not is_response(f) then return true end
	end
	return false
end

stride {
	id = "STRIDE-E-04",
	category = "elevation_of_privilege",
	applies = "flow",
	title = "Internet traffic reaches a process unguarded",
	description = "Requests from the internet reach the process directly, with no WAF, CDN or "
		.. "API gateway in front to filter attacks and absorb floods (trust boundary 1 of the "
		.. "team's map). Raised for HTTP-like flows (a WAF filters web requests, not SSH or "
		.. "database sessions) from an internet entity, and for those a load balancer, "
		.. "reverse proxy or ingress (`kind load_balancer`, `proxy`, `ingress`, `tech "
		.. "haproxy`, `nginx`, `traefik`...) passes on from one: such a forwarder filters "
		.. "nothing, so the finding is on the flow into the program behind it (on the flow "
		.. "into the forwarder when nothing behind it is modelled). Answered by modelling a "
		.. "filter as a process (`kind waf`, `cdn`, `gateway`, `api_gateway`, or `tech "
		.. "bunnycdn`, `cloudflare`, `kong`...) between them, or `waf true` on the flow, the "
		.. "process or the forwarder.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil or t.kind ~= "process" then return false end
		if s.kind == "external" then
			if not internet_request(f) or has(t, "waf") or not T.scoped(t) then return false end
			if is_gateway(t) and (filters(t) or forwards(t)) then return false end
			if is_gateway(t) then
				return "internet entity " .. s.key .. " reaches " .. t.key
					.. ", a forwarder that filters nothing: no WAF on the way"
			end
			return "internet entity " .. s.key .. " reaches " .. t.key .. " with no WAF or gateway"
		end
		if s.kind ~= "process" or not forwarder(s) or is_gateway(t) or not T.scoped(t) then
			return false
		end
		if not httpish(f) or is_response(f) or yes(f, "waf") or has(t, "waf") then return false end
		local senders = unfiltered_senders(s)
		if not senders then return false end
		return "internet traffic from " .. concat(senders, ", ") .. " reaches " .. t.key
			.. " through " .. s.key .. ", a forwarder that filters nothing: no WAF on the way"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	-- Defence in depth: the impact is what the filter would have stopped.
	impact = { integrity = 2, availability = 2 },
	mitigation = "Route internet traffic through a CDN/WAF or an API gateway with the OWASP "
		.. "core rule set, and let the process accept traffic only from it.",
	refs = { "CWE-693", "OWASP A05:2021", "ASVS V14" },
}

local EXCESSIVE = { "run_as_root", "privileged", "host_path", "host_network" }

stride {
	id = "STRIDE-E-05",
	category = "elevation_of_privilege",
	applies = "process",
	title = "Process runs with excessive privileges",
	description = "The process runs as root, privileged, or with host access; any code "
		.. "execution in it becomes control of the node and the other workloads on it. Raised "
		.. "when the process states `run_as_root true`, `privileged true`, `host_path ...` or "
		.. "`host_network true` (a setting its stack pack asks about itself, such as "
		.. "`run_as_root` on `tech k3s` with ge-stack loaded, is left to it). Answered by "
		.. "stating `run_as_root false` and dropping the others.",
	when = function(p)
		local attr = p.attr
		if attr.run_as_root == nil and attr.privileged == nil and attr.host_path == nil
			and attr.host_network == nil then
			return false
		end
		local bad
		for _, name in ipairs(EXCESSIVE) do
			if yes(p, name) and not T.claimed(p, name) then
				local x = attr[name]
				bad = bad or {}
				bad[#bad + 1] = "`" .. name .. " " .. (type(x) == "table" and "[...]" or tostring(x))
					.. "`"
			end
		end
		if not bad then return false end
		return p.key .. " states " .. concat(bad, ", ")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3, availability = 3 },
	mitigation = "Run as a non-root user with a read-only root filesystem and dropped "
		.. "capabilities; no host mounts or host networking.",
	advice = {
		k3s = KUBERNETES_PRIVILEGE_ADVICE,
		kubernetes = KUBERNETES_PRIVILEGE_ADVICE,
		docker = "Docker: `--user` a non-root id, `--read-only`, `--cap-drop ALL`, never "
			.. "`--privileged`.",
	},
	refs = { "CWE-250", "CWE-269", "OWASP A05:2021" },
}

-- ---------------------------------------------------------------------------
-- Runtimes: what runs on which host or cluster. An element's runtime is
-- the process or boundary its `runs_on` names (or a runtime the model does
-- not draw, named by a string), and each boundary of a runtime kind
-- (`kind host`, `cluster`, `vm`...) it lies in. A part runs where its
-- program runs.
local RUNTIME_KIND = T.set { "host", "node", "cluster", "vm", "virtual_machine", "hypervisor",
	"runtime", "server", "platform", "virtualization" }

-- Technologies with no server the team runs: serverless functions and
-- managed data services, hardened by their provider.
local MANAGED_TECH = T.set { "lambda", "cloudfunctions", "azurefunctions", "vercel", "netlify",
	"cloudflare_workers", "s3", "gcs", "azureblob", "r2", "dynamodb", "firestore", "cosmosdb",
	"supabase", "aurora", "bunnycdn", "cloudflare", "cloudfront", "akamai", "fastly" }

-- The runtime element v's `runs_on` names, or nil (a string the model
-- does not draw, or nothing stated).
local function runs_on(v, m)
	local name = T.value(v, "runs_on")
	if type(name) ~= "string" then return nil end
	return m.get(name)
end

-- Per model: each runtime's workloads, by the runtime's key (an element's
-- key, or the string `runs_on` states), in model order.
local runtimes = per_model(function(m)
	local index = {}
	-- A model that states no `runs_on` and no runtime `kind` anywhere has
	-- no runtime: the walk over its processes and stores is left out.
	if next(T.model_words(m, "runs_on")) == nil and not T.model_uses(m, "kind", RUNTIME_KIND) then
		return index
	end
	local function add(key, runtime, w)
		local entry = index[key]
		if entry == nil then
			entry = { key = key, element = runtime, workloads = {} }
			index[key] = entry
		end
		local list = entry.workloads
		if list[#list] ~= w then list[#list + 1] = w end
	end
	for _, kind in ipairs { "process", "store" } do
		for _, v in ipairs(m.elements(kind)) do
			if not v.parent then
				local name = T.value(v, "runs_on")
				if type(name) == "string" then
					local runtime = m.get(name)
					add(runtime and runtime.key or name, runtime, v)
				end
				for _, b in ipairs(v.boundaries) do
					if is(b, "kind", RUNTIME_KIND) then add(b.key, b, v) end
				end
			end
		end
	end
	return index
end)

stride {
	id = "STRIDE-E-06",
	category = "elevation_of_privilege",
	applies = { "process", "store", "boundary" },
	title = "Server hardening missing",
	description = "A server the team runs keeps its defaults: services, ports, accounts and "
		.. "packages it does not need, and no benchmark it is held to; a known vulnerability "
		.. "or a default setting gives an attacker a foothold, and from there everything on "
		.. "it. Raised for the servers of the model: the runtimes (the platform, `tech k3s`, "
		.. "`kind cluster`, `host`...; a process or a boundary of kind `host`, `vm`, "
		.. "`cluster`... that something `runs_on` or lies in), self-hosted third-party "
		.. "products (`kind idp`, `ci`, `repository`; `tech keycloak`, `jenkins`...), and "
		.. "stores that keep critical data and run on no modelled runtime. Programs the team "
		.. "writes are judged through their runtime; gateways, serverless functions and "
		.. "managed services (`tech lambda`, `s3`, `dynamodb`, `cloudflare`...) are their "
		.. "provider's to harden. Answered by `hardened ...` (e.g. `hardened cis`) on the "
		.. "element or on the runtime it runs on.",
	when = function(v, m)
		if v.kind ~= "boundary" and parent(v) then return false end
		if yes(v, "hardened") or is(v, "tech", MANAGED_TECH) then return false end
		local what
		if v.kind == "boundary" then
			if not runtimes(m)[v.key] then return false end
			what = "the runtime of " .. T.keys(runtimes(m)[v.key].workloads)
		elseif v.kind == "process" then
			local r = program(v)
			if r.gateway then return false end
			if r.platform or runtimes(m)[v.key] then what = "the platform workloads run on"
			elseif r.product then what = "a third-party product"
			else return false end
		else
			if T.sensitivity(v) ~= "critical" or runs_on(v, m) then return false end
			for _, b in ipairs(v.boundaries) do
				if is(b, "kind", RUNTIME_KIND) then return false end
			end
			what = "a store of critical data"
		end
		return v.key .. " (" .. what .. ") states no `hardened`"
	end,
	-- A default or unpatched server is found by scanning; what it exposes
	-- is the server itself, whatever it holds.
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = { confidentiality = 2, integrity = 2, availability = 2 },
	mitigation = "Harden the server to a benchmark (CIS, or the vendor's guide): a minimal "
		.. "image, needless services, ports and accounts removed, patches applied on a "
		.. "schedule, and the configuration checked for drift.",
	refs = { "CWE-16", "CWE-1188", "OWASP A05:2021", "ASVS V14.1", "CIS Benchmarks" },
}

-- True for a workload that takes requests from the internet (directly or
-- through pass-through processes: doc/language.md, "Exposure").
local function internet_facing(v) return v.exposure == "internet" end

stride {
	id = "STRIDE-E-07",
	category = "elevation_of_privilege",
	applies = { "process", "store", "boundary" },
	title = "Mixed workloads on a shared runtime",
	description = "Internet-facing workloads share a host, cluster or virtualisation platform "
		.. "with workloads that are not; one escape from a compromised front end (a container "
		.. "or VM breakout, a shared kernel, a shared node's credentials) reaches the back "
		.. "ends and their data. A runtime is what `runs_on` names (a process or boundary of "
		.. "the model, or a string naming one it does not draw) or a boundary of kind `host`, "
		.. "`node`, `cluster`, `vm`... around the workloads. Raised on the runtime (on the first "
		.. "workload that names an undrawn one) when it runs both kinds. Answered by "
		.. "`isolation ...` on the runtime (separate node pools, VMs, a sandboxed runtime "
		.. "such as gVisor or Kata), or on every workload.",
	when = function(v, m)
		local entry
		local name = v.kind ~= "boundary" and T.value(v, "runs_on") or nil
		if type(name) == "string" and runs_on(v, m) == nil then
			entry = runtimes(m)[name]
			if entry == nil or entry.workloads[1] ~= v then return false end
		else
			entry = runtimes(m)[v.key]
			if entry == nil or yes(v, "isolation") then return false end
		end
		local front, back = {}, {}
		for _, w in ipairs(entry.workloads) do
			if not yes(w, "isolation") then
				if internet_facing(w) then front[#front + 1] = w.key
				else back[#back + 1] = w.key end
			end
		end
		if front[1] == nil or back[1] == nil then return false end
		return entry.key .. " runs internet-facing " .. concat(front, ", ") .. " beside "
			.. concat(back, ", ") .. ", with no `isolation`"
	end,
	-- An escape takes a foothold in a front end first, and expert skill.
	likelihood = { skill = 3, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	-- Defence in depth, as a missing WAF: the impact is what the separation
	-- would have contained.
	impact = { confidentiality = 2, integrity = 2, availability = 2 },
	mitigation = "Run internet-facing and back-end workloads on separate hosts, node pools or "
		.. "VMs (or a sandboxed runtime), with no shared credentials between them.",
	refs = { "CWE-1189", "CWE-653", "OWASP A05:2021" },
}

-- ---------------------------------------------------------------------------
-- Segments: which elements share a network. An element's segment is the
-- innermost boundary it lies in that is not a runtime (a host, cluster or
-- VM boundary groups what runs on one machine or platform, and the
-- machines sit on the network around them: NOT_A_NETWORK), or the open
-- network when it lies in none. Two elements share a segment when that
-- boundary is the same for both: no boundary but a runtime lies between
-- them. Only top-level elements count (a part lies where its program
-- does), and externals only where the model draws them inside a boundary:
-- one in no boundary is outside, not on the open network beside our own.
-- A model that draws no boundary says nothing of its networks and is not
-- judged.

local OPEN_NETWORK = "" -- the index key of the open network (no boundary key is empty)

-- Boundaries that are no network segment: the runtimes, and Threagile's
-- execution environments (`threat import threagile` keeps its boundary
-- types as their `kind`).
local NOT_A_NETWORK = T.set { "execution_environment", "execution-environment" }
for w in pairs(RUNTIME_KIND) do NOT_A_NETWORK[w] = true end

local function segment_of(v)
	for _, b in ipairs(v.boundaries) do
		if not is(b, "kind", NOT_A_NETWORK) then return b end
	end
	return false
end

-- Per model: each segment's top-level members, by the boundary's key, in
-- model order; nil when the model draws no boundary.
local segments = per_model(function(m)
	if m.elements("boundary")[1] == nil then return nil end
	local index = {}
	for _, kind in ipairs { "process", "store", "external" } do
		for _, v in ipairs(m.elements(kind)) do
			if not v.parent then
				local b = segment_of(v)
				if b or kind ~= "external" then
					local key = b and b.key or OPEN_NETWORK
					local entry = index[key]
					if entry == nil then
						entry = { boundary = b, members = {}, lists = {} }
						index[key] = entry
					end
					entry.members[#entry.members + 1] = v
				end
			end
		end
	end
	return index
end)

-- The members of v's segment for which `keep(member)` holds, in model
-- order and as a set, computed once per segment and filter name; nil when
-- the model draws no boundary. Also v's segment.
local function segment_members(v, m, name, keep)
	local index = segments(m)
	if index == nil then return nil end
	local b = segment_of(v)
	local entry = index[b and b.key or OPEN_NETWORK]
	local found = entry.lists[name]
	if found == nil then
		found = { list = {}, set = {} }
		for _, w in ipairs(entry.members) do
			if keep(w) then
				found.list[#found.list + 1] = w
				found.set[w] = true
			end
		end
		entry.lists[name] = found
	end
	return found.list, b, found.set
end

-- `boundary TB-03 "Hono API"`, for a finding's detail.
local function segment_name(b)
	if b.label and b.label ~= b.key then return "boundary " .. b.key .. " \"" .. b.label .. "\"" end
	return "boundary " .. b.key
end

-- Elements that may sit beside anything: the gateways in front of the
-- others, the platform they run on, and monitoring that watches them.
local TOLERATED_KIND = T.set { "monitoring", "siem", "ids", "ips", "logging" }
local function tolerated(v)
	if v.kind == "process" and (is_gateway(v) or is_platform(v)) then return true end
	return is(v, "kind", TOLERATED_KIND)
end

-- Identity services: identity providers, and the directories and identity
-- stores that hold the accounts they check.
local IDENTITY_STORE_KIND = T.set { "identity_store", "user_store", "user_directory" }
local function identity_service(v)
	if v.kind == "store" then return T.is_ldap(v) or is(v, "kind", IDENTITY_STORE_KIND) end
	return T.is_idp(v)
end

-- Secrets managers: vaults, key management services, HSMs.
local function secrets_service(v) return T.is_vault(v) end

-- True for a store whose every flow connects it to a program `service`
-- holds for: the storage only an identity provider or a vault uses
-- (Keycloak's database, Vault's storage backend).
local function storage_of(s, service)
	if s.kind ~= "store" then return false end
	local any = false
	for _, f in ipairs(T.flows(s)) do
		local o = T.other(f, s)
		if o == nil or o == s or not service(T.level0(o)) then return false end
		any = true
	end
	return any
end

-- The workloads that share a runtime with v (what `runs_on` names, or a
-- boundary of a runtime kind around it) and for which `keep(w)` holds,
-- unless v or the runtime states `isolation`; a workload that states it
-- is isolated too. Each runtime's key goes into `on`.
local function runtime_peers(v, m, keep)
	local peers, on, seen = {}, {}, { [v] = true }
	if yes(v, "isolation") then return peers, on end
	local keys = {}
	local name = T.value(v, "runs_on")
	if type(name) == "string" then
		local r = m.get(name)
		keys[1] = r and r.key or name
	end
	for _, b in ipairs(v.boundaries) do
		if is(b, "kind", RUNTIME_KIND) then keys[#keys + 1] = b.key end
	end
	for _, key in ipairs(keys) do
		local entry = runtimes(m)[key]
		if entry and not (entry.element and yes(entry.element, "isolation")) then
			local found = false
			for _, w in ipairs(entry.workloads) do
				if not seen[w] and keep(w) and not yes(w, "isolation") then
					seen[w] = true
					peers[#peers + 1] = w
					found = true
				end
			end
			if found then on[#on + 1] = key end
		end
	end
	return peers, on
end

-- What a service (an identity provider, a secrets manager) shares its
-- network or its runtime with: the elements of its segment and the
-- workloads of its runtimes that are not of its kind, not the storage
-- only services of its kind use, and not tolerated beside anything.
-- Asked by `when` and again by `likelihood` for the same element, so
-- the last answer is kept.
local shared_of, shared_name, shared_for

local function shared_with(v, m, name, service)
	if rawequal(v, shared_of) and shared_name == name then return shared_for end
	local function unrelated(w)
		return not service(w) and not storage_of(w, service) and not tolerated(w)
	end
	local network, b = segment_members(v, m, name, unrelated)
	local result = false
	if network ~= nil then
		local runtime, on = runtime_peers(v, m, unrelated)
		if network[1] ~= nil or runtime[1] ~= nil then
			result = { network = network, segment = b, runtime = runtime, on = on }
		end
	end
	shared_of, shared_name, shared_for = v, name, result
	return result
end

local function shared_detail(v, what, s)
	local parts = {}
	if s.network[1] ~= nil then
		if s.segment then
			parts[1] = "shares " .. segment_name(s.segment) .. " with " .. flow_keys(s.network)
		else
			parts[1] = "lies in no boundary, on the open network with " .. flow_keys(s.network)
		end
	end
	if s.runtime[1] ~= nil then
		parts[#parts + 1] = "runs on " .. concat(s.on, ", ") .. " beside " .. flow_keys(s.runtime)
	end
	return v.key .. " (" .. what .. ") " .. concat(parts, ", and ")
end

-- A foothold on another element of the segment comes first (opportunity
-- as an insider's); on a shared runtime the foothold is on the same host.
local function lateral_likelihood(shared)
	local near = shared and shared.runtime[1] ~= nil and 2 or 1
	return { skill = 2, motive = 2, opportunity = near, population = near, discoverability = 1 }
end

local ISOLATION_ANSWER = "Answered by a boundary around it (and the stores only it uses) "
	.. "that holds nothing else, and, on a shared runtime, `isolation ...` on it or on the "
	.. "runtime. Gateways, the platform and monitoring (`kind monitoring`, `siem`, `ids`) may "
	.. "sit beside it."

stride {
	id = "STRIDE-E-08",
	category = "elevation_of_privilege",
	applies = { "process", "store" },
	title = "Identity provider not isolated",
	description = "An identity provider the team runs (`kind idp`, `tech keycloak`...), or a "
		.. "directory or identity store (`tech ldap`, `kind directory`, `identity_store`), "
		.. "shares its network segment or its runtime with elements that have nothing to do "
		.. "with identity; an attacker who takes one of them reaches the service that issues "
		.. "every identity without crossing a boundary, and can forge sign-ins or harvest "
		.. "credentials. An element's segment is the innermost boundary it lies in that is not "
		.. "a runtime (`kind host`, `cluster`, `vm`...), or the open network when it lies in "
		.. "none; a model that draws no boundary is not judged. " .. ISOLATION_ANSWER,
	when = function(v, m)
		if v.parent or not identity_service(v) then return false end
		local shared = shared_with(v, m, "identity", identity_service)
		if not shared then return false end
		local what = v.kind == "store" and "identity store" or "identity provider"
		return shared_detail(v, what, shared)
	end,
	likelihood = function(v, m)
		return lateral_likelihood(shared_with(v, m, "identity", identity_service))
	end,
	-- Whoever controls the identity provider is every user.
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Put the identity provider and the stores only it uses in a network segment of "
		.. "their own (a subnet, VLAN, security group or namespace with a default-deny policy) "
		.. "that admits only the calls it must serve, on hosts or a node pool no other "
		.. "workload shares.",
	refs = { "CWE-653", "OWASP A04:2021", "ASVS V1.14.1" },
}

stride {
	id = "STRIDE-E-09",
	category = "elevation_of_privilege",
	applies = { "process", "store" },
	title = "Secrets manager not isolated",
	description = "A secrets manager the team runs (`kind vault`, `secrets_manager`, `kms`, "
		.. "`hsm`; `tech vault`, `openbao`...) shares its network segment or its runtime with "
		.. "elements that are not secrets managers; an attacker who takes one of them reaches "
		.. "the keys to every other system without crossing a boundary. Segments are judged "
		.. "as for STRIDE-E-08. " .. ISOLATION_ANSWER,
	when = function(v, m)
		if v.parent or not secrets_service(v) then return false end
		local shared = shared_with(v, m, "secrets", secrets_service)
		if not shared then return false end
		return shared_detail(v, "secrets manager", shared)
	end,
	likelihood = function(v, m)
		return lateral_likelihood(shared_with(v, m, "secrets", secrets_service))
	end,
	-- The secrets it keeps open every other system.
	impact = { confidentiality = 3, integrity = 2 },
	mitigation = "Put the secrets manager and its storage in a network segment of their own (a "
		.. "subnet, VLAN, security group or namespace with a default-deny policy) that admits "
		.. "only the clients that fetch secrets, on hosts or a node pool no other workload "
		.. "shares.",
	refs = { "CWE-653", "OWASP A04:2021", "ASVS V1.14.1" },
}

-- Less protected than a store of sensitive data: an external drawn inside
-- the segment (a person's device, a third party's system), an
-- internet-facing or web program, an agent or a language model the team
-- runs (steered by whatever text reaches it), and the delivery pipeline's
-- tools (a CI server, a repository, a registry).
local function less_protected(w)
	if w.kind == "external" then return true end
	if w.kind ~= "process" or tolerated(w) then return false end
	return w.exposure == "internet" or T.is_web(w) or T.is_agent(w) or T.is_llm(w)
		or (T.is_product(w) and not T.is_idp(w))
end

-- True when store s is the storage of an identity provider or a secrets
-- manager in its own segment: STRIDE-E-08 or E-09 judges that segment.
local function storage_judged(s)
	for _, service in ipairs { identity_service, secrets_service } do
		if storage_of(s, service) then
			local b = segment_of(s)
			for _, f in ipairs(T.flows(s)) do
				local o = T.other(f, s)
				if o and segment_of(T.level0(o)) == b then return true end
			end
		end
	end
	return false
end

stride {
	id = "STRIDE-E-10",
	category = "elevation_of_privilege",
	applies = "store",
	title = "Sensitive store not segmented",
	description = "A store of high or critical data shares its network segment with less "
		.. "protected elements that have no flow to it: internet-facing or web programs, agents "
		.. "and language models the team runs (`kind agent`, `llm`), the delivery pipeline's "
		.. "tools (CI, repositories, registries) or externals drawn inside the segment. Nothing "
		.. "needs them that close; an attacker who takes one reaches the store's port without "
		.. "crossing a boundary. Segments are judged as for STRIDE-E-08 "
		.. "(identity stores and secrets managers are judged there and by E-09). Answered by "
		.. "a boundary around the store and the programs that use it, without the others.",
	when = function(s, m)
		if s.parent or not T.at_least(s, "high") then return false end
		if identity_service(s) or secrets_service(s) then return false end
		local near, b, near_set = segment_members(s, m, "less_protected", less_protected)
		if near == nil or near[1] == nil then return false end
		-- The neighbours it has flows with, counted once each: a segment may
		-- hold thousands of neighbours, so the first few strangers are named
		-- and the rest counted.
		local linked, nlinked = {}, 0
		for _, list in ipairs { s.inflows, s.outflows } do
			for _, f in ipairs(list) do
				local o = T.other(f, s)
				o = o and T.level0(o)
				if o and near_set[o] and not linked[o] then
					linked[o] = true
					nlinked = nlinked + 1
				end
			end
		end
		local count = #near - nlinked
		if count == 0 or storage_judged(s) then return false end
		local strangers = {}
		for _, w in ipairs(near) do
			if not linked[w] then
				strangers[#strangers + 1] = w
				if #strangers == 3 then break end
			end
		end
		local names = flow_keys(strangers)
		if count > #strangers then names = names .. " and " .. (count - #strangers) .. " more" end
		local where = b and "shares " .. segment_name(b)
			or "lies in no boundary, on the open network,"
		return s.key .. " (" .. T.sensitivity(s) .. " data) " .. where .. " with " .. names
			.. " (no flow between them)"
	end,
	-- A foothold on the neighbour comes first.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = T.impact_factors(),
	mitigation = "Move the store into a network segment of its own (a subnet, security group "
		.. "or namespace with a default-deny policy) that admits only the programs that use "
		.. "it, away from internet-facing, web, agent and delivery systems that have no reason to "
		.. "reach it.",
	refs = { "CWE-653", "OWASP A04:2021", "ASVS V1.14.1" },
}

-- ---------------------------------------------------------------------------
-- Service registries (service_registry above).

local function authenticates(v) return yes(v, "auth") or yes(v, "mtls") end

-- The programs that register with or look up from registry r.
local function registry_users(r)
	local out, seen = {}, {}
	for _, f in ipairs(T.flows(r)) do
		local o = T.other(f, r)
		if o and o ~= r then
			o = T.level0(o)
			if not seen[o] then
				seen[o] = true
				out[#out + 1] = o
			end
		end
	end
	return out
end

stride {
	id = "STRIDE-S-07",
	category = "spoofing",
	applies = { "process", "store" },
	title = "Service registry open to poisoning",
	description = "Programs find one another through a service registry (`kind "
		.. "service_registry`, `service_discovery`; `tech consul`, `eureka`, `etcd`, "
		.. "`zookeeper`, `nacos`), and it does not authenticate who registers or changes an "
		.. "entry: anything that reaches it can announce an endpoint of its own under a "
		.. "trusted service's name, and its callers send their requests and data there. "
		.. "Answered by `auth ...` (e.g. `auth acl`, `auth mtls`) or `mtls true` on the "
		.. "registry, or on every flow into it. The registry's missing authentication is "
		.. "reported here alone, not again by S-03, S-04 or T-10.",
	when = function(r)
		if not service_registry(r) or authenticates(r) then return false end
		local calls = T.calls(r)
		local open = {}
		for _, f in ipairs(calls) do
			if not authenticates(f) then open[#open + 1] = f end
		end
		if calls[1] ~= nil and open[1] == nil then return false end
		if open[1] == nil then return "no `auth` on " .. r.key end
		return "no `auth` on " .. r.key .. " or on " .. flow_keys(open)
	end,
	-- Writing to the registry takes a foothold on its network, as any
	-- service impersonation inside a zone (STRIDE-S-04).
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	-- What a forged entry diverts: the data of the programs that use it.
	impact = function(r, m)
		local out = { integrity = 2, confidentiality = 1, compliance = 1 }
		for _, p in ipairs(registry_users(r)) do
			out.confidentiality = math.max(out.confidentiality, T.confidentiality(p))
			out.compliance = math.max(out.compliance, T.compliance(p, m))
		end
		return out
	end,
	mitigation = "Authenticate and authorise every registration and change (a token or client "
		.. "certificate per service, each allowed to write only its own entries), encrypt the "
		.. "connections to the registry, and have callers verify the identity of the endpoint "
		.. "they reach (mutual TLS with service identities), so a forged entry leads nowhere.",
	advice = {
		consul = "Consul: ACLs enabled with `default_policy = \"deny\"`, a token per service, "
			.. "and TLS with `verify_incoming` and `verify_outgoing`.",
		etcd = "etcd: `--client-cert-auth` with client certificates, and RBAC turned on "
			.. "(`etcdctl auth enable`) with a role per service.",
		zookeeper = "ZooKeeper: SASL (or client-certificate) authentication and ACLs on the "
			.. "znodes services register under.",
		eureka = "Eureka: require credentials (Spring Security) for registration on the "
			.. "server, and HTTPS between clients and server.",
	},
	refs = { "CWE-306", "CWE-345", "OWASP A01:2021" },
}
