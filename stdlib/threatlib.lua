-- threatlib: small helpers shared by the built-in packs (stride, linddun,
-- ge-stack, hygiene) and available to organisation packs through
-- `require "threatlib"`.
--
-- Everything here reads element views (doc/rules.md "Views") and never
-- changes them. Helpers fall in five groups:
--
--   attributes   T.value, T.yes, T.no, T.stated, T.has, T.any, T.is, T.text, T.list
--   elements     T.is_web, T.is_api, T.is_sql, T.is_nosql, T.is_human,
--                T.is_gateway, T.is_platform, T.is_idp, T.is_product,
--                T.is_llm, T.is_agent, T.is_tool, T.is_vector_store, ...,
--                T.parent,
--                T.level0, T.in_process, T.secure_transport, T.remote_access,
--                T.flows, T.other, T.untrusted_inflows, T.requests,
--                T.is_response, T.answered, T.replies
--   programs     T.program_requests, T.program_is, T.serves_users
--   data         T.assets, T.sensitivity, T.pii, T.secrets, T.regulated
--   factors      T.confidentiality, T.compliance, T.population, T.opportunity,
--                T.likelihood, T.impact; as static tables whose scales the
--                engine measures: T.likelihood_factors, T.impact_factors
--   text         T.keys, T.names (for a finding's detail)
--   packs        T.claim, T.claimed (a stack pack takes over a generic rule)
--
-- Rules run once per element and rule, so these helpers are on the hot
-- path of every check: the answers that depend on one view only are cached
-- per view for the run (T.memo), and those that depend on the whole model
-- are computed once per model view. Cached results are shared tables, not
-- to be modified.
--
-- Conventions the packs share (doc/packs.md):
--   * An attribute "answers" a threat when it is stated and not negative:
--     `tls true`, `auth jwt`, `rate_limit "100/min"` count; `tls false`,
--     `auth none`, `rate_limit no` do not.
--   * A child process (`api.dal`) is a part of its top-level process: it
--     inherits the controls its parent states (T.has), and rules about the
--     behaviour of the whole program (error handling, authorisation, audit,
--     body limits, XSS...) judge the top-level process with the requests
--     of all its parts (T.program_requests).
--   * Sensitivity: critical and high give confidentiality 3, medium 2,
--     low or unstated 1.
--   * Compliance: personal data (an asset with `pii true`) gives 3 when the
--     model's `regulatory` list names GDPR, 2 otherwise; no PII gives 1.

local T = {}

-- The attributes the helpers read beyond the language's own (`tech`,
-- `kind`, `protocol`, `tls`...), declared for every pack that requires
-- threatlib (doc/rules.md "attribute").
attribute {
	{ name = "mtls", applies = { "flow", "process", "store", "external" }, type = "control",
		doc = "mutual TLS: the two ends authenticate each other with certificates" },
	{ name = "secret", applies = "asset", type = "bool",
		doc = "the asset is a secret (a key, a token, a password)" },
	{ name = "trigger", applies = { "process", "store", "external", "boundary" }, type = "text",
		doc = "what starts it: `cron`, `webhook`, `queue`... (hygiene reads it)" },
	{ name = "purpose", applies = { "process", "store", "external", "boundary" }, type = "text",
		doc = "why it processes personal data (linddun; hygiene reads its words)" },
	{ name = "format", applies = { "flow", "process" }, type = "text",
		doc = "the payload's format: `json`, `xml`, `protobuf`, `java-serialization`..." },
	{ name = "serialization", applies = { "flow", "process" }, type = "text",
		doc = "the serialisation library or format a program parses" },
}

local type, pairs, ipairs, select, setmetatable = type, pairs, ipairs, select, setmetatable

-- Words that state the absence of a control.
local NEGATIVE = { none = true, ["false"] = true, no = true, off = true, disabled = true,
                   [""] = true }

local SENS_RANK = { low = 1, medium = 2, high = 3, critical = 4 }
local SENS_NAME = { "low", "medium", "high", "critical" }

-- A plain copy of this module's table, for a pack to keep in a local
-- (`local T = require("threatlib").copy()`): `require` gives each pack a
-- read-only proxy, through which every field read takes two more table
-- lookups. Changing the copy changes nothing for the other packs.
function T.copy()
	local out = {}
	for k, v in pairs(T) do out[k] = v end
	return out
end

-- Caches a function of one view for the rest of the run. Views are built
-- once per run, so the view itself is the key; the keys are weak, so a
-- cache never keeps a view alive past its run. One argument after the
-- view (the model view, which is the same for the whole run) is passed on
-- to the first call; no more, as a function of a fixed number of
-- arguments is quicker to call. Results are shared: callers must not
-- modify them.
local function memo(fn)
	local cache = setmetatable({}, { __mode = "k" })
	return function(v, m)
		local r = cache[v]
		if r == nil then
			r = fn(v, m)
			cache[v] = r
		end
		return r
	end
