/* Unit tests for src/model: loading (text, files, includes), ids and keys,
 * children and Level 0, flows, boundaries and crossings, exposure, assets,
 * scope, threats, mitigations, acceptances, and every resolution error with
 * its exact message and place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/date.h"
#include "model/model.h"
#include "threat/status.h"

static char *render(const tm_diags *diags)
{
	tm_buf out = TM_BUF_INIT;
	tm_diags_render(&out, diags, false);
	tm_buf_puts(&out, "");
	return tm_buf_detach(&out);
}

/* Loads text that must resolve without a diagnostic. */
static tm_model *load_ok(const char *text)
{
	tm_diags diags = {0};
	tm_model *model = NULL;
	int status = tm_model_load_text(&model, "t.threat", text, strlen(text), &diags);
	if (diags.count) {
		char *shown = render(&diags);
		print_error("unexpected diagnostics:\n%s", shown);
		free(shown);
	}
	assert_int_equal(status, TM_OK);
	assert_int_equal(diags.count, 0);
	assert_non_null(model);
	tm_diags_free(&diags);
	return model;
}

/* Loads text that must fail, and checks that the rendered diagnostics
 * contain each of the fragments (a head line, a note, a caret line...). */
static void expect_diags(const char *text, const char *const *expected)
{
	tm_diags diags = {0};
	tm_model *model = NULL;
	int status = tm_model_load_text(&model, "t.threat", text, strlen(text), &diags);
	char *shown = render(&diags);
	for (size_t i = 0; expected[i]; i++) {
		if (!strstr(shown, expected[i]))
			print_error("expected:\n%s\nwithin:\n%s", expected[i], shown);
		assert_non_null(strstr(shown, expected[i]));
	}
	assert_int_equal(status, TM_ERR_INPUT);
	assert_non_null(model);
	free(shown);
	tm_diags_free(&diags);
	tm_model_free(model);
}

#define expect_diag(text, ...) expect_diags((text), (const char *const[]){__VA_ARGS__, NULL})

static int32_t day(const char *text)
{
	int32_t days = 0;
	assert_true(tm_date_parse(text, strlen(text), &days));
	return days;
}

static const char spec_model[] =
    "model \"Customer Portal\" {\n"                                                              /* 1 */
    "  date 2026-03-24  status draft  sensitivity high  next_review 2026-06-24\n"                /* 2 */
    "}\n"                                                                                        /* 3 */
    "use \"stride\"\n"                                                                           /* 4 */
    "asset A-02 \"user PII\" { sensitivity high  pii true }\n"                                   /* 5 */
    "asset A-03 \"logs\" { sensitivity low }\n"                                                  /* 6 */
    "actor insider \"Rogue admin\" { access internal }\n"                                        /* 7 */
    "external browser \"Client browser\" { zone internet }\n"                                    /* 8 */
    "external keycloak \"Keycloak\" { zone partner  kind idp }\n"                                /* 9 */
    "process  web \"Next.js app\" { tech nextjs }\n"                                             /* 10 */
    "process  api \"Hono API\" {\n"                                                              /* 11 */
    "  tech hono\n"                                                                              /* 12 */
    "  process auth \"Auth middleware\"\n"                                                       /* 13 */
    "  process dal  \"Database access layer\" { store cache }\n"                                 /* 14 */
    "}\n"                                                                                        /* 15 */
    "store    db \"PostgreSQL\" { stores [A-02]  encrypted true }\n"                             /* 16 */
    "boundary TB-03 \"API\" <api, TB-04>\n"                                                      /* 17 */
    "boundary TB-04 \"DB\" <db>\n"                                                               /* 18 */
    "flow browser -> web \"pages\" { protocol https }\n"                                         /* 19 */
    "flow web -> api \"REST calls\" { data [A-02, A-03] }\n"                                     /* 20 */
    "flow sql: api.dal -> db \"queries\" { tls true }\n"                                         /* 21 */
    "flow api <-> keycloak \"OIDC\"\n"                                                           /* 22 */
    "threat T-01 \"Session hijacking\" {\n"                                                      /* 23 */
    "  category spoofing  on browser -> web  found 2026-03-01\n"                                 /* 24 */
    "  likelihood { skill 2 motive 2 opportunity 3 }\n"                                          /* 25 */
    "  impact { confidentiality 3 }\n"                                                           /* 26 */
    "}\n"                                                                                        /* 27 */
    "threat T-02 \"Token theft\" { category information_disclosure  on keycloak -> api\n"        /* 28 */
    "  likelihood { skill 1 } impact { integrity 2 } }\n"                                        /* 29 */
    "mitigation M-01 \"CSP\" { mitigates [T-01, STRIDE-T-01@sql, X-1@web -> api, X-2@api.dal]\n" /* 30 */
    "  status in_progress  owner \"dev\"  due 2026-04-30 }\n"                                    /* 31 */
    "accept STRIDE-R-01@api \"Audit trail\" { by victoria  until 2026-09-01 }\n"                 /* 32 */
    "accept T-02 \"Not ours\" { by \"pol\"  as false_positive }\n";                              /* 33 */

/* A large model holds hundreds of thousands of elements (doc/architecture.md,
 * "Memory"): a change that widens one shows up here first. */
static void test_element_size(void **state)
{
	(void)state;
	if (sizeof(void *) != 8)
		skip();
	assert_int_equal(sizeof(tm_element), 176);
}

/* An arena that prefaults (the model's, while it is parsed) hands out
 * zeroed memory from chunks another thread faulted in, and still does
 * once it stops; a spare left over is freed with the arena. The
 * ThreadSanitizer build runs it with the arena's real chunks. */
static void test_arena_prefault(void **state)
{
	(void)state;
	tm_arena *arena = tm_arena_new();
	tm_arena_prefault(arena, true);
	enum { BLOCKS = 4000, SIZE = 10000 };
	unsigned char *blocks[BLOCKS];
	for (size_t i = 0; i < BLOCKS; i++) {
		if (i == BLOCKS / 2)
			tm_arena_prefault(arena, false);
		blocks[i] = tm_arena_alloc(arena, SIZE);
		for (size_t b = 0; b < SIZE; b += 997)
			assert_int_equal(blocks[i][b], 0);
		memset(blocks[i], (int)(i % 251) + 1, SIZE);
	}
	for (size_t i = 0; i < BLOCKS; i++)
		for (size_t b = 0; b < SIZE; b += 997)
			assert_int_equal(blocks[i][b], (int)(i % 251) + 1);
	assert_true(tm_arena_used(arena) >= (size_t)BLOCKS * SIZE);
	tm_arena_free(arena);
	/* A spare made, then never used. */
	arena = tm_arena_new();
	tm_arena_prefault(arena, true);
	for (size_t i = 0; i < 600; i++)
		tm_arena_alloc(arena, SIZE);
	tm_arena_free(arena);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(tm_element_kind_names[TM_EL_EXTERNAL], "external");
	assert_string_equal(tm_element_kind_names[TM_EL_PROCESS], "process");
	assert_string_equal(tm_element_kind_names[TM_EL_STORE], "store");
	assert_string_equal(tm_element_kind_names[TM_EL_FLOW], "flow");
	assert_string_equal(tm_element_kind_names[TM_EL_BOUNDARY], "boundary");
	assert_string_equal(tm_element_kind_names[TM_EL_ASSET], "asset");
	assert_string_equal(tm_element_kind_names[TM_EL_ACTOR], "actor");
	assert_string_equal(tm_exposure_names[TM_EXPOSURE_INTERNAL], "internal");
	assert_string_equal(tm_exposure_names[TM_EXPOSURE_NETWORK], "network");
	assert_string_equal(tm_exposure_names[TM_EXPOSURE_INTERNET], "internet");
	assert_string_equal(tm_sensitivity_names[TM_SENS_LOW], "low");
	assert_string_equal(tm_sensitivity_names[TM_SENS_CRITICAL], "critical");
	assert_string_equal(tm_mitigation_status_names[TM_MIT_PLANNED], "planned");
	assert_string_equal(tm_mitigation_status_names[TM_MIT_IN_PROGRESS], "in_progress");
	assert_string_equal(tm_mitigation_status_names[TM_MIT_IMPLEMENTED], "implemented");
	assert_string_equal(tm_mitigation_status_names[TM_MIT_VERIFIED], "verified");
}

