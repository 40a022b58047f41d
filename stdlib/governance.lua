-- governance: the team's rules for the threat-model document itself
-- (shared practice, GE_CONVENTION): the model is reviewed by a security
-- reviewer before it is approved for deployment, and incremental updates
-- go in the same file with a version history at the top.
--
-- Who the security reviewers are is the organisation's to say. The default
-- is the team's practice (victoria reviews every model before deployment
-- approval); a model names its own with `security_reviewers [...]` in the
-- `model` statement, which replaces the default for that model (an
-- organisation writes it into the template its models start from).
--
-- Scoring, as the hygiene pack's: a governance gap is visible to anyone who
-- reads the header (discoverability 2, Medium); the impact is compliance
-- with the practice: 2 for an approval that skipped the security review
-- (the deployment gate was passed without it) -> MEDIUM, 1 for a history
-- that is missing or out of date -> LOW.

pack {
	name = "governance",
	version = "1.0",
	description = "The threat-model document's governance: approval by a security reviewer, "
		.. "a version history that records the current version",
}

attribute {
	name = "security_reviewers",
	applies = "model",
	type = "list",
	doc = "who may sign the model's approval as security reviewer (default: victoria)",
}

local function governance(spec)
	spec.framework = "GOVERNANCE"
	spec.category = "check"
	rule(spec)
end

local SEEN = { discoverability = 2 }

-- The model `threat check --repo DIR` makes up for a repository that holds
-- none: only GOV-06 speaks about it.
local function stand_in(m)
	m = m or model
	return m ~= nil and m.repo ~= nil and m.repo.no_model == true
end

-- The team's practice: "threat model MUST be reviewed by victoria before
-- deployment approval".
local DEFAULT_SECURITY_REVIEWERS = { "victoria" }

