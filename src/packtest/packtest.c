/* `threat test`: the packs under test are loaded alone once, for their
 * rule ids and the folders their fixtures sit in; then each fixture is
 * read for its annotations (comments, found by the lexer), checked like
 * `threat check` with the packs under test loaded after its own `use`
 * statements, and its findings compared with what the annotations say. */
#include "packtest/packtest.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/date.h"
#include "base/xalloc.h"
#include "lang/lex.h"
#include "model/model.h"
#include "render/json.h"
#include "render/render.h"
#include "render/term.h"
#include "risk/risk.h"
#include "rules/rules.h"
#include "session/session.h"
#include "threat/status.h"

/* One `# expect:` or `# expect-not:` entry: a finding id or a pattern
 * (`*` matches any run of characters). */
typedef struct annotation {
	const char *text;
	tm_span span;
	uint32_t line;
	bool negated; /* expect-not */
	bool met;     /* an expect that matched a finding */
} annotation;

struct tm_packtest {
	tm_packtest_options options;
	const char *
	    *load; /* what each fixture loads after its `use`: the built-in packs, then those under test */
	size_t nload;
	tm_rules *under_test; /* the packs under test, loaded alone: their rules are the ones checked */
	char **fixtures;
	size_t *owners; /* per fixture: the pack (of under_test) whose folder holds it, or SIZE_MAX */
	size_t nfixtures, capfixtures, capowners, nowners;
	/* Warnings without a place shown so far (the packs' own, such as a
	 * deprecated form): shown once, not for every fixture. */
	char **shown_warnings;
	size_t nshown_warnings, capshown_warnings;

	/* The fixture of the last tm_packtest_run. */
	tm_packtest_fixture current;
	tm_session *session;
	tm_arena *arena; /* its source read for annotations, the annotations, the problems' texts */
	annotation *annotations;
	size_t nannotations, capannotations;
	size_t capproblems;

	size_t passed, failed, broken;
	tm_json json;
};

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_folder(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t a = strlen(text), b = strlen(suffix);
	return a >= b && strcmp(text + a - b, suffix) == 0;
}

static void add_fixture(tm_packtest *test, char *path, size_t owner)
{
	TM_VEC_PUSH(test->fixtures, test->nfixtures, test->capfixtures, path);
	TM_VEC_PUSH(test->owners, test->nowners, test->capowners, owner);
}

/* Adds the `*.threat` files of a folder (not its subfolders, which hold
 * what the fixtures include), sorted by name. Returns how many. */
static size_t add_folder(tm_packtest *test, const char *folder, size_t owner)
{
	DIR *dir = opendir(folder);
	if (!dir)
		return 0;
	size_t first = test->nfixtures;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.' || !ends_with(entry->d_name, ".threat"))
			continue;
		tm_buf path = TM_BUF_INIT;
		tm_buf_printf(&path, "%s%s%s", folder, ends_with(folder, "/") ? "" : "/", entry->d_name);
		if (is_folder(tm_buf_str(&path))) {
			tm_buf_free(&path);
			continue;
		}
		char *kept = tm_xstrdup(tm_buf_str(&path));
		tm_buf_free(&path);
		add_fixture(test, kept, owner);
	}
	closedir(dir);
	/* one owner for all of them: only the paths need sorting */
	if (test->nfixtures > first)
		qsort(test->fixtures + first, test->nfixtures - first, sizeof *test->fixtures,
		      compare_strings);
	return test->nfixtures - first;
}

/* The fixtures' folder of a pack: "rules/acme.lua" -> "rules/acme.tests". */
static char *fixture_folder(const char *pack_path)
{
	size_t len = strlen(pack_path);
	if (ends_with(pack_path, ".lua"))
		len -= 4;
	tm_buf folder = TM_BUF_INIT;
	tm_buf_printf(&folder, "%.*s.tests", (int)len, pack_path);
	char *out = tm_xstrdup(tm_buf_str(&folder));
	tm_buf_free(&folder);
	return out;
}