static void test_meta_and_elements(void **state)
{
	(void)state;
	tm_model *m = load_ok(spec_model);
	assert_string_equal(m->meta.name, "Customer Portal");
	assert_int_equal(m->meta.date, day("2026-03-24"));
	assert_int_equal(m->meta.next_review, day("2026-06-24"));
	assert_int_equal(m->meta.sensitivity, TM_SENS_HIGH);
	assert_null(m->meta.history);
	assert_int_equal(m->meta.nhistory, 0);
	assert_int_equal(m->nuses, 1);
	assert_string_equal(m->uses[0].name, "stride");
	assert_string_equal(m->uses[0].base_dir, ".");

	/* Declaration order, children right after their parent. */
	const char *order[] = {"A-02",     "A-03",    "insider",       "browser", "keycloak", "web",  "api",
	                       "api.auth", "api.dal", "api.dal.cache", "db",      "TB-03",    "TB-04"};
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		assert_string_equal(m->elements[i]->id, order[i]);
		assert_int_equal(m->elements[i]->index, i);
	}
	assert_int_equal(m->nelements, 17);

	tm_element *api = tm_model_get(m, "api"), *dal = tm_model_get(m, "api.dal");
	tm_element *cache = tm_model_get(m, "api.dal.cache");
	assert_non_null(api);
	assert_int_equal(api->kind, TM_EL_PROCESS);
	assert_string_equal(api->label, "Hono API");
	assert_int_equal(api->line, 11);
	assert_int_equal(api->nchildren, 2);
	assert_ptr_equal(api->children[1], dal);
	assert_ptr_equal(dal->parent, api);
	assert_int_equal(dal->depth, 1);
	assert_int_equal(cache->kind, TM_EL_STORE);
	assert_int_equal(cache->depth, 2);
	assert_int_equal(cache->line, 14);
	assert_ptr_equal(tm_element_level0(cache), api);
	assert_ptr_equal(tm_element_level0(api), api);
	assert_null(tm_model_get(m, "dal"));
	assert_null(tm_model_get(m, "nothing"));

	/* Labels default to the id; attribute readers. */
	assert_string_equal(cache->label, "api.dal.cache");
	assert_string_equal(tm_element_attr_text(api, "tech"), "hono");
	assert_true(tm_element_attr_bool(tm_model_get(m, "db"), "encrypted", false));
	assert_false(tm_element_attr_bool(api, "encrypted", false));
	assert_null(tm_element_attr(api, "nothing"));
	assert_string_equal(tm_model_get(m, "keycloak")->zone, "partner");
	assert_string_equal(tm_model_get(m, "browser")->zone, "internet");
	tm_model_free(m);
}

static void test_history(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\" {\n"
	                      "  version 1.1\n"
	                      "  history [\n"
	                      "    { version \"1.0\"  date 2026-03-01  author faye  changes \"first model\" },\n"
	                      "    { version 1.1  date 2026-05-01  author \"pol\"  changes \"admin panel\" },\n"
	                      "  ]\n"
	                      "}\n");
	assert_int_equal(m->meta.nhistory, 2);
	assert_string_equal(m->meta.history[0].version, "1.0");
	assert_int_equal(m->meta.history[0].date, day("2026-03-01"));
	assert_string_equal(m->meta.history[0].author, "faye");
	assert_string_equal(m->meta.history[0].changes, "first model");
	assert_string_equal(m->meta.history[1].version, "1.1");
	assert_int_equal(m->meta.history[1].date, day("2026-05-01"));
	assert_string_equal(m->meta.history[1].author, "pol");
	assert_string_equal(m->meta.history[1].changes, "admin panel");
	tm_model_free(m);

	/* One entry may stand alone, without the list. */
	m = load_ok("model \"m\" { history { version \"1.0\"  date 2026-03-01  author a  changes b } }\n");
	assert_int_equal(m->meta.nhistory, 1);
	assert_string_equal(m->meta.history[0].changes, "b");
	tm_model_free(m);
}

static void test_flows(void **state)
{
	(void)state;
	tm_model *m = load_ok(spec_model);
	tm_element *pages = tm_model_get(m, "browser->web"), *sql = tm_model_get(m, "sql");
	tm_element *oidc = tm_model_get(m, "api->keycloak");
	assert_non_null(pages);
	assert_non_null(sql);
	assert_non_null(oidc);
	assert_null(pages->id);
	assert_string_equal(pages->key, "browser->web");
	assert_string_equal(pages->label, "pages");
	assert_string_equal(sql->id, "sql");
	assert_string_equal(sql->key, "sql");
	assert_null(tm_model_get(m, "api.dal->db")); /* a flow with an id is known by its id */
	assert_ptr_equal(sql->source, tm_model_get(m, "api.dal"));
	assert_ptr_equal(sql->target, tm_model_get(m, "db"));
	assert_int_equal(sql->line, 21);

	/* A <-> flow is one flow that counts both ways at both ends. */
	tm_element *api = tm_model_get(m, "api"), *keycloak = tm_model_get(m, "keycloak");
	assert_true(oidc->bidirectional);
	assert_false(sql->bidirectional);
	assert_int_equal(api->ninflows, 2); /* web->api, api<->keycloak */
	assert_int_equal(api->noutflows, 1);
	assert_ptr_equal(api->outflows[0], oidc);
	assert_int_equal(keycloak->ninflows, 1);
	assert_int_equal(keycloak->noutflows, 1);
	assert_ptr_equal(keycloak->outflows[0], oidc);
	tm_element *dal = tm_model_get(m, "api.dal");
	assert_int_equal(dal->noutflows, 1);
	assert_int_equal(dal->ninflows, 0);
	tm_model_free(m);
}

static void test_boundaries_and_crossings(void **state)
{
	(void)state;
	tm_model *m = load_ok(spec_model);
	tm_element *tb3 = tm_model_get(m, "TB-03"), *tb4 = tm_model_get(m, "TB-04");
	assert_ptr_equal(tb4->outer, tb3);
	assert_null(tb3->outer);
	assert_int_equal(tb3->nmembers, 2);
	assert_ptr_equal(tb3->members[1], tb4);

	tm_element *db = tm_model_get(m, "db"), *cache = tm_model_get(m, "api.dal.cache");
	assert_int_equal(db->nboundaries, 2);
	assert_ptr_equal(db->boundaries[0], tb4);
	assert_ptr_equal(db->boundaries[1], tb3);
	assert_int_equal(cache->nboundaries, 1); /* through its grandparent */
	assert_ptr_equal(cache->boundaries[0], tb3);
	assert_int_equal(tm_model_get(m, "web")->nboundaries, 0);

	tm_element *sql = tm_model_get(m, "sql"), *rest = tm_model_get(m, "web->api");
	assert_int_equal(sql->ncrossings, 1);
	assert_ptr_equal(sql->crossings[0], tb4);
	assert_int_equal(rest->ncrossings, 1);
	assert_ptr_equal(rest->crossings[0], tb3);
	assert_int_equal(tm_model_get(m, "browser->web")->ncrossings, 0);
	tm_model_free(m);
}

