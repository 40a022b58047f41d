#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang into build-fuzz/ and runs each
# for FUZZ_SECONDS (default 60). `make fuzz` calls this.
#
#   FUZZ_SECONDS=600 tests/fuzz/build-fuzzers.sh      # longer run
#   FUZZ_JOBS=4 tests/fuzz/build-fuzzers.sh           # parallel workers
#   tests/fuzz/build-fuzzers.sh --build-only
#
# New interesting inputs collect in build-fuzz/corpus/ (seeded from
# tests/fuzz/corpus/). A crash is written to build-fuzz/crash-*: copy it
# into tests/fuzz/corpus/ with a name that says what it is, fix the bug,
# and make test replays it from then on.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=build-fuzz
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found; install clang (apt-get install clang) or set FUZZ_CC" >&2
	exit 1
fi

# The same sources and flags as the Makefile's LIB_SRC and ALL_CFLAGS.
shopt -s nullglob
lib_src=(src/base/*.c src/lang/*.c src/model/*.c src/risk/*.c src/rules/*.c
	src/session/*.c src/repo/*.c src/diff/*.c src/render/*.c src/interop/*.c src/review/*.c
	src/packtest/*.c src/template/*.c src/query/*.c src/api/*.c src/lsp/*.c)
shopt -u nullglob
read -r -a pkg_cflags <<<"$(pkg-config --cflags lua5.4 readline jansson yaml-0.1)"
read -r -a pkg_libs <<<"$(pkg-config --libs lua5.4 readline jansson yaml-0.1)"
cflags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wwrite-strings -Werror -g -O1 -fno-omit-frame-pointer
	-DTM_ARENA_DEBUG -DTM_STDLIB_DIR="\"$root/stdlib\"" -Iinclude -Isrc "${pkg_cflags[@]}")
# Every undefined behaviour is a crash, not a message to scroll past.
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

mkdir -p "$out/obj" "$out/corpus"
objs=()
for src in "${lib_src[@]}"; do
	obj=$out/obj/${src//\//_}
	obj=${obj%.c}.o
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src -name '*.h' -newer "$obj" -print -quit)" ]; then
		echo "fuzz: cc $src"
		"$cc" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done
# fuzz_check: lex, parse, resolve, diagnostics. fuzz_session: the whole
# pipeline with the built-in packs and every writer (slower per input).
# fuzz_threagile: the Threagile importer; fuzz_import: the OTM and Threat
# Dragon importers; each from its own corpus (tests/fuzz/corpus-NAME).
harnesses=(${FUZZ_TARGETS:-check session threagile import})
for harness in "${harnesses[@]}"; do
	echo "fuzz: link $out/fuzz_$harness"
	"$cc" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer -o "$out/fuzz_$harness" \
		"tests/fuzz/fuzz_$harness.c" "${objs[@]}" "${pkg_libs[@]}" -lm -pthread
done

# Keywords and punctuation help the mutator get past the lexer quickly.
cat >"$out/threat.dict" <<'DICT'
"model"
"use"
"include"
"asset"
"actor"
"external"
"process"
"store"
"boundary"
"flow"
"threat"
"mitigation"
"accept"
"->"
"<->"
"\"\"\""
"{"
"}"
"["
"]"
"<"
">"
"@"
":"
"true"
"false"
"2026-02-28"
"\\u{"
"category"
"likelihood"
"impact"
"mitigates"
"stores"
"data"
"pii"
"zone"
DICT

[ "${1:-}" = --build-only ] && exit 0

# -jobs sends each worker's output to fuzz-N.log; only use it when asked.
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
failed=0
for harness in "${harnesses[@]}"; do
	echo "fuzz: running $out/fuzz_$harness for ${seconds}s"
	mkdir -p "$out/corpus-$harness"
	seeds=tests/fuzz/corpus
	[ -d "tests/fuzz/corpus-$harness" ] && seeds=tests/fuzz/corpus-$harness
	set +e
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$out/fuzz_$harness" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		"${parallel[@]}" \
		-dict="$out/threat.dict" -artifact_prefix="$out/" \
		"$out/corpus-$harness" "$seeds"
	status=$?
	set -e
	if [ $status != 0 ]; then
		echo "fuzz: fuzz_$harness FAILED (exit $status); reproducers:" >&2
		ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null >&2 || true
		echo "fuzz: copy each into tests/fuzz/corpus/ (corpus-import/ for fuzz_import) and fix it" >&2
		failed=1
	else
		echo "fuzz: fuzz_$harness ok, no crash in ${seconds}s; corpus $(ls "$out/corpus-$harness" | wc -l) inputs"
	fi
done
exit $failed