static bool find_fixtures(tm_packtest *test, tm_diags *diags)
{
	const tm_packtest_options *o = &test->options;
	bool good = true;
	for (size_t i = 0; i < o->nfixtures; i++) {
		const char *given = o->fixtures[i];
		if (is_folder(given)) {
			if (!add_folder(test, given, SIZE_MAX)) {
				tm_diag_error(diags, (tm_span){0}, "fixture folder %s holds no .threat file",
				              given);
				good = false;
			}
		} else {
			struct stat st;
			if (stat(given, &st) != 0 || !S_ISREG(st.st_mode)) {
				tm_diag_error(diags, (tm_span){0}, "no fixture %s", given);
				good = false;
				continue;
			}
			add_fixture(test, tm_xstrdup(given), SIZE_MAX);
		}
	}
	if (o->nfixtures)
		return good;
	for (size_t i = 0; i < tm_rules_pack_count(test->under_test); i++) {
		char *folder = fixture_folder(tm_rules_pack_path(test->under_test, i));
		if (!add_folder(test, folder, i)) {
			tm_diag_error(
			    diags, (tm_span){0},
			    "pack %s has no fixtures: %s/ holds no .threat file (doc/rules.md, \"Testing a "
			    "pack\")",
			    tm_rules_pack_path(test->under_test, i), folder);
			good = false;
		}
		free(folder);
	}
	return good;
}

/* False for a warning without a place already shown (the packs' own
 * warnings come again with every fixture's check); else true, and it is
 * remembered. */
static bool first_showing(tm_packtest *test, const tm_diag *d)
{
	if (d->severity != TM_SEV_WARNING || d->span.src)
		return true;
	for (size_t i = 0; i < test->nshown_warnings; i++)
		if (strcmp(test->shown_warnings[i], d->message) == 0)
			return false;
	char *kept = tm_xstrdup(d->message);
	TM_VEC_PUSH(test->shown_warnings, test->nshown_warnings, test->capshown_warnings, kept);
	return true;
}

int tm_packtest_open(tm_packtest **out, const tm_packtest_options *options, tm_diags *diags)
{
	tm_packtest *test = tm_xcalloc(1, sizeof *test);
	*out = test;
	test->options = *options;
	size_t nbuiltin =
	    options->with_builtins ? sizeof tm_rules_default_packs / sizeof *tm_rules_default_packs : 0;
	test->load = tm_xcalloc(nbuiltin + options->npacks + 1, sizeof *test->load);
	for (size_t i = 0; i < nbuiltin; i++)
		test->load[test->nload++] = tm_rules_default_packs[i];
	for (size_t i = 0; i < options->npacks; i++)
		test->load[test->nload++] = options->packs[i];

	size_t errors = diags->errors, warnings = diags->count;
	int loaded = tm_rules_load_names(&test->under_test, options->packs, options->npacks, ".", diags);
	for (size_t i = warnings; i < diags->count; i++)
		first_showing(test, &diags->items[i]);
	if (loaded != TM_OK)
		return TM_ERR_INPUT;
	tm_rules_finish(test->under_test); /* only its rule infos are needed */
	if (!find_fixtures(test, diags) || diags->errors > errors)
		return TM_ERR_INPUT;
	return TM_OK;
}

size_t tm_packtest_count(const tm_packtest *test)
{
	return test ? test->nfixtures : 0;
}

void tm_packtest_counts(const tm_packtest *test, size_t *passed, size_t *failed, size_t *broken)
{
	*passed = test->passed;
	*failed = test->failed;
	*broken = test->broken;
}

/* ---- annotations ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static tm_span span_of(const tm_source *src, uint32_t start, uint32_t end)
{
	return (tm_span){.src = src, .start = start, .end = end};
}

/* Reads the ids of an `expect` or `expect-not` after its colon: words
 * separated by blanks or commas, up to the end of the comment or a `--`
 * that starts an explanation. */
