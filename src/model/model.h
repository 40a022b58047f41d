/* The resolved model: every reference resolved to the element it names,
 * boundaries nested, crossings and exposure computed. Built from the ASTs of
 * all the model's files by tm_model_load; read by the rules, risk, writers
 * and query engine. Everything lives in the model's arena. */
#ifndef TM_MODEL_MODEL_H
#define TM_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/diag.h"
#include "lang/ast.h"

/* ORDER ELEMENT: keep in step with tm_element_kind_names in model.c */
typedef enum tm_element_kind {
	TM_EL_EXTERNAL,
	TM_EL_PROCESS,
	TM_EL_STORE,
	TM_EL_FLOW,
	TM_EL_BOUNDARY,
	TM_EL_ASSET,
	TM_EL_ACTOR,
	TM_EL_COUNT
} tm_element_kind;

extern const char *const tm_element_kind_names[TM_EL_COUNT]; /* "external", "process", ... */

typedef enum tm_exposure {
	TM_EXPOSURE_INTERNAL = 1,
	TM_EXPOSURE_NETWORK = 2,
	TM_EXPOSURE_INTERNET = 3
} tm_exposure;
extern const char *const tm_exposure_names[4]; /* [1] "internal", [2] "network", [3] "internet" */
/* The `kind` values of a pass-through process (a CDN, WAF, load balancer,
 * reverse proxy or gateway): it hands requests on rather than ending them,
 * so what lies behind it is as exposed as it is. NULL-terminated. */
extern const char *const tm_pass_through_kinds[];

/* Sensitivity of assets and of the model: ORDER SENSITIVITY */
typedef enum tm_sensitivity {
	TM_SENS_NONE = 0, /* not stated */
	TM_SENS_LOW,
	TM_SENS_MEDIUM,
	TM_SENS_HIGH,
	TM_SENS_CRITICAL
} tm_sensitivity;
extern const char *const tm_sensitivity_names[5]; /* "", "low", "medium", "high", "critical" */

typedef struct tm_element tm_element;

struct tm_element {
	const char *id;      /* full dotted id for children ("api.dal"); a flow's id or NULL */
	const char *key;     /* the id, or for a flow without one "src->dst" */
	const char *label;   /* the label, or the id when none was written */
	const tm_decl *decl; /* its declaration: attributes (decl->block), file, spans */

	tm_element *parent; /* process/store: the enclosing process */
	tm_element **children;

	/* external, process, store */
	tm_element **inflows, **outflows; /* flows (a <-> flow is in both of both ends) */
	const char *zone;                 /* external: its zone ("internet" unless stated) */

	/* every element kind but boundary: the boundaries it lies in, innermost
	 * first, through its parents too */
	tm_element **boundaries;

	/* flow */
	tm_element *source, *target;
	tm_element **crossings; /* boundaries crossed, innermost first */

	/* boundary */
	tm_element *outer;    /* the boundary that contains this one */
	tm_element **members; /* as written: elements and boundaries */

	/* assets an element stores (`stores`) or a flow carries (`data`);
	 * an asset itself: sensitivity and pii */
	tm_element **assets;

	/* The counts and small fields last, in 32 bits, so the structure packs
	 * without holes: a large model has hundreds of thousands of elements,
	 * and a source holds at most 64 MiB. */
	uint32_t index; /* position in model->elements */
	uint32_t nchildren, ninflows, noutflows, nboundaries, ncrossings, nmembers, nassets;
	uint32_t line;           /* line of the declaration, for findings */
	uint16_t depth;          /* 0 for top-level elements */
	uint8_t kind;            /* a tm_element_kind */
	uint8_t exposure;        /* a tm_exposure: external, process, store, flow */
	uint8_t max_sensitivity; /* a tm_sensitivity: highest of its assets (asset: its own) */
	bool bidirectional;      /* flow: written with <-> */
	bool pii;                /* stores/carries an asset with pii true (asset: its own) */
	bool in_scope;           /* false: drawn, but no generated threats (inherited from a parent) */
	/* 1 + where in decl->block the attribute that lists its assets
	 * (`stores`, `data`, `handles`) is, or 0 for none */
	uint32_t assets_at;
};

/* Likelihood factors, ORDER LIKELIHOOD (risk.c has the names). 0 = not given. */
enum { TM_LF_SKILL, TM_LF_MOTIVE, TM_LF_OPPORTUNITY, TM_LF_POPULATION, TM_LF_DISCOVERABILITY, TM_LF_COUNT };
/* Impact factors, ORDER IMPACT. 0 = not given. */
enum {
	TM_IF_CONFIDENTIALITY,
	TM_IF_INTEGRITY,
	TM_IF_AVAILABILITY,
	TM_IF_FINANCIAL,
	TM_IF_COMPLIANCE,
	TM_IF_REPUTATION,
	TM_IF_COUNT
};

/* The vocabulary of threats, shared by the resolver, the rule engine and
 * risk: the factor names (ORDER LIKELIHOOD, ORDER IMPACT) and the
 * categories, STRIDE's first, then LINDDUN's. */
