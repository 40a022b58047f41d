/* `threat test PACK…`: rule packs tested on fixture models (doc/rules.md,
 * "Testing a pack"). A fixture is a `.threat` model whose comments say
 * which findings must be raised (`# expect: RULE@KEY`) and which must not
 * (`# expect-not: RULE@KEY`); each fixture is checked with the packs under
 * test loaded after its own `use` statements, and the findings of its
 * pack (the one whose PACK.tests/ folder holds it) are compared with its
 * annotations. */
#ifndef TM_PACKTEST_PACKTEST_H
#define TM_PACKTEST_PACKTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/diag.h"

typedef struct tm_packtest_options {
	/* The packs under test: names (`stride`, `acme` along the search
	 * path) or paths relative to the current folder (`rules/acme.lua`). */
	const char *const *packs;
	size_t npacks;
	/* Fixture files or folders of them; none: the `*.threat` files of
	 * each pack's folder PACK.tests/ beside it. */
	const char *const *fixtures;
	size_t nfixtures;
	bool with_builtins; /* load the built-in packs too (their findings are not checked) */
	bool lenient;       /* a finding no `expect` names is not a failure */
	int32_t today;      /* for fixtures without `# today:` */
	double budget;      /* each fixture's packs (0: the default) */
} tm_packtest_options;

/* Why a fixture failed, one finding at a time. */
typedef enum tm_packtest_why {
	TM_PACKTEST_MISSING,    /* an `expect` matched no finding */
	TM_PACKTEST_EXPECT_NOT, /* a finding matched an `expect-not` */
	TM_PACKTEST_UNEXPECTED  /* a finding of the packs under test no `expect` names */
} tm_packtest_why;

typedef struct tm_packtest_problem {
	tm_packtest_why why;
	const char *finding; /* the finding's id, or the `expect` as written */
	/* The annotation's place, or for TM_PACKTEST_UNEXPECTED the place the
	 * finding is reported at (its element's declaration). */
	const char *file;
	uint32_t line;
} tm_packtest_problem;

typedef enum tm_packtest_status {
	TM_PACKTEST_PASSED,
	TM_PACKTEST_FAILED,
	TM_PACKTEST_BROKEN /* the model, a pack or an annotation has errors (in diags) */
} tm_packtest_status;

typedef struct tm_packtest_fixture {
	const char *path;
	/* The pack whose folder holds it: only that pack's findings are
	 * checked. NULL for a fixture named on the command line: every pack
	 * under test is. */
	const char *pack;
	tm_packtest_status status;
	int32_t today;
	size_t expected; /* `expect` annotations met */
	size_t raised;   /* findings of the packs under test */
	tm_packtest_problem *problems;
	size_t nproblems;
	tm_diags diags; /* what checking it reported (warnings of the packs' own load left out) */
} tm_packtest_fixture;

typedef struct tm_packtest tm_packtest;

/* Loads the packs under test alone (their rules are the ones checked) and
 * lists the fixtures. Errors (a pack that does not load, a fixture folder
 * that is missing or empty) go to diags and make it TM_ERR_INPUT; *out is
 * set either way and freed with tm_packtest_free. */
int tm_packtest_open(tm_packtest **out, const tm_packtest_options *options, tm_diags *diags);
size_t tm_packtest_count(const tm_packtest *test);
/* Checks fixture `index`. The result (and the sources its diagnostics
 * point into) stays valid until the next call or tm_packtest_free. */
const tm_packtest_fixture *tm_packtest_run(tm_packtest *test, size_t index);
/* Fixtures run so far by status. */
void tm_packtest_counts(const tm_packtest *test, size_t *passed, size_t *failed, size_t *broken);
void tm_packtest_free(tm_packtest *test);

/* Text: a line per fixture (`ok`, `FAILED`, `BROKEN`), each difference
 * under it as `FILE:LINE: missing ID (...)` or `FILE:LINE: unexpected ID
 * (...)`, and a summary line. */
void tm_packtest_text_fixture(tm_buf *out, const tm_packtest_fixture *fixture);
void tm_packtest_text_summary(tm_buf *out, const tm_packtest *test);
/* JSON: one object with the packs, the fixtures and the counts: begin,
 * a call per fixture, end, all into the same buffer. */
void tm_packtest_json_begin(tm_buf *out, tm_packtest *test);
void tm_packtest_json_fixture(tm_packtest *test, const tm_packtest_fixture *fixture);
void tm_packtest_json_end(tm_packtest *test);

#endif
