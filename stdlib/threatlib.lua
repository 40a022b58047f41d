-- threatlib: small helpers shared by the built-in packs (stride, hygiene)
-- and available to organisation packs through `require "threatlib"`.
--
-- Everything here reads element views (doc/rules.md "Views") and never
-- changes them. Helpers fall in four groups:
--
--   attributes   T.value, T.yes, T.no, T.stated, T.has, T.any, T.is, T.text
--   elements     T.is_web, T.is_api, T.is_sql, T.is_nosql, T.is_human, ...,
--                T.in_process, T.secure_transport, T.flows, T.untrusted_inflows
--   data         T.assets, T.sensitivity, T.pii, T.secrets, T.regulated
--   factors      T.confidentiality, T.compliance, T.population, T.opportunity,
--                T.likelihood, T.impact
--   text         T.keys, T.names (for a finding's detail)
--
-- Helpers that walk flows or assets are cached per view for the run
-- (T.memo); their results are shared tables, not to be modified.
--
-- Conventions the packs share (doc/packs.md):
--   * An attribute "answers" a threat when it is stated and not negative:
--     `tls true`, `auth jwt`, `rate_limit "100/min"` count; `tls false`,
--     `auth none`, `rate_limit no` do not.
--   * Sensitivity: critical and high give confidentiality 3, medium 2,
--     low or unstated 1.
--   * Compliance: personal data (an asset with `pii true`) gives 3 when the
--     model's `regulatory` list names GDPR, 2 otherwise; no PII gives 1.

local T = {}

-- Words that state the absence of a control.
local NEGATIVE = { none = true, ["false"] = true, no = true, off = true, disabled = true,
                   [""] = true }

local SENS_RANK = { low = 1, medium = 2, high = 3, critical = 4 }
local SENS_NAME = { "low", "medium", "high", "critical" }

-- Caches a function of one view for the rest of the run. Views are built
-- once per run, so the view itself is the key; the keys are weak, so a
-- cache never keeps a view alive past its run. Results are shared: callers
-- must not modify them.
local function memo(fn)
	local cache = setmetatable({}, { __mode = "k" })
	return function(v)
		local r = cache[v]
		if r == nil then
			r = fn(v)
			cache[v] = r
		end
		return r
	end
end
T.memo = memo

local function lower(s)
	if type(s) == "string" then return s:lower() end
	return s
end

-- The attribute `name` of view `v`, or nil.
function T.value(v, name)
	local attr = v and v.attr
	if attr == nil then return nil end
	return attr[name]
end

-- The attribute as lower-case text when it is an identifier or string,
-- else nil (booleans, numbers, lists and blocks are not text).
function T.text(v, name)
	local x = T.value(v, name)
	if type(x) == "string" then return x:lower() end
	return nil
end

-- True when the attribute is stated and positive: `true`, a number above 0,
-- a word that is not a negative one, a non-empty list or block.
function T.yes(v, name)
	local x = T.value(v, name)
	local t = type(x)
	if t == "boolean" then return x end
	if t == "number" then return x > 0 end
	if t == "string" then return not NEGATIVE[x:lower()] end
	if t == "table" then
		-- views and attribute tables are read-only proxies: ask pairs
		for _ in pairs(x) do return true end
		return false
	end
	return false
end

-- True when the attribute is stated as negative (`false`, `none`, `no`, 0).
function T.no(v, name)
	local x = T.value(v, name)
	local t = type(x)
	if t == "boolean" then return not x end
	if t == "number" then return x <= 0 end
	if t == "string" then return NEGATIVE[x:lower()] == true end
	return false
end

-- True when the attribute is written at all, whatever its value.
function T.stated(v, name)
	return T.value(v, name) ~= nil
end

-- True when the attribute is stated and positive on v or on one of its
-- enclosing processes: a child (`api.dal`) inherits its parent's controls.
function T.has(v, name)
	while v do
		if T.yes(v, name) then return true end
		v = v.parent
	end
	return false
end

-- False only for an element the model put out of scope (`in_scope false`).
function T.scoped(v)
	return v ~= nil and v.in_scope ~= false
end

-- True when any of the named attributes is stated and positive.
function T.any(v, ...)
	for i = 1, select("#", ...) do
		if T.yes(v, (select(i, ...))) then return true end
	end
	return false
end

-- Builds a set from a list of words: T.set{"a", "b"} -> { a = true, b = true }.
function T.set(list)
	local s = {}
	for _, w in ipairs(list) do s[w] = true end
	return s
end

-- True when attribute `name` (a word or a list of words) holds a word of `set`.
function T.is(v, name, set)
	local x = T.value(v, name)
	if type(x) == "string" then return set[x:lower()] == true end
	if type(x) == "table" then
		for _, w in ipairs(x) do
			if type(w) == "string" and set[w:lower()] then return true end
		end
	end
	return false
end

-- ---------------------------------------------------------------------------
-- Element predicates. Each looks at `tech` and `kind` first; the word lists
-- are the vocabulary doc/packs.md documents.

T.WEB_TECH = T.set { "nextjs", "next", "react", "vue", "nuxt", "angular", "svelte",
	"sveltekit", "remix", "astro", "gatsby", "ember", "jquery", "php", "laravel",
	"django", "rails", "wordpress", "drupal", "aspnet", "jsp", "thymeleaf" }
T.WEB_KIND = T.set { "web", "webapp", "frontend", "spa", "website", "portal", "ssr",
	"admin_panel", "backoffice" }
T.API_TECH = T.set { "hono", "express", "fastify", "nestjs", "koa", "flask", "fastapi",
	"django", "rails", "spring", "gin", "echo", "aspnet", "graphql", "laravel", "phoenix" }
T.API_KIND = T.set { "api", "service", "microservice", "backend", "graphql", "rest", "bff" }
T.SQL_TECH = T.set { "postgresql", "postgres", "mysql", "mariadb", "sqlite", "mssql",
	"sqlserver", "oracle", "cockroachdb", "db2", "timescaledb", "supabase", "aurora" }
T.SQL_KIND = T.set { "sql", "database", "rdbms", "relational" }
T.SQL_PROTOCOL = T.set { "postgres", "postgresql", "mysql", "sql", "jdbc", "odbc", "tds" }
T.NOSQL_TECH = T.set { "mongodb", "mongo", "couchdb", "dynamodb", "cassandra", "redis",
	"elasticsearch", "opensearch", "solr", "firestore", "cosmosdb", "neo4j", "valkey" }
T.NOSQL_KIND = T.set { "nosql", "document", "search", "keyvalue", "graph" }
T.LDAP_TECH = T.set { "ldap", "openldap", "activedirectory", "ad", "389ds", "freeipa" }
T.FILE_TECH = T.set { "s3", "minio", "gcs", "azureblob", "blob", "nfs", "filesystem",
	"fs", "sftp", "smb", "ceph", "r2" }
T.FILE_KIND = T.set { "file", "files", "filesystem", "bucket", "object_storage", "blob",
	"share", "uploads" }
T.VAULT_TECH = T.set { "vault", "openbao", "kms", "awskms", "keyvault", "secretsmanager",
	"sops", "infisical", "1password", "doppler" }
T.VAULT_KIND = T.set { "vault", "secrets", "kms", "secrets_manager", "hsm" }
T.QUEUE_KIND = T.set { "queue", "topic", "stream", "broker", "mq", "bus" }
T.CACHE_KIND = T.set { "cache", "tmp", "temporary", "ephemeral" }
T.CACHE_TECH = T.set { "memcached", "varnish" }
T.GATEWAY_KIND = T.set { "gateway", "api_gateway", "waf", "cdn", "proxy", "reverse_proxy",
	"load_balancer", "ingress", "edge" }
T.GATEWAY_TECH = T.set { "bunnycdn", "cloudflare", "cloudfront", "akamai", "fastly",
	"kong", "apigee", "traefik", "envoy", "modsecurity", "coraza", "nginx", "haproxy" }
T.HUMAN_KIND = T.set { "user", "users", "human", "person", "browser", "customer",
	"admin", "administrator", "operator", "employee", "staff", "mobile", "client" }
-- Transport protocols that are encrypted by definition.
T.SECURE_PROTOCOL = T.set { "https", "wss", "tls", "mtls", "grpcs", "h2", "http2s",
	"sftp", "ssh", "scp", "ldaps", "smtps", "imaps", "amqps", "mqtts", "kafka+ssl",
	"postgres+tls", "rediss", "ipsec", "wireguard", "quic", "http3", "dot", "doh" }
-- Protocols that are cleartext unless `tls true` says otherwise.
T.CLEARTEXT_PROTOCOL = T.set { "http", "ws", "ftp", "telnet", "smtp", "ldap", "amqp",
	"mqtt", "redis", "memcached", "snmp", "syslog", "tftp", "nfs", "smb", "rsh" }

function T.is_web(v)
	return T.is(v, "tech", T.WEB_TECH) or T.is(v, "kind", T.WEB_KIND)
end

function T.is_api(v)
	return T.is(v, "tech", T.API_TECH) or T.is(v, "kind", T.API_KIND)
end

function T.is_sql(v)
	return T.is(v, "tech", T.SQL_TECH) or T.is(v, "kind", T.SQL_KIND)
end

function T.is_nosql(v)
	return T.is(v, "tech", T.NOSQL_TECH) or T.is(v, "kind", T.NOSQL_KIND)
end

function T.is_ldap(v)
	return T.is(v, "tech", T.LDAP_TECH) or T.is(v, "kind", T.set { "ldap", "directory" })
end

function T.is_file_store(v)
	return T.is(v, "tech", T.FILE_TECH) or T.is(v, "kind", T.FILE_KIND)
end

function T.is_vault(v)
	return T.is(v, "tech", T.VAULT_TECH) or T.is(v, "kind", T.VAULT_KIND)
end

function T.is_cache(v)
	return T.is(v, "tech", T.CACHE_TECH) or T.is(v, "kind", T.CACHE_KIND)
end

function T.is_gateway(v)
	return T.is(v, "tech", T.GATEWAY_TECH) or T.is(v, "kind", T.GATEWAY_KIND)
end

-- A person (or the browser a person drives) rather than a system: by
-- `kind`, or by an id or label that says browser/user when no kind is given.
function T.is_human(v)
	if v.kind ~= "external" and v.kind ~= "actor" then return false end
	if T.stated(v, "kind") then return T.is(v, "kind", T.HUMAN_KIND) end
	local words = ((v.id or "") .. " " .. (v.label or "")):lower()
	return words:find("browser", 1, true) ~= nil or words:find("user", 1, true) ~= nil
		or words:find("customer", 1, true) ~= nil or words:find("admin", 1, true) ~= nil
end

-- The top-level (Level 0) ancestor of an element view.
function T.level0(v)
	while v and v.parent do v = v.parent end
	return v
end

-- True for a flow between two parts of the same top-level process (a call
-- inside one program): no network, so no transport threats, unless the
-- model gives it a `protocol`.
T.in_process = memo(function(f)
	if f.kind ~= "flow" or f.source == nil or f.target == nil then return false end
	if T.stated(f, "protocol") then return false end
	local a, b = T.level0(f.source), T.level0(f.target)
	return a ~= nil and b ~= nil and a.key == b.key
end)

-- True when the flow's transport is encrypted: `tls true` (or `mtls true`)
-- on the flow, a protocol that is encrypted by definition (https, wss,
-- grpcs, ldaps, ...), or a store at either end that states `tls true` (it
-- accepts TLS connections only); `tls false` on the flow overrides all.
function T.secure_transport(f)
	local tls = T.value(f, "tls")
	if tls ~= nil then return T.yes(f, "tls") end
	if T.is(f, "protocol", T.SECURE_PROTOCOL) or T.yes(f, "mtls") then return true end
	for _, e in ipairs { f.source, f.target } do
		if e and e.kind == "store" and T.yes(e, "tls") then return true end
	end
	return false
end

-- The flows of an element (inflows and outflows; a `<->` flow may appear in
-- both lists, so each is returned once).
T.flows = memo(function(v)
	local out, seen = {}, {}
	for _, list in ipairs { v.inflows or {}, v.outflows or {} } do
		for _, f in ipairs(list) do
			if not seen[f.key] then
				seen[f.key] = true
				out[#out + 1] = f
			end
		end
	end
	return out
end)

-- The element at the other end of flow f, seen from element v.
function T.other(f, v)
	if f.source == v or (f.source and f.source.key == v.key) then return f.target end
	return f.source
end

-- True when flow f brings data from outside: it comes from an external
-- entity or crosses a trust boundary. Such input is untrusted.
function T.untrusted_input(f)
	return f.crosses or (f.source ~= nil and f.source.kind == "external")
end

-- Inflows of v that carry untrusted input (see T.untrusted_input), skipping
-- in-process calls.
T.untrusted_inflows = memo(function(v)
	local out = {}
	for _, f in ipairs(v.inflows or {}) do
		if T.untrusted_input(f) and not T.in_process(f) then out[#out + 1] = f end
	end
	return out
end)

-- ---------------------------------------------------------------------------
-- Data: sensitivity and personal data seen by an element.

local function rank(s) return SENS_RANK[lower(s) or ""] or 0 end

-- The assets an element touches: its own `stores`/`data`, plus, for
-- processes and externals, what their flows carry, and for a flow that
-- carries nothing stated, what the store at either end holds.
T.assets = memo(function(v)
	local out, seen = {}, {}
	local function add(list)
		for _, a in ipairs(list or {}) do
			if not seen[a.key] then
				seen[a.key] = true
				out[#out + 1] = a
			end
		end
	end
	add(v.assets)
	if v.kind == "process" or v.kind == "external" then
		for _, f in ipairs(T.flows(v)) do add(f.assets) end
	elseif v.kind == "flow" and #(v.assets or {}) == 0 then
		for _, e in ipairs { v.source, v.target } do
			if e and e.kind == "store" then add(e.assets) end
		end
	end
	return out
end)

-- The highest sensitivity of those assets ("low" ... "critical"), or false.
T.sensitivity = memo(function(v)
	local best = 0
	for _, a in ipairs(T.assets(v)) do
		best = math.max(best, rank(a.sensitivity or a.max_sensitivity))
	end
	return SENS_NAME[best] or false
end)

-- True when one of those assets is personal data.
T.pii = memo(function(v)
	for _, a in ipairs(T.assets(v)) do
		if a.pii then return true end
	end
	return false
end)

-- True when the sensitivity of what v touches is at least `level`.
function T.at_least(v, level)
	return rank(T.sensitivity(v)) >= rank(level)
end

-- True when the asset is a secret: `kind` secret/credential/key/token,
-- `secret true`, or a label naming credentials, passwords, keys or tokens.
local SECRET_KIND = T.set { "secret", "secrets", "credential", "credentials", "key", "keys",
	"token", "tokens", "password", "passwords", "certificate", "private_key" }
local SECRET_WORDS = { "credential", "password", "secret", "api key", "api-key", "apikey",
	"private key", "token", "passphrase" }
function T.is_secret(a)
	if T.yes(a, "secret") then return true end
	if T.is(a, "kind", SECRET_KIND) then return true end
	local label = (a.label or ""):lower()
	for _, w in ipairs(SECRET_WORDS) do
		if label:find(w, 1, true) then return true end
	end
	return false
end

-- The secret assets an element holds or carries (its own `stores`/`data`).
function T.secrets(v)
	local out = {}
	for _, a in ipairs(v.assets or {}) do
		if T.is_secret(a) then out[#out + 1] = a end
	end
	return out
end

-- True when the model's `regulatory` list names `what` (any case).
local regulated_for, regulated_cache
function T.regulated(model, what)
	-- Asked once per finding: remember the answers for this model view.
	if regulated_for ~= model then
		regulated_for, regulated_cache = model, {}
	end
	local key = what:lower()
	local known = regulated_cache[key]
	if known == nil then
		known = T.regulated_uncached(model, key)
		regulated_cache[key] = known
	end
	return known
end

function T.regulated_uncached(model, what)
	local meta = model and model.meta
	local reg = meta and meta.regulatory
	if reg == nil then return false end
	what = what:lower()
	if type(reg) == "string" then return reg:lower() == what end
	if type(reg) == "table" then
		for _, r in ipairs(reg) do
			if type(r) == "string" and r:lower() == what then return true end
		end
	end
	return false
end

-- ---------------------------------------------------------------------------
-- Factors (each 1-3, doc/risk.md).

-- Confidentiality impact from the sensitivity of what v touches:
-- critical/high 3, medium 2, low or unstated 1.
T.confidentiality = memo(function(v)
	local r = rank(T.sensitivity(v))
	if r >= 3 then return 3 end
	if r == 2 then return 2 end
	return 1
end)

-- Integrity impact follows the same scale: altering critical or high data
-- is a high impact.
T.integrity = T.confidentiality

-- Compliance impact: PII with GDPR in the model's `regulatory` list is 3
-- (a breach is an Art. 33 notification), PII without it 2, no PII 1.
function T.compliance(v, model)
	if not T.pii(v) then return 1 end
	if T.regulated(model, "GDPR") then return 3 end
	return 2
end

-- Opportunity from exposure: internet 3, network 2, internal 1. A flow
-- without its own exposure takes its source's.
local EXPOSURE = { internet = 3, network = 2, internal = 1 }
function T.opportunity(v)
	if v.opportunity then return v.opportunity end
	if v.exposure and EXPOSURE[v.exposure] then return EXPOSURE[v.exposure] end
	if v.kind == "flow" and v.source then return T.opportunity(v.source) end
	return 1
end

-- Attacker population: anyone on the internet (automated bots) 3, people
-- on a partner or internal network 2, insiders only 1. Follows exposure.
function T.population(v)
	return T.opportunity(v)
end

-- Likelihood factors: opportunity and population follow the element's
-- exposure; skill, motive and discoverability are the rule's judgement.
-- `population` may be given to override the exposure-based value.
function T.likelihood(v, skill, motive, discoverability, population)
	return {
		skill = skill,
		motive = motive,
		opportunity = T.opportunity(v),
		population = population or T.population(v),
		discoverability = discoverability,
	}
end

-- Impact factors: confidentiality from the data's sensitivity and
-- compliance from PII/GDPR (when `with_data` is true), merged with the
-- rule's own factors; the higher value of a factor wins.
function T.impact(v, model, extra, with_data)
	local out = {}
	if with_data ~= false then
		out.confidentiality = T.confidentiality(v)
		out.compliance = T.compliance(v, model)
	end
	for k, x in pairs(extra or {}) do
		out[k] = math.max(out[k] or 0, x)
	end
	return out
end

-- Names a list of views with their labels: `A-01 "user passwords", db`
-- (the label is left out when it is just the id).
function T.names(list)
	local out = {}
	for i, x in ipairs(list) do
		local key = x.key or x.id or tostring(x)
		if x.label and x.label ~= key then
			out[i] = key .. " \"" .. x.label .. "\""
		else
			out[i] = key
		end
	end
	return table.concat(out, ", ")
end

-- Joins the keys (or labels) of a list of views: "a, b, c".
function T.keys(list)
	local out = {}
	for i, x in ipairs(list) do out[i] = x.key or x.id or tostring(x) end
	return table.concat(out, ", ")
end

return T
