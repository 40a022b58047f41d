#!/usr/bin/env bash
# Fails when a module includes a header of a module above it: the pipeline's
# stages only look down (doc/architecture.md, "Modules"). A module may
# include its own headers, the public ones (threat/...) and any lower layer.
set -u
cd "$(dirname "$0")/../.."

# Lowest first. A module's rank is its place in this list.
layers=(base template lang model risk rules session repo diff render interop review packtest query api lsp cli)

rank() {
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

status=0
for dir in src/*/; do
	module=$(basename "$dir")
	own=$(rank "$module")
	if [ "$own" -lt 0 ]; then
		echo "layers: src/$module is not in the layer list of tests/tools/layers.sh"
		status=1
		continue
	fi
	while IFS=: read -r file line text; do
		target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$text")
		[ "$target" = threat ] && continue
		other=$(rank "$target")
		if [ "$other" -lt 0 ] || [ "$other" -gt "$own" ]; then
			echo "layers: $file:$line includes \"$target/...\", a layer above $module"
			status=1
		fi
	done < <(grep -Hn '^#include "[a-z_]*/' "$dir"*.[ch])
done
[ $status -eq 0 ] && echo "layers: ok (${#layers[@]} layers)"
exit $status