static void read_ids(tm_packtest *test, const tm_source *src, uint32_t at, uint32_t end, bool negated,
                     uint32_t line, tm_diags *diags, uint32_t keyword_start)
{
	const char *text = src->text;
	bool any = false;
	while (at < end) {
		while (at < end && (is_blank(text[at]) || text[at] == ','))
			at++;
		if (at >= end)
			break;
		uint32_t start = at;
		while (at < end && !is_blank(text[at]) && text[at] != ',')
			at++;
		size_t len = at - start;
		if (len == 2 && text[start] == '-' && text[start + 1] == '-')
			break;
		any = true;
		const char *word = text + start;
		const char *at_sign = memchr(word, '@', len);
		bool good = at_sign && at_sign > word && at_sign < word + len - 1;
		for (size_t i = 0; good && i < len; i++)
			good = (unsigned char)word[i] > ' ' && word[i] != '#';
		if (!good) {
			tm_diag_error(
			    diags, span_of(src, start, at),
			    "'%.*s' is not a finding id: write RULE@ELEMENT (a flow's key SRC->DST, "
			    "`model` for a model rule, `*` for any run of characters)",
			    (int)len, word);
			continue;
		}
		annotation a = {.text = tm_arena_strndup(test->arena, word, len),
		                .span = span_of(src, start, at),
		                .line = line,
		                .negated = negated};
		TM_VEC_PUSH(test->annotations, test->nannotations, test->capannotations, a);
	}
	if (!any)
		tm_diag_error(diags, span_of(src, keyword_start, end), "`%s:` names no finding",
		              negated ? "expect-not" : "expect");
}

/* Reads one comment: `expect:`, `expect-not:` or `today:`; other
 * comments are the fixture's own, except a first word that looks like an
 * annotation and is none (`expects:`, `expect` without its colon). */
static void read_comment(tm_packtest *test, const tm_source *src, const tm_comment *c, int32_t *today,
                         uint32_t *today_line, tm_diags *diags)
{
	const char *text = src->text;
	uint32_t at = c->start + 1, end = c->end;
	while (at < end && is_blank(text[at]))
		at++;
	uint32_t word_start = at;
	while (at < end && !is_blank(text[at]) && text[at] != ':')
		at++;
	size_t len = at - word_start;
	const char *word = text + word_start;
	bool colon = at < end && text[at] == ':';
	uint32_t line, column;
	tm_source_position(src, c->start, &line, &column);
	bool expect = len == 6 && memcmp(word, "expect", 6) == 0;
	bool expect_not = len == 10 && memcmp(word, "expect-not", 10) == 0;
	bool today_word = len == 5 && memcmp(word, "today", 5) == 0;
	if ((expect || expect_not) && colon) {
		read_ids(test, src, at + 1, end, expect_not, line, diags, word_start);
		return;
	}
	if (today_word && colon) {
		uint32_t date_start = at + 1;
		while (date_start < end && is_blank(text[date_start]))
			date_start++;
		uint32_t date_end = date_start;
		while (date_end < end && !is_blank(text[date_end]))
			date_end++;
		int32_t days;
		if (!tm_date_parse(text + date_start, date_end - date_start, &days)) {
			tm_diag_error(diags, span_of(src, word_start, end),
			              "`today:` wants a date like 2026-06-01");
		} else if (*today_line) {
			tm_diag_error(diags, span_of(src, word_start, end),
			              "a second `today:` (the first is on line %u)", *today_line);
		} else {
			*today = days;
			*today_line = line;
		}
		return;
	}
	/* `expect ACME-01@api`, `expects:`, `expect-none:`: a mistake, not prose. */
	bool near = (expect || expect_not || today_word) ||
	            (colon && len >= 6 && (memcmp(word, "expect", 6) == 0 || memcmp(word, "today", 5) == 0));
	if (near)
		tm_diag_error(diags, span_of(src, word_start, colon ? at + 1 : at),
		              "unknown annotation '%.*s%s': write `# expect: RULE@ELEMENT`, `# expect-not: "
		              "RULE@ELEMENT` or `# today: YYYY-MM-DD`",
		              (int)len, word, colon ? ":" : "");
}

