#!/usr/bin/env bash
# The man pages: man/threat.1 and man/threat.5 pass `mandoc -T lint` and
# render with `man -l` without a warning; threat.1 names every command and
# every option that doc/cli.md and `threat --help` / `threat COMMAND --help`
# name, and doc/cli.md every option of the help texts, so the three stay in
# step.
#
#   tests/tools/manpages.sh THREAT_BIN
. "$(dirname "$0")/checks.sh" manpages "$1"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

for page in man/threat.1 man/threat.5; do
	if mandoc -T lint -W warning "$page" >"$work/lint" 2>&1 && [ ! -s "$work/lint" ]; then
		ok "mandoc -T lint $page"
	else
		fail "mandoc -T lint $page" "$work/lint"
	fi
	if MANWIDTH=80 man -l "$page" >"$work/page" 2>"$work/warnings" && [ ! -s "$work/warnings" ] &&
		[ "$(wc -l <"$work/page")" -gt 40 ]; then
		ok "man -l $page renders without warnings"
	else
		fail "man -l $page" "$work/warnings"
	fi
done

mandoc -T ascii man/threat.1 | sed 's/.\x08//g' >"$work/threat.1.txt"
"$bin" --help >"$work/usage"
commands=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' "$work/usage")
[ "$(wc -w <<<"$commands")" -ge 10 ] || fail "threat --help lists fewer than 10 commands" "$work/usage"

# "threat check", "threat report" ... in the synopsis of doc/cli.md
missing=""
for command in $(sed -n 's/^threat \([a-z]*\) .*/\1/p' doc/cli.md) $commands; do
	grep -q "threat $command" "$work/threat.1.txt" || missing="$missing $command"
done
if [ -z "$missing" ]; then ok "threat.1 has every command"; else fail "threat.1 lacks the commands$missing"; fi

options_of() { grep -oE -- '(^|[^a-z-])--?[a-z][a-z-]*' "$1" | sed -E 's/^[^-]*//' | grep -vE '^-(FRX|[a-z]{2,})$' | sort -u; }
options_of doc/cli.md >"$work/cli-options"
: >"$work/help-options"
for command in $commands; do
	"$bin" "$command" --help >"$work/help" || fail "threat $command --help exits $?"
	options_of "$work/help" >>"$work/help-options"
done
sort -u -o "$work/help-options" "$work/help-options"
missing=""
for option in $(cat "$work/cli-options" "$work/help-options" | sort -u); do
	grep -qe "$option" "$work/threat.1.txt" || missing="$missing $option"
done
if [ -z "$missing" ]; then ok "threat.1 has every option of doc/cli.md and the help texts"; else fail "threat.1 lacks$missing"; fi
missing=$(comm -13 "$work/cli-options" "$work/help-options" | tr '\n' ' ')
if [ -z "$missing" ]; then ok "doc/cli.md has every option of the help texts"; else fail "doc/cli.md lacks $missing"; fi
summary