static void test_nested_crossings(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\"\n"
	                      "process a { process child }\n"
	                      "process b\n"
	                      "process x\n"
	                      "process y\n"
	                      "boundary OUT <MID, x, OTHER>\n"
	                      "boundary MID <IN>\n"
	                      "boundary IN <a>\n"
	                      "boundary OTHER <y>\n"
	                      "flow a -> b\n"
	                      "flow a.child -> x\n"
	                      "flow a.child -> a\n"
	                      "flow y -> a\n");
	tm_element *out = tm_model_get(m, "OUT"), *mid = tm_model_get(m, "MID"), *in = tm_model_get(m, "IN");
	tm_element *other = tm_model_get(m, "OTHER");
	tm_element *ab = tm_model_get(m, "a->b");
	assert_int_equal(ab->ncrossings, 3);
	assert_ptr_equal(ab->crossings[0], in);
	assert_ptr_equal(ab->crossings[1], mid);
	assert_ptr_equal(ab->crossings[2], out);
	assert_int_equal(ab->nboundaries, 0);

	tm_element *cx = tm_model_get(m, "a.child->x");
	assert_int_equal(cx->ncrossings, 2);
	assert_ptr_equal(cx->crossings[0], in);
	assert_ptr_equal(cx->crossings[1], mid);
	assert_int_equal(cx->nboundaries, 1);
	assert_ptr_equal(cx->boundaries[0], out);

	assert_int_equal(tm_model_get(m, "a.child->a")->ncrossings, 0);

	/* Innermost first across both ends: IN (depth 2), MID (1), OTHER (1). */
	tm_element *ya = tm_model_get(m, "y->a");
	assert_int_equal(ya->ncrossings, 3);
	assert_ptr_equal(ya->crossings[0], in);
	assert_ptr_equal(ya->crossings[1], other);
	assert_ptr_equal(ya->crossings[2], mid);

	tm_element *child = tm_model_get(m, "a.child");
	assert_int_equal(child->nboundaries, 3);
	assert_ptr_equal(child->boundaries[0], in);
	assert_ptr_equal(child->boundaries[2], out);
	tm_model_free(m);
}

static tm_exposure exposure(const tm_model *m, const char *key)
{
	const tm_element *el = tm_model_get(m, key);
	assert_non_null(el);
	return (tm_exposure)el->exposure;
}

/* Asserts the reason tm_element_exposure_why gives for an element. */
static void assert_why(const tm_model *m, const char *key, const char *expected)
{
	tm_buf why = TM_BUF_INIT;
	tm_exposure_path *paths = tm_model_exposure_paths(m);
	assert_true(tm_element_exposure_why(&why, tm_model_get(m, key), paths));
	assert_string_equal(tm_buf_str(&why), expected);
	tm_buf_free(&why);
	free(paths);
}

/* The element that sends `key` the requests behind its exposure, and the
 * external they start at. */
static void assert_via(const tm_model *m, const char *key, const char *via, const char *origin)
{
	tm_exposure_path *paths = tm_model_exposure_paths(m);
	const tm_exposure_path *path = &paths[tm_model_get(m, key)->index];
	if (via) {
		assert_non_null(path->via);
		assert_string_equal(path->via->key, via);
		assert_string_equal(path->origin->key, origin);
	} else {
		assert_null(path->via);
		assert_null(path->origin);
	}
	assert_int_equal(path->level, tm_model_get(m, key)->exposure);
	free(paths);
}

static void test_exposure(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\"\n"
	                      "external user\n" /* zone internet by default */
	                      "external erp { zone partner }\n"
	                      "external cron { zone internal }\n"
	                      "process web { process handler }\n"
	                      "process svc\n"
	                      "process batch\n"
	                      "process island\n"
	                      "store db\n"
	                      "flow user -> web.handler\n"
	                      "flow web -> svc\n"
	                      "flow erp -> batch\n"
	                      "flow batch -> db\n"
	                      "flow island <-> cron\n"
	                      "flow svc -> erp\n");
	assert_int_equal(exposure(m, "user"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "web"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "web.handler"), TM_EXPOSURE_INTERNET);
	/* web ends the user's requests: svc lies further in. */
	assert_int_equal(exposure(m, "svc"), TM_EXPOSURE_NETWORK);
	/* An external's exposure is its zone's, whoever sends it requests. */
	assert_int_equal(exposure(m, "erp"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "cron"), TM_EXPOSURE_INTERNAL);
	/* Only the partner reaches batch, and db behind it. */
	assert_int_equal(exposure(m, "batch"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "db"), TM_EXPOSURE_NETWORK);
	/* island sends requests and gets replies: nothing reaches it. */
	assert_int_equal(exposure(m, "island"), TM_EXPOSURE_INTERNAL);
	assert_int_equal(exposure(m, "island->cron"), TM_EXPOSURE_INTERNAL);
	assert_int_equal(exposure(m, "user->web.handler"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "batch->db"), TM_EXPOSURE_NETWORK);
	assert_via(m, "web.handler", "user", "user");
	assert_via(m, "svc", "web", "user");
	assert_via(m, "db", "batch", "erp");
	assert_via(m, "island", NULL, NULL);
	assert_via(m, "erp", NULL, NULL);
	tm_model_free(m);
}

static void test_exposure_reply_does_not_expose(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\"\n"
	                      "external browser\n"
	                      "external feed \"Public price feed\"\n"
	                      "process web\n"
	                      "process api\n"
	                      "process poller\n"
	                      "flow browser <-> web\n"
	                      "flow web <-> api\n"
	                      "flow api <-> browser\n" /* api asks the browser: it is not reached */
	                      "flow poller <-> feed\n");
	assert_int_equal(exposure(m, "web"), TM_EXPOSURE_INTERNET);
	/* web <-> api: api takes web's requests, web only api's replies. */
	assert_int_equal(exposure(m, "api"), TM_EXPOSURE_NETWORK);
	assert_via(m, "api", "web", "browser");
	/* The reply from the internet does not make the poller reachable... */
	assert_int_equal(exposure(m, "poller"), TM_EXPOSURE_INTERNAL);
	assert_why(m, "poller", "no request from an external entity reaches it");
	/* ...but the flow carries what the internet sends back. */
	assert_int_equal(exposure(m, "poller->feed"), TM_EXPOSURE_INTERNET);
	assert_why(m, "poller->feed", "replies come from feed (zone internet)");
	assert_int_equal(exposure(m, "web->api"), TM_EXPOSURE_INTERNET);
	assert_why(m, "web->api", "requests come from web (internet)");
	assert_int_equal(exposure(m, "api->browser"), TM_EXPOSURE_INTERNET);
	tm_model_free(m);
}