/* Reads the fixture's annotations from its comments (the lexer finds
 * them; the model's own errors are reported by the check after). */
static bool read_annotations(tm_packtest *test, const char *path, int32_t *today, tm_diags *diags)
{
	char why[256];
	tm_source *src = tm_source_read(test->arena, path, why, sizeof why);
	if (!src) {
		tm_diag_error(diags, (tm_span){0}, "%s: %s", path, why);
		return false;
	}
	tm_diags lexing = {0};
	tm_lexer lex;
	tm_lex_init(&lex, src, &lexing);
	for (;;) {
		tm_token tok = tm_lex_next(&lex);
		if (tok.kind == TM_TOK_EOF)
			break;
	}
	tm_diags_free(&lexing);
	uint32_t today_line = 0;
	for (size_t i = 0; i < lex.ncomments; i++)
		read_comment(test, src, &lex.comments[i], today, &today_line, diags);
	free(lex.comments);
	/* An expect and an expect-not of the same text contradict each other. */
	for (size_t i = 0; i < test->nannotations; i++)
		for (size_t j = i + 1; j < test->nannotations; j++) {
			const annotation *a = &test->annotations[i], *b = &test->annotations[j];
			if (a->negated != b->negated && strcmp(a->text, b->text) == 0)
				tm_diag_error(diags, b->span, "'%s' is both expected and not (line %u)",
				              b->text, a->line);
		}
	return true;
}

/* ---- checking the annotations against the model and its packs ---- */

static bool has_glob(const char *text, size_t len)
{
	return memchr(text, '*', len) != NULL;
}

static bool known_rule(const tm_rules *rules, const char *id)
{
	return tm_rules_find(rules, id) != NULL;
}

static bool known_threat(const tm_model *model, const char *id)
{
	for (size_t i = 0; i < model->nthreats; i++)
		if (strcmp(model->threats[i].id, id) == 0)
			return true;
	return false;
}

/* A finding's key: an element or flow key, `model`, a hand-written
 * threat's id, or a finding id (RULE@KEY) for a rule about findings. */
static bool known_key(const tm_model *model, const tm_rules *rules, const char *key, int depth)
{
	if (strcmp(key, "model") == 0 || tm_model_get(model, key) || known_threat(model, key))
		return true;
	const char *at = strchr(key, '@');
	if (!at || at == key || depth > 8)
		return false;
	char *rule = tm_xstrndup(key, (size_t)(at - key));
	bool known = known_rule(rules, rule) && known_key(model, rules, at + 1, depth + 1);
	free(rule);
	return known;
}

/* "did you mean" among the loaded rules' ids or the model's keys. */
static void suggest(tm_diag *diag, const char *name, const char **candidates, size_t count)
{
	const char *close = tm_suggest(name, candidates, count);
	if (diag && close)
		tm_diag_note(diag, (tm_span){0}, "did you mean '%s'?", close);
}

static bool check_annotation(const annotation *a, const tm_model *model, const tm_rules *rules,
                             tm_diags *diags)
{
	const char *at = strchr(a->text, '@');
	size_t rule_len = (size_t)(at - a->text);
	const char *kind = a->negated ? "expect-not" : "expect";
	char *rule = tm_xstrndup(a->text, rule_len);
	bool good = true;
	if (!has_glob(rule, rule_len) && !known_rule(rules, rule)) {
		size_t count = tm_rules_count(rules);
		const char **ids = tm_xcalloc(count + 1, sizeof *ids);
		for (size_t i = 0; i < count; i++)
			ids[i] = tm_rules_info(rules, i)->id;
		tm_diag *d =
		    tm_diag_error(diags, a->span, "%s names no rule '%s' of the packs loaded", kind, rule);
		suggest(d, rule, ids, count);
		free(ids);
		good = false;
	}
	const char *key = at + 1;
	if (good && !has_glob(key, strlen(key)) && !known_key(model, rules, key, 0)) {
		const char **keys = tm_xcalloc(model->nelements + 1, sizeof *keys);
		for (size_t i = 0; i < model->nelements; i++)
			keys[i] = model->elements[i]->key;
		tm_diag *d =
		    tm_diag_error(diags, a->span, "%s names no element '%s' of the fixture", kind, key);
		suggest(d, key, keys, model->nelements);
		free(keys);
		good = false;
	}
	free(rule);
	return good;
}

