#!/usr/bin/env bash
# Writes a model of DEPTH trust boundaries nested one in the next, a
# process in each, and FLOWS flows from the innermost process to an
# external outside them all, so every flow crosses every boundary: the
# shape that once made `check` list each flow DEPTH times.
#
#   tests/tools/nested-boundaries.sh DEPTH FLOWS > model.threat
set -eu
depth=$1
flows=$2
awk -v depth="$depth" -v flows="$flows" 'BEGIN {
	print "model \"Nested boundaries\" { date 2026-03-24  next_review 2026-06-24 }"
	print "external user \"User\" { zone internet }"
	for (i = 1; i <= depth; i++)
		printf "process p%d \"P%d\" { tech x }\n", i, i
	for (i = 1; i < depth; i++)
		printf "boundary B%d \"Level %d\" <p%d, B%d>\n", i, i, i, i + 1
	printf "boundary B%d \"Level %d\" <p%d>\n", depth, depth, depth
	for (i = 1; i <= flows; i++)
		printf "flow F%d: p%d -> user \"reply %d\"\n", i, depth, i
}'