end
T.memo = memo

-- Caches a function of the model view: the model-wide indexes some rules
-- need are built once, on first use, instead of once per element.
local function per_model(fn)
	local cache = setmetatable({}, { __mode = "k" })
	local last_m, last_r -- the model of the run in progress, asked once per element
	return function(m)
		if m == last_m and m ~= nil then return last_r end
		local r = cache[m]
		if r == nil then
			r = fn(m)
			cache[m] = r
		end
		last_m, last_r = m, r
		return r
	end
end
T.per_model = per_model

-- Lower-case forms of attribute words, computed once per distinct word.
local LOWER = setmetatable({}, { __index = function(t, s)
	local l = s:lower()
	t[s] = l
	return l
end })

local function lower(s)
	if type(s) == "string" then return LOWER[s] end
	return s
end

-- The model view is the argument `when`, `likelihood` and `impact` get
-- (doc/rules.md); the helpers below that read the model take it as their
-- argument `m`. A pack that leaves it out gets the deprecated global
-- `model`, and a warning at its own line.
local function model_of(m)
	if m ~= nil then return m end
	return model
end

-- Deprecated: T.model(m) is m; the model view is the argument itself.
function T.model(m)
	if m ~= nil then
		deprecated("T.model(m)", "the model view is the argument itself, `when = function(v, model)`")
	end
	return model_of(m)
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
	local attr = v and v.attr
	local x = attr and attr[name]
	if type(x) == "string" then return LOWER[x] end
	return nil
end

-- True when the attribute is stated and positive: `true`, a number above 0,
-- a word that is not a negative one, a non-empty list or block.
local function yes(v, name)
	local attr = v and v.attr
	local x = attr and attr[name]
	if x == nil then return false end
	local t = type(x)
	if t == "boolean" then return x end
	if t == "string" then return not NEGATIVE[LOWER[x]] end
	if t == "number" then return x > 0 end
	if t == "table" then
		-- views and attribute tables are read-only proxies: ask pairs
		for _ in pairs(x) do return true end
		return false
	end
	return false
end
T.yes = yes

-- True when the attribute is stated as negative (`false`, `none`, `no`, 0).
function T.no(v, name)
	local attr = v and v.attr
	local x = attr and attr[name]
	if x == nil then return false end
	local t = type(x)
	if t == "boolean" then return not x end
	if t == "string" then return NEGATIVE[LOWER[x]] == true end
	if t == "number" then return x <= 0 end
	return false
end

-- True when the attribute is written at all, whatever its value.
function T.stated(v, name)
	local attr = v and v.attr
	return attr ~= nil and attr[name] ~= nil
end

-- The enclosing process of v, or false.
local function parent(v) return v.parent or false end
T.parent = parent

-- True when the attribute is stated and positive on v or on one of its
-- enclosing processes: a child (`api.dal`) inherits its parent's controls.
local function has(v, name)
	while v do
		if yes(v, name) then return true end
		v = parent(v)
	end
	return false
end
T.has = has

-- False only for an element the model put out of scope (`in_scope false`).
function T.scoped(v)
	return v ~= nil and v.in_scope ~= false
end

-- True when any of the named attributes is stated and positive.
function T.any(v, ...)
	for i = 1, select("#", ...) do
		if yes(v, (select(i, ...))) then return true end
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
local function is(v, name, set)
	local attr = v and v.attr
	local x = attr and attr[name]
	if x == nil then return false end
	if type(x) == "string" then return set[x] == true or set[LOWER[x]] == true end
	if type(x) == "table" then
		for _, w in ipairs(x) do
			if type(w) == "string" and set[LOWER[w]] then return true end
		end
	end
	return false
end
T.is = is

-- ---------------------------------------------------------------------------
-- Element predicates. Each looks at `tech` and `kind`; the word lists are
-- the vocabulary doc/packs.md documents. Each is cached per view.

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
T.LDAP_KIND = T.set { "ldap", "directory" }
T.LDAP_PROTOCOL = T.set { "ldap", "ldaps" }
T.FILE_TECH = T.set { "s3", "minio", "gcs", "azureblob", "blob", "nfs", "filesystem",
	"fs", "sftp", "smb", "ceph", "r2" }
T.FILE_KIND = T.set { "file", "files", "filesystem", "bucket", "object_storage", "blob",
	"share", "uploads" }
T.VAULT_TECH = T.set { "vault", "openbao", "kms", "awskms", "keyvault", "secretsmanager",
	"sops", "infisical", "1password", "doppler" }
T.VAULT_KIND = T.set { "vault", "secrets", "kms", "secrets_manager", "hsm" }
T.QUEUE_KIND = T.set { "queue", "topic", "stream", "broker", "mq", "bus" }
T.QUEUE_TECH = T.set { "rabbitmq", "kafka", "nats", "sqs", "activemq", "pubsub", "bullmq" }
T.CACHE_KIND = T.set { "cache", "tmp", "temporary", "ephemeral" }
T.CACHE_TECH = T.set { "memcached", "varnish" }
T.GATEWAY_KIND = T.set { "gateway", "api_gateway", "waf", "cdn", "proxy", "reverse_proxy",
	"load_balancer", "ingress", "edge" }