static void add_problem(tm_packtest *test, tm_packtest_why why, const char *finding, const char *file,
                        uint32_t line)
{
	tm_packtest_fixture *f = &test->current;
	tm_packtest_problem p = {.why = why, .finding = finding, .file = file, .line = line};
	TM_VEC_PUSH(f->problems, f->nproblems, test->capproblems, p);
}

static int compare_problems(const void *a, const void *b)
{
	const tm_packtest_problem *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->why != y->why)
		return x->why < y->why ? -1 : 1;
	return strcmp(x->finding, y->finding);
}

/* A finding the fixture checks: generated (RULE@KEY; hand-written threats
 * have no '@') by a rule of the pack whose folder holds the fixture, or
 * of any pack under test for a fixture named on the command line. */
static bool under_test(const tm_packtest *test, size_t owner, const tm_finding *f)
{
	if (!f->id || !strchr(f->id, '@') || !f->about || !f->about->rule)
		return false;
	const tm_rule_info *info = tm_rules_find(test->under_test, f->about->rule);
	if (!info)
		return false;
	return owner == SIZE_MAX || strcmp(info->pack, tm_rules_pack_name(test->under_test, owner)) == 0;
}

/* Compares the findings with the annotations. */
static void compare(tm_packtest *test, const char *fixture_path, size_t owner)
{
	tm_packtest_fixture *f = &test->current;
	const tm_findings *findings = &test->session->findings;
	for (size_t i = 0; i < findings->count; i++) {
		const tm_finding *finding = &findings->items[i];
		if (!finding->id || !strchr(finding->id, '@'))
			continue;
		bool checked = under_test(test, owner, finding), expected = false, forbidden = false;
		f->raised += checked;
		for (size_t j = 0; j < test->nannotations; j++) {
			annotation *a = &test->annotations[j];
			if (!tm_glob_match(a->text, finding->id))
				continue;
			if (a->negated) {
				if (!forbidden)
					add_problem(test, TM_PACKTEST_EXPECT_NOT, finding->id, fixture_path,
					            a->line);
				forbidden = true;
			} else {
				a->met = expected = true;
			}
		}
		if (checked && !expected && !forbidden && !test->options.lenient)
			add_problem(test, TM_PACKTEST_UNEXPECTED, finding->id,
			            finding->file ? finding->file : "", finding->line);
	}
	for (size_t j = 0; j < test->nannotations; j++) {
		const annotation *a = &test->annotations[j];
		if (a->negated)
			continue;
		if (a->met)
			f->expected++;
		else
			add_problem(test, TM_PACKTEST_MISSING, a->text, fixture_path, a->line);
	}
	if (f->nproblems)
		qsort(f->problems, f->nproblems, sizeof *f->problems, compare_problems);
}

/* Copies a diagnostic of the check into the fixture's. */
static void copy_diag(tm_diags *to, const tm_diag *d)
{
	tm_diag *copy = d->severity == TM_SEV_ERROR ? tm_diag_error(to, d->span, "%s", d->message)
	                                            : tm_diag_warning(to, d->span, "%s", d->message);
	for (size_t i = 0; copy && i < d->nnotes; i++)
		tm_diag_note(copy, d->notes[i].span, "%s", d->notes[i].message);
}

static void clear_current(tm_packtest *test)
{
	tm_session_free(test->session);
	test->session = NULL;
	tm_diags_free(&test->current.diags);
	free(test->current.problems);
	test->current = (tm_packtest_fixture){0};
	test->capproblems = 0;
	free(test->annotations);
	test->annotations = NULL;
	test->nannotations = test->capannotations = 0;
	if (test->arena)
		tm_arena_free(test->arena);
	test->arena = NULL;
}