static void test_exposure_pass_through(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\"\n"
	                      "external browser\n"
	                      "process cdn { kind cdn }\n"
	                      "process waf { kind waf }\n"
	                      "process web { process pages }\n"
	                      "process api\n"
	                      "process lb { kind load_balancer }\n"
	                      "process billing\n"
	                      "store db\n"
	                      "flow browser <-> cdn\n"
	                      "flow cdn <-> waf\n"
	                      "flow waf <-> web.pages\n"
	                      "flow web <-> api\n"
	                      "flow api -> lb\n"
	                      "flow lb -> billing\n"
	                      "flow sql: api <-> db\n");
	assert_true(tm_element_passes_through(tm_model_get(m, "cdn")));
	assert_true(tm_element_passes_through(tm_model_get(m, "lb")));
	assert_false(tm_element_passes_through(tm_model_get(m, "web")));
	assert_int_equal(exposure(m, "cdn"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "waf"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "web"), TM_EXPOSURE_INTERNET);
	assert_int_equal(exposure(m, "web.pages"), TM_EXPOSURE_INTERNET);
	assert_why(m, "cdn", "takes requests from browser (zone internet)");
	assert_why(m, "web", "takes requests from browser (zone internet) through cdn, waf (pass-through)");
	assert_why(m, "web.pages",
	           "as part of web: takes requests from browser (zone internet) through cdn, waf (pass-through)");
	/* web ends the requests: what lies behind it is network, and a
	 * pass-through further in does not bring the internet back. */
	assert_int_equal(exposure(m, "api"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "lb"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "billing"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "db"), TM_EXPOSURE_NETWORK);
	assert_why(m, "api",
	           "takes requests from web, further in from browser (zone internet): "
	           "browser -> cdn (pass-through) -> waf (pass-through) -> web -> api");
	assert_why(m, "billing",
	           "takes requests from lb, further in from browser (zone internet): "
	           "browser -> cdn (pass-through) -> waf (pass-through) -> web -> api -> lb (pass-through) -> billing");
	assert_int_equal(exposure(m, "sql"), TM_EXPOSURE_NETWORK);
	assert_why(m, "sql", "requests come from api (network)");
	assert_why(m, "browser", "external entity in zone internet");
	tm_model_free(m);
}

static void test_exposure_zones(void **state)
{
	(void)state;
	tm_model *m = load_ok("model \"m\"\n"
	                      "external admin \"Back-office PC\" { zone internal }\n"
	                      "external partner { zone partner }\n"
	                      "external idp { zone partner }\n"
	                      "process backoffice\n"
	                      "process hooks\n"
	                      "process gw { kind api_gateway }\n"
	                      "process reports\n"
	                      "store db\n"
	                      "flow admin <-> backoffice\n"
	                      "flow backoffice -> admin\n" /* pushes to the client: still internal */
	                      "flow backoffice <-> idp\n"
	                      "flow partner -> gw\n"
	                      "flow gw -> hooks\n"
	                      "flow hooks -> db\n"
	                      "flow reports <-> db\n");
	/* A client in zone internal stays internal, though it gets replies
	 * and requests; what it calls is reached from outside, at network. */
	assert_int_equal(exposure(m, "admin"), TM_EXPOSURE_INTERNAL);
	assert_why(m, "admin", "external entity in zone internal");
	assert_int_equal(exposure(m, "backoffice"), TM_EXPOSURE_NETWORK);
	assert_why(m, "backoffice", "takes requests from admin (zone internal)");
	assert_int_equal(exposure(m, "admin->backoffice"), TM_EXPOSURE_INTERNAL);
	assert_why(m, "admin->backoffice", "requests come from admin (zone internal)");
	/* A <-> flow to a partner takes the higher of the two. */
	assert_int_equal(exposure(m, "backoffice->idp"), TM_EXPOSURE_NETWORK);
	/* Partner only: network, through a pass-through too. */
	assert_int_equal(exposure(m, "partner"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "gw"), TM_EXPOSURE_NETWORK);
	assert_int_equal(exposure(m, "hooks"), TM_EXPOSURE_NETWORK);
	assert_why(m, "hooks", "takes requests from partner (zone partner) through gw (pass-through)");
	assert_int_equal(exposure(m, "db"), TM_EXPOSURE_NETWORK);
	assert_why(m, "db", "takes requests from hooks, further in from partner (zone partner): "
	                    "partner -> gw (pass-through) -> hooks -> db");
	/* reports only asks db: no request reaches it. */
	assert_int_equal(exposure(m, "reports"), TM_EXPOSURE_INTERNAL);
	assert_int_equal(exposure(m, "reports->db"), TM_EXPOSURE_INTERNAL);
	assert_int_equal(tm_zone_exposure(NULL), TM_EXPOSURE_INTERNET);
	assert_int_equal(tm_zone_exposure("internet"), TM_EXPOSURE_INTERNET);
	assert_int_equal(tm_zone_exposure("partner"), TM_EXPOSURE_NETWORK);
	assert_int_equal(tm_zone_exposure("internal"), TM_EXPOSURE_INTERNAL);
	tm_model_free(m);
}

/* The internet is preferred when it reaches an element as soon as a
 * partner does, and a path longer than the reason shows is cut. */
static void test_exposure_paths(void **state)
{
	(void)state;
	tm_buf text = TM_BUF_INIT;
	tm_buf_puts(&text, "model \"m\"\nexternal partner { zone partner }\nexternal browser\n"
	                   "process web\nprocess api\nflow browser -> web\nflow web -> api\nflow partner -> api\n"
	                   "process p0\nflow api -> p0\n");
	for (int i = 1; i < 20; i++)
		tm_buf_printf(&text, "process p%d\nflow p%d -> p%d\n", i, i - 1, i);
	tm_model *m = load_ok(tm_buf_str(&text));
	tm_buf_free(&text);
	assert_via(m, "api", "web", "browser");
	assert_int_equal(exposure(m, "p19"), TM_EXPOSURE_NETWORK);
	assert_why(m, "p19", "takes requests from p18, further in from browser (zone internet): browser -> … -> "
	                     "p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 -> p12 -> p13 -> p14 -> p15 -> p16 -> "
	                     "p17 -> p18 -> p19");
	tm_model_free(m);
}

static void test_assets_and_scope(void **state)
{
	(void)state;
	tm_model *m = load_ok(spec_model);
	tm_element *a2 = tm_model_get(m, "A-02"), *a3 = tm_model_get(m, "A-03");
	assert_true(a2->pii);
	assert_int_equal(a2->max_sensitivity, TM_SENS_HIGH);
	assert_false(a3->pii);
	assert_int_equal(a3->max_sensitivity, TM_SENS_LOW);
	tm_element *db = tm_model_get(m, "db"), *rest = tm_model_get(m, "web->api");
	assert_int_equal(db->nassets, 1);
	assert_ptr_equal(db->assets[0], a2);
	assert_true(db->pii);
	assert_int_equal(rest->nassets, 2);
	assert_true(rest->pii);
	assert_int_equal(rest->max_sensitivity, TM_SENS_HIGH);
	/* A process carries what its flows carry. */
	tm_element *web = tm_model_get(m, "web");
	assert_int_equal(web->nassets, 2);
	assert_true(web->pii);
	assert_int_equal(tm_model_get(m, "browser")->nassets, 0);
	tm_model_free(m);

	m = load_ok("model \"m\"\n"
	            "asset A { sensitivity critical }\n"
	            "asset B { sensitivity medium  pii true }\n"
	            "process p { in_scope false  handles [B]  process q { process r } }\n"
	            "process s\n"
	            "flow p.q -> s { data [A]  in_scope false }\n"
	            "flow s -> p\n");
	tm_element *p = tm_model_get(m, "p"), *q = tm_model_get(m, "p.q"), *r = tm_model_get(m, "p.q.r");
	assert_false(p->in_scope);
	assert_false(q->in_scope);
	assert_false(r->in_scope);
	assert_true(tm_model_get(m, "s")->in_scope);
	assert_false(tm_model_get(m, "p.q->s")->in_scope);
	assert_true(tm_model_get(m, "s->p")->in_scope);
	/* p: its `handles` and, through its child q, the flow's A. */
	assert_int_equal(p->nassets, 2);
	assert_true(p->pii);
	assert_int_equal(p->max_sensitivity, TM_SENS_CRITICAL);
	assert_int_equal(q->nassets, 1);
	assert_false(q->pii);
	tm_model_free(m);
}

