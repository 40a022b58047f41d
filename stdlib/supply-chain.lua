-- supply-chain: threats to the delivery pipeline, the way code travels from
-- a developer's commit to production: the source repository, the CI that
-- builds it, the registry that keeps the artefacts, the deployer that
-- rolls them out.
--
--   SC-01  code backdooring through an internet-reachable repository or CI
--   SC-02  unchecked deployment: no signature and no review gate
--   SC-03  push-based deployment: the CI holds production credentials
--   SC-04  secrets committed to git
--   SC-05  untrusted container base images
--   SC-06  dependencies without a lock file or provenance (SLSA level)
--
-- The pipeline's elements are recognised by `kind` or `tech` (the sets
-- below); each may be a process the team runs, a store, or an external
-- service (GitHub, a SaaS CI). A deployment is a flow from a CI or
-- deployer to something that is not part of the pipeline (a cluster, a
-- server, a store), or a flow that states `deploy`; the elements it
-- reaches are production (for `deploy pull` from outside the pipeline,
-- its source, which fetches the release).
--
-- A model without pipeline elements pays one test per run: each rule's
-- `only_if` leaves it out of a model that names none of the words below.

-- Locals, not reads through the module's read-only proxy and the pack's
-- environment: the rules call these millions of times on a large model.
local T = require("threatlib").copy()
local type, ipairs, pairs, tostring = type, ipairs, pairs, tostring

pack {
	name = "supply-chain",
	version = "1.0",
	description = "The delivery pipeline: repositories, CI, registries and deployers, "
		.. "from commit to production",
}

attribute {
	{ name = "signed", applies = { "process", "store", "external", "flow" }, type = "control",
		doc = "artefacts are signed and the signature is checked before they run: `true`, `cosign`..." },
	{ name = "review_required", applies = { "process", "store", "external", "flow" }, type = "control",
		doc = "a change needs an approving review by a second person before it merges or deploys "
			.. "(branch protection)" },
	{ name = "deploy", applies = { "process", "external", "flow" }, type = "enum",
		values = { "push", "pull" },
		doc = "how releases reach production: `push` (the pipeline logs in to it) or `pull` "
			.. "(an agent inside production fetches them)" },
	{ name = "secret_scanning", applies = { "process", "store", "external" }, type = "control",
		doc = "commits are scanned for secrets and pushes with one are refused" },
	{ name = "base_image", applies = { "process", "external" }, type = "list",
		doc = "the container base images builds start from: image references, or `internal`, "
			.. "`curated`, `pinned`" },
	{ name = "lockfile", applies = { "process", "store", "external" }, type = "control",
		doc = "dependencies are pinned by a committed lock file and installed from it" },
	{ name = "slsa", applies = { "process", "external" }, type = "number",
		doc = "the SLSA Build level the pipeline meets (0 to 3)" },
	{ name = "mfa", applies = { "process", "store", "external" }, type = "bool",
		doc = "sign-in needs a second factor (on a repository or CI: for every account that "
			.. "can change code or jobs)" },
	{ name = "image_signing", applies = { "process", "boundary", "external" }, type = "control",
		doc = "only signed images are admitted" },
}

local yes, is = T.yes, T.is

local REPO_KIND = T.set { "repository", "repo", "scm", "git", "source_repository",
	"code_repository", "vcs" }
local REPO_TECH = T.set { "git", "github", "gitlab", "gitea", "gogs", "forgejo", "bitbucket",
	"codecommit", "azure_repos" }
local CI_KIND = T.set { "ci", "ci_cd", "cicd", "build", "build_server", "pipeline", "runner",
	"ci_runner" }
local CI_TECH = T.set { "jenkins", "gitlab", "gitlab_ci", "gitlab_runner", "github_actions",
	"circleci", "travis", "drone", "woodpecker", "buildkite", "teamcity", "bamboo", "tekton",
	"azure_pipelines", "codebuild", "cloudbuild", "concourse" }
local REGISTRY_KIND = T.set { "registry", "artifact_registry", "container_registry",
	"image_registry", "package_registry", "artifact_repository" }
local REGISTRY_TECH = T.set { "harbor", "nexus", "artifactory", "zot", "docker_registry",
	"ecr", "acr", "gcr", "ghcr", "quay" }
