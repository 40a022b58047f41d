#!/usr/bin/env bash
# Shell completion: completions/threat.bash sourced into bash, its function
# called as bash calls it (COMP_WORDS, COMP_CWORD) for commands, options,
# option values and .threat files; completions/threat.fish asked through
# fish's `complete -C`; completions/_threat in an interactive zsh (zpty)
# with Tab pressed.
#
#   tests/tools/completion.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" completion "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)

# bash_complete EXPECTED WORD...: completes the last WORD (may be empty)
# with threat on PATH, in a folder holding a.threat, b.threat, notes.txt
# and sub/.
mkdir -p "$work/files/sub"
touch "$work/files/a.threat" "$work/files/b.threat" "$work/files/notes.txt"
bash_complete() {
	local expected=$1
	shift
	local got
	got=$(cd "$work/files" && PATH="$(dirname "$bin"):$PATH" bash --norc --noprofile -c '
		source "$0/completions/threat.bash"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_threat
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' "$root" "$@")
	if [ "$got" = "$expected" ]; then
		ok "bash: ${*}<TAB> -> $expected"
	else
		echo "got: $got" >"$work/got"
		fail "bash: ${*}<TAB> should give '$expected'" "$work/got"
	fi
}
bash_complete "check " threat ch
bash_complete "check dfd diff drift export fmt help import lsp new query repl report rules test " threat ""
bash_complete "json sarif text " threat drift --format ""
bash_complete "otm threagile threat-dragon " threat import ""
bash_complete "csv json sarif text " threat check --format ""
bash_complete "json " threat check --format j
bash_complete "html json md " threat report --format ""
bash_complete "dot mermaid svg " threat dfd --format = ""
bash_complete "critical high info low medium " threat check --fail-on = ""
bash_complete "high " threat check --fail-on h
bash_complete "review " threat diff --fail-on r
bash_complete "0 1 " threat dfd --level ""
bash_complete "always auto never " threat --color ""
bash_complete "check " threat --color never ch
bash_complete "--fail-on --format " threat check --f
bash_complete "a.threat b.threat sub " threat check ""
bash_complete "a.threat " threat fmt --check a
bash_complete "STRIDE-I-02 " threat rules STRIDE-I-02
bash_complete "check " threat help che
bash_complete "--lenient " threat test --l
bash_complete "json text " threat test --format ""
bash_complete "otm threat-dragon " threat export --format ""
bash_complete "--force " threat import --f

if command -v fish >/dev/null 2>&1; then
	fish_complete() {
		local expected=$1 line=$2 got
		got=$(cd "$work/files" && PATH="$(dirname "$bin"):$PATH" fish --no-config -c \
			"source '$root/completions/threat.fish'; complete -C '$line'" | cut -f1 | sort | tr '\n' ' ')
		if [ "$got" = "$expected" ]; then ok "fish: $line<TAB> -> $expected"; else
			echo "got: $got" >"$work/got"
			fail "fish: $line<TAB> should give '$expected'" "$work/got"
		fi
	}
	fish_complete "check " "threat ch"
	fish_complete "csv json sarif text " "threat check --format "
	fish_complete "critical high info low medium review " "threat diff --fail-on "
	fish_complete "a.threat b.threat sub/ " "threat check "
	fish_complete "md " "threat rules --format m"
	fish_complete "--with-builtins " "threat test --w"
	fish_complete "otm threagile threat-dragon " "threat import "
else
	fail "fish is not installed (make deps installs it)"
fi
if command -v zsh >/dev/null 2>&1; then
	if zsh -n "$root/completions/_threat" 2>"$work/zsh"; then ok "zsh parses _threat"; else fail "zsh -n _threat" "$work/zsh"; fi
	# an interactive zsh in a pseudo-terminal (zpty) with compinit, a line
	# typed and Tab pressed; what it shows, without the escapes
	cat >"$work/zpty.zsh" <<'ZSH'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; PS1='%% '; PATH=$2:\$PATH"
zpty -w z "setopt nolistbeep; LISTMAX=1000"
zpty -wn z "$3"$'\t'
sleep 1
zpty -w z $'\C-u'
sleep 0.3
while zpty -r -t z line; do print -rn -- "$line"; done
zpty -d z
ZSH
	zsh_complete() {
		local line=$1 want
		shift
		(cd "$work/files" && zsh -f "$work/zpty.zsh" "$root/completions" "$(dirname "$bin")" "$line") 2>&1 |
			tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >"$work/zsh.out"
		for want in "$@"; do
			grep -qF -- "$want" "$work/zsh.out" || {
				fail "zsh: $line<TAB> should show '$want'" "$work/zsh.out"
				return
			}
		done
		if grep -q "_arguments\|command not found\|invalid" "$work/zsh.out"; then fail "zsh: $line<TAB>: an error" "$work/zsh.out"; else
			ok "zsh: $line<TAB> shows $*"
		fi
	}
	zsh_complete "threat ch" "threat check"
	zsh_complete "threat check --format " csv json sarif text
	zsh_complete "threat dfd --format=" dot mermaid svg
	zsh_complete "threat export --format=" otm threat-dragon
	zsh_complete "threat --color=" always auto never
	zsh_complete "threat check " a.threat b.threat sub/
	if grep -q "notes.txt" "$work/zsh.out"; then fail "zsh offers a file that is not .threat" "$work/zsh.out"; fi
	zsh_complete "threat rules STRIDE-I-0" STRIDE-I-01 STRIDE-I-09
else
	fail "zsh is not installed (make deps installs it)"
fi
summary