const tm_packtest_fixture *tm_packtest_run(tm_packtest *test, size_t index)
{
	clear_current(test);
	if (index >= test->nfixtures)
		return NULL;
	tm_packtest_fixture *f = &test->current;
	const char *path = test->fixtures[index];
	f->path = path;
	f->pack = test->owners[index] == SIZE_MAX ? NULL
	                                          : tm_rules_pack_name(test->under_test, test->owners[index]);
	f->today = test->options.today;
	test->arena = tm_arena_new();
	tm_diags *diags = &f->diags;
	bool readable = read_annotations(test, path, &f->today, diags);
	bool broken = !readable || diags->errors > 0;
	if (readable) {
		tm_session_options options = {.today = f->today,
		                              .budget = test->options.budget,
		                              .packs = test->load,
		                              .npacks = test->nload};
		tm_session_open(&test->session, &path, 1, &options);
		const tm_session *s = test->session;
		for (size_t i = 0; i < s->diags.count; i++)
			if (first_showing(test, &s->diags.items[i]))
				copy_diag(diags, &s->diags.items[i]);
		broken = broken || s->model_failed || !s->rules || s->rules_failed || s->tracking_failed;
		if (!s->model_failed && s->rules) {
			for (size_t i = 0; i < test->nannotations; i++)
				if (!check_annotation(&test->annotations[i], s->model, s->rules, diags))
					broken = true;
		}
		if (!broken)
			compare(test, path, test->owners[index]);
	}
	if (broken) {
		f->status = TM_PACKTEST_BROKEN;
		f->nproblems = 0;
		test->broken++;
	} else if (f->nproblems) {
		f->status = TM_PACKTEST_FAILED;
		test->failed++;
	} else {
		f->status = TM_PACKTEST_PASSED;
		test->passed++;
	}
	return f;
}

void tm_packtest_free(tm_packtest *test)
{
	if (!test)
		return;
	clear_current(test);
	if (test->under_test)
		tm_rules_free(test->under_test);
	for (size_t i = 0; i < test->nfixtures; i++)
		free(test->fixtures[i]);
	free(test->fixtures);
	free(test->owners);
	for (size_t i = 0; i < test->nshown_warnings; i++)
		free(test->shown_warnings[i]);
	free(test->shown_warnings);
	free(test->load);
	free(test);
}

/* ---- output ---- */

static const char *plural_s(size_t n)
{
	return n == 1 ? "" : "s";
}

void tm_packtest_text_fixture(tm_buf *out, const tm_packtest_fixture *f)
{
	switch (f->status) {
	case TM_PACKTEST_PASSED:
		tm_buf_puts(out, "ok      ");
		tm_term_sanitize(out, f->path);
		tm_buf_printf(out, " (%zu finding%s, as expected)\n", f->raised, plural_s(f->raised));
		return;
	case TM_PACKTEST_BROKEN:
		tm_buf_puts(out, "BROKEN  ");
		tm_term_sanitize(out, f->path);
		tm_buf_puts(out, " (not checked: the errors above)\n");
		return;
	case TM_PACKTEST_FAILED: break;
	}
	tm_buf_puts(out, "FAILED  ");
	tm_term_sanitize(out, f->path);
	tm_buf_putc(out, '\n');
	for (size_t i = 0; i < f->nproblems; i++) {
		const tm_packtest_problem *p = &f->problems[i];
		tm_buf_puts(out, "  ");
		tm_term_sanitize(out, p->file);
		tm_buf_printf(out, ":%u: %s ", p->line,
		              p->why == TM_PACKTEST_MISSING ? "missing" : "unexpected");
		tm_term_sanitize(out, p->finding);
		switch (p->why) {
		case TM_PACKTEST_MISSING: tm_buf_puts(out, ": expected here, not raised\n"); break;
		case TM_PACKTEST_EXPECT_NOT: tm_buf_puts(out, ": raised, and expect-not here\n"); break;
		case TM_PACKTEST_UNEXPECTED:
			tm_buf_puts(out, ": raised on the element declared here, and no expect names it\n");
			break;
		}
	}
}