T.GATEWAY_TECH = T.set { "bunnycdn", "cloudflare", "cloudfront", "akamai", "fastly",
	"kong", "apigee", "traefik", "envoy", "modsecurity", "coraza", "nginx", "haproxy" }
-- Identity providers: the service that checks a person's credentials and
-- issues their identity, so a call to it establishes who the user is.
T.IDP_TECH = T.set { "keycloak", "okta", "auth0", "entra", "azuread", "cognito", "ory",
	"authentik", "zitadel", "dex", "gluu", "pingfederate", "adfs", "shibboleth" }
T.IDP_KIND = T.set { "idp", "identity_provider", "sso", "oidc_provider", "saml_idp" }
-- Third-party products a team runs but does not write: an identity
-- provider, a CI server, a code repository, an artifact registry. How they
-- parse requests, bound bodies, build directory queries and render errors
-- is the vendor's code, answered by patching and hardening them and by
-- limiting who reaches them, not by controls the model could state.
T.PRODUCT_TECH = T.set { "jenkins", "gitlab", "gitea", "gogs", "forgejo", "github",
	"bitbucket", "teamcity", "bamboo", "drone", "argocd", "nexus", "artifactory", "harbor",
	"sonarqube" }
for w in pairs(T.IDP_TECH) do T.PRODUCT_TECH[w] = true end
T.PRODUCT_KIND = T.set { "ci", "repository", "scm", "registry", "artifact_registry" }
for w in pairs(T.IDP_KIND) do T.PRODUCT_KIND[w] = true end
-- The platform workloads run on (a cluster, an orchestrator, a host), as
-- opposed to the programs that serve requests: application-level rules
-- (error pages, body limits, SSRF...) do not apply to it.
T.PLATFORM_TECH = T.set { "k3s", "k8s", "kubernetes", "openshift", "rancher", "nomad",
	"docker", "swarm", "podman", "eks", "aks", "gke", "ecs", "proxmox", "vmware" }
T.PLATFORM_KIND = T.set { "cluster", "platform", "orchestrator", "infrastructure", "host",
	"node", "runtime", "control_plane", "hypervisor" }
-- LLM applications (the llm pack, doc/packs.md): a language model,
-- whether a provider's API (an external) or one the team hosts (a
-- process); an agent, a program whose model decides which tools to call;
-- a tool such an agent calls; a vector store that retrieval reads.
T.LLM_TECH = T.set { "openai", "azure_openai", "gpt", "chatgpt", "anthropic", "claude", "gemini",
	"vertex_ai", "bedrock", "mistral", "cohere", "groq", "deepseek", "openrouter", "llama",
	"ollama", "vllm", "tgi", "llamacpp", "huggingface" }
T.LLM_KIND = T.set { "llm", "language_model", "foundation_model", "chat_model", "genai" }
T.AGENT_KIND = T.set { "agent", "ai_agent", "llm_agent" }
T.TOOL_KIND = T.set { "tool", "mcp_server", "plugin" }
T.TOOL_TECH = T.set { "mcp" }
T.VECTOR_STORE_TECH = T.set { "pgvector", "pinecone", "weaviate", "qdrant", "chroma",
	"chromadb", "milvus", "faiss", "lancedb", "vespa" }
T.VECTOR_STORE_KIND = T.set { "vector_store", "vector_db", "vector_database", "vector_index",
	"embeddings" }
T.HUMAN_KIND = T.set { "user", "users", "human", "person", "browser", "customer",
	"admin", "administrator", "operator", "employee", "staff", "mobile", "client",
	"developer", "dba", "support" }
-- Transport protocols that are encrypted by definition.
T.SECURE_PROTOCOL = T.set { "https", "wss", "tls", "mtls", "grpcs", "h2", "http2s",
	"sftp", "ssh", "scp", "ldaps", "smtps", "imaps", "amqps", "mqtts", "kafka+ssl",
	"postgres+tls", "rediss", "ipsec", "wireguard", "quic", "http3", "dot", "doh" }
-- Remote-access and code-transfer protocols: a shell session, a file copy,
-- a git push or pull, a deployment. Their traffic is commands and files
-- from an authenticated operator or machine, not requests to an
-- application: rate limits, input validation and WAFs are not the
-- controls that answer them.
T.REMOTE_ACCESS_PROTOCOL = T.set { "ssh", "scp", "sftp", "rsync", "git", "rdp", "vnc",
	"telnet", "winrm" }
-- Protocols that are cleartext unless `tls true` says otherwise.
T.CLEARTEXT_PROTOCOL = T.set { "http", "ws", "ftp", "telnet", "smtp", "ldap", "amqp",
	"mqtt", "redis", "memcached", "snmp", "syslog", "tftp", "nfs", "smb", "rsh" }

