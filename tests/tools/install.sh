#!/usr/bin/env bash
# `make install` into a temporary prefix, and a DESTDIR staging of another
# prefix, without a rebuild: the installed binary, run from another folder
# with no THREAT_STDLIB, finds every built-in pack beside itself
# (<prefix>/share/threat/stdlib) and checks an example exactly as the build
# tree's binary does; the man pages, completions and docs are in place.
#
#   tests/tools/install.sh THREAT_BIN    (BUILD/threat: BUILD is installed)
. "$(dirname "$0")/checks.sh" install "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "$bin")
unset THREAT_STDLIB THREAT_PATH

prefix=$work/prefix
if make -s --no-print-directory -C "$root" install BUILD="$build" PREFIX="$prefix" >"$work/make" 2>&1; then
	ok "make install PREFIX=$prefix"
else
	fail "make install PREFIX=…" "$work/make"
fi
for file in bin/threat lib/libthreat.a include/threat.h share/threat/stdlib/stride.lua \
	share/threat/stdlib/linddun.lua share/threat/stdlib/ge-stack.lua share/threat/stdlib/hygiene.lua \
	share/doc/threat/README.md share/doc/threat/doc/cli.md share/doc/threat/doc/language.md \
	share/doc/threat/grammar/threat.ebnf \
	share/man/man1/threat.1 share/man/man5/threat.5 share/bash-completion/completions/threat \
	share/zsh/site-functions/_threat share/fish/vendor_completions.d/threat.fish; do
	if [ -f "$prefix/$file" ]; then ok "installed $file"; else fail "missing $file"; fi
done

# the installed guides keep the repository's layout: their links resolve
dead=""
for doc in "$prefix/share/doc/threat/README.md" "$prefix"/share/doc/threat/doc/*.md; do
	for target in $(grep -oE '\]\([^)#]+' "$doc" | sed 's/^](//' | grep -v '^https\?:'); do
		[ -e "$(dirname "$doc")/$target" ] || dead="$dead ${doc#"$prefix"/}:$target"
	done
done
[ -z "$dead" ] && ok "the installed guides' links resolve" || fail "dead links in the installed guides:$dead"

mkdir -p "$work/elsewhere"
cp -R "$root/examples/ge-webapp" "$work/elsewhere/"
model=ge-webapp/model.threat
(cd "$work/elsewhere" && "$bin" check --format json --today 2026-04-01 "$model") >"$work/expected" 2>&1

# checks the example with the binary of one installed tree, from elsewhere
check_installed() {
	local what=$1 threat=$2 tree=$3
	(cd "$work/elsewhere" && "$threat" check --format json --today 2026-04-01 "$model") \
		>"$work/got" 2>"$work/got.err"
	local status=$?
	if [ $status = 0 ] && cmp -s "$work/expected" "$work/got"; then
		ok "$what: check from another folder gives the build tree's findings"
	else
		fail "$what: check from another folder (exit $status)" "$work/got.err"
	fi
	(cd "$work/elsewhere" && "$threat" rules STRIDE-I-02) >"$work/explain" 2>&1
	if grep -qF "stride ($(cd "$tree" && pwd -P)/share/threat/stdlib/stride.lua:" "$work/explain"; then
		ok "$what: the packs come from the installed tree"
	else
		fail "$what: the packs do not come from $tree/share/threat/stdlib" "$work/explain"
	fi
	# the example says `use` for each built-in pack: one not found is an error
	(cd "$work/elsewhere" && "$threat" rules) >"$work/rules" 2>&1
	local pack missing=""
	for pack in stride linddun ge-stack llm hygiene; do
		[ "$(grep -cE "^[A-Z][A-Za-z0-9-]+ +[A-Za-z]+ +[a-z_]+ +$pack " "$work/rules")" -ge 5 ] ||
			missing="$missing $pack"
	done
	if [ -z "$missing" ]; then ok "$what: threat rules lists every built-in pack"; else
		fail "$what: threat rules lacks the packs$missing" "$work/rules"
	fi
}
check_installed "PREFIX" "$prefix/bin/threat" "$prefix"

# A package is staged under DESTDIR for a prefix it is not built for, then
# moved: the binary still finds its packs.
if make -s --no-print-directory -C "$root" install BUILD="$build" PREFIX=/opt/threat-test \
	DESTDIR="$work/stage" >"$work/make" 2>&1; then
	ok "make install DESTDIR=… PREFIX=/opt/threat-test"
else
	fail "make install DESTDIR=…" "$work/make"
fi
mv "$work/stage/opt/threat-test" "$work/moved"
check_installed "DESTDIR, moved" "$work/moved/bin/threat" "$work/moved"

if MANPATH="$prefix/share/man" man -P cat threat 2>/dev/null | grep -q 'threat check'; then
	ok "man threat finds the installed page"
else
	fail "man threat with MANPATH=$prefix/share/man"
fi
if MANPATH="$prefix/share/man" man -P cat 5 threat 2>/dev/null | grep -q 'boundary'; then
	ok "man 5 threat finds the installed language page"
else
	fail "man 5 threat with MANPATH=$prefix/share/man"
fi
summary