static void test_statements(void **state)
{
	(void)state;
	tm_model *m = load_ok(spec_model);
	assert_int_equal(m->nthreats, 2);
	tm_threat *t1 = &m->threats[0], *t2 = &m->threats[1];
	assert_string_equal(t1->id, "T-01");
	assert_string_equal(t1->title, "Session hijacking");
	assert_string_equal(t1->category, "spoofing");
	assert_string_equal(t1->element_key, "browser->web");
	assert_ptr_equal(t1->element, tm_model_get(m, "browser->web"));
	assert_int_equal(t1->likelihood[TM_LF_SKILL], 2);
	assert_int_equal(t1->likelihood[TM_LF_OPPORTUNITY], 3);
	assert_int_equal(t1->likelihood[TM_LF_POPULATION], 0);
	assert_int_equal(t1->impact[TM_IF_CONFIDENTIALITY], 3);
	assert_int_equal(t1->found, day("2026-03-01"));
	/* `on keycloak -> api` names the <-> flow written the other way. */
	assert_string_equal(t2->element_key, "api->keycloak");
	assert_int_equal(t2->found, INT32_MIN);

	assert_int_equal(m->nmitigations, 1);
	tm_mitigation *mit = &m->mitigations[0];
	assert_string_equal(mit->id, "M-01");
	assert_int_equal(mit->status, TM_MIT_IN_PROGRESS);
	assert_string_equal(mit->owner, "dev");
	assert_int_equal(mit->due, day("2026-04-30"));
	assert_int_equal(mit->nmitigates, 4);
	assert_string_equal(mit->mitigates[0], "T-01");
	assert_string_equal(mit->mitigates[1], "STRIDE-T-01@sql");
	assert_string_equal(mit->mitigates[2], "X-1@web->api");
	assert_string_equal(mit->mitigates[3], "X-2@api.dal");

	assert_int_equal(m->nacceptances, 2);
	assert_string_equal(m->acceptances[0].finding, "STRIDE-R-01@api");
	assert_string_equal(m->acceptances[0].reason, "Audit trail");
	assert_string_equal(m->acceptances[0].by, "victoria");
	assert_int_equal(m->acceptances[0].until, day("2026-09-01"));
	assert_false(m->acceptances[0].false_positive);
	assert_string_equal(m->acceptances[1].finding, "T-02");
	assert_string_equal(m->acceptances[1].by, "pol");
	assert_int_equal(m->acceptances[1].until, INT32_MIN);
	assert_true(m->acceptances[1].false_positive);
	tm_model_free(m);
}

static void test_flow_references(void **state)
{
	(void)state;
	/* A finding on a flow written as `a -> b` is keyed by the flow's id. */
	tm_model *m = load_ok("model \"m\"\n"
	                      "process a\n"
	                      "process b\n"
	                      "flow calls: a -> b\n"
	                      "mitigation M-1 { mitigates [R-1@a -> b, R-2@calls] }\n"
	                      "accept R-3@a->b\n");
	assert_string_equal(m->mitigations[0].mitigates[0], "R-1@calls");
	assert_string_equal(m->mitigations[0].mitigates[1], "R-2@calls");
	assert_string_equal(m->acceptances[0].finding, "R-3@calls");
	assert_int_equal(m->mitigations[0].status, TM_MIT_PLANNED);
	assert_int_equal(m->mitigations[0].due, INT32_MIN);
	tm_model_free(m);
}