-- A list attribute as a list of strings: `[a, b]` or a single `a`.
local function names(value)
	if value == nil then return {} end
	if type(value) ~= "table" then return { tostring(value) } end
	local out = {}
	for _, v in ipairs(value) do out[#out + 1] = tostring(v) end
	return out
end

local function security_reviewers(meta)
	local stated = names(meta.security_reviewers)
	if #stated > 0 then return stated end
	return DEFAULT_SECURITY_REVIEWERS
end

governance {
	id = "GOV-01",
	applies = "model",
	title = "Model approved without a security reviewer",
	description = "A threat model is reviewed by a security reviewer before deployment is "
		.. "approved. Raised when the model's `status` is `approved` and none of its "
		.. "`reviewers` is a security reviewer (names compared without case): victoria by "
		.. "default, or one of the model's `security_reviewers`. Answered by the security review: add the reviewer to "
		.. "`reviewers` once they have reviewed it, or set `status` back to `reviewed`.",
	when = function(v)
		local meta = v.meta or {}
		if type(meta.status) ~= "string" or meta.status:lower() ~= "approved" then return false end
		local security = security_reviewers(meta)
		local wanted = {}
		for _, name in ipairs(security) do wanted[name:lower()] = true end
		local reviewers = names(meta.reviewers)
		for _, r in ipairs(reviewers) do
			if wanted[r:lower()] then return false end
		end
		local by = #reviewers > 0 and ("reviewed by " .. table.concat(reviewers, ", "))
			or "no `reviewers`"
		return "status approved, " .. by .. "; no security reviewer ("
			.. table.concat(security, ", ") .. ")"
	end,
	likelihood = SEEN,
	impact = { compliance = 2 },
	mitigation = "Have a security reviewer review the model before deployment is approved, and "
		.. "list them in `reviewers`.",
	refs = { "OWASP A04:2021" },
}

governance {
	id = "GOV-02",
	applies = "model",
	title = "No version history",
	description = "Incremental updates go in the same file, with a version history at the "
		.. "top, so a reader sees what changed since the model was last reviewed. Raised "
		.. "when the `model` statement has no `history`. Answered by a `history` list with an "
		.. "entry per version: `{ version \"1.0\"  date 2026-03-24  author \"faye\"  changes "
		.. "\"...\" }`.",
	when = function(v, m)
		if stand_in(m) then return false end
		local history = (v.meta or {}).history
		if type(history) == "table" and history[1] ~= nil then return false end
		return "the model statement has no `history`"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Add a `history` to the model statement, one entry per version (version, "
		.. "date, author, what changed), and a new entry with every update.",
	refs = { "OWASP A04:2021" },
}

governance {
	id = "GOV-03",
	applies = "model",
	title = "Version history does not record the current version",
	description = "The model's `version` names a version its `history` has no entry for: the "
		.. "document was updated without saying what changed. Raised when the model states "
		.. "both `version` and `history` and no entry has that version. Answered by the "
		.. "entry for the current version.",
	when = function(v)
		local meta = v.meta or {}
		local history, version = meta.history, meta.version
		if version == nil or type(history) ~= "table" or history[1] == nil then return false end
		version = tostring(version)
		local recorded = {}
		for _, entry in ipairs(history) do
			if type(entry) == "table" and entry.version ~= nil then
				if tostring(entry.version) == version then return false end
				recorded[#recorded + 1] = tostring(entry.version)
			end
		end
		return "version " .. version .. " has no history entry (the history records "
			.. (recorded[1] and table.concat(recorded, ", ") or "none") .. ")"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Add the history entry for the current version: its date, its author and "
		.. "what changed.",
	refs = { "OWASP A04:2021" },
}

-- ---------------------------------------------------------------------------
-- The repository (`threat check`, `--repo DIR` or the enclosing git work
-- tree): model.repo is nil when no repository is known, and these rules
-- stay silent.

governance {
	id = "GOV-04",
	applies = "model",
	title = "README does not link the threat model",
	description = "The project README links the threat model, so everyone who works on the "
		.. "code finds it. Raised when the repository's README nearest to the model (from the "
		.. "model's folder up to the root) names neither the model's file, nor the folder that "
		.. "holds it, nor its `wiki` document, or when there is no README at all. Checked by "
		.. "`threat check` in the repository given with `--repo DIR`, by default the enclosing "
		.. "git work tree. Answered by a link in the README.",
	when = function(v, m)
		m = m or model
		local repo = m.repo
		if repo == nil or repo.no_model or repo.model_path == nil then return false end
		if repo.readme == nil then
			return "the repository has no README to link " .. repo.model_path
		end
		if repo.readme_links_model then return false end
		return repo.readme .. " does not link " .. repo.model_path
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Link the threat model from the project README (its file, or the document "
		.. "`threat report` writes to the wiki path).",
	refs = { "OWASP A04:2021" },
}

governance {
	id = "GOV-05",
	applies = "model",
	title = "Wiki path of the threat model does not exist",
	description = "Threat models are stored at the team's wiki path, "
		.. "wiki/docs/clients/{client}/security/threat-model.md. Raised when the model states "
		.. "`wiki` and no regular file exists at that path inside the repository (a path that "
		.. "leaves the repository counts as missing). Answered by writing the document there "
		.. "(`threat report MODEL -o PATH`) or correcting `wiki`.",
	when = function(v, m)
		m = m or model
		local repo = m.repo
		if repo == nil or repo.no_model or repo.wiki == nil or repo.wiki_exists then return false end
		return repo.wiki .. " is not a file in the repository"
	end,
	likelihood = SEEN,
	impact = { compliance = 1 },
	mitigation = "Write the threat-model document to the wiki path the model states, and keep "
		.. "it current in CI (`threat report MODEL -o PATH`).",
	refs = { "OWASP A04:2021" },
}

governance {
	id = "GOV-06",
	applies = "model",
	title = "No threat model in the repository",
	description = "Every project has a threat model: without one, nobody has analysed how the "
		.. "design can be attacked (OWASP A04:2021 Insecure Design). Raised by `threat check "
		.. "--repo DIR` with no model file when no `*.threat` file exists in the repository "
		.. "(hidden and dependency folders aside). Answered by writing the model: `threat new` "
		.. "starts one from the team's template.",
	when = function(v, m)
		m = m or model
		local repo = m.repo
		if repo == nil or not repo.no_model then return false end
		return "no *.threat file in " .. repo.root
	end,
	likelihood = SEEN,
	impact = { compliance = 3 },
	mitigation = "Model the system before (or now, alongside) writing code: a Level 0 DFD, "
		.. "its trust boundaries, STRIDE per element, and link it from the README.",
	refs = { "OWASP A04:2021" },
}
