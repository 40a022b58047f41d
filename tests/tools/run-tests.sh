#!/usr/bin/env bash
# Runs the test suites against one build directory and keeps going after a
# failure, so one run shows every failure.
#
#   tests/tools/run-tests.sh BUILD [SUITE[,SUITE...]]
#
#   unit    every BUILD/tests/test_* (one per tests/unit/test_*.c; a missing
#           binary fails), or those UNITS names ("test_risk test_out");
#           each binary counts as one
#   golden  tests/golden/run.sh BUILD/threat; each case counts as one
#   packs   tests/packs/run.sh BUILD/threat when it exists; its last line
#           `packs: N passed, N failed` gives the counts, else its status
#           counts as one
#   fuzz    BUILD/fuzz-replay and fuzz-replay-session on tests/fuzz/corpus,
#           fuzz-replay-import on tests/fuzz/corpus-import; each counts as one
#   repl, docs, query, robustness, timings, engines, install, manpages,
#   completion, cli, controls, editors, diff-git, ci-kit, lsp, packtests, interop
#           the scripts in tests/repl and tests/tools; each check counts
#
# The last line is always `N passed, N failed`; the exit status is 1 when
# anything failed. Sanitizer options make a sanitized build (build-san)
# stop at the first report instead of printing and carrying on, with exit
# status 23 so a report never passes for an ordinary exit 1 (ThreadSanitizer
# in build-tsan too: a data race fails the case).
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: tests/tools/run-tests.sh BUILD [SUITE[,SUITE...]] (unit, golden, packs, fuzz, repl, docs, query, robustness, timings, engines, install, manpages, completion, cli, controls, editors, diff-git, ci-kit, lsp, packtests, interop)" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
case $build in /*) ;; *) build=$PWD/$build ;; esac
suites=${2:-all}
for only in ${suites//,/ }; do
	case $only in all | unit | golden | packs | fuzz | repl | docs | query | robustness | timings | engines | install | manpages | completion | cli | controls | editors | diff-git | ci-kit | lsp | packtests | interop) ;; *)
		echo "run-tests: unknown suite '$only' (unit, golden, packs, fuzz, repl, docs, query, robustness, timings, engines, install, manpages, completion, cli, controls, editors, diff-git, ci-kit, lsp, packtests or interop)" >&2
		exit 2
		;;
	esac
done
cd "$root" || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=23:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=23}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=23}
limit=${TEST_TIMEOUT:-300}

passed=0
failed=0
log=$(mktemp "${TMPDIR:-/tmp}/run-tests.XXXXXX")
trap 'rm -f "$log"' EXIT

# Shows the tail of a failed run's output, indented under its summary line.
show_log() {
	tail -n "${1:-60}" "$log" | sed 's/^/    /'
}

# Adds the counts from a runner's `NAME: N passed, N failed` line; returns 1
# when the runner printed no such line.
add_counts() {
	local name=$1 summary
	summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -n 1)
	[ -n "$summary" ] || return 1
	local p f
	p=$(sed -E 's/^[^:]+: ([0-9]+) passed.*/\1/' <<<"$summary")
	f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$summary")
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$summary"
}

run_unit() {
	local src name bin any=0
	for src in tests/unit/test_*.c; do
		[ -e "$src" ] || continue
		any=1
		name=$(basename "$src" .c)
		if [ -n "${UNITS:-}" ] && [[ " $UNITS " != *" $name "* ]]; then
			continue
		fi
		bin=$build/tests/$name
		if [ ! -x "$bin" ]; then
			echo "unit: $name FAILED (no binary $bin; build it with make unit)"
			failed=$((failed + 1))
			continue
		fi
		if timeout -k 5 "$limit" "$bin" >"$log" 2>&1; then
			echo "unit: $name ok ($(grep -cE '^\[       OK \]' "$log") cases)"
			passed=$((passed + 1))
		else
			echo "unit: $name FAILED (exit $?)"
			show_log 80
			failed=$((failed + 1))
		fi
	done
	[ $any = 1 ] || echo "unit: no tests/unit/test_*.c"
}

run_golden() {
	if [ ! -x "$build/threat" ]; then
		echo "golden: FAILED (no binary $build/threat)"
		failed=$((failed + 1))
		return
	fi
	tests/golden/run.sh "$build/threat" >"$log" 2>&1
	local status=$? before=$failed
	grep -v -E '^golden: [0-9]+ passed, [0-9]+ failed$' "$log" | head -n 400
	if ! add_counts golden; then
		echo "golden: FAILED (runner exited $status without a summary)"
		failed=$((failed + 1))
	elif [ $status != 0 ] && [ $failed = $before ]; then
		echo "golden: runner exited $status"
		failed=$((failed + 1))
	fi
}

run_packs() {
	if [ ! -f tests/packs/run.sh ]; then
		echo "packs: no tests/packs/run.sh, skipped"
		return
	fi
	timeout -k 5 "$limit" bash tests/packs/run.sh "$build/threat" >"$log" 2>&1
	local status=$? before=$failed
	if add_counts packs; then
		# A runner that fails without counting a failure still fails the run.
		if [ $status != 0 ] && [ $failed = $before ]; then
			echo "packs: runner exited $status"
			failed=$((failed + 1))
		fi
	elif [ $status = 0 ]; then
		echo "packs: ok"
		passed=$((passed + 1))
	else
		echo "packs: FAILED (exit $status)"
		failed=$((failed + 1))
	fi
	[ $status = 0 ] || show_log 120
}