/* One error each: the exact message at its exact line and column. */
static void test_errors(void **state)
{
	(void)state;
	expect_diag("process a\n",
	            "error: no `model` statement: add `model \"Name\" { ... }` to one of the files\n");
	expect_diag("model \"a\"\nmodel \"b\"\n",
	            "t.threat:2:1: error: a second `model` statement: a model has exactly one\n"
	            "    2 | model \"b\"\n"
	            "      | ^~~~~\n"
	            "t.threat:1:1: note: first defined here\n");
	expect_diag("model \"m\"\nprocess api\nstore api\n", "t.threat:3:7: error: duplicate id 'api'\n"
	                                                     "    3 | store api\n"
	                                                     "      |       ^~~\n"
	                                                     "t.threat:2:9: note: first defined here\n");
	expect_diag("model \"m\"\nprocess api\nflow api: api -> db\nstore db\n",
	            "t.threat:3:6: error: duplicate id 'api'\n");
	expect_diag("model \"m\"\nprocess T-01\nthreat T-01 { category spoofing likelihood { skill 1 } "
	            "impact { integrity 1 } }\n",
	            "t.threat:3:8: error: duplicate id 'T-01'\n");
	expect_diag("model \"m\"\nprocess api\nstore db\nflow api -> dbb\n",
	            "t.threat:4:13: error: unknown element 'dbb'\n"
	            "    4 | flow api -> dbb\n"
	            "      |             ^~~\n"
	            "note: did you mean 'db'?\n");
	expect_diag(
	    "model \"m\"\nasset A-1\nstore db\nflow A-1 -> db\n",
	    "t.threat:4:6: error: 'A-1' is an asset: a flow connects externals, processes and stores\n");
	expect_diag("model \"m\"\nstore db\nflow db -> db\n",
	            "t.threat:3:6: error: flow from 'db' to itself: a flow connects two elements\n");
	expect_diag(
	    "model \"m\"\nprocess api\nstore db\nflow api -> db\nflow api -> db \"again\"\n",
	    "t.threat:5:6: error: duplicate flow api->db: give one of them an id (`flow name: api -> db`)\n"
	    "    5 | flow api -> db \"again\"\n"
	    "      |      ^~~~~~~~~\n"
	    "t.threat:4:6: note: first defined here\n");
	expect_diag("model \"m\"\nasset A-1\nstore db { stores [A-1, A-2] }\n",
	            "t.threat:3:25: error: unknown asset 'A-2'\n"
	            "    3 | store db { stores [A-1, A-2] }\n"
	            "      |                         ^~~\n"
	            "note: did you mean 'A-1'?\n");
	expect_diag("model \"m\"\nprocess p\nstore db\nflow p -> db { data [db] }\n",
	            "t.threat:4:22: error: 'db' is a store, not an asset\n");
	expect_diag("model \"m\"\nprocess api\nboundary TB-1 <apj>\n",
	            "t.threat:3:16: error: unknown element 'apj'\n", "note: did you mean 'api'?\n");
	expect_diag("model \"m\"\nasset A\nboundary TB-1 <A>\n",
	            "t.threat:3:16: error: 'A' is an asset: a boundary holds externals, processes, stores "
	            "and boundaries\n");
	expect_diag("model \"m\"\nboundary TB-1 <TB-3>\nboundary TB-2 <TB-3>\nboundary TB-3\n",
	            "t.threat:3:16: error: boundary TB-3 lies in both TB-1 and TB-2: a boundary is a member "
	            "of at most one "
	            "other\n"
	            "    3 | boundary TB-2 <TB-3>\n"
	            "      |                ^~~~\n"
	            "t.threat:2:16: note: TB-1 lists it here\n");
	expect_diag("model \"m\"\nboundary TB-1 <TB-2>\nboundary TB-2 <TB-3>\nboundary TB-3 <TB-1>\n",
	            "t.threat:4:16: error: boundary TB-1 lies inside itself: TB-1 in TB-3 in TB-2 in TB-1\n");
	expect_diag("model \"m\"\nboundary TB-1 <TB-1>\n",
	            "t.threat:2:16: error: boundary TB-1 lies inside itself: TB-1 in TB-1\n");
	expect_diag(
	    "model \"m\"\nprocess x\nboundary TB-2 <x>\nboundary TB-5 <x>\n",
	    "t.threat:4:16: error: x lies in TB-2 and TB-5, which overlap without one containing the other\n"
	    "    4 | boundary TB-5 <x>\n"
	    "      |                ^\n"
	    "t.threat:3:16: note: TB-2 lists x here\n");
	expect_diag(
	    "model \"m\"\nprocess api { process dal }\nboundary TB-2 <api>\nboundary TB-5 <api.dal>\n",
	    "t.threat:4:16: error: api.dal lies in TB-2 and TB-5, which overlap without one containing the "
	    "other\n"
	    "    4 | boundary TB-5 <api.dal>\n"
	    "      |                ^~~~~~~\n"
	    "t.threat:3:16: note: TB-2 lists api here, and api.dal lies in api\n");

	const char *threat_head = "model \"m\"\nprocess api\nthreat T-01 { ";
	char text[512];
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category spoofin likelihood { skill 1 } impact { integrity 1 } }\n");
	expect_diag(text,
	            "t.threat:3:24: error: category must be a STRIDE or LINDDUN category\n"
	            "    3 | threat T-01 { category spoofin likelihood { skill 1 } impact { integrity 1 } }\n"
	            "      |                        ^~~~~~~\n"
	            "note: did you mean 'spoofing'?\n");
	snprintf(text, sizeof text, "%s%s", threat_head, "likelihood { skill 1 } impact { integrity 1 } }\n");
	expect_diag(text, "t.threat:3:8: error: threat T-01 has no category\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { skil 1 } impact { integrity 1 } }\n");
	expect_diag(
	    text, "t.threat:3:47: error: unknown likelihood factor 'skil'\n"
	          "    3 | threat T-01 { category tampering likelihood { skil 1 } impact { integrity 1 } }\n"
	          "      |                                               ^~~~\n"
	          "note: did you mean 'skill'?\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { skill 4 } impact { integrity 1 } }\n");
	expect_diag(text, "t.threat:3:53: error: likelihood factor skill must be 1, 2 or 3\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { skill 1 } impact { integrty 1 } }\n");
	expect_diag(text, "t.threat:3:66: error: unknown impact factor 'integrty'\n",
	            "note: did you mean 'integrity'?\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { skill 1 } impact { integrity 1.5 } }\n");
	expect_diag(text, "t.threat:3:76: error: impact factor integrity must be 1, 2 or 3\n");
	snprintf(text, sizeof text, "%s%s", threat_head, "category tampering impact { integrity 1 } }\n");
	expect_diag(
	    text,
	    "t.threat:3:8: error: threat T-01 has no likelihood\n"
	    "    3 | threat T-01 { category tampering impact { integrity 1 } }\n"
	    "      |        ^~~~\n"
	    "note: add `likelihood { skill 2 motive 2 opportunity 2 population 2 discoverability 2 }`\n");
	snprintf(text, sizeof text, "%s%s", threat_head, "category tampering likelihood { skill 1 } }\n");
	expect_diag(text, "t.threat:3:8: error: threat T-01 has no impact\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { } impact { integrity 1 } }\n");
	expect_diag(text, "t.threat:3:45: error: the likelihood of threat T-01 gives no factor\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering likelihood { skill 1 } impact { integrity 1 } found \"May\" }\n");
	expect_diag(text, "t.threat:3:86: error: found must be a date (YYYY-MM-DD)\n");
	snprintf(text, sizeof text, "%s%s", threat_head,
	         "category tampering on apx likelihood { skill 1 } impact { integrity 1 } }\n");
	expect_diag(text, "t.threat:3:37: error: unknown element 'apx'\n", "note: did you mean 'api'?\n");
	expect_diag("model \"m\"\nprocess a\nprocess b\nthreat T-01 { category tampering on a -> b "
	            "likelihood { skill 1 } impact { integrity 1 } }\n",
	            "t.threat:4:37: error: no flow a -> b\n");
	expect_diag("model \"m\"\nprocess a\nprocess b\nflow f1: a -> b\nflow f2: a -> b\n"
	            "accept X@a -> b\n",
	            "t.threat:6:10: error: several flows run between a and b\n",
	            "note: name one by its id: f1, f2\n");

	expect_diag("model \"m\"\nmitigation M-1 { mitigates [T-1] }\n"
	            "threat T-01 { category tampering likelihood { skill 1 } impact { integrity 1 } }\n",
	            "t.threat:2:29: error: unknown threat 'T-1'\n", "note: did you mean 'T-01'?\n");
	expect_diag("model \"m\"\nmitigation M-1 { mitigates [R@nowhere] }\n",
	            "t.threat:2:31: error: unknown element 'nowhere'\n");
	expect_diag("model \"m\"\nmitigation M-1 { status plannd }\n",
	            "t.threat:2:25: error: status must be planned, in_progress, implemented or verified\n"
	            "    2 | mitigation M-1 { status plannd }\n"
	            "      |                         ^~~~~~\n"
	            "note: did you mean 'planned'?\n");
	expect_diag("model \"m\"\nmitigation M-1 { due 2026 }\n",
	            "t.threat:2:22: error: due must be a date (YYYY-MM-DD)\n");
	expect_diag("model \"m\"\naccept T-9 \"why\"\n", "t.threat:2:8: error: unknown threat 'T-9'\n");
	expect_diag("model \"m\"\nprocess p\naccept R@p { as fp }\n",
	            "t.threat:3:17: error: as must be false_positive\n");
	expect_diag("model \"m\"\nprocess p\naccept R@p { by 3 }\n",
	            "t.threat:3:17: error: by must be a name or a string\n");
	expect_diag("model \"m\"\nprocess p\naccept R@p { until soon }\n",
	            "t.threat:3:20: error: until must be a date (YYYY-MM-DD)\n");
	expect_diag("model \"m\" { status final }\n",
	            "t.threat:1:20: error: status must be draft, reviewed or approved\n");
	expect_diag("model \"m\" { next_review never }\n",
	            "t.threat:1:25: error: next_review must be a date (YYYY-MM-DD)\n");
	expect_diag("model \"m\" { history [\"1.0\"] }\n",
	            "t.threat:1:22: error: a history entry must be a block\n",
	            "note: write `{ version \"1.0\"  date 2026-03-24  author \"faye\"  changes \"...\" }`\n");
	expect_diag("model \"m\" { history { version \"1.0\"  date 2026-03-01  author a  changes x  by b } }\n",
	            "t.threat:1:76: error: unknown history field 'by' (version, date, author, changes)\n");
	expect_diag("model \"m\" { history { version \"1.0\"  date 2026-03-01  changes x } }\n",
	            "t.threat:1:21: error: a history entry needs author (version, date, author, changes)\n");
	expect_diag("model \"m\" { history { version [a]  date 2026-03-01  author a  changes x } }\n",
	            "t.threat:1:31: error: version must be a word or a string\n");
	expect_diag("model \"m\"\nasset A { sensitivity hgh }\n",
	            "t.threat:2:23: error: sensitivity must be low, medium, high or critical\n",
	            "note: did you mean 'high'?\n");
	expect_diag("model \"m\"\nstore db { encrypted yes }\n",
	            "t.threat:2:22: error: encrypted must be true or false\n");
	expect_diag("model \"m\"\nprocess p { in_scope \"no\" }\n",
	            "t.threat:2:22: error: in_scope must be true or false\n");
	expect_diag("model \"m\"\nprocess p\nprocess q\nflow p -> q { tls 1 }\n",
	            "t.threat:4:19: error: tls must be true or false\n");
	expect_diag("model \"m\"\nasset A { pii maybe }\n",
	            "t.threat:2:15: error: pii must be true or false\n");
	expect_diag("model \"m\"\nexternal e { zone 3 }\n",
	            "t.threat:2:19: error: zone must be a name, such as internet or partner\n");
	expect_diag("model \"m\"\ninclude \"other.threat\"\n",
	            "t.threat:2:1: error: include needs a model read from a file\n");
}