-- A predicate: `tech` in one set or `kind` in the other, as
-- `is(v, "tech", techs) or is(v, "kind", kinds)` with the common case (one
-- word, or nothing stated) inline: rules ask these of every flow's ends.
-- Not cached: two attribute reads cost less than a cache lookup and its
-- upkeep.
local function tech_or_kind(techs, kinds)
	return function(v)
		local attr = v and v.attr
		if attr == nil then return false end
		local x = attr.tech
		if type(x) == "string" then
			if techs[x] == true or techs[LOWER[x]] == true then return true end
		elseif x ~= nil and is(v, "tech", techs) then
			return true
		end
		x = attr.kind
		if type(x) == "string" then return kinds[x] == true or kinds[LOWER[x]] == true end
		return x ~= nil and is(v, "kind", kinds)
	end
end

T.is_web = tech_or_kind(T.WEB_TECH, T.WEB_KIND)
T.is_api = tech_or_kind(T.API_TECH, T.API_KIND)
T.is_sql = tech_or_kind(T.SQL_TECH, T.SQL_KIND)
T.is_nosql = tech_or_kind(T.NOSQL_TECH, T.NOSQL_KIND)
T.is_ldap = tech_or_kind(T.LDAP_TECH, T.LDAP_KIND)
T.is_file_store = tech_or_kind(T.FILE_TECH, T.FILE_KIND)
T.is_vault = tech_or_kind(T.VAULT_TECH, T.VAULT_KIND)
T.is_cache = tech_or_kind(T.CACHE_TECH, T.CACHE_KIND)
T.is_queue = tech_or_kind(T.QUEUE_TECH, T.QUEUE_KIND)
T.is_gateway = tech_or_kind(T.GATEWAY_TECH, T.GATEWAY_KIND)
T.is_platform = tech_or_kind(T.PLATFORM_TECH, T.PLATFORM_KIND)
T.is_idp = tech_or_kind(T.IDP_TECH, T.IDP_KIND)
T.is_product = tech_or_kind(T.PRODUCT_TECH, T.PRODUCT_KIND)
T.is_llm = tech_or_kind(T.LLM_TECH, T.LLM_KIND)
T.is_tool = tech_or_kind(T.TOOL_TECH, T.TOOL_KIND)
T.is_vector_store = tech_or_kind(T.VECTOR_STORE_TECH, T.VECTOR_STORE_KIND)
-- An agent is said by its `kind`: a framework (LangChain...) also builds
-- programs that call no tools.
function T.is_agent(v) return v.kind == "process" and is(v, "kind", T.AGENT_KIND) end

-- True when the flow is a remote-access session or a code transfer (by
-- its `protocol`, T.REMOTE_ACCESS_PROTOCOL) rather than application traffic.
function T.remote_access(f)
	return is(f, "protocol", T.REMOTE_ACCESS_PROTOCOL)
end