-- The registries that keep container images (package registries such as
-- a Maven or npm index do not make a CI an image builder).
local IMAGE_REGISTRY_KIND = T.set { "registry", "container_registry", "image_registry" }
local IMAGE_REGISTRY_TECH = T.set { "harbor", "zot", "docker_registry", "ecr", "acr", "gcr",
	"ghcr", "quay" }
local DEPLOYER_KIND = T.set { "deployer", "cd", "gitops", "deployment", "release" }
local DEPLOYER_TECH = T.set { "argocd", "argo_cd", "flux", "fluxcd", "spinnaker", "octopus" }

local ALL_KIND, ALL_TECH = {}, {}
for _, set in ipairs { REPO_KIND, CI_KIND, REGISTRY_KIND, DEPLOYER_KIND } do
	for w in pairs(set) do ALL_KIND[w] = true end
end
for _, set in ipairs { REPO_TECH, CI_TECH, REGISTRY_TECH, DEPLOYER_TECH } do
	for w in pairs(set) do ALL_TECH[w] = true end
end

local function role(kinds, techs)
	return function(v) return is(v, "kind", kinds) or is(v, "tech", techs) end
end
local is_repo = role(REPO_KIND, REPO_TECH)
local is_ci = role(CI_KIND, CI_TECH)
local is_image_registry = role(IMAGE_REGISTRY_KIND, IMAGE_REGISTRY_TECH)
local is_deployer = role(DEPLOYER_KIND, DEPLOYER_TECH)

local is_pipeline = T.memo(function(v)
	return v.kind ~= "flow" and (is(v, "kind", ALL_KIND) or is(v, "tech", ALL_TECH))
end)

-- Whether the model names any pipeline word: answered once per model, so
-- that the rules cost one comparison per element on the other models.
local uses_pipeline = T.per_model(function(m)
	return T.model_uses(m, "kind", ALL_KIND) or T.model_uses(m, "tech", ALL_TECH)
end)

-- Where releases go: flows from a CI or deployer to an element outside
-- the pipeline (a server, a cluster, a store, an external platform), not
-- answers and not calls inside one program. A flow that states `deploy`
-- is a deployment whatever its ends.
local function deploys_to(f)
	if f.kind ~= "flow" or T.in_process(f) or T.is_response(f) then return false end
	if T.stated(f, "deploy") then return true end
	local s, t = f.source, f.target
	if s == nil or t == nil or not (is_ci(s) or is_deployer(s)) then return false end
	if is_pipeline(t) or T.is_human(t) then return false end
	if t.kind == "process" or t.kind == "store" then return true end
	return t.kind == "external" and T.is_platform(t)
end