run_fuzz() {
	local replay
	for replay in "$build/fuzz-replay" "$build/fuzz-replay-session" "$build/fuzz-replay-threagile" "$build/fuzz-replay-import"; do
		if [ ! -x "$replay" ]; then
			echo "fuzz: FAILED (no binary $replay; build it with make fuzz-replay)"
			failed=$((failed + 1))
			continue
		fi
		# a harness with a corpus of its own (tests/fuzz/corpus-NAME) replays it
		corpus=tests/fuzz/corpus
		[ -d "tests/fuzz/corpus-${replay##*/fuzz-replay-}" ] && corpus=tests/fuzz/corpus-${replay##*/fuzz-replay-}
		if timeout -k 5 "$limit" "$replay" "$corpus" >"$log" 2>&1; then
			echo "fuzz: $(basename "$replay"): $(tail -n 1 "$log") ok"
			passed=$((passed + 1))
		else
			echo "fuzz: $(basename "$replay") FAILED (exit $?)"
			show_log 80
			failed=$((failed + 1))
		fi
	done
}

# The REPL in a real terminal (tmux): completion, history, Ctrl-C.
run_repl() {
	timeout -k 5 "$limit" tests/repl/tmux-test.sh "$build/threat" >"$log" 2>&1
	local status=$? before=$failed
	grep -E 'FAIL|skipped' "$log" | head -n 40
	if ! add_counts repl; then
		echo "repl: FAILED (exit $status)"
		failed=$((failed + 1))
	elif [ $status != 0 ] && [ $failed = $before ]; then
		failed=$((failed + 1))
	fi
}

# Generated documents: DOT accepted by Graphviz, SARIF valid, no markup
# injected by labels.
run_docs() {
	timeout -k 5 "$limit" tests/tools/check-docs.sh "$build/threat" >"$log" 2>&1
	local status=$?
	add_counts docs || {
		echo "docs: FAILED (exit $status)"
		failed=$((failed + 1))
	}
	[ $status = 0 ] || show_log 60
}

# Runs a tests/tools script whose last line is `NAME: N passed, N failed`,
# showing its failures.
run_script() {
	local name=$1 script=$2
	timeout -k 5 "$limit" "$script" "$build/threat" >"$log" 2>&1
	local status=$?
	grep -E '^FAIL|^  ' "$log" | head -n 20
	add_counts "$name" || {
		echo "$name: FAILED (exit $status)"
		failed=$((failed + 1))
	}
}

# threat query equals check --format json filtered by the same condition.
run_query() { run_script query-vs-check tests/tools/query-vs-check.sh; }

# Bad input of every kind: exit 2 with a message, quickly.
run_robustness() { run_script robustness tests/tools/robustness.sh; }

# check --timings: its stage and rule lines, the report unchanged.
run_timings() { run_script timings tests/tools/timings.sh; }

# Several rule engines give what one gives (THREAT_JOBS).
run_engines() { run_script engines tests/tools/engines.sh; }

# make install into a temporary prefix, then check from another folder.
run_install() { run_script install tests/tools/install.sh; }

# The man pages: lint, rendering, in step with doc/cli.md and --help.
run_manpages() { run_script manpages tests/tools/manpages.sh; }

# bash, zsh and fish completion.
run_completion() { run_script completion tests/tools/completion.sh; }

# Help per command, --color, the pager, several models per run, CSV.
run_cli() { run_script cli tests/tools/cli.sh; }

# diff at git revisions, in a temporary repository.
run_diff_git() { run_script diff-git tests/tools/diff-git.sh; }

# Other tools' formats: OTM valid against its schema, export then import
# gives the same findings, Threat Dragon in and out (tests/tools/interop.sh).
run_interop() { run_script interop tests/tools/interop.sh; }

# The GitHub Action's steps and the pre-commit hooks' commands.
run_ci_kit() { run_script ci-kit tests/tools/ci-kit.sh; }

# Text from models, packs and file names reaches no output raw.
run_controls() { run_script controls tests/tools/controls.sh; }

# The editor files (editors/): TextMate, Vim and tree-sitter grammars on the
# examples, the VS Code extension's client set-up.
run_editors() { run_script editors tests/tools/editors.sh; }

# `threat lsp` driven by a scripted client: a whole session, then hostile input.
run_lsp() { run_script lsp tests/tools/lsp-client.py; }

# `threat test` on every built-in pack and on the example organisation pack.
run_packtests() { run_script packtests tests/tools/packtests.sh; }

for only in ${suites//,/ }; do
	case $only in
	all) run_unit; run_golden; run_packs; run_fuzz; run_repl; run_docs; run_query; run_robustness; run_timings; run_engines; run_controls
		run_install; run_manpages; run_completion; run_cli; run_editors; run_diff_git; run_ci_kit; run_lsp; run_packtests; run_interop ;;
	diff-git) run_diff_git ;;
	ci-kit) run_ci_kit ;;
	packtests) run_packtests ;;
	interop) run_interop ;;
	install) run_install ;;
	manpages) run_manpages ;;
	completion) run_completion ;;
	cli) run_cli ;;
	engines) run_engines ;;
	controls) run_controls ;;
	editors) run_editors ;;
	lsp) run_lsp ;;
	timings) run_timings ;;
	query) run_query ;;
	robustness) run_robustness ;;
	docs) run_docs ;;
	repl) run_repl ;;
	unit) run_unit ;;
	golden) run_golden ;;
	packs) run_packs ;;
	fuzz) run_fuzz ;;
	esac
done

echo "$passed passed, $failed failed"
[ $failed = 0 ]
