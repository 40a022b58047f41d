# threat — threat models as code.
#
#   make                  build/threat and build/libthreat.a
#   make test             deps, then unit, golden, pack and fuzz-corpus tests
#   make SANITIZE=address,undefined test
#   make SANITIZE=thread test   golden, engine and unit suites on two rule engines
#   make bench            synthetic models of 1k/10k/100k elements, timed
#   make fuzz             libFuzzer harnesses (clang)
#   make install PREFIX=/usr/local DESTDIR=

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
BUILD    ?= build

PKGS      := lua5.4 readline jansson yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN   := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wwrite-strings -Werror
CFLAGS ?= -O3 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) \
          -pthread -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP \
          -DTM_STDLIB_DIR='"$(PREFIX)/share/threat/stdlib"'
LDLIBS := $(PKG_LIBS) -lm -pthread

ifneq ($(SANITIZE),)
  # ThreadSanitizer cannot share objects with the other sanitizers. It
  # keeps the arenas' chunks (and the thread that prefaults them); the
  # others give each allocation a block of its own, so that
  # AddressSanitizer sees an overflow.
  ifeq ($(SANITIZE),thread)
    BUILD := build-tsan
    ALL_CFLAGS += -DTM_THREAD_SANITIZER
  else
    BUILD := build-san
    ALL_CFLAGS += -DTM_ARENA_DEBUG
  endif
  ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1 -DTM_DEBUG -Wno-format-truncation
  LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC  := $(sort $(wildcard src/base/*.c src/lang/*.c src/model/*.c \
              src/risk/*.c src/rules/*.c src/session/*.c src/repo/*.c src/diff/*.c src/render/*.c \
              src/review/*.c src/packtest/*.c src/template/*.c src/api/*.c src/interop/*.c \
              src/query/*.c src/lsp/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIB := $(BUILD)/libthreat.a
BIN := $(BUILD)/threat

.PHONY: all build deps test unit golden golden-update packs fuzz-replay fuzz bench \
        install clean headertest layers format format-check valgrind rules-reference attributes-reference precision-update
# `make` first installs what the build needs (quietly, only when missing),
# then builds in a fresh make so pkg-config sees the new packages.
all: deps
	@$(MAKE) --no-print-directory build

build: $(BIN) $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/fuzz-replay: tests/fuzz/replay.c tests/fuzz/fuzz_check.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_check.c $(LIB) $(LDLIBS)

$(BUILD)/fuzz-replay-session: tests/fuzz/replay.c tests/fuzz/fuzz_session.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_session.c $(LIB) $(LDLIBS)

$(BUILD)/fuzz-replay-threagile: tests/fuzz/replay.c tests/fuzz/fuzz_threagile.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_threagile.c $(LIB) $(LDLIBS)

$(BUILD)/fuzz-replay-import: tests/fuzz/replay.c tests/fuzz/fuzz_import.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_import.c $(LIB) $(LDLIBS)

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@tests/tools/install-deps.sh

ifeq ($(SANITIZE),thread)
# Races need threads: every golden case on two rule engines, the engine
# suite (one engine against two and three), and the unit tests whose
# large cases take the threaded paths of the findings' sort, the text
# report and the arena's prefaulting (the others start no threads, and
# the budget cases of test_rules run their loops for longer than their
# limit under ThreadSanitizer).
TSAN_UNITS := test_risk test_out test_model
test: deps
	@$(MAKE) --no-print-directory build $(TSAN_UNITS:%=$(BUILD)/tests/%)
	@THREAT_JOBS=2 ENGINES_SLOW_BUILD=1 TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp" \
		UNITS="$(TSAN_UNITS)" tests/tools/run-tests.sh $(BUILD) golden,engines,unit
else
test: deps
	@tests/tools/layers.sh
	@$(MAKE) --no-print-directory build $(UNIT_BIN) $(BUILD)/fuzz-replay $(BUILD)/fuzz-replay-session $(BUILD)/fuzz-replay-threagile $(BUILD)/fuzz-replay-import
	@tests/tools/run-tests.sh $(BUILD)
endif

unit: all $(UNIT_BIN)
	@tests/tools/run-tests.sh $(BUILD) unit

golden: all
	@tests/tools/run-tests.sh $(BUILD) golden

golden-update: all
	@UPDATE=1 tests/golden/run.sh $(BUILD)/threat

packs: all
	@tests/tools/run-tests.sh $(BUILD) packs

fuzz-replay: $(BUILD)/fuzz-replay $(BUILD)/fuzz-replay-session $(BUILD)/fuzz-replay-threagile $(BUILD)/fuzz-replay-import
	@tests/tools/run-tests.sh $(BUILD) fuzz

fuzz:
	@tests/fuzz/build-fuzzers.sh

bench: deps
	@$(MAKE) --no-print-directory build
	@tests/bench/run.sh $(BUILD)/threat

valgrind: all
	@tests/tools/valgrind.sh $(BUILD)/threat

# The rule reference is generated from the packs themselves.
rules-reference: all
	@tests/tools/rules-reference.sh $(BUILD)/threat > doc/rules-reference.md

attributes-reference: all
	@tests/tools/attributes-reference.sh $(BUILD)/threat > doc/attributes.md

# doc/precision.md's risks and ratios follow the examples' findings; the
# verdicts are the reviewer's (tests/tools/precision.py).
precision-update: all
	@tests/tools/precision.py $(BUILD)/threat --update

# No module includes a header of a layer above it (tests/tools/layers.sh).
layers:
	@tests/tools/layers.sh

headertest:
	@for h in include/threat.h include/threat/*.h; do \
	  printf '#include "%s"\nint main(void){return 0;}\n' "$${h#include/}" | \
	    $(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -x c - -o /dev/null || exit 1; \
	done; echo "headertest: ok"

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h include/*.h include/threat/*.h)

format-check:
	@clang-format --dry-run -Werror $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h include/*.h include/threat/*.h)

# Relocatable: the binary finds its packs in ../share/threat/stdlib beside
# itself, so PREFIX and DESTDIR need no rebuild (tests/tools/install.sh).
# The guides keep the repository's layout, so their links work.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/threat \
	           $(DESTDIR)$(PREFIX)/share/threat/stdlib $(DESTDIR)$(PREFIX)/share/doc/threat/doc \
	           $(DESTDIR)$(PREFIX)/share/doc/threat/grammar \
	           $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	           $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	           $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	           $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/threat
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libthreat.a
	install -m 644 include/threat.h $(DESTDIR)$(PREFIX)/include/threat.h
	install -m 644 include/threat/*.h $(DESTDIR)$(PREFIX)/include/threat/
	install -m 644 stdlib/*.lua $(DESTDIR)$(PREFIX)/share/threat/stdlib/
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/threat/
	install -m 644 doc/*.md $(DESTDIR)$(PREFIX)/share/doc/threat/doc/
	install -m 644 grammar/threat.ebnf $(DESTDIR)$(PREFIX)/share/doc/threat/grammar/
	@# the examples the guides link to, with their layout
	cd examples && find . -type f | while read -r f; do \
	  mode=644; [ -x "$$f" ] && mode=755; \
	  install -D -m $$mode "$$f" "$(DESTDIR)$(PREFIX)/share/doc/threat/examples/$$f" || exit 1; \
	done
	install -m 644 man/threat.1 $(DESTDIR)$(PREFIX)/share/man/man1/threat.1
	install -m 644 man/threat.5 $(DESTDIR)$(PREFIX)/share/man/man5/threat.5
	install -m 644 completions/threat.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/threat
	install -m 644 completions/_threat $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_threat
	install -m 644 completions/threat.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/threat.fish

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
