#!/usr/bin/env bash
# The editor support in editors/ (doc/editors.md), tested against the
# examples:
#   - the TextMate grammar (VS Code) with tests/tools/tmgrammar.py: every
#     example highlights without an invalid.illegal token or text that no
#     rule matches; known tokens get their scopes; broken text is flagged;
#   - the Vim syntax and ftdetect files in `vim -Es` with
#     tests/tools/vim-syntax-check.vim: the same on every example;
#   - the VS Code extension's extension.js in node
#     (tests/tools/vscode-extension.js): the `threat lsp` probe, the
#     message when it is missing, formatting through `threat fmt -`;
#   - the tree-sitter grammar with tests/tools/tree-sitter-check.js: it
#     loads, its queries name only its nodes, the corpus tests give their
#     trees, every example parses whole and broken files do not.
# A tool that is missing (python3, vim, node) fails its checks.
#
#   tests/tools/editors.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" editors "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

grammar=editors/vscode/syntaxes/threat.tmLanguage.json
mapfile -t examples < <(find examples -name '*.threat' | sort)
[ ${#examples[@]} -ge 5 ] || fail "fewer than 5 examples found under examples/"
for tool in python3 vim node; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (tests/tools/install-deps.sh installs it)"
done

# A file with one of each mistake an editor should mark; each highlighter's
# report on it is compared below.
cat >"$work/broken.threat" <<'THREAT'
model "x" { size 1mb  note "a\q" }
flow a => b
boundary TB-1 <p, a.b> }
use "unclosed
THREAT

# --- TextMate ---------------------------------------------------------------
for example in "${examples[@]}"; do
	if python3 tests/tools/tmgrammar.py "$grammar" "$example" >"$work/tm.out" 2>&1; then
		ok "textmate: $example highlights without an error token"
	else
		fail "textmate: $example" "$work/tm.out"
	fi
done

python3 tests/tools/tmgrammar.py "$grammar" "$work/broken.threat" >"$work/tm.out" 2>&1
cat >"$work/tm.expected" <<EXPECTED
$work/broken.threat:1:18: error token invalid.illegal.number.threat at '1mb  note "a\\\\q" }'
$work/broken.threat:1:30: error token invalid.illegal.escape.threat at '\\\\q" }'
$work/broken.threat:2:8: error token invalid.illegal.character.threat at '=> b'
$work/broken.threat:3:24: error token invalid.illegal.character.threat at '}'
$work/broken.threat:4:14: error token invalid.illegal.unterminated-string.threat at ''
EXPECTED
if diff -u "$work/tm.expected" "$work/tm.out" >"$work/tm.diff"; then
	ok "textmate: a bad number, a bad escape, '=', a stray '}' and an unclosed string are error tokens"
else
	fail "textmate: the error tokens of a broken file" "$work/tm.diff"
fi

cat >"$work/tokens.threat" <<'THREAT'
process api "API" { tech hono  x-owner "me"
  store cache { ttl 2026-01-01  size 1.5 }
  description """
    two "lines"
    """ }
flow sql: api.cache -> db
accept STRIDE-T-*@api->db "reason" { by me  ok false }
boundary TB-1 <api>
THREAT
python3 tests/tools/tmgrammar.py --scopes "$grammar" "$work/tokens.threat" >"$work/scopes" 2>&1
# expect_scope TEXT SCOPE: the first token that is TEXT has SCOPE last
expect_scope() {
	local got
	got=$(awk -v want="'$1'" '$1 == want { print $NF; exit }' "$work/scopes")
	if [ "$got" = "$2" ]; then ok "textmate: $1 is $2"; else fail "textmate: $1 is '$got', not $2" "$work/scopes"; fi
}
expect_scope process keyword.other.declaration.threat
expect_scope api entity.name.type.element.threat
expect_scope tech entity.other.attribute-name.threat
expect_scope x-owner entity.other.attribute-name.note.threat
expect_scope cache entity.name.type.element.threat
expect_scope 2026-01-01 constant.numeric.date.threat
expect_scope 1.5 constant.numeric.threat
expect_scope '"""' punctuation.definition.string.begin.threat
expect_scope sql entity.name.type.flow.threat
expect_scope '->' keyword.operator.arrow.threat
expect_scope 'STRIDE-T-*' constant.other.rule-id.threat
expect_scope false constant.language.boolean.threat
expect_scope TB-1 entity.name.type.boundary.threat
if grep -F 'two "lines"' "$work/scopes" | grep -q ' string\.quoted\.triple\.threat$'; then
	ok 'textmate: quotes inside a """ string stay in the string'
else
	fail 'textmate: quotes inside a """ string' "$work/scopes"
fi

# --- Vim ----------------------------------------------------------------------
# run_vim FILE...: vim-syntax-check.vim's report in $work/vim.out
run_vim() {
	rm -f "$work/vim.out"
	VIM_CHECK_OUT="$work/vim.out" timeout 60 vim -Es -u NONE -i NONE -N \
		--cmd 'set rtp^=editors/vim' -S tests/tools/vim-syntax-check.vim -- "$@" \
		</dev/null >"$work/vim.log" 2>&1
}
run_vim "${examples[@]}"
if [ -f "$work/vim.out" ] && [ "$(cat "$work/vim.out")" = "checked ${#examples[@]} files" ]; then
	ok "vim: ftdetect and syntax load; every example (${#examples[@]}) without an error item"
else
	cat "$work/vim.log" >>"$work/vim.out" 2>/dev/null
	fail "vim: the examples" "$work/vim.out"
fi
run_vim "$work/broken.threat"
cat >"$work/vim.expected" <<EXPECTED
$work/broken.threat:1:18: error item threatBadNumber at '1mb  note "a\\q" }'
$work/broken.threat:1:30: error item threatBadEscape at '\\q" }'
$work/broken.threat:2:8: error item threatError at '=> b'
$work/broken.threat:2:9: error item threatStrayClose at '> b'
$work/broken.threat:3:24: error item threatStrayClose at '}'
checked 1 files
EXPECTED
if diff -u "$work/vim.expected" "$work/vim.out" >"$work/vim.diff" 2>&1; then
	ok "vim: a bad number, a bad escape, '=>' and a stray '}' are error items"
else
	fail "vim: the error items of a broken file" "$work/vim.diff"
fi

# What a sample highlights as, item by item.
cat >"$work/vim-tokens.threat" <<'THREAT'
process api "API" { tech hono  x-owner "me"
  store cache { ttl 2026-01-01  size 1.5 }
}
flow sql: api.cache -> db
accept STRIDE-T-*@api->db "r" { ok false }
boundary TB-1 <api>
model "m"
THREAT
rm -f "$work/vim.out"
VIM_CHECK_TOKENS=1 VIM_CHECK_OUT="$work/vim.out" timeout 60 vim -Es -u NONE -i NONE -N \
	--cmd 'set rtp^=editors/vim' -S tests/tools/vim-syntax-check.vim -- "$work/vim-tokens.threat" \
	</dev/null >"$work/vim.log" 2>&1
cat >"$work/vim.expected" <<'EXPECTED'
process	threatKeyword
api	threatId
"API"	threatString
{	threatBrace
tech	threatAttribute
hono	threatReference
x-owner	threatNote
"me"	threatString
store	threatChild
cache	threatId
{	threatBrace
ttl	threatAttribute
2026-01-01	threatDate
size	threatAttribute
1.5	threatNumber
}	threatBrace
}	threatBrace
flow	threatKeyword
sql	threatFlowId
:	threatDelimiter
api	threatReference
.	threatDelimiter
cache	threatReference
->	threatArrow
db	threatReference
accept	threatKeyword
STRIDE-T-*	threatRule
@	threatDelimiter
api	threatReference
->	threatArrow
db	threatReference
"r"	threatString
{	threatBrace
ok	threatAttribute
false	threatBoolean
}	threatBrace
boundary	threatKeyword
TB-1	threatId
<	threatBrace
api	threatReference
>	threatBrace
model	threatInclude
"m"	threatString
checked 1 files
EXPECTED
if diff -u "$work/vim.expected" "$work/vim.out" >"$work/vim.diff" 2>&1; then
	ok "vim: keywords, ids, attribute and note names, values and findings get their items"
else
	fail "vim: the items of a sample" "$work/vim.diff"
fi

# run_node_checks NAME SCRIPT ARG...: SCRIPT's ok/FAIL lines counted here
run_node_checks() {
	local name=$1 status line
	shift
	node "$@" >"$work/$name.out" 2>&1
	status=$?
	while IFS= read -r line; do
		case $line in
		"ok   "*) ok "${line#ok   }" ;;
		"FAIL "*) fail "${line#FAIL }" "$work/$name.out" ;;
		esac
	done <"$work/$name.out"
	[ $status -eq 0 ] || fail "node $1 exited $status" "$work/$name.out"
}

# --- VS Code extension --------------------------------------------------------
run_node_checks vscode tests/tools/vscode-extension.js "$bin" "$work"

# --- tree-sitter ------------------------------------------------------------------
run_node_checks tree-sitter tests/tools/tree-sitter-check.js editors/tree-sitter-threat "${examples[@]}"

# Broken files must not parse: the checker reports each and exits 1.
printf 'flow a => b\n' >"$work/arrow.threat"
printf 'model "x" {\n' >"$work/open.threat"
printf 'process p { store }\n' >"$work/novalue.threat"
node tests/tools/tree-sitter-check.js editors/tree-sitter-threat \
	"$work/arrow.threat" "$work/open.threat" "$work/novalue.threat" >"$work/ts-broken.out" 2>&1
if [ $? -eq 1 ] && [ "$(grep -c '^FAIL tree-sitter: .* does not parse: stops near 1:' "$work/ts-broken.out")" = 3 ]; then
	ok "tree-sitter: '=>', an unclosed block and an attribute without a value do not parse"
else
	fail "tree-sitter: broken files" "$work/ts-broken.out"
fi

summary