/* Several independent errors are all reported. */
static void test_many_errors(void **state)
{
	(void)state;
	tm_diags diags = {0};
	tm_model *m = NULL;
	const char *text = "process a\nflow a -> b\nflow c -> a\nstore a\n";
	assert_int_equal(tm_model_load_text(&m, "t.threat", text, strlen(text), &diags), TM_ERR_INPUT);
	assert_int_equal(diags.errors, 4); /* no model, b, c, duplicate a */
	tm_diags_free(&diags);
	tm_model_free(m);
}

/* Loads text with errors and returns every diagnostic rendered. */
static char *load_rendered(const char *text)
{
	tm_diags diags = {0};
	tm_model *m = NULL;
	assert_int_equal(tm_model_load_text(&m, "t.threat", text, strlen(text), &diags), TM_ERR_INPUT);
	char *shown = render(&diags);
	tm_diags_free(&diags);
	tm_model_free(m);
	return shown;
}

/* After syntax errors the rest is resolved when what the broken
 * statements declared is known: an independent mistake further on is
 * reported, a reference to what a broken statement declared is not. */
static void test_errors_after_syntax_errors(void **state)
{
	(void)state;
	char *shown = load_rendered("model \"m\" { date 2026-03-24 }\n"
	                            "process api \"API\" { tags [linux, aws:ec2] }\n"
	                            "asset A-01 \"PII\" { pii = true }\n"
	                            "flow api -> dbb \"q\" { data [A-01] }\n"
	                            "flow sql: api.dal -> db\n"
	                            "store db \"DB\"\n"
	                            "threat T-01 \"x\" { category spoofing  on api\n"
	                            "  likelihood { skill 1 } impact { integrity 1 } }\n"
	                            "mitigation M-01 \"y\" { mitigates [T-01, T-02, STRIDE-T-01@api->db] }\n");
	assert_string_equal(shown, "t.threat:2:37: error: expected ',' or ']' in the list, found ':'\n"
	                           "    2 | process api \"API\" { tags [linux, aws:ec2] }\n"
	                           "      |                                     ^\n"
	                           "t.threat:2:26: note: the list starts here\n"
	                           "    2 | process api \"API\" { tags [linux, aws:ec2] }\n"
	                           "      |                          ^\n"
	                           "t.threat:3:24: error: unexpected character '='\n"
	                           "    3 | asset A-01 \"PII\" { pii = true }\n"
	                           "      |                        ^\n"
	                           "t.threat:4:13: error: unknown element 'dbb'\n"
	                           "    4 | flow api -> dbb \"q\" { data [A-01] }\n"
	                           "      |             ^~~\n"
	                           "note: did you mean 'db'?\n"
	                           "t.threat:9:40: error: unknown threat 'T-02'\n"
	                           "    9 | mitigation M-01 \"y\" { mitigates [T-01, T-02, STRIDE-T-01@api->db] }\n"
	                           "      |                                        ^~~~\n"
	                           "note: did you mean 'T-01'?\n"
	                           "4 errors\n");
	free(shown);

	/* A statement whose id was never read might have declared anything:
	 * then only the syntax error is reported. */
	shown = load_rendered("process \"API\"\nflow api -> dbb\n");
	assert_string_equal(shown, "t.threat:1:9: error: expected an id after 'process', found a string\n"
	                           "    1 | process \"API\"\n"
	                           "      |         ^~~~~\n"
	                           "note: write the id first, then the label: process ID \"label\"\n"
	                           "1 error\n");
	free(shown);

	/* A broken model statement: no "no `model` statement" on top. */
	shown = load_rendered("model \"m\" { date [ }\nprocess a\n");
	assert_null(strstr(shown, "no `model` statement"));
	assert_non_null(strstr(shown, "1 error\n"));
	free(shown);
}

/* ---- files ---- */