extern const char *const tm_likelihood_factor_names[TM_LF_COUNT]; /* "skill", ... */
extern const char *const tm_impact_factor_names[TM_IF_COUNT];     /* "confidentiality", ... */
enum { TM_STRIDE_CATEGORIES = 6, TM_LINDDUN_CATEGORIES = 7 };
extern const char *const tm_category_names[TM_STRIDE_CATEGORIES + TM_LINDDUN_CATEGORIES];
/* "STRIDE", "LINDDUN", or NULL for a category that is neither. */
const char *tm_category_framework(const char *category);

/* A hand-written threat. */
typedef struct tm_threat {
	const char *id, *title, *category; /* category as written (validated) */
	const tm_decl *decl;
	const char *element_key; /* the element or flow named by `on`, or NULL */
	tm_element *element;
	uint8_t likelihood[TM_LF_COUNT];
	uint8_t impact[TM_IF_COUNT];
	int32_t found;           /* days since epoch, or INT32_MIN when not stated */
	const char *description; /* or NULL */
	const char *mitigation;  /* text of a `mitigation "..."` attribute, or NULL */
} tm_threat;

typedef enum tm_mitigation_status {
	TM_MIT_PLANNED,
	TM_MIT_IN_PROGRESS,
	TM_MIT_IMPLEMENTED,
	TM_MIT_VERIFIED
} tm_mitigation_status;
extern const char *const tm_mitigation_status_names[4];

/* A pattern over generated finding ids (doc/language.md, "Patterns"):
 * STRIDE-T-04@*, STRIDE-T-*@api, *@legacy_*, *@web->*. Each glob's '*'
 * matches any run of characters; the rest matches itself. */
typedef struct tm_finding_pattern {
	const char *text;    /* canonical, as mitigates/finding hold it */
	const char *rule;    /* glob over the rule id (the id before its first '@') */
	const char *element; /* glob over the element key (the id after its first '@'); NULL: arrow form */
	const char *source, *target; /* arrow form: globs over a flow's source and target keys */
	bool bidirectional;          /* arrow form written with <-> */
} tm_finding_pattern;

/* Whether `glob` matches all of `text`: '*' stands for any run of
 * characters, every other character for itself. */
bool tm_glob_match(const char *glob, const char *text);

/* Whether a generated finding ("RULE@KEY", on `element`, NULL for a
 * model-level finding) is one the pattern names. In the arrow form the
 * finding must be on a flow whose ends match; a flow that runs both ways,
 * or a pattern written with <->, also matches the other way round, as a
 * reference `a -> b` finds a `<->` flow written `b <-> a`. */
bool tm_finding_pattern_matches(const tm_finding_pattern *pattern, const char *id, const tm_element *element);

typedef struct tm_mitigation {
	const char *id, *title;
	const tm_decl *decl;
	const char *
	    *mitigates; /* threat ids and finding ids ("RULE@KEY"), as resolved keys, or patterns' texts */
	const tm_finding_pattern **patterns; /* per entry: its pattern, or NULL for an id */
	tm_span *mitigates_spans;
	size_t nmitigates;
	tm_mitigation_status status;
	const char *owner; /* or NULL */
	int32_t due;       /* or INT32_MIN */
} tm_mitigation;

typedef struct tm_acceptance {
	const char *finding; /* "T-01" or "RULE@KEY" with the key canonical, or a pattern's text */
	const tm_finding_pattern *pattern; /* when it accepts by a pattern, else NULL */
	tm_span finding_span;
	const char *reason;  /* the label */
	const char *by;      /* or NULL */
	int32_t until;       /* or INT32_MIN: no expiry */
	bool false_positive; /* `as false_positive` */
	const tm_decl *decl;
} tm_acceptance;

typedef struct tm_use {
	const char *name;     /* as written: "stride" or "./rules/acme.lua" */
	const char *base_dir; /* the folder of the file that says it */
	const tm_decl *decl;
} tm_use;

/* One entry of the model's version history (`history [ { ... } ]`). */
typedef struct tm_history_entry {
	const char *version; /* as written: "1.3" */
	int32_t date;
	const char *author;
	const char *changes; /* what changed in this version */
} tm_history_entry;

typedef struct tm_meta {
	const char *name;    /* the model's label */
	const tm_decl *decl; /* NULL if the model has no `model` statement (an error) */
	int32_t date;        /* or INT32_MIN */
	int32_t next_review; /* or INT32_MIN */
	tm_sensitivity sensitivity;
	tm_history_entry *history; /* in the order written; NULL when there is none */
	size_t nhistory;
} tm_meta;

/* What the repository the model lives in says about it (doc/packs.md,
 * "governance"): filled by src/repo before the packs run, read by the
 * governance pack and --self-check. Paths are relative to the root. */
typedef struct tm_repo_facts {
	const char *root;        /* the repository's folder, as given or found */
	bool no_model;           /* the repository holds no model: the model is a stand-in */
	const char *model_path;  /* the model's first file; NULL when outside the root */
	const char *readme;      /* the README at the root; NULL when there is none */
	bool readme_links_model; /* the README names model_path or the wiki path */
	const char *wiki;        /* the model's `wiki` path; NULL when not stated */
	bool wiki_exists;        /* wiki names a regular file inside the root */
	/* Without `wiki`: the first wiki/docs/clients/NAME/security/
	 * threat-model.md in the repository (the practice's path), or NULL */
	const char *wiki_found;
} tm_repo_facts;

