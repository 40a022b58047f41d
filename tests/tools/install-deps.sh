#!/usr/bin/env bash
# Installs the Debian packages that the build and the tests need, but only
# when something is missing: on a machine that has them all it prints
# nothing and touches nothing, so `make test` can always call it.
set -euo pipefail

PACKAGES=(liblua5.4-dev libreadline-dev libcmocka-dev libjansson-dev libyaml-dev pkg-config graphviz tmux valgrind
	gcc libc6-dev make python3 python3-jsonschema python3-yaml clang-format mandoc man-db zsh fish vim nodejs git)

missing=()
if ! command -v pkg-config >/dev/null 2>&1; then
	missing+=(pkg-config)
else
	for pc in lua5.4 readline cmocka jansson yaml-0.1; do
		pkg-config --exists "$pc" || missing+=("$pc.pc")
	done
fi
# mandoc and man check the man pages; zsh and fish the shell completions;
# vim and node the editor files (tests/tools/editors.sh), git the diff at
# revisions (tests/tools/diff-git.sh)
for tool in dot tmux valgrind cc make mandoc man zsh fish vim node git; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# tests/tools/validate-sarif.py checks SARIF against the 2.1.0 schema
if ! command -v python3 >/dev/null 2>&1; then
	missing+=(python3)
elif ! python3 -c 'import jsonschema' >/dev/null 2>&1 &&
	! /usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1; then
	missing+=(python3-jsonschema)
fi
# tests/tools/ci-kit.sh parses action.yml and .pre-commit-hooks.yaml
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import yaml' >/dev/null 2>&1 &&
	! /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; then
	missing+=(python3-yaml)
fi
# make format-check in CI
command -v clang-format >/dev/null 2>&1 || missing+=(clang-format)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: missing ${missing[*]}; installing ${PACKAGES[*]}"

# Root runs apt-get directly; anyone else needs sudo, or must ask an admin.
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: not root and no sudo; as root run:" >&2
	echo "  apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: apt-get not found (not Debian?); install by hand: ${PACKAGES[*]}" >&2
	exit 1
fi

if ! "${as_root[@]}" apt-get update; then
	echo "install-deps: apt-get update failed" >&2
	exit 1
fi
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${PACKAGES[@]}"; then
	echo "install-deps: apt-get install failed: ${PACKAGES[*]}" >&2
	exit 1
fi

# Recheck so a package that installed without its .pc file is reported here
# rather than as a baffling compiler error later.
for pc in lua5.4 readline cmocka; do
	if ! pkg-config --exists "$pc"; then
		echo "install-deps: pkg-config still cannot find $pc after installing" >&2
		exit 1
	fi
done
echo "install-deps: done"