static char *write_temp(const char *dir, const char *name, const char *text)
{
	char *path = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static char *temp_dir(void)
{
	char pattern[] = "/tmp/test_model.______";
	memset(pattern + strlen(pattern) - 6, 'X', 6); /* mkdtemp's template */
	assert_non_null(mkdtemp(pattern));
	char *dir = malloc(sizeof pattern);
	memcpy(dir, pattern, sizeof pattern);
	return dir;
}

static void test_files_and_includes(void **state)
{
	(void)state;
	char *dir = temp_dir();
	char *main_path = write_temp(dir, "main.threat",
	                             "model \"m\"\n"
	                             "include \"./sub/infra.threat\"\n"
	                             "include \"sub/infra.threat\"\n" /* the same file again: read once */
	                             "process api\n"
	                             "flow api -> db\n");
	char sub[512];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	char *infra = write_temp(sub, "infra.threat",
	                         "use \"./rules/acme.lua\"\n"
	                         "store db { stores [A-1] }\n"
	                         "asset A-1 { pii true }\n"
	                         "boundary TB <api>\n");
	tm_diags diags = {0};
	tm_model *m = NULL;
	const char *paths[] = {main_path, infra}; /* infra named twice: still once */
	int status = tm_model_load(&m, paths, 2, NULL, &diags);
	if (diags.count) {
		char *shown = render(&diags);
		print_error("%s", shown);
		free(shown);
	}
	assert_int_equal(status, TM_OK);
	assert_int_equal(m->nfiles, 2);
	tm_element *flow = tm_model_get(m, "api->db");
	assert_non_null(flow);
	assert_true(tm_model_get(m, "db")->pii);
	assert_false(flow->pii); /* a flow carries its `data`, not what its ends store */
	assert_int_equal(flow->ncrossings, 1);
	assert_string_equal(flow->crossings[0]->id, "TB");
	assert_int_equal(tm_model_get(m, "db")->line, 2);
	assert_int_equal(m->nuses, 1);
	assert_string_equal(m->uses[0].base_dir, sub);
	tm_diags_free(&diags);
	tm_model_free(m);

	/* An include cycle is reported at the include that closes it. */
	char *a = write_temp(dir, "a.threat", "model \"m\"\ninclude \"b.threat\"\n");
	char *b = write_temp(dir, "b.threat", "process p\ninclude \"a.threat\"\n");
	m = NULL;
	status = tm_model_load(&m, (const char *[]){a}, 1, NULL, &diags);
	assert_int_equal(status, TM_ERR_INPUT);
	char *shown = render(&diags);
	char expected[1024];
	snprintf(expected, sizeof expected, "%s:2:1: error: include cycle: %s -> %s -> %s/a.threat\n", b, a,
	         b, dir);
	if (!strstr(shown, expected))
		print_error("expected:\n%s\nwithin:\n%s", expected, shown);
	assert_non_null(strstr(shown, expected));
	free(shown);
	tm_diags_free(&diags);
	tm_model_free(m);

	/* A missing file: an error without a place; a missing include: at the path. */
	char *missing = write_temp(dir, "c.threat", "model \"m\"\ninclude \"nope.threat\"\n");
	char nope[512];
	snprintf(nope, sizeof nope, "%s/none.threat", dir);
	m = NULL;
	status = tm_model_load(&m, (const char *[]){nope, missing}, 2, NULL, &diags);
	assert_int_equal(status, TM_ERR_IO);
	assert_non_null(m);
	shown = render(&diags);
	snprintf(expected, sizeof expected, "error: %s: cannot open: No such file or directory\n", nope);
	assert_non_null(strstr(shown, expected));
	snprintf(expected, sizeof expected,
	         "%s:2:9: error: cannot include %s/nope.threat: cannot open: No such file or directory\n",
	         missing, dir);
	if (!strstr(shown, expected))
		print_error("expected:\n%s\nwithin:\n%s", expected, shown);
	assert_non_null(strstr(shown, expected));
	free(shown);
	tm_diags_free(&diags);
	tm_model_free(m);

	m = NULL;
	assert_int_equal(tm_model_load(&m, (const char *[]){nope}, 1, NULL, &diags), TM_ERR_IO);
	assert_null(m);
	tm_diags_free(&diags);

	unlink(a);
	unlink(b);
	unlink(missing);
	unlink(infra);
	unlink(main_path);
	rmdir(sub);
	rmdir(dir);
	free(a);
	free(b);
	free(missing);
	free(infra);
	free(main_path);
	free(dir);
}

/* Whatever the parser leaves after errors must not crash resolution. */
static void test_robust(void **state)
{
	(void)state;
	const char *inputs[] = {
	    "",
	    "model",
	    "flow -> \n",
	    "flow a ->\nthreat\nmitigation M { mitigates }\naccept\nboundary B <\n",
	    "model \"m\"\nprocess p { process }\nboundary B <p, B, , >\nflow p <-> p\n",
	    "model \"m\"\nthreat T { on a -> b likelihood 1 impact [] }\nmitigation M { mitigates \"x\" }\n",
	    "model \"m\"\naccept R@a -> b { as }\nthreat T { on R@x }\n",
	    "\x01\x02{}[]<>",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		tm_diags diags = {0};
		tm_model *m = NULL;
		tm_model_load_text(&m, "t.threat", inputs[i], strlen(inputs[i]), &diags);
		assert_non_null(m);
		assert_true(diags.errors > 0);
		tm_diags_free(&diags);
		tm_model_free(m);
	}
}

/* Files served from memory, as a git revision serves them: by absolute
 * path, "." and ".." already resolved by the loader. */
typedef struct memory_file {
	const char *path, *text;
} memory_file;

static const memory_file memory_files[] = {
    {"/repo/models/model.threat",
     "model \"M\" { date 2026-03-24 }\ninclude \"./shared/../shared/ext.threat\"\n"
     "include \"../../outside.threat\"\nprocess api \"API\"\nflow browser -> api \"orders\"\n"},
    {"/repo/models/shared/ext.threat", "external browser \"Browser\"\n"},
    {"/outside.threat", "external leak \"Leak\"\n"},
};

static bool read_memory(void *context, const char *path, char **text, size_t *len, char *why,
                        size_t why_size)
{
	size_t *reads = context;
	for (size_t i = 0; i < sizeof memory_files / sizeof memory_files[0]; i++) {
		if (strcmp(memory_files[i].path, path) != 0)
			continue;
		++*reads;
		*len = strlen(memory_files[i].text);
		*text = strdup(memory_files[i].text);
		return true;
	}
	snprintf(why, why_size, "not in memory: %s", path);
	return false;
}

static void test_reader(void **state)
{
	(void)state;
	size_t reads = 0;
	tm_file_reader reader = {.read = read_memory, .context = &reads, .cwd = "/repo"};
	tm_load_options options = {.reader = &reader};
	tm_diags diags = {0};
	tm_model *model = NULL;
	const char *paths[] = {"models/model.threat"};
	int status = tm_model_load(&model, paths, 1, &options, &diags);
	char *shown = render(&diags);
	assert_int_equal(status, TM_ERR_INPUT);
	/* the include inside the model's folder is read, the one outside is
	 * refused before the reader is asked for it */
	assert_int_equal(reads, 2);
	assert_non_null(strstr(shown, "cannot include ../outside.threat: it is outside the folder of "
	                              "the model and the current folder"));
	assert_int_equal(model->nfiles, 2);
	assert_string_equal(model->files[1]->src->path, "models/shared/ext.threat");
	assert_non_null(tm_model_get(model, "browser->api"));
	assert_null(tm_model_get(model, "leak"));
	free(shown);
	tm_model_free(model);
	tm_diags_free(&diags);

	/* a file the reader does not have: its reason, at the path given */
	tm_diags missing = {0};
	const char *gone[] = {"gone.threat"};
	assert_int_equal(tm_model_load(&model, gone, 1, &options, &missing), TM_ERR_IO);
	shown = render(&missing);
	assert_non_null(strstr(shown, "gone.threat: not in memory: /repo/gone.threat"));
	free(shown);
	tm_diags_free(&missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_element_size),
	    cmocka_unit_test(test_arena_prefault),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_history),
	    cmocka_unit_test(test_meta_and_elements),
	    cmocka_unit_test(test_flows),
	    cmocka_unit_test(test_boundaries_and_crossings),
	    cmocka_unit_test(test_nested_crossings),
	    cmocka_unit_test(test_exposure),
	    cmocka_unit_test(test_exposure_reply_does_not_expose),
	    cmocka_unit_test(test_exposure_pass_through),
	    cmocka_unit_test(test_exposure_zones),
	    cmocka_unit_test(test_exposure_paths),
	    cmocka_unit_test(test_assets_and_scope),
	    cmocka_unit_test(test_statements),
	    cmocka_unit_test(test_flow_references),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_many_errors),
	    cmocka_unit_test(test_errors_after_syntax_errors),
	    cmocka_unit_test(test_files_and_includes),
	    cmocka_unit_test(test_reader),
	    cmocka_unit_test(test_robust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