-- A person (or the browser a person drives) rather than a system: by
-- `kind`, or, when no kind is given, by an id or label that says browser,
-- user, customer or admin and no word that names a system ("Customer
-- webhook endpoint" is a system).
local PERSON_WORDS = { "browser", "user", "customer", "admin" }
local SYSTEM_WORDS = { "webhook", "endpoint", "api", "service", "server", "system", "bot",
	"crm", "erp", "provider", "gateway", "queue" }
local function says_any(text, words)
	for _, w in ipairs(words) do
		if text:find(w, 1, true) then return true end
	end
	return false
end
T.is_human = memo(function(v)
	local kind = v.kind
	if kind ~= "external" and kind ~= "actor" then return false end
	if T.stated(v, "kind") then return is(v, "kind", T.HUMAN_KIND) end
	local words = ((v.id or "") .. " " .. (v.label or "")):lower()
	return says_any(words, PERSON_WORDS) and not says_any(words, SYSTEM_WORDS)
end)

-- The top-level (Level 0) ancestor of an element view.
local function level0(v)
	local p = v.parent
	while p do
		v = p
		p = v.parent
	end
	return v
end
T.level0 = level0

-- True for a flow between two parts of the same top-level process (a call
-- inside one program): no network, so no transport threats, unless the
-- model gives it a `protocol`.
-- (The engine computes it: the flow view's `in_process`.)
local function in_process(f)
	return f.in_process == true
end
T.in_process = in_process

-- True when the flow's transport is encrypted: `tls true` (or `mtls true`)
-- on the flow, a protocol that is encrypted by definition (https, wss,
-- grpcs, ldaps, ...), or a store at either end that states `tls true` (it
-- accepts TLS connections only); `tls false` on the flow overrides all.
function T.secure_transport(f)
	local attr = f.attr
	if attr.tls ~= nil then return yes(f, "tls") end
	if is(f, "protocol", T.SECURE_PROTOCOL) or yes(f, "mtls") then return true end
	local s, t = f.source, f.target
	if s and s.kind == "store" and yes(s, "tls") then return true end
	if t and t.kind == "store" and yes(t, "tls") then return true end
	return false
end

-- The flows of an element (inflows and outflows; a `<->` flow may appear in
-- both lists, so each is returned once).
T.flows = memo(function(v)
	local out, seen = {}, {}
	local inflows, outflows = v.inflows, v.outflows
	if inflows then
		for _, f in ipairs(inflows) do
			seen[f] = true
			out[#out + 1] = f
		end
	end
	if outflows then
		for _, f in ipairs(outflows) do
			if not seen[f] then out[#out + 1] = f end
		end
	end
	return out
end)

-- The element at the other end of flow f, seen from element v.
function T.other(f, v)
	local s = f.source
	if s == v then return f.target end
	return s
end

-- True when flow f brings data from outside: it comes from an external
-- entity or crosses a trust boundary. Such input is untrusted.
local function untrusted_input(f)
	if f.crosses then return true end
	local s = f.source
	return s ~= nil and s.kind == "external"
end
T.untrusted_input = untrusted_input

-- Inflows of v that carry untrusted input (see T.untrusted_input), skipping
-- in-process calls. Includes the answers v gets on `<->` flows it starts.
-- (The engine computes it: the view's `untrusted_inflows`.)
local NONE = setmetatable({}, { -- what a view without inflows has: read-only, like lists
	__newindex = function() error("attempt to modify a read-only table", 2) end,
	__metatable = false,
})
function T.untrusted_inflows(v)
	return v.untrusted_inflows or NONE
end

-- The attribute as a list: a list (or block) as it is, one value as a list
-- of it, an attribute not stated as the empty list. For attributes that
-- take one word or several (`registries [ghcr.io/acme, harbor.internal]`).
function T.list(v, name)
	local x = T.value(v, name)
	if x == nil then return NONE end
	if type(x) ~= "table" then return { x } end
	return x
end

-- True when flow f is the answer to a call: its target also sends to its
-- source (its program), over a `<->` flow (`api -> web.ssr` beside
-- `web.ssr <-> api`), or over a one-way flow drawn before it in the same
-- file (`web -> browser` after `browser -> web`). A `<->` flow is a call
-- and its answer, never only an answer.
-- (The engine computes it: the flow view's `response`.)
local function is_response(f)
	return f.response == true
end
T.is_response = is_response

-- An element's flows indexed by the program at their other end, built
-- once per element and only when asked: `sent_to(v)[program]` the flows v
-- sends to that program, `answers_from(v)[program]` the responses v
-- receives from it. Hubs with thousands of flows are then asked about one
-- exchange in constant time; an element that receives no response (most
-- of them) shares one empty index.
local NO_INDEX = setmetatable({}, { __newindex = function() error("read-only", 2) end })

local function index_by_program(v, list, keep, far)
	local index = NO_INDEX
	for _, f in ipairs(list or NONE) do
		if keep(f, v) then
			if index == NO_INDEX then index = {} end
			local home = level0(far(f))
			local flows = index[home]
			if flows == nil then
				flows = {}
				index[home] = flows
			end
			flows[#flows + 1] = f
		end
	end
	return index
end

local function sent_by(g, v) return g.source == v and g.target ~= nil end
local function target_of(g) return g.target end
local function answer_to(r, v) return r.target == v and r.source ~= nil and is_response(r) end
local function source_of(r) return r.source end

local sent_to = memo(function(v) return index_by_program(v, v.outflows, sent_by, target_of) end)
local answers_from = memo(function(v) return index_by_program(v, v.inflows, answer_to, source_of) end)

-- The flows of `list` but f (NONE, shared and read-only, when empty).
local function others(list, f)
	if list == nil or (list[1] == f and list[2] == nil) then return NONE end
	local out = {}
	for _, g in ipairs(list) do
		if g ~= f then out[#out + 1] = g end
	end
	return out
end

-- The flows that a response f answers: those its target sends to f's
-- source's program (the request of the same exchange), in model order.
-- Empty unless f is a response. The lists are not to be modified.
function T.answered(f)
	if not is_response(f) then return NONE end
	return others(sent_to(f.target)[level0(f.source)], f)
end

-- The responses that answer flow g: one-way flows back to g's source from
-- g's target's program (see T.is_response), in model order. The lists
-- are not to be modified.
function T.replies(g)
	local s, t = g.source, g.target
	if s == nil or t == nil then return NONE end
	local index = answers_from(s)
	if index == NO_INDEX then return NONE end
	return others(index[level0(t)], g)
end

-- Requests into v from outside: untrusted inflows whose target is v (not
-- the answers to calls v makes), skipping answers to calls of others.
-- (The engine computes it: the view's `requests`.)
local function requests(v)
	return v.requests or NONE
end
T.requests = requests

-- ---------------------------------------------------------------------------
-- Programs: a top-level process with its parts.

-- Calls into v from any other program: inflows whose target is v, that
-- are not calls inside one program nor answers to calls of v's. Requests
-- are the calls that come from outside (T.requests).
-- (The engine computes it: the view's `calls`.)
local function calls(v)
	return v.calls or NONE
end
T.calls = calls

-- The flows `per_part(v)` gives for top-level process p and each of its
-- parts, leaving out the parts for which `answered(part)` is true (a part
-- that states the control itself, and the parts inside it).
local function collect(p, per_part, answered)
	local children = p.children
	if children[1] == nil then return per_part(p) end -- a process without parts
	local out = {}
	local function walk(v)
		if answered and v ~= p and answered(v) then return end
		for _, f in ipairs(per_part(v)) do out[#out + 1] = f end
		local children = v.children
		if children then
			for _, c in ipairs(children) do walk(c) end
		end
	end
	walk(p)
	return out
end
T.collect = collect

local all_requests = memo(function(p) return collect(p, requests) end)
local all_calls = memo(function(p) return collect(p, calls) end)

-- Requests from outside into process p or any of its parts (see
-- T.collect for `answered`; without it the result is cached).
function T.program_requests(p, answered)
	if answered then return collect(p, requests, answered) end
	return all_requests(p)
end

-- Calls from other programs into process p or any of its parts.
function T.program_calls(p, answered)
	if answered then return collect(p, calls, answered) end
	return all_calls(p)
end

-- True when pred holds for process p or one of its parts.
function T.program_is(p, pred)
	if pred(p) then return true end
	for _, c in ipairs(p.children or {}) do
		if T.program_is(c, pred) then return true end
	end
	return false
end

-- What one process knows about its program, computed once per process:
--   part      its enclosing process, or false for a top-level process
--   leaf      true when it has no parts
--   gateway   a gateway, CDN or WAF (T.is_gateway)
--   platform  the platform workloads run on (T.is_platform)
--   product   a third-party product the team runs but does not write (T.is_product)
--   requests  requests from outside into it and its parts (T.requests)
--   calls     calls from other programs into it and its parts (T.calls)
T.program = memo(function(p)
	local leaf = p.children[1] == nil
	return {
		part = p.parent or false,
		leaf = leaf,
		gateway = T.is_gateway(p),
		platform = T.is_platform(p),
		product = T.is_product(p),
		requests = leaf and requests(p) or collect(p, requests),
		calls = leaf and calls(p) or collect(p, calls),
	}
end)

-- Which words the model uses for the attributes rules key rare threats on,
-- and whether it has people among its external entities. The indexes are
-- built together in one pass over the model, the first time a rule asks,
-- so that a rule about LDAP, XML or deserialisation costs next to nothing
-- per element in a model that has none of them.
local NODE_KINDS = { "process", "store", "external", "boundary" }
local INDEXED = { protocol = { "flow" }, format = { "flow", "process" },
	serialization = { "flow", "process" },
	tech = NODE_KINDS, kind = NODE_KINDS, trigger = NODE_KINDS, purpose = NODE_KINDS,
	runs_on = { "process", "store" }, stores = { "store" }, data = { "flow" },
	handles = { "process", "external" } }

-- All the indexes at once, the first time a rule asks for one: one pass
-- over the model in C (model.words), which reads attributes as views show
-- them and lower-cases them as LOWER does.
local word_index = per_model(function(m) return m.words(INDEXED) end)

-- The set of (lower-case) words the model states as attribute `name`, on
-- flows for `protocol`, `format`, `serialization` and `data`, on
-- externals, processes, stores and boundaries for `tech`, `kind`,
-- `trigger` and `purpose`, on processes also for `format`,
-- `serialization`, `runs_on` and `handles`, on stores for `runs_on` and
-- `stores`, and on externals for `handles`.
function T.model_words(m, name)
	local set = word_index(model_of(m))[name]
	if set == nil then error("T.model_words: no index of `" .. tostring(name) .. "`", 2) end
	return set
end

-- True when some element of the model states attribute `name` with a word
-- of `set` (see T.model_words for where it looks).
function T.model_uses(m, name, set)
	local used = T.model_words(m, name)
	for w in pairs(set) do
		if used[w] then return true end
	end
	return false
end

-- True when the model has a person among its external entities.
local people_in = per_model(function(m)
	for _, e in ipairs(m.elements("external")) do
		if T.is_human(e) then return true end
	end
	return false
end)
function T.model_has_people(m)
	return people_in(model_of(m))
end

-- Processes that serve people: one that a person's requests reach, or a
-- process such a one calls. A part with requests of its own from outside
-- its program serves whoever sends them (a webhook handler serves the
-- payment provider, not the user); a part without any serves whoever its
-- parent serves. Computed once per model, breadth-first from the people.
local users_served = per_model(function(m)
	local served = {}
	local queue, head = {}, 1
	local function mark(v)
		if served[v] then return end
		served[v] = true
		queue[#queue + 1] = v
	end
	for _, e in ipairs(m.elements("external")) do
		if T.is_human(e) then
			for _, f in ipairs(e.outflows or {}) do
				local t = f.target
				if f.source == e and t and t.kind == "process" then mark(t) end
			end
		end
	end
	while head <= #queue do
		local v = queue[head]
		head = head + 1
		-- parts that take no requests of their own act for their parent
		for _, c in ipairs(v.children or {}) do
			if #requests(c) == 0 then mark(c) end
		end
		-- the processes it calls, in another program, serve the same people
		local home = level0(v)
		for _, f in ipairs(v.outflows or {}) do
			local t = f.target
			if f.source == v and t and t.kind == "process" and level0(t) ~= home
				and not is_response(f) then
				mark(t)
			end
		end
	end
	return served
end)

-- True when people's requests reach process p (see above).
function T.serves_users(p, m)
	return users_served(model_of(m))[p] == true
end

-- ---------------------------------------------------------------------------
-- Data: sensitivity and personal data seen by an element.

local function rank(s)
	if s == nil or s == false then return 0 end
	return SENS_RANK[s] or SENS_RANK[lower(s)] or 0
end

-- A flow that does not state `data` counts what the store at either end
-- holds; `data []` says it carries nothing of value.
local function store_ends(f)
	if f.kind ~= "flow" or T.stated(f, "data") then return nil, nil end
	local s, t = f.source, f.target
	return (s and s.kind == "store") and s or nil, (t and t.kind == "store") and t or nil
end

-- The assets an element touches: its own `stores`/`data`, plus, for
-- processes and externals, what their flows and their parts' flows carry
-- (the engine's `assets`), and for a flow that does not state `data`, what
-- the store at either end holds.
T.assets = memo(function(v)
	local own = v.assets or {}
	local a, b = store_ends(v)
	if not a and not b then return own end
	local out, seen = {}, {}
	for _, list in ipairs { own, a and a.assets or {}, b and b.assets or {} } do
		for _, x in ipairs(list) do
			if not seen[x] then
				seen[x] = true
				out[#out + 1] = x
			end
		end
	end
	return out
end)

-- The highest sensitivity of those assets ("low" ... "critical"), or false.
T.sensitivity = memo(function(v)
	local best = rank(v.max_sensitivity or v.sensitivity)
	local a, b = store_ends(v)
	if a then best = math.max(best, rank(a.max_sensitivity)) end
	if b then best = math.max(best, rank(b.max_sensitivity)) end
	return SENS_NAME[best] or false
end)

-- True when one of those assets is personal data.
T.pii = memo(function(v)
	if v.pii then return true end
	local a, b = store_ends(v)
	return (a ~= nil and a.pii == true) or (b ~= nil and b.pii == true)
end)

-- True when the sensitivity of what v touches is at least `level`.
function T.at_least(v, level)
	return rank(T.sensitivity(v)) >= rank(level)
end

-- True when the asset is a secret: `secret true`, a `kind` that names one
-- (secret, credential, key, token...), or, when no `kind` says what the
-- asset is, a label naming credentials, passwords, keys or tokens as
-- whole words. A classification is not a secret: "(max classification
-- TOP_SECRET)" and "top secret" name how sensitive data is, not a key.
local SECRET_KIND = T.set { "secret", "secrets", "credential", "credentials", "key", "keys",
	"token", "tokens", "password", "passwords", "certificate", "private_key" }
local SECRET_WORDS = T.set { "credential", "credentials", "password", "passwords", "secret",
	"secrets", "apikey", "apikeys", "token", "tokens", "passphrase", "passphrases" }
local SECRET_PAIRS = T.set { "api key", "api keys", "private key", "private keys", "signing key",
	"access key", "access keys", "secret key" }
T.is_secret = memo(function(a)
	if yes(a, "secret") then return true end
	if T.stated(a, "kind") then return is(a, "kind", SECRET_KIND) end
	-- words are runs of letters and digits; `_` joins (TOP_SECRET is one word)
	local previous
	for w in (a.label or ""):lower():gmatch("[%w_]+") do
		if SECRET_WORDS[w] and not (w == "secret" and previous == "top") then return true end
		if previous and SECRET_PAIRS[previous .. " " .. w] then return true end
		previous = w
	end
	return false
end)

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
function T.regulated(m, what)
	-- Asked once per finding: remember the answers for this model view.
	if regulated_for ~= m then
		regulated_for, regulated_cache = m, {}
	end
	local known = regulated_cache[what]
	if known == nil then
		known = T.regulated_uncached(m, what)
		regulated_cache[what] = known
	end
	return known
end

function T.regulated_uncached(m, what)
	local meta = m and m.meta
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
function T.confidentiality(v)
	local r = rank(T.sensitivity(v))
	if r >= 3 then return 3 end
	if r == 2 then return 2 end
	return 1
end

-- Integrity impact follows the same scale: altering critical or high data
-- is a high impact.
T.integrity = T.confidentiality

-- Compliance impact: PII with GDPR in the model's `regulatory` list is 3
-- (a breach is an Art. 33 notification), PII without it 2, no PII 1.
function T.compliance(v, m)
	if not T.pii(v) then return 1 end
	if T.regulated(model_of(m), "GDPR") then return 3 end
	return 2
end

-- Opportunity from exposure: internet 3, network 2, internal 1. A flow
-- without its own exposure takes its source's.
local EXPOSURE = { internet = 3, network = 2, internal = 1 }
function T.opportunity(v)
	local o = v.opportunity
	if o then return o end
	local e = v.exposure
	if e and EXPOSURE[e] then return EXPOSURE[e] end
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
	local o = T.opportunity(v)
	return {
		skill = skill,
		motive = motive,
		opportunity = o,
		population = population or o,
		discoverability = discoverability,
	}
end

-- Impact factors: confidentiality from the data's sensitivity and
-- compliance from PII/GDPR (when `with_data` is not false), merged with
-- the rule's own factors; the higher value of a factor wins.
local IMPACT_FACTORS = { "confidentiality", "integrity", "availability", "financial",
	"compliance", "reputation" }
function T.impact(v, m, extra, with_data)
	local out
	if with_data ~= false then
		-- a constructor sizes the table once (this runs for every finding)
		out = { confidentiality = T.confidentiality(v), compliance = T.compliance(v, m) }
	else
		out = {}
	end
	if extra then
		for i = 1, 6 do
			local k = IMPACT_FACTORS[i]
			local x = extra[k]
			if x ~= nil then
				local have = out[k]
				if have == nil or x > have then out[k] = x end
			end
		end
	end
	return out
end

-- The same factors as static tables, built once when the pack loads:
-- a factor that names a scale ("exposure", "data", "personal_data") or
-- a list of values ({ "data", 2 }: the highest counts) is computed by the
-- engine from each finding's element, with the numbers T.opportunity,
-- T.confidentiality and T.compliance give, and no Lua call per finding
-- (doc/rules.md "The pack API"). Prefer these to functions of the element.
--
--   likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 }
--     == function(v) return T.likelihood(v, 2, 2, 1) end
--   impact = T.impact_factors { integrity = 2 }
--     == function(v, m) return T.impact(v, m, { integrity = 2 }) end
--
-- The factors are named (skill, motive, discoverability, and population,
-- which follows the element's exposure when left out); opportunity always
-- follows the exposure. The positional form
-- T.likelihood_factors(skill, motive, discoverability[, population]) gives
-- the same table and is deprecated.
function T.likelihood_factors(skill, motive, discoverability, population)
	if type(skill) == "table" then
		local named = skill
		skill, motive = named.skill, named.motive
		discoverability, population = named.discoverability, named.population
	else
		deprecated("T.likelihood_factors(skill, motive, discoverability) with positional factors",
			"name them, `T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 }`")
	end
	return {
		skill = skill,
		motive = motive,
		opportunity = "exposure",
		population = population or "exposure",
		discoverability = discoverability,
	}
end

function T.impact_factors(extra, with_data)
	local out = {}
	if with_data ~= false then
		out.confidentiality, out.compliance = "data", "personal_data"
	end
	for k, x in pairs(extra or {}) do
		local have = out[k]
		if have == nil then
			out[k] = x
		else
			out[k] = { have, x } -- the higher wins, as in T.impact
		end
	end
	return out
end

-- ---------------------------------------------------------------------------
-- Text for a finding's detail.

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

-- ---------------------------------------------------------------------------
-- Claims: a stack pack (ge-stack) asks about some controls itself for the
-- elements of its `tech`, with the stack's own words and advice. It claims
-- the attribute for those techs, and a generic rule that would report the
-- same missing control on the same element leaves it to that pack, so a
-- reviewer reads one finding, not two. A claim lasts for the run of the
-- packs that were loaded together.
local claims = {}

local kind_claims = {}

local function claim_words(index, name, words)
	local set = index[name]
	if set == nil then
		set = {}
		index[name] = set
	end
	for w in pairs(words) do set[w] = true end
end

-- Claims attribute `name` for the elements whose `tech` is in `techs`
-- (or, when `kinds` is given, whose `kind` is in `kinds`).
function T.claim(name, techs, kinds)
	claim_words(claims, name, techs)
	if kinds then claim_words(kind_claims, name, kinds) end
end

-- True when some loaded pack claimed attribute `name` for v's `tech` or
-- `kind`, or for an enclosing process's: a part of a Hono app (a route
-- group) is Hono.
function T.claimed(v, name)
	local set, kinds = claims[name], kind_claims[name]
	if set == nil and kinds == nil then return false end
	while v do
		if set ~= nil and is(v, "tech", set) then return true end
		if kinds ~= nil and is(v, "kind", kinds) then return true end
		v = parent(v)
	end
	return false
end

return T