typedef struct tm_model {
	tm_arena *arena;
	tm_repo_facts *repo; /* NULL: no repository known */
	tm_file **files;
	size_t nfiles;
	tm_meta meta;

	tm_element **elements; /* every element, in declaration order (files in load order) */
	size_t nelements;
	struct tm_strmap *index; /* id/key -> element */

	tm_threat *threats;
	size_t nthreats;
	tm_mitigation *mitigations;
	size_t nmitigations;
	tm_acceptance *acceptances;
	size_t nacceptances;
	tm_use *uses;
	size_t nuses;
} tm_model;

/* Where `include` may read from (doc/language.md "include"): a regular
 * `.threat` file inside the folder tree of one of the files given or of
 * the current folder, once every symbolic link is resolved, or inside
 * one of these folders. */
typedef struct tm_load_options {
	const char *const *include_roots;
	size_t ninclude_roots;
	const struct tm_file_reader *reader; /* NULL: read the file system */
} tm_load_options;

/* Reads the model's files from elsewhere than the file system, such as a
 * git revision. Paths are then only names: the loader resolves `include`
 * by text (the folder of the including file, "..", "."), with the same
 * policy (a .threat file inside a folder of a model given, the current
 * folder or an include root), against `cwd` instead of the disk. read gets
 * the file's absolute path, "." and ".." resolved by text, and sets *text
 * (malloc'd, at most TM_SOURCE_MAX_BYTES) and *len, or returns false with
 * the reason in why[why_size]. */
typedef struct tm_file_reader {
	bool (*read)(void *context, const char *absolute_path, char **text, size_t *len, char *why,
	             size_t why_size);
	void *context;
	const char *cwd; /* absolute: the folder relative paths start from */
} tm_file_reader;

/* Reads the given files and every file they include, parses and resolves
 * them into one model. Errors and warnings go to diags; returns TM_OK (0)
 * when there are no errors, else a negative status. *out is set either way
 * when anything could be read (so a REPL can show partial results), and
 * must be freed with tm_model_free. options may be NULL. */
int tm_model_load(tm_model **out, const char *const *paths, size_t npaths, const tm_load_options *options,
                  tm_diags *diags);
/* Same, for text in memory (tests, fuzzing): `path` is what diagnostics show. */
int tm_model_load_text(tm_model **out, const char *path, const char *text, size_t len, tm_diags *diags);
void tm_model_free(tm_model *model);

/* An element by id or flow key ("api.dal", "sql", "web->api"), or NULL. */
tm_element *tm_model_get(const tm_model *model, const char *key);

/* An attribute of an element's declaration, or NULL. */
const tm_value *tm_element_attr(const tm_element *el, const char *name);
/* Convenience readers: the attribute as a bool / identifier-or-string, with a default. */
bool tm_element_attr_bool(const tm_element *el, const char *name, bool fallback);
const char *tm_element_attr_text(const tm_element *el, const char *name);

/* The top-level ancestor (Level 0) of an element: itself when it has no parent. */
const tm_element *tm_element_level0(const tm_element *el);

/* Exposure (doc/language.md "Exposure"). An external's follows its zone:
 * internet (also when zone is NULL), internal, else network. */
tm_exposure tm_zone_exposure(const char *zone);
/* A process whose `kind` is one of tm_pass_through_kinds. */
bool tm_element_passes_through(const tm_element *el);
/* A flow's exposure: its source's, since the source sends the requests; a
 * `<->` flow to an external takes the higher of that and the external's,
 * since its replies come from outside. *end (when not NULL) is set to the
 * end whose exposure it takes. An end without an exposure counts as
 * internal. */
tm_exposure tm_flow_exposure(const tm_element *flow, const tm_element **end);
/* The path of requests behind each element's exposure, by element index:
 * `via` sends it the requests that give it its exposure (the hop before it
 * on a shortest path from an external), `origin` is the external that path
 * starts at; both NULL for an external and for an element no request
 * reaches; a child has its top-level process's. `level` is the exposure the
 * path gives, as the resolver stored it. Computed on demand (the model
 * keeps only the levels): free() the array. */
typedef struct tm_exposure_path {
	tm_element *via, *origin;
	uint8_t level; /* a tm_exposure; 0 for kinds without one */
} tm_exposure_path;
tm_exposure_path *tm_model_exposure_paths(const tm_model *model);
/* Why an element has its exposure, in words ("takes requests from browser
 * (zone internet) through cdn (pass-through)"), appended to out; paths from
 * tm_model_exposure_paths. False (nothing appended) when there is nothing
 * to say: a kind without exposure, or an exposure the paths do not give
 * (a model not built by the resolver). */
bool tm_element_exposure_why(tm_buf *out, const tm_element *el, const tm_exposure_path *paths);

#endif
