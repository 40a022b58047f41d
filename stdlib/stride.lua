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
-- stride` tells a user what to write. Rules only fire where they make sense
-- (XSS on web front ends, SQL injection on flows into SQL stores, SSRF on
-- processes that call out), and the engine already skips elements with
-- `in_scope false`. Factors follow the element: opportunity and population
-- from exposure, confidentiality from the sensitivity of the data, and
-- compliance from PII + GDPR (see threatlib.lua).

local T = require "threatlib"

pack {
	name = "stride",
	version = "1.0",
	description = "STRIDE per element: spoofing, tampering, repudiation, information disclosure, "
		.. "denial of service and elevation of privilege, answered by the controls the model states",
}

-- A flow between two elements that are both out of scope is theirs, not
-- ours: no rule looks at it (the engine skips out-of-scope elements, and a
-- flow's scope is its own).
local function both_ends_out(f)
	return f.kind == "flow" and f.source ~= nil and f.target ~= nil
		and not T.scoped(f.source) and not T.scoped(f.target)
end

local function stride(spec)
	spec.framework = "STRIDE"
	local when = spec.when
	spec.when = function(v, m)
		if both_ends_out(v) then return false end
		return when(v, m)
	end
	rule(spec)
end

-- The model view: the second argument of when/likelihood/impact when the
-- engine passes it, else the global `model` the engine sets while rules run.
local function M(m)
	if m ~= nil then return m end
	return model
end

local function max2(x) return math.max(2, x) end

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

-- Names of the boundaries a flow crosses: "TB-01, TB-03".
local function crossing_names(f)
	local out = {}
	for i, b in ipairs(f.crossings or {}) do out[i] = b.id or b.key end
	return table.concat(out, ", ")
end

-- Flows into a process or store, seen from its side, that reach it over
-- the network (not a call inside one program).
local function access_flows(v)
	local out = {}
	for _, f in ipairs(T.flows(v)) do
		if not T.in_process(f) then out[#out + 1] = f end
	end
	return out
end

local function authenticated(p)
	return T.has(p, "auth") or T.has(p, "mtls")
end

-- True when a web process keeps a browser session in cookies: the auth
-- scheme says so, or it is a web front end with an interactive login.
local COOKIE_AUTH = T.set { "session", "session_cookie", "cookie", "cookies", "nextauth",
	"authjs", "form", "password", "oidc", "saml", "sso", "keycloak", "lucia", "passport" }
local function cookie_session(p)
	local a = T.text(p, "auth")
	if a and (a:find("cookie", 1, true) or a:find("session", 1, true)) then return true end
	if T.yes(p, "cookies") then return true end
	return T.is_web(p) and T.is(p, "auth", COOKIE_AUTH)
end

local PRIVILEGED = T.set { "admin", "administrator", "operator", "staff", "employee",
	"support", "root" }
local function privileged(e)
	if T.is(e, "kind", PRIVILEGED) or T.is(e, "role", PRIVILEGED) then return true end
	local words = ((e.id or "") .. " " .. (e.label or "")):lower()
	return words:find("admin", 1, true) ~= nil
end

local SUPERUSER = T.set { "postgres", "root", "sa", "admin", "superuser", "administrator",
	"dbo", "sys", "system" }

local function has_human_inflow(p)
	for _, f in ipairs(p.inflows or {}) do
		if f.source and T.is_human(f.source) then return true end
	end
	return false
end

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
		.. "boundary are reported by STRIDE-S-03 instead. Answered by `auth ...` on the "
		.. "external entity (e.g. `auth oidc`), or on each of its flows or the process that "
		.. "receives them; flows marked `public true` serve anonymous content and need none.",
	when = function(e)
		local missing = {}
		if T.yes(e, "auth") then return false end
		for _, f in ipairs(e.outflows or {}) do
			local t = T.other(f, e)
			if t and t.kind ~= "external" and T.scoped(t) and not f.crosses and not T.yes(f, "public")
				and not T.yes(f, "auth") and not authenticated(t) then
				missing[#missing + 1] = f.key
			end
		end
		if #missing == 0 then return false end
		return "nothing authenticates " .. e.key .. " on " .. table.concat(missing, ", ")
	end,
	likelihood = function(e) return T.likelihood(e, 2, 2, 2) end,
	impact = function(e, m) return T.impact(e, M(m), { integrity = 2 }) end,
	mitigation = "Authenticate the entity on every request it makes: OIDC/OAuth 2 for people "
		.. "(Keycloak), signed tokens or mTLS for systems. State it with `auth ...`.",
	refs = { "CWE-287", "CWE-306", "OWASP A07:2021", "ASVS V2" },
}

stride {
	id = "STRIDE-S-02",
	category = "spoofing",
	applies = "external",
	title = "Sensitive access with a single factor",
	description = "A person reaches sensitive data with a password or session alone; "
		.. "phishing, credential stuffing or a reused password is enough to take the account "
		.. "over. Raised for an authenticated human external entity (`kind user`, `browser`, "
		.. "`admin`..., or an id or label that says browser or user) whose flows carry "
		.. "critical assets, or a privileged one (`kind admin`, `operator`, `staff`, "
		.. "`employee`) whose flows carry high or critical assets. A privileged account "
		.. "exposes everyone's data, a regular one its owner's. Answered by `mfa true` on the "
		.. "external entity.",
	when = function(e)
		if not T.is_human(e) or T.yes(e, "mfa") then return false end
		if not T.at_least(e, privileged(e) and "high" or "critical") then return false end
		local logged_in = T.yes(e, "auth")
		for _, f in ipairs(e.outflows or {}) do
			local t = T.other(f, e)
			if T.yes(f, "auth") or (t and authenticated(t)) then logged_in = true end
		end
		if not logged_in then return false end
		return e.key .. " reaches " .. T.sensitivity(e) .. " data without `mfa true`"
	end,
	likelihood = function(e) return T.likelihood(e, 2, 2, 2) end,
	impact = function(e, m)
		if privileged(e) then return T.impact(e, M(m), { integrity = 2 }) end
		return { confidentiality = 2, integrity = 2 }
	end,
	mitigation = "Require a second factor (TOTP, WebAuthn/passkeys) for these users, at least "
		.. "for administrative and data-export functions.",
	refs = { "CWE-308", "OWASP A07:2021", "ASVS V2.8" },
}

stride {
	id = "STRIDE-S-03",
	category = "spoofing",
	applies = "flow",
	title = "Missing authentication on a boundary-crossing flow",
	description = "The flow crosses a trust boundary into a process or store, and nothing "
		.. "authenticates the caller: anyone who can reach the endpoint can use it. Answered "
		.. "by `auth ...` (e.g. `auth jwt`) or `mtls true` on the flow, on the receiving "
		.. "process or store, or on the external entity that sends it; `public true` on the "
		.. "flow states that it deliberately serves anonymous content.",
	when = function(f)
		local t = f.target
		if not f.crosses or t == nil or t.kind == "external" or not T.scoped(t) then return false end
		if T.yes(f, "public") or T.yes(f, "auth") or T.yes(f, "mtls") or authenticated(t) then
			return false
		end
		if f.source and f.source.kind == "external" and T.yes(f.source, "auth") then return false end
		local why = T.no(f, "auth") and "`auth none` on the flow" or "no `auth` stated"
		return f.key .. " crosses " .. crossing_names(f) .. " into " .. t.key .. ": " .. why
	end,
	likelihood = function(f)
		local l = T.likelihood(f, 3, 2, 2)
		if f.target.kind == "store" then
			-- reaching a store's port takes network access, not just the internet
			l.opportunity = math.min(l.opportunity, 2)
			l.population = math.min(l.population, 2)
		end
		return l
	end,
	impact = function(f, m)
		local t = f.target
		return T.impact(t, M(m), { integrity = max2(T.integrity(t)) })
	end,
	mitigation = "Authenticate every request that crosses the boundary (JWT validation "
		.. "middleware on every route group, mTLS between services, database credentials per "
		.. "service) and reject unauthenticated calls by default.",
	refs = { "CWE-306", "OWASP A07:2021", "ASVS V2", "ASVS V13" },
}

stride {
	id = "STRIDE-S-04",
	category = "spoofing",
	applies = "process",
	title = "Service impersonation inside the trust zone",
	description = "Other processes call this one inside the same trust zone without "
		.. "authenticating: once an attacker has a foothold (a compromised pod, a rogue "
		.. "agent) they can impersonate any caller. Raised for flows from another process "
		.. "that cross no boundary. Answered by `auth ...` or `mtls true` on the process or "
		.. "on each such flow.",
	when = function(p)
		if authenticated(p) then return false end
		local missing = {}
		for _, f in ipairs(p.inflows or {}) do
			local s = f.source
			if s and s.kind == "process" and s.key ~= p.key and not f.crosses
				and not T.in_process(f) and not T.yes(f, "auth") and not T.yes(f, "mtls") then
				missing[#missing + 1] = f.key
			end
		end
		if #missing == 0 then return false end
		return "unauthenticated calls: " .. table.concat(missing, ", ")
	end,
	-- Needs a foothold inside the zone: insider-level opportunity.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(p, m) return T.impact(p, M(m), { integrity = max2(T.integrity(p)) }) end,
	mitigation = "Use mTLS (a service mesh, or k3s with cert-manager) or signed service "
		.. "tokens between services, and NetworkPolicies that allow only the expected callers.",
	refs = { "CWE-290", "CWE-306", "OWASP A07:2021", "ASVS V9.2" },
}

stride {
	id = "STRIDE-S-05",
	category = "spoofing",
	applies = "process",
	title = "Session hijacking through cookie theft",
	description = "A web application keeps the user's session in a cookie; without the "
		.. "HttpOnly, Secure and SameSite flags a script injected by XSS, or a network "
		.. "observer, can steal it and act as the user. Raised for a web process (`tech "
		.. "nextjs`, `kind web`...) or a cookie-based `auth` that browsers call. Answered by "
		.. "`secure_cookies true` on the process.",
	when = function(p)
		if not cookie_session(p) or T.has(p, "secure_cookies") then return false end
		if not has_human_inflow(p) then return false end
		return p.key .. " keeps browser sessions in cookies and states no `secure_cookies true`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	-- One hijacked session exposes one user's data.
	impact = { confidentiality = 2, integrity = 2 },
	mitigation = "Set HttpOnly, Secure and SameSite=Lax (or Strict) on session cookies, "
		.. "rotate the session id at login, and keep sessions short-lived.",
	refs = { "CWE-1004", "CWE-614", "CWE-384", "OWASP A07:2021", "ASVS V3.4" },
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
		.. "man-in-the-middle. Calls between parts of one program (a flow between children "
		.. "of the same process without a `protocol`) are not network traffic and are "
		.. "skipped. Answered by `tls true` on the flow, or an encrypted `protocol` (https, "
		.. "wss, grpcs, ldaps, sftp...).",
	when = function(f)
		if T.in_process(f) or T.secure_transport(f) then return false end
		return cleartext_reason(f)
	end,
	likelihood = function(f) return T.likelihood(f, 2, 2, f.crosses and 2 or 1) end,
	impact = function(f) return { integrity = max2(T.integrity(f)) } end,
	mitigation = "Encrypt the channel with TLS 1.2+ (HSTS for browsers, verify-full for "
		.. "PostgreSQL, mTLS between services) and refuse cleartext connections.",
	refs = { "CWE-319", "CWE-300", "OWASP A02:2021", "ASVS V9" },
}