local deployments = T.memo(function(v)
	local out = {}
	for _, f in ipairs(v.outflows or {}) do
		if f.source == v and deploys_to(f) then out[#out + 1] = f end
	end
	return out
end)

-- The repositories a pipeline element builds from: those in its part of
-- the pipeline (the pipeline elements connected to it by flows, through
-- other pipeline elements), so a deployer fed by a CI builds from the CI's
-- repositories. Computed once per model: one pass over the pipeline.
local pipeline_repositories = T.per_model(function(m)
	local part_of = {}
	for _, kind in ipairs { "process", "store", "external" } do
		for _, v in ipairs(m.elements(kind)) do
			if is_pipeline(v) and part_of[v] == nil then
				-- a new part: walk it, collecting its repositories
				local repos, queue, head = {}, { v }, 1
				part_of[v] = repos
				while head <= #queue do
					local x = queue[head]
					head = head + 1
					if is_repo(x) then repos[#repos + 1] = x end
					for _, f in ipairs(T.flows(x)) do
						local o = T.other(f, x)
						if o and part_of[o] == nil and is_pipeline(o) then
							part_of[o] = repos
							queue[#queue + 1] = o
						end
					end
				end
			end
		end
	end
	return part_of
end)

local NO_REPOS = {}
local function repositories_of(v, m)
	return pipeline_repositories(m)[v] or NO_REPOS
end

-- The elements that run containers: a platform (k3s, Kubernetes, Docker),
-- or an element that states its base images, the registries it pulls
-- from, or whether it checks image signatures.
local function runs_containers(v)
	return T.is_platform(v) or T.stated(v, "base_image") or T.stated(v, "registries")
		or T.stated(v, "image_signing")
end

-- A CI builds container images when it sends to an image registry or
-- deploys to something that runs containers, or states its base images.
local builds_images = T.memo(function(v)
	if T.stated(v, "base_image") then return true end
	for _, f in ipairs(v.outflows or {}) do
		local t = f.target
		if f.source == v and t and not T.is_response(f)
			and (is_image_registry(t) or (deploys_to(f) and runs_containers(t))) then
			return true
		end
	end
	return false
end)

local function gated(spec)
	spec.only_if = uses_pipeline
	spec.framework = "STRIDE"
	rule(spec)
end

-- ===========================================================================
-- SC-01 Code backdooring through an internet-reachable repository or CI

-- The senders that reach v from the internet: an internet external, or
-- anything through a gateway at the edge.
local function internet_senders(v)
	local out, seen = {}, {}
	for _, f in ipairs(T.requests(v)) do
		local s = f.source
		if s and not seen[s] and ((s.kind == "external" and s.zone == "internet")
			or T.is_gateway(s)) then
			seen[s] = true
			out[#out + 1] = s
		end
	end
	return out
end

gated {
	id = "SC-01",
	category = "tampering",
	applies = { "process", "store", "external" },
	title = "Code backdooring through an internet-reachable repository or CI",
	description = "A source repository or CI server that takes requests from the internet "
		.. "(or is itself an internet service, such as a hosted Git or CI) is one stolen "
		.. "password or token, or one unpatched flaw, away from an attacker who slips code "
		.. "into every build: the backdoor then ships to production signed and deployed by "
		.. "the team's own pipeline. Raised for repositories and CI servers whose exposure is "
		.. "`internet` (an external one: `zone internet`, the default). Answered by `mfa true` "
		.. "on the repository or CI (every account that can change code or jobs signs in "
		.. "with a second factor), or on each internet sender that reaches it.",
	when = function(v)
		if not (is_repo(v) or is_ci(v)) then return false end
		if yes(v, "mfa") then return false end
		local what = is_repo(v) and "repository" or "CI"
		if v.kind == "external" then
			if v.zone ~= "internet" then return false end
			return v.key .. " is an internet service (" .. what .. ") and states no `mfa true`"
		end
		if v.exposure ~= "internet" then return false end
		local senders, open = internet_senders(v), {}
		for _, s in ipairs(senders) do
			if not yes(s, "mfa") then open[#open + 1] = s end
		end
		if #senders > 0 and #open == 0 then return false end
		local who = #open > 0 and " from " .. T.keys(open) or ""
		return v.key .. " (" .. what .. ") is reachable" .. who
			.. " over the internet with no `mfa true`"
	end,
	-- Credential stuffing or a public exploit is enough; the server's
	-- login page is in plain sight.
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Take the repository and CI off the open internet (VPN or an identity-aware "
		.. "proxy), require a second factor and single sign-on for every account that can push "
		.. "code or change jobs, use short-lived tokens instead of personal access tokens, and "
		.. "keep the servers patched.",
	advice = {
		github = "GitHub: require two-factor authentication for the organisation, with SAML "
			.. "single sign-on.",
		gitlab = "GitLab: enforce two-factor authentication for all users, and sign-in through "
			.. "the organisation's identity provider.",
		jenkins = "Jenkins: sign-in through the organisation's identity provider (OpenID "
			.. "Connect) with its second factor, no local accounts, no anonymous read access.",
	},
	refs = { "CWE-506", "CWE-308", "OWASP CICD-SEC-2", "OWASP CICD-SEC-4", "OWASP CICD-SEC-7",
		"SLSA Source" },
}

-- ===========================================================================
-- SC-02 Unchecked deployment

-- The two ends of a deployment: the pipeline's end and production's. A
-- flow that states `deploy pull` from an element outside the pipeline is
-- production fetching the release (`cluster -> registry`); otherwise the
-- pipeline sends it.
local PULL = T.set { "pull" }
local function ends(f)
	local s, t = f.source, f.target
	if T.is(f, "deploy", PULL) and not is_pipeline(s) then return t, s end
	return s, t
end

local function review_gate(f, m)
	local s = ends(f)
	if yes(f, "review_required") or yes(s, "review_required") then return true end
	local repos = repositories_of(s, m)
	if #repos == 0 then return false end
	for _, r in ipairs(repos) do
		if not yes(r, "review_required") then return false end
	end
	return true
end

local ADMISSION_ADVICE = "Kubernetes: verify the signatures at admission (Kyverno "
	.. "verifyImages, or the sigstore policy-controller)."

local function signature_checked(f)
	local _, t = ends(f)
	return yes(f, "signed") or yes(t, "signed") or yes(t, "image_signing")
end

gated {
	id = "SC-02",
	category = "tampering",
	applies = "flow",
	title = "Unchecked deployment (no signature or review gate)",
	description = "A deployment reaches production with nothing that checks what it carries: "
		.. "no signature verified where the artefact runs, and no review by a second person "
		.. "before the change could be deployed. Whoever can push to the repository, or "
		.. "tamper with the build or the registry, runs code in production. Raised for "
		.. "deployments (a flow from a CI or deployer to a server, cluster or store, or a flow "
		.. "that states `deploy`). Answered by `signed true` on the flow or its target "
		.. "(`image_signing true` on a cluster counts), or by `review_required true` on the "
		.. "flow, on the CI or deployer, or on every repository the pipeline builds from (those "
		.. "connected to it through the pipeline's elements).",
	when = function(f, m)
		if not deploys_to(f) then return false end
		if signature_checked(f) or review_gate(f, m) then return false end
		local _, t = ends(f)
		return f.key .. " deploys to " .. t.key .. " with no `signed` artefacts checked there and no `review_required` gate"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Require an approving review by a second person on the branches that deploy "
		.. "(branch protection, no direct pushes), sign every artefact in the build and verify "
		.. "the signature where it is admitted, deploying by digest.",
	advice = {
		github = "GitHub: rulesets or branch protection on the release branches requiring an "
			.. "approving review, and deployment environments with required reviewers.",
		gitlab = "GitLab: protected branches with merge request approvals, and protected "
			.. "environments with deployment approvals.",
		k3s = ADMISSION_ADVICE,
		k8s = ADMISSION_ADVICE,
		kubernetes = ADMISSION_ADVICE,
	},
	refs = { "CWE-494", "CWE-345", "OWASP CICD-SEC-1", "OWASP CICD-SEC-9", "SLSA Build L2" },
}

-- ===========================================================================
-- SC-03 Push-based deployment into production

-- The deployments of v that push: all of a CI's, a deployer's when it
-- states `deploy push` or reaches across a trust boundary (it sits outside
-- the production it deploys to); a `deploy pull` on v or the flow says
-- production fetches the release itself.
local function pushes(v)
	if T.is(v, "deploy", PULL) then return {} end
	local out = {}
	local ci = is_ci(v)
	for _, f in ipairs(deployments(v)) do
		if not T.is(f, "deploy", PULL) then
			if ci or T.is(v, "deploy", T.set { "push" }) or T.is(f, "deploy", T.set { "push" })
				or f.crosses then
				out[#out + 1] = f
			end
		end
	end
	return out
end

gated {
	id = "SC-03",
	category = "elevation_of_privilege",
	applies = { "process", "external" },
	title = "Push-based deployment into production (CI holds production credentials)",
	description = "The CI (or a deployer outside production) logs in to production to deploy, "
		.. "so it keeps credentials that can change production: anyone who can run a job, "
		.. "read the CI's secrets or take over a runner holds the keys to production, however "
		.. "well production itself is guarded. Raised for CI servers with deployments, and "
		.. "deployers that state `deploy push` or deploy across a trust boundary. Answered by "
		.. "`deploy pull` on the CI or on its deployment flows: an agent inside production "
		.. "(GitOps) fetches the release, and the CI keeps no production credentials.",
	when = function(v)
		if not (is_ci(v) or is_deployer(v)) then return false end
		local list = pushes(v)
		if #list == 0 then return false end
		local targets = {}
		for i, f in ipairs(list) do
			local label = f.id and (f.target.key .. " (" .. f.id .. ")") or f.target.key
			targets[i] = label
		end
		return v.key .. " logs in to " .. table.concat(targets, ", ") .. " to deploy"
	end,
	-- Needs a foothold in the pipeline (a job, a runner, a leaked CI
	-- variable) first.
	likelihood = T.likelihood_factors { skill = 2, motive = 3, discoverability = 1 },
	impact = T.impact_factors { integrity = 3, availability = 2 },
	mitigation = "Deploy by pull: an agent inside production (GitOps) watches the release "
		.. "repository or registry and applies what changed, so the pipeline holds no production "
		.. "credentials; where a push remains, give it short-lived, narrowly scoped credentials "
		.. "(OIDC federation) usable only from protected branches.",
	advice = {
		github_actions = "GitHub Actions: let Argo CD or Flux in the cluster apply the "
			.. "releases; where a job must still reach a cloud, use OIDC federation to a "
			.. "short-lived role, never a stored kubeconfig.",
		gitlab = "GitLab: deploy with the GitLab agent for Kubernetes in pull mode (GitOps) "
			.. "instead of CI jobs holding a kubeconfig.",
	},
	refs = { "CWE-269", "CWE-522", "OWASP CICD-SEC-5", "OWASP CICD-SEC-6" },
}

-- ===========================================================================
-- SC-04 Secrets committed to git

gated {
	id = "SC-04",
	category = "information_disclosure",
	applies = { "process", "store", "external" },
	title = "Secrets committed to git",
	description = "Nothing stops a password, API key or private key from being committed: once "
		.. "pushed it stays in the history of every clone and fork, and anyone who can read the "
		.. "repository (a contractor, a leaked token, a repository made public by mistake) can "
		.. "use it. Raised for source repositories. Answered by `secret_scanning true` on the "
		.. "repository: commits are scanned and pushes that contain a secret are refused.",
	when = function(v)
		if not is_repo(v) or yes(v, "secret_scanning") then return false end
		if T.no(v, "secret_scanning") then return v.key .. " states `secret_scanning false`" end
		return v.key .. " states no `secret_scanning`"
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = { confidentiality = 3 },
	mitigation = "Scan every push for secrets and refuse those that contain one (push "
		.. "protection, a pre-receive hook), scan the existing history once, rotate whatever was "
		.. "ever committed, and keep secrets in a secrets manager the build reads at run time.",
	advice = {
		github = "GitHub: secret scanning with push protection, for the whole organisation.",
		gitlab = "GitLab: secret push protection, and secret detection in the pipelines.",
	},
	refs = { "CWE-798", "CWE-540", "OWASP CICD-SEC-6" },
}

-- ===========================================================================
-- SC-05 Untrusted container base images

-- Registries anyone can publish to: an image there is someone else's
-- unless it is pinned by digest.
local PUBLIC_REGISTRY = T.set { "docker.io", "index.docker.io", "registry-1.docker.io",
	"registry.hub.docker.com", "hub.docker.com", "quay.io", "ghcr.io", "gcr.io",
	"public.ecr.aws", "registry.gitlab.com", "mcr.microsoft.com" }
local TRUSTED_WORDS = T.set { "internal", "private", "curated", "pinned", "mirrored" }
local UNTRUSTED_WORDS = T.set { "public", "any", "*", "unpinned", "latest", "unknown",
	"dockerhub", "none" }

-- True when an image reference names a base image the team controls:
-- pinned by digest, or from a registry that is not a public one. A name
-- without a registry host (`node:22`, `library/alpine`) is on Docker Hub.
local function trusted_image(ref)
	if type(ref) ~= "string" then return false end
	local r = ref:lower()
	if TRUSTED_WORDS[r] then return true end
	if UNTRUSTED_WORDS[r] then return false end
	if r:find("@sha256:", 1, true) then return true end
	local host = r:match("^([^/]+)/")
	if host == nil or not (host:find(".", 1, true) or host:find(":", 1, true)
		or host == "localhost") then
		return false
	end
	return not PUBLIC_REGISTRY[host]
end

gated {
	id = "SC-05",
	category = "tampering",
	applies = { "process", "external" },
	title = "Untrusted container base images",
	description = "The images the CI builds start from base images nobody on the team "
		.. "vouches for: a tag on a public registry can be moved to a backdoored image, a "
		.. "look-alike name can be typosquatted, and whatever the base image ships runs in "
		.. "production. Raised for CI servers that build container images (they send to an "
		.. "image registry, deploy to a cluster, or state `base_image`) when `base_image` is not "
		.. "stated, or names an image on a public registry (Docker Hub, quay.io, ghcr.io...; "
		.. "a name without a host is Docker Hub's) that is not pinned by digest, or says "
		.. "`public`, `any`, `latest`. Images from the team's own registry, images pinned by "
		.. "`@sha256:` digest, and `internal`, `curated` or `pinned` are silent.",
	when = function(v)
		if not is_ci(v) or not builds_images(v) then return false end
		if not T.stated(v, "base_image") then
			return v.key .. " builds container images and states no `base_image`"
		end
		local x = T.list(v, "base_image")
		local bad = {}
		for _, ref in ipairs(x) do
			if not trusted_image(ref) then bad[#bad + 1] = tostring(ref) end
		end
		if #x == 0 then return v.key .. " states an empty `base_image`" end
		if #bad == 0 then return false end
		return v.key .. " builds on " .. table.concat(bad, ", ")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 2 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Build only from a small set of curated base images mirrored into the team's "
		.. "own registry, pinned by digest, scanned, and rebuilt on a schedule; let admission "
		.. "refuse images that do not come from there.",
	refs = { "CWE-1357", "CWE-829", "CWE-494", "OWASP CICD-SEC-3", "OWASP CICD-SEC-9" },
}

-- ===========================================================================
-- SC-06 Dependencies without a lock file or provenance

local LOCKFILE_SLSA = 2 -- signed provenance from a build platform (SLSA Build L2)

gated {
	id = "SC-06",
	category = "tampering",
	applies = { "process", "external" },
	title = "Dependencies without a lock file or provenance (SLSA level)",
	description = "The build resolves its dependencies without a lock file, so a new release "
		.. "of any of them (or of a look-alike package, or one published to a public index "
		.. "under an internal package's name) goes into the next build unseen; or it "
		.. "produces artefacts without signed provenance, so nobody can check where and from "
		.. "what they were built. Raised for CI servers unless they state both `lockfile "
		.. "true` (on the CI, or on every repository the pipeline builds from) and `slsa 2` or "
		.. "higher (signed provenance from a build platform, SLSA Build level 2).",
	when = function(v, m)
		if not is_ci(v) then return false end
		local missing = {}
		local locked = yes(v, "lockfile")
		if not locked then
			local repos = repositories_of(v, m)
			locked = #repos > 0
			for _, r in ipairs(repos) do
				if not yes(r, "lockfile") then locked = false end
			end
		end
		if not locked then
			missing[#missing + 1] = T.no(v, "lockfile") and "`lockfile false`" or "no `lockfile`"
		end
		local level = T.value(v, "slsa")
		if type(level) ~= "number" then
			missing[#missing + 1] = "no `slsa` level"
		elseif level < LOCKFILE_SLSA then
			missing[#missing + 1] = "`slsa " .. tostring(level) .. "` (below 2)"
		end
		if #missing == 0 then return false end
		return v.key .. " builds with " .. table.concat(missing, " and ")
	end,
	likelihood = T.likelihood_factors { skill = 2, motive = 2, discoverability = 1 },
	impact = T.impact_factors { integrity = 3 },
	mitigation = "Commit a lock file with hashes and install only from it in CI (a clean, "
		.. "frozen install that fails when the lock file does not match), resolve internal package names from the internal index "
		.. "only, and have the build platform sign the provenance of what it produces (SLSA "
		.. "Build level 2 or higher) and check it before deploying.",
	advice = {
		github_actions = "GitHub Actions: attest the provenance of what the workflow builds "
			.. "(actions/attest-build-provenance) and verify it before deploying.",
	},
	refs = { "CWE-1357", "CWE-829", "CWE-494", "OWASP CICD-SEC-3", "SLSA Build L2" },
}
