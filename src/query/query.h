/* The query language of the REPL and `threat query` (SPEC §5, doc/query.md):
 *
 *	threats [where COND] [by FIELD [asc|desc]] [limit N]
 *	elements [KIND]   show ID   flows [crossing BOUNDARY]
 *	path FROM -> TO   explain FINDING-ID
 *	summary   rules   reload   load FILE   help [COMMAND]   quit
 *
 * A command is parsed into a tm_query (errors as diagnostics whose spans
 * point into the query text, shown as "query:1:COL"), then run against a
 * session's model and findings. The parser and the evaluator never print. */
#ifndef TM_QUERY_QUERY_H
#define TM_QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/diag.h"
#include "model/model.h"
#include "risk/risk.h"

struct tm_session;

/* ORDER COMMAND: keep in step with tm_query_command_names in parse.c */
typedef enum tm_query_command {
	TM_QC_EMPTY, /* a blank line or only a comment */
	TM_QC_THREATS,
	TM_QC_ELEMENTS,
	TM_QC_SHOW,
	TM_QC_FLOWS,
	TM_QC_PATH,
	TM_QC_EXPLAIN,
	TM_QC_SUMMARY,
	TM_QC_RULES,
	TM_QC_RELOAD,
	TM_QC_LOAD,
	TM_QC_HELP,
	TM_QC_QUIT,
	TM_QC_COUNT
} tm_query_command;
/* "", "threats", "elements", ...; [TM_QC_COUNT] is NULL. */
extern const char *const tm_query_command_names[TM_QC_COUNT + 1];

/* ORDER FIELD: keep in step with tm_query_field_names in parse.c */
typedef enum tm_query_field {
	TM_QF_ID,
	TM_QF_RULE,
	TM_QF_FRAMEWORK,
	TM_QF_CATEGORY,
	TM_QF_ELEMENT,
	TM_QF_KIND,
	TM_QF_RISK,
	TM_QF_LIKELIHOOD,
	TM_QF_IMPACT,
	TM_QF_STATUS,
	TM_QF_BOUNDARY,
	TM_QF_PACK,
	TM_QF_TITLE,   /* beyond SPEC §5: the finding's title */
	TM_QF_OVERDUE, /* true or false: open or expired, and due before today */
	TM_QF_COUNT
} tm_query_field;
extern const char *const tm_query_field_names[TM_QF_COUNT + 1];

typedef enum tm_query_op {
	TM_QOP_EQ, /* = or == */
	TM_QOP_NE, /* != */
	TM_QOP_LT,
	TM_QOP_LE,
	TM_QOP_GT,
	TM_QOP_GE,
	TM_QOP_MATCH,   /* ~ : substring, case-insensitive */
	TM_QOP_NOMATCH, /* !~ */
	TM_QOP_COUNT
} tm_query_op;
extern const char *const tm_query_op_names[TM_QOP_COUNT];

typedef enum tm_query_node_kind { TM_QN_AND, TM_QN_OR, TM_QN_NOT, TM_QN_CMP } tm_query_node_kind;

/* A condition: AND/OR hold their operands in `items` (n-ary, so long
 * chains do not make deep trees), NOT one operand, CMP a comparison. */
typedef struct tm_query_node {
	tm_query_node_kind kind;
	struct tm_query_node **items;
	size_t nitems;
	tm_query_field field;
	tm_query_op op;
	const char *value; /* as written, quotes removed */
	tm_span field_span, op_span, value_span;
	/* filled by the parser or when bound to a model */
	double number; /* likelihood, impact */
	int level;     /* risk (tm_risk), status (tm_status), kind (tm_element_kind or -1: model) */
	char *folded;  /* value lowercased, for ~ */
	const tm_element *boundary; /* boundary = / != : the boundary named */
	/* boundary: by position in the model's elements, the boundaries that
	 * lie inside (or are) one the comparison names, computed once a query */
	bool *inside;
	size_t ninside;
	tm_element *const *elements;
	/* text fields, with an index: whether each distinct value matches */
	bool *hits;
} tm_query_node;

typedef struct tm_query {
	tm_query_command command;
	tm_arena *arena;      /* owns the source, the nodes and their strings */
	const tm_source *src; /* the text, named "query" in diagnostics */
	tm_query_node *where; /* threats: NULL when there is no `where` */
	bool has_order;
	tm_query_field order;
	bool descending;
	bool has_limit;
	size_t limit;
	const char *arg, *arg2; /* elements KIND, show ID, flows crossing B, path FROM TO,
	                           explain ID, help TOPIC, load FILE (NULL when absent) */
	tm_span arg_span, arg2_span;
} tm_query;

/* Parses one command line. Returns TM_OK, or TM_ERR_INPUT with the error in
 * diags (one error: the first mistake, at its column, with a did-you-mean
 * note when one fits). *out is set either way; free it with tm_query_free,
 * after rendering the diagnostics (their spans point into it). */
int tm_query_parse(tm_query **out, const char *text, tm_diags *diags);
void tm_query_free(tm_query *query);

/* Compact columns of a session's findings (element positions, interned
 * text values, scores) so that a query reads a few small arrays instead of
 * chasing pointers through hundreds of megabytes: build one per loaded
 * model (the REPL rebuilds it after load and reload) and pass it to
 * tm_query_select or in tm_query_output. It points into model and
 * findings, which must outlive it. */
typedef struct tm_query_index tm_query_index;
tm_query_index *tm_query_index_new(const tm_model *model, const tm_findings *findings);
void tm_query_index_free(tm_query_index *index);

/* `threats`: the findings of `all` (in its order) that the condition
 * selects, sorted by the `by` field when there is one (ties keep the
 * order of `all`), at most `limit` of them. The values that need the model
 * (a boundary's id) are checked here: an unknown one is an error in diags
 * and the result TM_ERR_INPUT. *out is an array (free()) of *count
 * pointers into all->items. model may be NULL (then boundaries match
 * nothing); index may be NULL (then each finding is read directly) or
 * must have been built from this model and these findings. */
int tm_query_select(const tm_finding ***out, size_t *count, tm_query *query, const tm_model *model,
                    const tm_findings *all, const tm_query_index *index, tm_diags *diags);
/* Whether one finding satisfies a bound condition (NULL: every finding). */
bool tm_query_matches(const tm_query_node *cond, const tm_finding *finding);

typedef struct tm_query_output {
	bool json;
	bool color;
	int width;                   /* terminal columns, 0: unlimited */
	const tm_query_index *index; /* of the session's findings, or NULL */
} tm_query_output;

/* Runs a parsed command against a session and appends what it shows to
 * out. `reload`, `load` and `quit` change the session and are the caller's
 * (this returns TM_ERR_USAGE for them). An error (an unknown element, a
 * command that needs a model when the session has none) goes to diags,
 * pointing into the query, and the result is TM_ERR_INPUT. */
int tm_query_run(tm_buf *out, tm_query *query, const struct tm_session *session, const tm_query_output *opts,
                 tm_diags *diags);

/* The `help` text: every command, or one command's details (NULL or ""). */
void tm_query_help(tm_buf *out, const char *topic);

#endif