stride {
	id = "STRIDE-T-02",
	category = "tampering",
	applies = "flow",
	title = "Untrusted input accepted without validation",
	description = "Data from an external entity or from across a trust boundary reaches a "
		.. "process that does not validate it: manipulated form fields, parameter pollution "
		.. "and injection payloads go straight to the business logic. A gateway, CDN or WAF "
		.. "in front (`kind gateway`...) forwards the input and is skipped: the process "
		.. "behind it is checked on the flow from the gateway. Answered by "
		.. "`validation ...` (e.g. `validation zod`) on the flow or the receiving process.",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "process" or not T.scoped(t) or T.is_gateway(t) then
			return false
		end
		if not T.untrusted_input(f) or T.in_process(f) then return false end
		if T.yes(f, "validation") or T.has(t, "validation") then return false end
		if f.crosses then
			return f.key .. " crosses " .. crossing_names(f) .. "; " .. t.key
				.. " states no `validation`"
		end
		return f.key .. " comes from external " .. f.source.key .. "; " .. t.key
			.. " states no `validation`"
	end,
	likelihood = function(f) return T.likelihood(f, 2, 2, 2) end,
	impact = function(f) return { integrity = max2(T.integrity(f.target)) } end,
	mitigation = "Validate every request against a schema at the boundary (Zod on every "
		.. "route), reject unknown fields, and re-check business invariants server-side.",
	refs = { "CWE-20", "CWE-915", "OWASP A03:2021", "OWASP A04:2021", "ASVS V5.1" },
}