void tm_packtest_text_summary(tm_buf *out, const tm_packtest *test)
{
	size_t total = test->passed + test->failed + test->broken;
	tm_buf_printf(out, "%zu fixture%s: %zu passed, %zu failed, %zu broken\n", total, plural_s(total),
	              test->passed, test->failed, test->broken);
}

void tm_packtest_json_begin(tm_buf *out, tm_packtest *test)
{
	tm_json *json = &test->json;
	tm_json_init(json, out);
	tm_json_begin_object(json);
	tm_json_key(json, "packs");
	tm_json_begin_array(json);
	const tm_rules *rules = test->under_test;
	for (size_t p = 0; p < tm_rules_pack_count(rules); p++) {
		const char *name = tm_rules_pack_name(rules, p);
		int64_t count = 0;
		for (size_t i = 0; i < tm_rules_count(rules); i++) {
			const tm_rule_info *info = tm_rules_info(rules, i);
			count += info->pack && strcmp(info->pack, name) == 0;
		}
		tm_json_begin_object(json);
		tm_json_key(json, "name");
		tm_json_string(json, name);
		tm_json_key(json, "file");
		tm_json_string(json, tm_rules_pack_path(rules, p));
		tm_json_key(json, "rules");
		tm_json_int(json, count);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	tm_json_key(json, "with_builtins");
	tm_json_bool(json, test->options.with_builtins);
	tm_json_key(json, "strict");
	tm_json_bool(json, !test->options.lenient);
	tm_json_key(json, "fixtures");
	tm_json_begin_array(json);
}

static const char *const why_names[] = {"missing", "expect-not", "unexpected"}; /* ORDER tm_packtest_why */
static const char *const status_names[] = {"passed", "failed", "broken"};       /* ORDER tm_packtest_status */

void tm_packtest_json_fixture(tm_packtest *test, const tm_packtest_fixture *f)
{
	tm_json *json = &test->json;
	tm_json_begin_object(json);
	tm_json_key(json, "file");
	tm_json_string(json, f->path);
	tm_json_key(json, "pack");
	tm_json_string(json, f->pack);
	tm_json_key(json, "status");
	tm_json_string(json, status_names[f->status]);
	tm_json_key(json, "today");
	tm_json_date(json, f->today);
	tm_json_key(json, "raised");
	tm_json_int(json, (int64_t)f->raised);
	tm_json_key(json, "expected");
	tm_json_int(json, (int64_t)f->expected);
	tm_json_key(json, "problems");
	tm_json_begin_array(json);
	for (size_t i = 0; i < f->nproblems; i++) {
		const tm_packtest_problem *p = &f->problems[i];
		tm_json_begin_object(json);
		tm_json_key(json, "kind");
		tm_json_string(json, why_names[p->why]);
		tm_json_key(json, "finding");
		tm_json_string(json, p->finding);
		tm_json_key(json, "file");
		tm_json_string(json, p->file);
		tm_json_key(json, "line");
		tm_json_int(json, p->line);
		tm_json_end_object(json);
	}
	tm_json_end_array(json);
	tm_json_key(json, "diagnostics");
	tm_render_diags_json(json, &f->diags);
	tm_json_end_object(json);
}

void tm_packtest_json_end(tm_packtest *test)
{
	tm_json *json = &test->json;
	tm_json_end_array(json);
	tm_json_key(json, "passed");
	tm_json_int(json, (int64_t)test->passed);
	tm_json_key(json, "failed");
	tm_json_int(json, (int64_t)test->failed);
	tm_json_key(json, "broken");
	tm_json_int(json, (int64_t)test->broken);
	tm_json_end_object(json);
	tm_buf_putc(json->out, '\n');
}
