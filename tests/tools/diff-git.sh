#!/usr/bin/env bash
# `threat diff REV [REV2] -- FILE` in a temporary git repository with two
# commits: the model and the files it includes are read at each revision
# (a change made only in the work tree does not show at HEAD), the work
# tree and the repository are left as they were, and bad revisions, files
# missing at a revision, links, paths outside the work tree and includes
# that leave the model's folders are errors with exit 2.
#
#   tests/tools/diff-git.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" diff-git "$1"
export NO_COLOR=1 SOURCE_DATE_EPOCH=1780272000 LC_ALL=C
export GIT_CONFIG_NOSYSTEM=1 HOME=$work GIT_AUTHOR_DATE=2026-03-24T12:00:00Z GIT_COMMITTER_DATE=2026-03-24T12:00:00Z
unset THREAT_PATH GIT_DIR GIT_WORK_TREE

# expect WHAT CODE PATTERN [grep -F pattern in stdout+stderr] -- ARGS…
expect() {
	local what=$1 code=$2 pattern=$3
	shift 4
	"$bin" "$@" >"$work/out" 2>&1
	local status=$?
	if [ "$status" = "$code" ] && grep -qF -- "$pattern" "$work/out"; then
		ok "$what"
	else
		echo "exit $status, wanted $code and '$pattern'" >>"$work/out"
		fail "$what" "$work/out"
	fi
}

repo=$work/repo
mkdir -p "$repo/models/shared" && cd "$repo" || exit 2
git init -q . && git config user.email test@example.org && git config user.name test
cat >models/model.threat <<'MODEL'
model "Shop" { date 2026-03-24  next_review 2026-06-24 }
include "shared/externals.threat"
process api "API" { in_scope false }
boundary TB-01 "Internet → API" <api>
flow browser -> api "orders" { protocol https  tls true  auth jwt }
MODEL
echo 'external browser "Browser" { zone internet }' >models/shared/externals.threat
git add -A && git commit -qm "the model"
# The second commit adds an integration: its external in the included
# file, its flow in the model.
echo 'external mollie "Mollie" { zone partner }' >>models/shared/externals.threat
echo 'flow webhook: mollie -> api "payment status" { protocol https  tls true }' >>models/model.threat
git commit -qam "mollie"
snapshot() { { git status --porcelain --ignored; git rev-parse HEAD; find . -path ./.git -prune -o -type f -print | sort; } >"$1"; }
snapshot "$work/before"

expect "REV1 REV2: the integration added between two commits" 0 \
	"+ new integration mollie (webhook)" -- diff HEAD~1 HEAD -- models/model.threat
expect "REV1 REV2: --fail-on review fails on it" 1 \
	"Security review needed: new integration (trust boundary analysis)" -- \
	diff HEAD~1 HEAD -- models/model.threat --fail-on review
expect "REV1 REV2 in JSON" 0 '"summary": "Security review needed: new integration' -- \
	diff --format json HEAD~1 HEAD -- models/model.threat
expect "REV1 REV2 in Markdown: the revisions named" 0 \
	'Compared `HEAD~1:models/model.threat` with `HEAD:models/model.threat`: 2 elements changed' -- \
	diff --format md HEAD~1 HEAD -- models/model.threat
expect "REV1 REV2 in Markdown: the integration and its review" 0 \
	'| new integration mollie (webhook) | trust boundary analysis |' -- \
	diff --format md HEAD~1 HEAD -- models/model.threat
expect "REV -- FILE in Markdown: the work tree is the new side" 1 \
	'Compared `HEAD~1:models/model.threat` with `models/model.threat`' -- \
	diff --format md HEAD~1 -- models/model.threat --fail-on review
expect "the same revision twice: no change" 0 "No changes to elements, findings or architecture." -- \
	diff HEAD HEAD -- models/model.threat

# The work tree changes, uncommitted: the revision side does not see it,
# the work-tree side does, and an included file is read at the revision.
echo 'external auditor "Auditor" { zone partner }' >>models/shared/externals.threat
expect "an include changed in the work tree only is not read at HEAD" 0 \
	"No changes to elements, findings or architecture." -- diff HEAD HEAD -- models/model.threat
expect "REV -- FILE: the model at HEAD against the work tree, from a subfolder" 0 \
	"+ new external auditor" -- diff HEAD -- "$repo/models/model.threat"
(cd models && "$bin" diff HEAD~1 -- model.threat) >"$work/out" 2>&1
if grep -qF "+ new integration mollie (webhook)" "$work/out" && grep -qF "+ new external auditor" "$work/out"; then
	ok "REV -- FILE relative to a subfolder of the work tree"
else
	fail "REV -- FILE relative to a subfolder of the work tree" "$work/out"
fi
git checkout -q -- models/shared/externals.threat
cmp -s <(snapshot /dev/stdout) "$work/before" && ok "the work tree and the repository are as they were" ||
	fail "the work tree and the repository changed"

expect "an unknown revision" 2 "no commit 'nosuch' in this git repository" -- diff nosuch -- models/model.threat
expect "a revision that git would read as an option" 2 "'-' is not a git revision" -- diff - -- models/model.threat
expect "a file missing at the revision" 2 "models/gone.threat: it does not exist at HEAD" -- \
	diff HEAD HEAD -- models/gone.threat
expect "a path outside the work tree" 2 "it is outside the git work tree" -- diff HEAD HEAD -- ../elsewhere.threat
expect "-- without a revision" 2 "diff with -- needs a revision and a model file" -- diff -- models/model.threat
expect "two model files at revisions" 2 "is one too many" -- diff HEAD -- models/model.threat other.threat

# A link at the revision is not followed, and an include may not leave the
# model's folders at a revision either.
ln -s model.threat models/link.threat
printf 'model "Out" { date 2026-03-24 }\ninclude "../../outside.threat"\n' >models/escape.threat
git add -A && git commit -qm "a link and an escaping include"
expect "a symbolic link at the revision is refused" 2 "it is not a regular file at HEAD" -- \
	diff HEAD HEAD -- models/link.threat
expect "an include outside the model's folders at the revision" 2 "cannot include" -- \
	diff HEAD HEAD -- models/escape.threat

cd "$work" || exit 2
expect "outside a git work tree" 2 "the current folder is not in a git work tree" -- diff HEAD -- model.threat

summary