stride {
	id = "STRIDE-T-03",
	category = "tampering",
	applies = "flow",
	title = "SQL or NoSQL injection",
	description = "A process builds queries for a database from data it received; a crafted "
		.. "value changes the query and reads or modifies data it should not. Raised on flows "
		.. "from a process to a SQL or NoSQL store (by the store's `tech`/`kind`, or a "
		.. "database `protocol`; queues and caches are skipped). Answered by `parameterized true` on the flow or the "
		.. "process, or `orm ...` on the process (e.g. `orm drizzle`).",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" or not T.scoped(s) then return false end
		local sql = T.is_sql(t) or T.is(f, "protocol", T.SQL_PROTOCOL)
		-- a queue or cache on Redis takes commands, not queries built from input
		local nosql = not sql and T.is_nosql(t) and not T.is(t, "kind", T.QUEUE_KIND)
			and not T.is_cache(t)
		if not sql and not nosql then return false end
		if T.yes(f, "parameterized") or T.has(s, "parameterized") or T.has(s, "orm")
			or T.yes(f, "orm") then
			return false
		end
		return (sql and "SQL" or "NoSQL") .. " queries from " .. s.key .. " to " .. t.key
			.. " with neither `parameterized true` nor `orm`"
	end,
	likelihood = function(f) return T.likelihood(f.source, 2, 2, 2) end,
	impact = function(f, m)
		return T.impact(f.target, M(m), { integrity = max2(T.integrity(f.target)) })
	end,
	mitigation = "Use parameterised queries or a query builder/ORM (Drizzle) everywhere, "
		.. "never string concatenation; run with a least-privilege database role.",
	refs = { "CWE-89", "CWE-943", "OWASP A03:2021", "ASVS V5.3" },
}

stride {
	id = "STRIDE-T-04",
	category = "tampering",
	applies = "flow",
	title = "LDAP injection",
	description = "A process builds LDAP filters or DNs from input; a crafted value widens the "
		.. "search or bypasses a bind check. Raised on flows from a process to a directory "
		.. "(`tech ldap`, `kind directory`, or `protocol ldap`/`ldaps`). Answered by "
		.. "`parameterized true` (escaped filters through a safe API) on the flow or process.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" or not T.scoped(s) then return false end
		if not (T.is_ldap(t) or T.is(f, "protocol", T.set { "ldap", "ldaps" })) then return false end
		if T.yes(f, "parameterized") or T.has(s, "parameterized") then return false end
		return "LDAP queries from " .. s.key .. " to " .. t.key .. " without `parameterized true`"
	end,
	likelihood = function(f) return T.likelihood(f.source, 2, 2, 2) end,
	impact = function(f, m) return T.impact(f, M(m), { integrity = 2 }) end,
	mitigation = "Escape every value put in an LDAP filter or DN (RFC 4515) through the "
		.. "library's filter builder, and bind with a read-only service account.",
	refs = { "CWE-90", "OWASP A03:2021", "ASVS V5.3" },
}

stride {
	id = "STRIDE-T-05",
	category = "tampering",
	applies = "flow",
	title = "Path traversal into file storage",
	description = "A process that takes input from outside reads or writes files or objects "
		.. "whose names come from that input; `../` sequences or absolute keys reach files "
		.. "outside the intended folder. Raised on flows from such a process to a file or "
		.. "object store (`tech s3`, `minio`, `filesystem`..., `kind bucket`, `file`...). "
		.. "Answered by `path_validation true` on the flow or the process.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "process" or not T.scoped(s) then return false end
		if not T.is_file_store(t) or #T.untrusted_inflows(s) == 0 then return false end
		if T.yes(f, "path_validation") or T.has(s, "path_validation") then return false end
		return s.key .. " takes outside input and accesses files in " .. t.key
	end,
	likelihood = function(f) return T.likelihood(f.source, 2, 2, 2) end,
	impact = function(f, m) return T.impact(f.target, M(m), { integrity = 2 }) end,
	mitigation = "Never use input as a path: generate object keys server-side, or "
		.. "canonicalise the path and check it stays under the base folder.",
	refs = { "CWE-22", "CWE-73", "OWASP A01:2021", "ASVS V12.3" },
}

stride {
	id = "STRIDE-T-06",
	category = "tampering",
	applies = "process",
	title = "Cross-site scripting",
	description = "A web front end renders data an attacker controls; a script injected into "
		.. "the page runs with the user's session (cookie theft, actions on their behalf). "
		.. "Raised for web processes (`tech nextjs`, `react`, `vue`..., or `kind web`) that "
		.. "receive outside input. Answered by `csp ...` on the process (a Content Security "
		.. "Policy, e.g. `csp nonce`).",
	when = function(p)
		if not T.is_web(p) or T.has(p, "csp") then return false end
		if #T.untrusted_inflows(p) == 0 then return false end
		return p.key .. " renders outside input and states no `csp`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = function(p, m) return T.impact(p, M(m), { integrity = 2 }) end,
	mitigation = "Rely on the framework's output encoding (no dangerouslySetInnerHTML or "
		.. "v-html on user data), sanitise rich text, and send a CSP with nonces.",
	refs = { "CWE-79", "OWASP A03:2021", "ASVS V5.3", "ASVS V14.4" },
}

stride {
	id = "STRIDE-T-07",
	category = "tampering",
	applies = "process",
	title = "Cross-site request forgery",
	description = "The browser sends the session cookie with any request, so another site can "
		.. "make a logged-in user's browser submit a state-changing request. Raised for "
		.. "processes that browsers call with a cookie-based session (an `auth` such as "
		.. "`session_cookie`, or a web front end with an interactive login). Answered by "
		.. "`csrf true` (anti-CSRF tokens) or `samesite strict`/`lax` on the process.",
	when = function(p)
		if not cookie_session(p) or not has_human_inflow(p) then return false end
		if T.has(p, "csrf") or T.is(p, "samesite", T.set { "strict", "lax" }) then return false end
		return p.key .. " uses a cookie session (auth " .. tostring(T.text(p, "auth") or "cookies")
			.. ") without `csrf true` or `samesite`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
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

stride {
	id = "STRIDE-T-08",
	category = "tampering",
	applies = "process",
	title = "Untrusted deserialisation",
	description = "The process deserialises native objects (Java serialisation, pickle, PHP "
		.. "serialize, RMI/IIOP...) that come from outside; a crafted payload runs code "
		.. "during deserialisation. Raised when an untrusted inflow states such a `format`, "
		.. "`serialization` or `protocol`, or the process states it. Answered by "
		.. "`deserialization safe` (or `allowlist`) on the process.",
	when = function(p)
		if T.is(p, "deserialization", T.set { "safe", "allowlist", "signed" }) then return false end
		local hits = {}
		for _, f in ipairs(T.untrusted_inflows(p)) do
			if T.is(f, "format", SERIALISED) or T.is(f, "serialization", SERIALISED)
				or T.is(f, "protocol", SERIALISED) then
				hits[#hits + 1] = f.key
			end
		end
		if #hits == 0 and (T.is(p, "serialization", SERIALISED) or T.is(p, "format", SERIALISED)) then
			hits[1] = p.key
		end
		if #hits == 0 then return false end
		return "native serialised data from " .. table.concat(hits, ", ")
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = function(p, m) return T.impact(p, M(m), { integrity = 3, availability = 2 }) end,
	mitigation = "Accept only data formats (JSON with a schema), or restrict deserialisation "
		.. "to an allow-list of classes and sign the payloads.",
	refs = { "CWE-502", "OWASP A08:2021", "ASVS V5.5" },
}

local XML = T.set { "xml", "soap", "saml", "xmlrpc", "svg", "docx", "xlsx", "rss", "wsdl" }

stride {
	id = "STRIDE-T-09",
	category = "tampering",
	applies = "process",
	title = "XML external entity injection",
	description = "The process parses XML from outside with external entities enabled; a "
		.. "crafted document reads local files, reaches internal hosts or exhausts memory. "
		.. "Raised when an untrusted inflow states `format`/`protocol` xml, soap, saml, svg... "
		.. "Answered by `xml_entities false` (or `xxe_protection true`) on the process.",
	when = function(p)
		if T.no(p, "xml_entities") or T.has(p, "xxe_protection") then return false end
		for _, f in ipairs(T.untrusted_inflows(p)) do
			if T.is(f, "format", XML) or T.is(f, "protocol", XML) then
				return "XML from " .. f.key
			end
		end
		return false
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = function(p, m) return T.impact(p, M(m), { integrity = 2, availability = 2 }) end,
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
		.. "are STRIDE-S-03's. Answered by `auth ...` on the store (e.g. `auth scram`, "
		.. "`auth iam`), or on every flow that reaches it.",
	when = function(s)
		if T.has(s, "auth") or T.yes(s, "mtls") then return false end
		local missing = {}
		for _, f in ipairs(access_flows(s)) do
			if not f.crosses and not T.yes(f, "auth") and not T.yes(f, "mtls") then
				missing[#missing + 1] = f.key
			end
		end
		if #missing == 0 then return false end
		return "no `auth` on " .. s.key .. " or on " .. table.concat(missing, ", ")
	end,
	-- Reaching the store's port takes network access.
	likelihood = function(s)
		local o = math.min(T.opportunity(s), 2)
		return { skill = 3, motive = 2, opportunity = o, population = o, discoverability = 2 }
	end,
	impact = function(s, m)
		return T.impact(s, M(m), { integrity = max2(T.integrity(s)), availability = 2 })
	end,
	mitigation = "Require authentication on the store (SCRAM passwords per service, IAM "
		.. "roles, client certificates) and bind it to a private network only.",
	refs = { "CWE-306", "OWASP A07:2021", "ASVS V2.10" },
}

-- ===========================================================================
-- Repudiation

stride {
	id = "STRIDE-R-01",
	category = "repudiation",
	applies = "process",
	title = "Actions cannot be traced to who did them",
	description = "The process changes data or serves requests from others but keeps no audit "
		.. "trail, so a user (or an insider) can deny an action and an incident cannot be "
		.. "reconstructed. Raised for processes that receive requests from other elements. "
		.. "Answered by `audit true` on the process (or its parent).",
	when = function(p)
		if T.has(p, "audit") then return false end
		for _, f in ipairs(p.inflows or {}) do
			if not T.in_process(f) then return p.key .. " states no `audit true`" end
		end
		return false
	end,
	-- Repudiation takes someone who may act: a user or an insider.
	likelihood = function(p) return T.likelihood(p, 2, 2, 1, 2) end,
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
	title = "No audit trail of changes to the store",
	description = "Data in the store can be changed without a record of who changed what and "
		.. "when; tampering goes unnoticed and cannot be undone or attributed. Raised for a "
		.. "store that something writes to. Answered by `audit true` on the store (e.g. "
		.. "pgaudit, change-data-capture to an append-only log).",
	when = function(s)
		if T.yes(s, "audit") or T.is_cache(s) then return false end
		for _, f in ipairs(s.inflows or {}) do
			if not T.in_process(f) then return "writes by " .. f.source.key .. " are not audited" end
		end
		return false
	end,
	likelihood = function(s) return T.likelihood(s, 2, 2, 1, 2) end,
	impact = { integrity = 2, compliance = 2 },
	mitigation = "Enable an audit trail on data changes (pgaudit, triggers into an "
		.. "append-only table, object-store versioning with access logs).",
	refs = { "CWE-778", "OWASP A09:2021", "ASVS V7.2" },
}

stride {
	id = "STRIDE-R-03",
	category = "repudiation",
	applies = "flow",
	title = "End-user identity not propagated across the boundary",
	description = "A process that serves users calls another process across a trust boundary "
		.. "with its own technical identity only; the callee cannot tell which user asked, "
		.. "so it can neither authorise per user nor record who did what. Answered by "
		.. "`identity_propagation true` on the flow (the user's token, or an on-behalf-of "
		.. "token exchange, travels with the call).",
	when = function(f)
		local s, t = f.source, f.target
		if not f.crosses or s == nil or t == nil then return false end
		if s.kind ~= "process" or t.kind ~= "process" or not T.scoped(t) then return false end
		if T.yes(f, "identity_propagation") then return false end
		if #T.untrusted_inflows(s) == 0 then return false end
		return s.key .. " serves outside callers; their identity is not stated to reach " .. t.key
	end,
	likelihood = function(f) return T.likelihood(f, 2, 2, 1, 2) end,
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
		.. "trust boundary the attacker population is wider. Calls between parts of one "
		.. "program are skipped. Answered by `tls true` on the flow or an encrypted "
		.. "`protocol` (https, wss, grpcs, ldaps, sftp...).",
	when = function(f)
		if T.in_process(f) or T.secure_transport(f) then return false end
		return cleartext_reason(f)
	end,
	likelihood = function(f) return T.likelihood(f, 2, 2, f.crosses and 2 or 1) end,
	impact = function(f, m) return T.impact(f, M(m)) end,
	mitigation = "Encrypt the channel with TLS 1.2+ (HSTS for browsers, sslmode=verify-full "
		.. "for PostgreSQL, mTLS between services).",
	refs = { "CWE-319", "OWASP A02:2021", "ASVS V9" },
}

stride {
	id = "STRIDE-I-02",
	category = "information_disclosure",
	applies = "flow",
	title = "Sensitive data sent to an external party",
	description = "The flow hands personal or high/critical data to an external entity, where "
		.. "our controls no longer apply; more data than the partner needs widens any breach "
		.. "on their side. Raised for flows to an external entity (either end of a `<->` "
		.. "flow) that carry such assets. Answered by `minimised true` on the flow (only the "
		.. "fields the partner needs are sent) or `encrypted true` (end-to-end encrypted "
		.. "payload).",
	when = function(f)
		local s, t = f.source, f.target
		local ext = (t and t.kind == "external") and t
			or (f.bidirectional and s and s.kind == "external" and s) or nil
		if not ext then return false end
		if T.yes(f, "minimised") or T.yes(f, "minimized") or T.yes(f, "encrypted") then
			return false
		end
		local carried = {}
		for _, a in ipairs(f.assets or {}) do
			if a.pii or a.sensitivity == "high" or a.sensitivity == "critical" then
				carried[#carried + 1] = a.key
			end
		end
		if #carried == 0 then return false end
		return table.concat(carried, ", ") .. " sent to " .. ext.key
	end,
	-- The data is exposed where the partner keeps it: reaching it means
	-- breaching the partner, which few attackers can.
	likelihood = { skill = 1, motive = 2, opportunity = 2, population = 1, discoverability = 1 },
	impact = function(f, m) return T.impact(f, M(m)) end,
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
		.. "is not needed. Raised only when the store states `stores`. Answered by adding "
		.. "the assets to the store's `stores`, or removing them from the flow's `data`.",
	when = function(f)
		local t = f.target
		if t == nil or t.kind ~= "store" or not T.stated(t, "stores") then return false end
		local held = {}
		for _, a in ipairs(t.assets or {}) do held[a.key] = true end
		local extra = {}
		for _, a in ipairs(f.assets or {}) do
			if not held[a.key] then extra[#extra + 1] = a.key end
		end
		if #extra == 0 then return false end
		return table.concat(extra, ", ") .. " sent to " .. t.key .. ", whose `stores` omits it"
	end,
	-- A modelling inconsistency first: it takes a breach of the store to matter.
	likelihood = { skill = 2, motive = 1, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(f, m) return T.impact(f, M(m)) end,
	mitigation = "Stop sending data the store does not need, or record in the model that "
		.. "it keeps it (and protect it accordingly).",
	refs = { "CWE-359", "CWE-212", "OWASP A04:2021" },
}

stride {
	id = "STRIDE-I-04",
	category = "information_disclosure",
	applies = "store",
	title = "Data at rest is not encrypted",
	description = "The store keeps data unencrypted on disk; a stolen disk, backup or "
		.. "snapshot, or a misconfigured volume, discloses it all. Raised for stores that "
		.. "keep assets. Answered by `encrypted true` on the store (disk, volume or "
		.. "column encryption).",
	when = function(s)
		if T.yes(s, "encrypted") or #(s.assets or {}) == 0 then return false end
		return s.key .. " keeps " .. T.names(s.assets) .. " without `encrypted true`"
	end,
	-- Needs access to the storage, a backup or a snapshot: insider-level.
	likelihood = { skill = 2, motive = 2, opportunity = 1, population = 1, discoverability = 1 },
	impact = function(s, m) return T.impact(s, M(m)) end,
	mitigation = "Encrypt volumes and backups (LUKS, cloud KMS), and encrypt PII columns "
		.. "with keys kept in Vault.",
	refs = { "CWE-311", "CWE-312", "OWASP A02:2021", "ASVS V6.1" },
}

stride {
	id = "STRIDE-I-05",
	category = "information_disclosure",
	applies = "store",
	title = "Credentials or secrets stored outside a secrets manager",
	description = "The store keeps secrets (passwords, API keys, tokens: assets with `kind "
		.. "secret`/`credential`, `secret true`, or a label that says so); a read of the "
		.. "store hands the attacker every key. Answered by keeping them in a vault (a store "
		.. "with `tech vault`/`kind vault`) or, for user passwords, `hashed true` (a slow "
		.. "salted hash such as argon2id).",
	when = function(s)
		if T.is_vault(s) or T.yes(s, "hashed") then return false end
		local secrets = T.secrets(s)
		if #secrets == 0 then return false end
		return s.key .. " keeps " .. T.names(secrets)
	end,
	-- Reading the store takes an injection or network access to it.
	likelihood = function(s)
		local o = math.min(T.opportunity(s), 2)
		return { skill = 2, motive = 3, opportunity = o, population = o, discoverability = 2 }
	end,
	impact = function(s, m) return T.impact(s, M(m), { confidentiality = 3 }) end,
	mitigation = "Move secrets to Vault (AppRole, short-lived credentials); hash passwords "
		.. "with argon2id or bcrypt; never keep them in plain configuration.",
	refs = { "CWE-256", "CWE-522", "CWE-798", "OWASP A02:2021", "OWASP A07:2021", "ASVS V2.4",
		"ASVS V6.4" },
}

stride {
	id = "STRIDE-I-06",
	category = "information_disclosure",
	applies = "process",
	title = "Internal details leak through error responses",
	description = "Errors reach outside callers with stack traces, SQL fragments, internal "
		.. "host names or the data being processed; attackers use them to plan the next "
		.. "step, and PII may leak. Raised for processes that take input from outside. "
		.. "Answered by `error_handler true` (a global handler returning sanitised errors) or "
		.. "`verbose_errors false` on the process.",
	when = function(p)
		if T.has(p, "error_handler") or T.no(p, "verbose_errors") then return false end
		if #T.untrusted_inflows(p) == 0 then return false end
		return p.key .. " answers outside callers and states no `error_handler`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 1, 2) end,
	impact = function(p) return { confidentiality = T.at_least(p, "medium") and 2 or 1 } end,
	mitigation = "Install a global error handler that logs details server-side and returns a "
		.. "generic message with a correlation id; disable debug modes in production.",
	refs = { "CWE-209", "CWE-215", "OWASP A05:2021", "ASVS V7.4" },
}

stride {
	id = "STRIDE-I-07",
	category = "information_disclosure",
	applies = "process",
	title = "Server-side request forgery",
	description = "The process makes outbound requests to external systems while taking input "
		.. "from outside; if a URL, host or path can be influenced, an attacker makes it call "
		.. "internal services or the cloud metadata endpoint. Raised for processes with "
		.. "HTTP-like flows to external entities and untrusted input. Answered by "
		.. "`egress_allowlist true` on the process (destinations fixed in configuration or "
		.. "allow-listed, no user-supplied URLs).",
	when = function(p)
		if T.has(p, "egress_allowlist") or #T.untrusted_inflows(p) == 0 then return false end
		local out = {}
		for _, f in ipairs(T.flows(p)) do
			local o = T.other(f, p)
			local outgoing = f.source and f.source.key == p.key or f.bidirectional
			if o and o.kind == "external" and outgoing and httpish(f) then out[#out + 1] = o.key end
		end
		if #out == 0 then return false end
		return p.key .. " calls " .. table.concat(out, ", ") .. " and takes outside input"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 1) end,
	-- Reaches the internal network, not (directly) the process's data.
	impact = { confidentiality = 2, integrity = 2 },
	mitigation = "Fix outbound destinations in configuration; if URLs come from users, "
		.. "allow-list hosts, resolve and block private ranges, and disable redirects.",
	refs = { "CWE-918", "OWASP A10:2021", "ASVS V12.6" },
}

stride {
	id = "STRIDE-I-08",
	category = "check",
	applies = "store",
	title = "Contents of the data store unstated",
	description = "The store does not say which assets it keeps, so the sensitivity of a "
		.. "breach (and whether encryption, backup or audit matter) cannot be judged. "
		.. "Answered by `stores [...]` on the store, naming the assets (an empty list `[]` "
		.. "when it keeps nothing of value).",
	when = function(s)
		if T.stated(s, "stores") then return false end
		return s.key .. " states no `stores`"
	end,
	likelihood = { discoverability = 2 },
	impact = { confidentiality = 1 },
	mitigation = "List the assets the store keeps with `stores [A-01, ...]`.",
	refs = { "OWASP A04:2021" },
}

stride {
	id = "STRIDE-I-09",
	category = "check",
	applies = "flow",
	title = "Data crossing a trust boundary unstated",
	description = "A flow crosses a trust boundary but does not say what data it carries, so "
		.. "its disclosure and tampering threats cannot be scored. Answered by `data [...]` "
		.. "on the flow, naming the assets (an empty list `[]` when it carries nothing of "
		.. "value).",
	when = function(f)
		if not f.crosses or T.stated(f, "data") then return false end
		return f.key .. " crosses " .. crossing_names(f)
	end,
	likelihood = { discoverability = 2 },
	impact = { confidentiality = 1 },
	mitigation = "List the assets the flow carries with `data [A-01, ...]`.",
	refs = { "OWASP A04:2021" },
}

-- ===========================================================================
-- Denial of service

stride {
	id = "STRIDE-D-01",
	category = "denial_of_service",
	applies = "flow",
	title = "Flooding across a trust boundary",
	description = "Requests cross a trust boundary (or come from an external entity) into a "
		.. "process with no limit on their rate; bots or a misbehaving client exhaust it. "
		.. "Answered by `rate_limit ...` on the flow or the receiving process, or on the "
		.. "process that sends it (a gateway or front end that already limits the traffic).",
	when = function(f)
		local s, t = f.source, f.target
		if t == nil or t.kind ~= "process" or not T.scoped(t) then return false end
		if not T.untrusted_input(f) or T.in_process(f) then return false end
		if T.yes(f, "rate_limit") or T.has(t, "rate_limit") then return false end
		if s and s.kind == "process" and T.has(s, "rate_limit") then return false end
		return "requests on " .. f.key .. " are not rate-limited"
	end,
	likelihood = function(f) return T.likelihood(f, 3, 2, 3) end,
	impact = { availability = 2, financial = 1 },
	mitigation = "Rate-limit per client and per route at the edge (CDN/WAF) and in the API, "
		.. "with timeouts and back-pressure behind it.",
	refs = { "CWE-770", "CWE-799", "OWASP A04:2021", "OWASP API4:2023" },
}

stride {
	id = "STRIDE-D-02",
	category = "denial_of_service",
	applies = "process",
	title = "Resource exhaustion by unbounded requests",
	description = "The process accepts request bodies, uploads or batch sizes without an "
		.. "upper bound; a few oversized requests exhaust its memory or CPU. Raised for web "
		.. "and API processes (by `tech`/`kind`) and processes with HTTP-like input from "
		.. "outside. Answered by `body_limit ...` on the process (e.g. `body_limit \"1MB\"`).",
	when = function(p)
		if T.has(p, "body_limit") then return false end
		local inputs = T.untrusted_inflows(p)
		if #inputs == 0 then return false end
		local http = T.is_web(p) or T.is_api(p)
		for _, f in ipairs(inputs) do
			if httpish(f) then http = true end
		end
		if not http then return false end
		return p.key .. " states no `body_limit`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = { availability = 2 },
	mitigation = "Limit body size, upload size, page size and query depth (Hono bodyLimit "
		.. "middleware), and set resource limits on the pod.",
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023", "ASVS V12.1" },
}

stride {
	id = "STRIDE-D-03",
	category = "denial_of_service",
	applies = "store",
	title = "Data loss without a backup",
	description = "The store keeps data that cannot be rebuilt, and nothing states it is "
		.. "backed up; ransomware, an operator error or a failed disk loses it. Caches "
		.. "(`kind cache`, `tech memcached`) are skipped. Answered by `backup true` on the "
		.. "store.",
	when = function(s)
		if T.yes(s, "backup") or T.is_cache(s) then return false end
		if #(s.assets or {}) == 0 and #(s.inflows or {}) == 0 then return false end
		return s.key .. " states no `backup true`"
	end,
	likelihood = function(s) return T.likelihood(s, 2, 2, 1) end,
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
	title = "Database exhausted by unbounded queries",
	description = "Queries prompted by outside callers have no time limit and the connection "
		.. "pool no cap; a few expensive searches, or a burst of connections, take the "
		.. "database down for everyone. Raised for SQL/NoSQL stores (not queues or caches) "
		.. "reached from processes "
		.. "exposed to the internet or a partner network. Answered by `statement_timeout ...` "
		.. "or `connection_limit ...` on the store.",
	when = function(s)
		if not (T.is_sql(s) or T.is_nosql(s)) or T.is(s, "kind", T.QUEUE_KIND) or T.is_cache(s) then
			return false
		end
		if T.yes(s, "statement_timeout") or T.yes(s, "connection_limit") then return false end
		for _, f in ipairs(access_flows(s)) do
			local o = T.other(f, s)
			if o and o.kind == "process" and T.opportunity(o) >= 2 then
				return "queries from " .. o.key .. " (" .. tostring(o.exposure) .. ") are unbounded"
			end
		end
		return false
	end,
	likelihood = function(s) return T.likelihood(s, 2, 2, 2) end,
	impact = { availability = 2 },
	mitigation = "Set statement_timeout and a per-role connection limit, size the pool "
		.. "(PgBouncer), and paginate every list endpoint.",
	refs = { "CWE-400", "CWE-770", "OWASP API4:2023" },
}

-- ===========================================================================
-- Elevation of privilege

stride {
	id = "STRIDE-E-01",
	category = "elevation_of_privilege",
	applies = "process",
	title = "Missing authorisation checks",
	description = "The process authenticates callers (or takes outside input) but nothing "
		.. "states how it decides what each caller may do: broken function- or object-level "
		.. "authorisation lets a regular user reach admin functions or other users' records. "
		.. "Raised for processes with untrusted input, unless all of it is `public true`; "
		.. "gateways that only forward requests are skipped. "
		.. "Answered by `authz ...` or `rbac ...` on the process.",
	when = function(p)
		if T.has(p, "authz") or T.has(p, "rbac") or T.is_gateway(p) then return false end
		local inputs = T.untrusted_inflows(p)
		local private = 0
		for _, f in ipairs(inputs) do
			if not T.yes(f, "public") then private = private + 1 end
		end
		if private == 0 then return false end
		return p.key .. " states neither `authz` nor `rbac`"
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = function(p, m) return T.impact(p, M(m), { integrity = max2(T.integrity(p)) }) end,
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
		.. "`role ...` on every flow that reaches it.",
	when = function(s)
		if T.yes(s, "rls") then return false end
		local role = T.text(s, "role")
		if role and SUPERUSER[role] then
			return s.key .. " is reached as role " .. role .. ", a superuser"
		end
		if T.yes(s, "role") and not (role and SUPERUSER[role]) then return false end
		local missing = {}
		for _, f in ipairs(access_flows(s)) do
			local o = T.other(f, s)
			if o and o.kind ~= "store" and not T.yes(f, "role") then missing[#missing + 1] = f.key end
		end
		if #missing == 0 then return false end
		return "neither `rls true` nor a least-privilege `role` for " .. table.concat(missing, ", ")
	end,
	likelihood = function(s) return T.likelihood(s, 2, 2, 1) end,
	impact = function(s, m) return T.impact(s, M(m), { integrity = max2(T.integrity(s)) }) end,
	mitigation = "Connect with a least-privilege role per service (no superuser, no DDL), "
		.. "and enable row-level security on every tenant-scoped table.",
	refs = { "CWE-250", "CWE-269", "OWASP A01:2021", "ASVS V4.1" },
}

stride {
	id = "STRIDE-E-03",
	category = "elevation_of_privilege",
	applies = "flow",
	title = "External entity accesses a data store directly",
	description = "An external entity reads or writes a data store with no process of ours "
		.. "in between, so none of our authorisation, validation or logging applies; it "
		.. "holds whatever privileges the store grants it. Answered by modelling the process "
		.. "that mediates the access (an API, an export job); if the direct access is "
		.. "intended (a managed backup service), accept the finding with the reason.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil then return false end
		local ext, store
		if s.kind == "external" and t.kind == "store" then ext, store = s, t
		elseif t.kind == "external" and s.kind == "store" then ext, store = t, s
		else return false end
		if not T.scoped(store) then return false end
		return ext.key .. " reaches " .. store.key .. " directly"
	end,
	likelihood = function(f)
		local ext = (f.source.kind == "external") and f.source or f.target
		return T.likelihood(ext, 2, 3, 2)
	end,
	impact = function(f, m)
		local store = (f.source.kind == "store") and f.source or f.target
		return T.impact(store, M(m), { integrity = max2(T.integrity(store)) })
	end,
	mitigation = "Put an API in front of the store that authenticates, authorises and logs "
		.. "each access; give the external party no network path to the store.",
	refs = { "CWE-284", "CWE-501", "OWASP A01:2021" },
}

stride {
	id = "STRIDE-E-04",
	category = "elevation_of_privilege",
	applies = "flow",
	title = "Internet traffic reaches a process unguarded",
	description = "Requests from the internet reach the process directly, with no WAF, CDN or "
		.. "API gateway in front to filter attacks and absorb floods (trust boundary 1 of the "
		.. "team's map). Answered by modelling the gateway as a process (`kind gateway`, "
		.. "`waf`, `cdn`, or `tech bunnycdn`, `cloudflare`...) between them, or `waf true` "
		.. "on the flow or the process.",
	when = function(f)
		local s, t = f.source, f.target
		if s == nil or t == nil or s.kind ~= "external" or t.kind ~= "process" then return false end
		if not T.scoped(t) or (s.zone or T.text(s, "zone") or "internet") ~= "internet" then
			return false
		end
		if T.is_gateway(t) or T.yes(f, "waf") or T.has(t, "waf") then return false end
		return "internet entity " .. s.key .. " reaches " .. t.key .. " with no WAF or gateway"
	end,
	likelihood = function(f) return T.likelihood(f, 2, 2, 2) end,
	-- Defence in depth: the impact is what the filter would have stopped.
	impact = { integrity = 2, availability = 2 },
	mitigation = "Route internet traffic through a CDN/WAF (BunnyCDN) or an API gateway with "
		.. "the OWASP core rule set, and let the process accept traffic only from it.",
	refs = { "CWE-693", "OWASP A05:2021", "ASVS V14" },
}

stride {
	id = "STRIDE-E-05",
	category = "elevation_of_privilege",
	applies = "process",
	title = "Process runs with excessive privileges",
	description = "The process runs as root, privileged, or with host access; any code "
		.. "execution in it becomes control of the node and the other workloads on it. Raised "
		.. "when the process states `run_as_root true`, `privileged true` or `host_path ...`. "
		.. "Answered by stating `run_as_root false` and dropping the others.",
	when = function(p)
		local bad = {}
		for _, name in ipairs { "run_as_root", "privileged", "host_path", "host_network" } do
			if T.yes(p, name) then bad[#bad + 1] = name end
		end
		if #bad == 0 then return false end
		return p.key .. " states " .. table.concat(bad, ", ")
	end,
	likelihood = function(p) return T.likelihood(p, 2, 2, 2) end,
	impact = function(p, m) return T.impact(p, M(m), { integrity = 3, availability = 3 }) end,
	mitigation = "Run as a non-root user with a read-only root filesystem and dropped "
		.. "capabilities (PodSecurity restricted profile); no hostPath mounts.",
	refs = { "CWE-250", "CWE-269", "OWASP A05:2021" },
}
