#include "model/vocab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/strmap.h"
#include "base/xalloc.h"

/* ORDER VOCAB KIND */
const char *const tm_vocab_kind_names[TM_VK_COUNT] = {
    "external", "process", "store",  "flow",       "boundary", "asset",
    "actor",    "model",   "threat", "mitigation", "accept",
};

/* ORDER ATTR TYPE */
const char *const tm_attr_type_names[TM_AT_COUNT] = {
    "bool", "control", "enum", "number", "date", "text", "list", "ids", "reference", "block", "any",
};

/* What a value of each type looks like, for messages. ORDER ATTR TYPE */
static const char *const type_wants[TM_AT_COUNT] = {
    "true or false",
    "true, false, or a word, string, number or list saying how",
    "one of its words",
    "a number",
    "a date",
    "a word or a string",
    "a list of words or strings",
    "an id or a list of ids",
    "an element or a flow",
    "a block { ... }",
    "any value",
};

#define KIND(k)   (1u << (k))
#define EXTERNAL  KIND(TM_EL_EXTERNAL)
#define PROCESS   KIND(TM_EL_PROCESS)
#define STORE     KIND(TM_EL_STORE)
#define FLOW      KIND(TM_EL_FLOW)
#define BOUNDARY  KIND(TM_EL_BOUNDARY)
#define ASSET     KIND(TM_EL_ASSET)
#define ACTOR     KIND(TM_EL_ACTOR)
#define MODEL     KIND(TM_VK_MODEL)
#define THREAT    KIND(TM_VK_THREAT)
#define MITIGATE  KIND(TM_VK_MITIGATION)
#define ACCEPT    KIND(TM_VK_ACCEPT)
#define NODES     (EXTERNAL | PROCESS | STORE)
#define STATEMENT (TM_VK_ALL_ELEMENTS | MODEL | THREAT | MITIGATE | ACCEPT)

/* The language's own attributes: those the resolver, the views, the
 * writers and the report read. `values` holds an enum's words, separated
 * by spaces. */
typedef struct builtin {
	const char *name;
	unsigned kinds;
	tm_attr_type type;
	const char *values;
	const char *doc;
} builtin;

static const builtin language[] = {
    {"access", ACTOR, TM_AT_ENUM, "internal external", "whether the actor is an insider or an outsider"},
    {"as", ACCEPT, TM_AT_ENUM, "false_positive",
     "`false_positive`: the finding is wrong, not merely tolerated"},
    {"auth", NODES | FLOW | MODEL, TM_AT_ENUM,
     "none jwt session_cookie session cookie oidc oauth oauth2 saml sso mtls password basic bearer token "
     "api_key apikey hmac signature scram sasl iam approle service_account service_token "
     "service_account_token bind client_secret device_cert acl kerberos ldap ssh_key webauthn passkey "
     "magic_link totp "
     "nextauth authjs lucia passport keycloak form",
     "how callers are authenticated (on the model: the Project Context line of the report, as a string)"},
    {"author", MODEL, TM_AT_TEXT, NULL, "who wrote the model"},
    {"by", ACCEPT, TM_AT_TEXT, NULL, "who accepted the risk"},
    {"category", THREAT, TM_AT_ENUM,
     "spoofing tampering repudiation information_disclosure denial_of_service elevation_of_privilege "
     "linkability identifiability non_repudiation detectability disclosure unawareness non_compliance",
     "the threat's STRIDE or LINDDUN category"},
    {"client", MODEL, TM_AT_TEXT, NULL, "the client the model is for"},
    {"controls", BOUNDARY, TM_AT_LIST, NULL, "the controls at the boundary, listed in the report"},
    {"data", FLOW, TM_AT_IDS, NULL, "the assets the flow carries"},
    {"date", MODEL, TM_AT_DATE, NULL, "when the analysis was done; generated findings are dated from it"},
    {"description", STATEMENT, TM_AT_TEXT, NULL, "longer text for the report"},
    {"due", MITIGATE, TM_AT_DATE, NULL, "when the mitigation is due"},
    {"encrypted", STORE | FLOW, TM_AT_BOOL, NULL, "encrypted at rest (store) or end to end (flow)"},
    {"found", THREAT, TM_AT_DATE, NULL, "when the threat was found; its deadline runs from it"},
    {"handles", PROCESS | EXTERNAL, TM_AT_IDS, NULL, "assets it works on beyond those its flows carry"},
    {"history", MODEL, TM_AT_ANY, NULL,
     "the version history: a list of `{ version date author changes }`, one entry per version"},
    {"hosting", MODEL, TM_AT_TEXT, NULL, "the Project Context line about hosting"},
    {"impact", THREAT, TM_AT_BLOCK, NULL, "impact factors, each 1 to 3"},
    {"in_scope", TM_VK_ALL_ELEMENTS, TM_AT_BOOL, NULL, "`false`: drawn, but no generated threats"},
    {"kind", NODES | ASSET | ACTOR | BOUNDARY, TM_AT_TEXT, NULL,
     "what the element is: `idp`, `gateway`, `cdn`, `database`, `vault`, `service_registry`, `llm`, "
     "`agent`, `tool`, `vector_store`, `secret`, `insider`; on a boundary `host`, `cluster`, `vm`..."},
    {"likelihood", THREAT, TM_AT_BLOCK, NULL, "likelihood factors, each 1 to 3"},
    {"mitigates", MITIGATE, TM_AT_IDS, NULL, "the threats and findings the mitigation answers"},
    {"mitigation", THREAT, TM_AT_TEXT, NULL, "the advice, as text"},
    {"next_review", MODEL, TM_AT_DATE, NULL, "when the model is reviewed next"},
    {"on", THREAT, TM_AT_REFERENCE, NULL, "the element or flow the threat concerns"},
    {"owner", ASSET | MITIGATE, TM_AT_TEXT, NULL, "who owns it"},
    {"pii", ASSET, TM_AT_BOOL, NULL, "personal data (turns on the linddun pack)"},
    {"protocol", FLOW, TM_AT_TEXT, NULL, "the protocol: `https`, `postgres`, `redis`, `ssh`..."},
    {"regulatory", MODEL, TM_AT_LIST, NULL, "the regulations that apply: `[\"GDPR\"]`"},
    {"reviewers", MODEL, TM_AT_LIST, NULL, "who reviews the model"},
    {"runs_on", PROCESS | STORE, TM_AT_TEXT, NULL,
     "the host, cluster or runtime it runs on: a process or boundary of the model, or a quoted name"},
    {"sensitivity", MODEL | ASSET, TM_AT_ENUM, "low medium high critical",
     "how bad a loss is (asset), or the model's overall data sensitivity"},
    {"stack", MODEL, TM_AT_TEXT, NULL, "the Project Context line about the stack"},
    {"status", MODEL | MITIGATE, TM_AT_ENUM,
     "draft reviewed approved planned in_progress implemented verified",
     "model: draft, reviewed or approved; mitigation: planned, in_progress, implemented or verified"},
    {"stores", STORE, TM_AT_IDS, NULL, "the assets the store keeps"},
    {"tech", NODES | BOUNDARY, TM_AT_TEXT, NULL, "the technology: `nextjs`, `hono`, `postgresql`, `k3s`..."},
    {"tls", FLOW | STORE, TM_AT_BOOL, NULL, "encrypted in transit (on a store: its connections use TLS)"},
    {"until", ACCEPT, TM_AT_DATE, NULL, "when the acceptance lapses"},
    {"version", MODEL, TM_AT_TEXT, NULL, "the version of the document, `\"1.3\"`"},
    {"wiki", MODEL, TM_AT_TEXT, NULL,
     "where the threat-model document is kept in the repository: "
     "`wiki/docs/clients/acme/security/threat-model.md`"},
    {"zone", EXTERNAL, TM_AT_ENUM, "internet partner internal", "where the external entity sits"},
};

struct tm_vocab {
	tm_arena *arena;
	tm_strmap *by_name;
	tm_attr_decl **items; /* sorted by name */
	size_t count, cap;
};

static void add_value(tm_vocab *vocab, tm_attr_decl *decl, const char *word, size_t len)
{
	for (size_t i = 0; i < decl->nvalues; i++)
		if (strlen(decl->values[i]) == len && strncmp(decl->values[i], word, len) == 0)
			return;
	decl->values = tm_xrealloc(decl->values, (decl->nvalues + 1) * sizeof(*decl->values));
	decl->values[decl->nvalues++] = tm_arena_strndup(vocab->arena, word, len);
}

static void add_declarer(tm_vocab *vocab, tm_attr_decl *decl, const char *by)
{
	for (size_t i = 0; i < decl->ndeclared_by; i++)
		if (strcmp(decl->declared_by[i], by) == 0)
			return;
	decl->declared_by = tm_xrealloc(decl->declared_by, (decl->ndeclared_by + 1) * sizeof(char *));
	decl->declared_by[decl->ndeclared_by++] = tm_arena_strdup(vocab->arena, by);
}

tm_vocab *tm_vocab_new(void)
{
	tm_vocab *vocab = tm_xcalloc(1, sizeof(*vocab));
	vocab->arena = tm_arena_new();
	vocab->by_name = tm_strmap_new(256);
	for (size_t i = 0; i < sizeof language / sizeof language[0]; i++) {
		const builtin *b = &language[i];
		const char *values[64];
		size_t nvalues = 0;
		for (const char *p = b->values; p && *p && nvalues < 64;) {
			size_t len = strcspn(p, " ");
			values[nvalues++] = tm_arena_strndup(vocab->arena, p, len);
			p += len;
			p += strspn(p, " ");
		}
		tm_attr_decl decl = {.name = b->name,
		                     .doc = b->doc,
		                     .kinds = b->kinds,
		                     .type = b->type,
		                     .values = values,
		                     .nvalues = nvalues};
		char error[128];
		tm_vocab_declare(vocab, &decl, "language", error, sizeof error);
	}
	return vocab;
}

void tm_vocab_free(tm_vocab *vocab)
{
	if (!vocab)
		return;
	for (size_t i = 0; i < vocab->count; i++) {
		free(vocab->items[i]->values);
		free(vocab->items[i]->declared_by);
	}
	free(vocab->items);
	tm_strmap_free(vocab->by_name);
	tm_arena_free(vocab->arena);
	free(vocab);
}

static bool valid_name(const char *name)
{
	unsigned char c = (unsigned char)name[0];
	if (!(c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z')))
		return false;
	for (size_t i = 1; name[i]; i++) {
		c = (unsigned char)name[i];
		bool alnum = c == '_' || ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && name[i + 1] && name[i + 1] != '-'))
			return false;
	}
	return true;
}

bool tm_vocab_declare(tm_vocab *vocab, const tm_attr_decl *decl, const char *by, char *error, size_t size)
{
	if (decl->name && strlen(decl->name) > TM_VOCAB_MAX_NAME) {
		snprintf(error, size, "an attribute name is longer than %d bytes", TM_VOCAB_MAX_NAME);
		return false;
	}
	if (decl->doc && strlen(decl->doc) > TM_VOCAB_MAX_DOC) {
		snprintf(error, size, "'%s': 'doc' is longer than %d bytes (one line)", decl->name,
		         TM_VOCAB_MAX_DOC);
		return false;
	}
	for (size_t i = 0; i < decl->nvalues; i++) {
		if (strlen(decl->values[i]) > TM_VOCAB_MAX_NAME || !decl->values[i][0]) {
			snprintf(error, size, "'%s': an enum value is empty or longer than %d bytes",
			         decl->name ? decl->name : "", TM_VOCAB_MAX_NAME);
			return false;
		}
	}
	if (!decl->name || !valid_name(decl->name)) {
		snprintf(error, size,
		         "'%s' is not an attribute name (a letter or _, then letters, digits, _ and -)",
		         decl->name ? decl->name : "");
		return false;
	}
	if (tm_vocab_free_form(decl->name)) {
		snprintf(error, size,
		         "'%s' is a free-form note's name (x-... or note...): it cannot be declared",
		         decl->name);
		return false;
	}
	if ((int)decl->type < 0 || decl->type >= TM_AT_COUNT || !decl->kinds) {
		snprintf(error, size, "'%s' needs a type and the statements it applies to", decl->name);
		return false;
	}
	if (decl->type == TM_AT_ENUM && !decl->nvalues) {
		snprintf(error, size, "'%s' is an enum: give its values", decl->name);
		return false;
	}
	if (decl->type != TM_AT_ENUM && decl->nvalues) {
		snprintf(error, size, "'%s': only an enum has values", decl->name);
		return false;
	}
	tm_attr_decl *known = tm_strmap_get(vocab->by_name, decl->name);
	if (known) {
		if (known->type != decl->type) {
			snprintf(error, size, "'%s' is already declared as %s by %s", decl->name,
			         tm_attr_type_names[known->type], known->declared_by[0]);
			return false;
		}
		if (known->nvalues + decl->nvalues > TM_VOCAB_MAX_VALUES) {
			snprintf(error, size, "'%s' would have more than %d values", decl->name,
			         TM_VOCAB_MAX_VALUES);
			return false;
		}
	} else if (vocab->count == TM_VOCAB_MAX_ATTRIBUTES) {
		snprintf(error, size, "more than %d attributes are declared", TM_VOCAB_MAX_ATTRIBUTES);
		return false;
	} else {
		known = tm_arena_alloc(vocab->arena, sizeof(*known));
		memset(known, 0, sizeof(*known));
		known->name = tm_arena_strdup(vocab->arena, decl->name);
		known->doc = tm_arena_strdup(vocab->arena, decl->doc ? decl->doc : "");
		known->type = decl->type;
		tm_strmap_add(vocab->by_name, known->name, known);
		TM_VEC_PUSH(vocab->items, vocab->count, vocab->cap, known);
		size_t at = vocab->count - 1;
		while (at > 0 && strcmp(vocab->items[at - 1]->name, known->name) > 0) {
			vocab->items[at] = vocab->items[at - 1];
			at--;
		}
		vocab->items[at] = known;
	}
	known->kinds |= decl->kinds;
	for (size_t i = 0; i < decl->nvalues; i++)
		add_value(vocab, known, decl->values[i], strlen(decl->values[i]));
	add_declarer(vocab, known, by);
	return true;
}

size_t tm_vocab_count(const tm_vocab *vocab)
{
	return vocab ? vocab->count : 0;
}

const tm_attr_decl *tm_vocab_get(const tm_vocab *vocab, size_t index)
{
	return vocab && index < vocab->count ? vocab->items[index] : NULL;
}

const tm_attr_decl *tm_vocab_find(const tm_vocab *vocab, const char *name)
{
	return vocab && name ? tm_strmap_get(vocab->by_name, name) : NULL;
}

int tm_vocab_kind_of(const char *word)
{
	for (int i = 0; word && i < TM_VK_COUNT; i++)
		if (strcmp(word, tm_vocab_kind_names[i]) == 0)
			return i;
	return -1;
}

int tm_vocab_type_of(const char *word)
{
	for (int i = 0; word && i < TM_AT_COUNT; i++)
		if (strcmp(word, tm_attr_type_names[i]) == 0)
			return i;
	return -1;
}

bool tm_vocab_free_form(const char *name)
{
	/* called for every attribute of a model: no library call */
	if (name[0] == 'x')
		return name[1] == '-';
	return name[0] == 'n' && name[1] == 'o' && name[2] == 't' && name[3] == 'e';
}

/* ---- the check ---- */

/* An enum message lists at most this many values. */
#define MAX_VALUES_SHOWN 10

typedef struct checker {
	const tm_vocab *vocab;
	tm_diags *diags;
	bool strict;
	size_t problems;
	const char **names; /* every declared name, for suggestions */
} checker;

static tm_diag *report(checker *c, tm_span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static tm_diag *report(checker *c, tm_span span, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	c->problems++;
	return c->strict ? tm_diag_error(c->diags, span, "%s", message)
	                 : tm_diag_warning(c->diags, span, "%s", message);
}

static tm_span no_span(void)
{
	return (tm_span){0};
}

/* The closest candidate: one equal but for case first (`TLS` for `tls`),
 * else the nearest by edit distance. */
static const char *closest(const char *word, const char *const *candidates, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcasecmp(word, candidates[i]) == 0)
			return candidates[i];
	return tm_suggest(word, candidates, count);
}

/* "process, store" */
static void kinds_text(tm_buf *out, unsigned kinds)
{
	size_t n = 0;
	for (int k = 0; k < TM_VK_COUNT; k++)
		if (kinds & (1u << k))
			tm_buf_printf(out, "%s%s", n++ ? ", " : "", tm_vocab_kind_names[k]);
}

static const char *value_kind_name(const tm_value *value)
{
	switch (value->kind) {
	case TM_VAL_IDENT: return "a word";
	case TM_VAL_STRING: return "a string";
	case TM_VAL_NUMBER: return "a number";
	case TM_VAL_BOOL: return "a boolean";
	case TM_VAL_DATE: return "a date";
	case TM_VAL_LIST: return "a list";
	case TM_VAL_BLOCK: return "a block";
	default: return "a reference";
	}
}

static bool is_word(const tm_value *value)
{
	return value->kind == TM_VAL_IDENT || value->kind == TM_VAL_STRING;
}

/* A list whose items are all words or strings. */
static bool is_word_list(const tm_value *value)
{
	if (value->kind != TM_VAL_LIST)
		return false;
	for (uint32_t i = 0; i < value->nitems; i++)
		if (!is_word(value->items[i]))
			return false;
	return true;
}

static bool type_accepts(tm_attr_type type, const tm_value *value)
{
	switch (type) {
	case TM_AT_BOOL: return value->kind == TM_VAL_BOOL;
	case TM_AT_CONTROL:
		return value->kind == TM_VAL_BOOL || is_word(value) || value->kind == TM_VAL_NUMBER ||
		       value->kind == TM_VAL_LIST;
	case TM_AT_ENUM:
	case TM_AT_LIST: return is_word(value) || is_word_list(value);
	case TM_AT_NUMBER: return value->kind == TM_VAL_NUMBER;
	case TM_AT_DATE: return value->kind == TM_VAL_DATE;
	case TM_AT_TEXT: return is_word(value) || value->kind == TM_VAL_NUMBER;
	case TM_AT_IDS:
		return value->kind == TM_VAL_IDENT || value->kind == TM_VAL_LIST || value->kind == TM_VAL_REF;
	case TM_AT_REFERENCE: return value->kind == TM_VAL_IDENT || value->kind == TM_VAL_REF;
	case TM_AT_BLOCK: return value->kind == TM_VAL_BLOCK;
	default: return true;
	}
}

static bool enum_has(const tm_attr_decl *decl, const char *word)
{
	for (size_t i = 0; i < decl->nvalues; i++)
		if (strcasecmp(decl->values[i], word) == 0)
			return true;
	return false;
}

/* A bare word of an enum attribute outside its values (a quoted string is
 * free text). */
static void check_enum_word(checker *c, const tm_attr_decl *decl, const tm_value *value, const tm_source *src)
{
	if (value->kind != TM_VAL_IDENT || !value->text || enum_has(decl, value->text))
		return;
	/* a long list is left to `threat rules --attributes` */
	tm_buf values = TM_BUF_INIT;
	if (decl->nvalues > MAX_VALUES_SHOWN)
		tm_buf_printf(&values, "%zu values: see `threat rules --attributes`", decl->nvalues);
	for (size_t i = 0; decl->nvalues <= MAX_VALUES_SHOWN && i < decl->nvalues; i++)
		tm_buf_printf(&values, "%s%s", i ? ", " : "", decl->values[i]);
	tm_diag *d = report(c, tm_value_span(value, src), "'%s' is not a value of %s (%s)", value->text,
	                    decl->name, tm_buf_str(&values));
	tm_buf_free(&values);
	const char *suggestion = closest(value->text, (const char *const *)decl->values, decl->nvalues);
	if (suggestion)
		tm_diag_note(d, no_span(), "did you mean '%s'?", suggestion);
}

/* A statement being checked, with the process it lies in: its name is
 * only spelled out for a message. */
typedef struct subject {
	const tm_decl *decl;
	const struct subject *parent;
	int kind; /* a TM_VK_ kind */
} subject;

static void dotted_id(tm_buf *out, const subject *s)
{
	if (s->parent && s->parent->decl->id) {
		dotted_id(out, s->parent);
		tm_buf_putc(out, '.');
	}
	tm_buf_puts(out, s->decl->id);
}

/* "process api.dal", "flow web->api", "model" */
static void subject_text(tm_buf *out, const subject *s)
{
	const tm_decl *decl = s->decl;
	tm_buf_puts(out, tm_decl_keywords[decl->kind]);
	if (decl->id) {
		tm_buf_putc(out, ' ');
		dotted_id(out, s);
	} else if (decl->target && decl->target->name && decl->target->target) {
		tm_buf_printf(out, " %s->%s", decl->target->name, decl->target->target);
	}
}

static void check_attr(checker *c, const tm_attr *attr, const subject *s)
{
	if (!attr->name || !attr->value || tm_vocab_free_form(attr->name))
		return;
	const tm_attr_decl *decl = tm_vocab_find(c->vocab, attr->name);
	const tm_source *src = s->decl->span.src;
	int kind = s->kind;
	tm_span name_span = tm_attr_name_span(attr, src);
	if (!decl) {
		tm_buf what = TM_BUF_INIT;
		subject_text(&what, s);
		tm_diag *d =
		    report(c, name_span, "unknown attribute '%s' on %s", attr->name, tm_buf_str(&what));
		tm_buf_free(&what);
		const char *suggestion = closest(attr->name, c->names, c->vocab->count);
		if (suggestion)
			tm_diag_note(d, no_span(), "did you mean '%s'?", suggestion);
		else
			tm_diag_note(d, no_span(),
			             "no loaded pack declares it (`threat rules --attributes` lists those "
			             "they do); a free-form note's name starts with `x-` or `note`");
		return;
	}
	if (!(decl->kinds & (1u << kind))) {
		tm_buf kinds = TM_BUF_INIT;
		kinds_text(&kinds, decl->kinds);
		report(c, name_span, "attribute '%s' does not apply to %s %s (it applies to: %s)", attr->name,
		       kind == TM_EL_EXTERNAL || kind == TM_EL_ASSET || kind == TM_EL_ACTOR ||
		               kind == TM_VK_ACCEPT
		           ? "an"
		           : "a",
		       tm_vocab_kind_names[kind], tm_buf_str(&kinds));
		tm_buf_free(&kinds);
		return;
	}
	const tm_value *value = attr->value;
	if (!type_accepts(decl->type, value)) {
		report(c, tm_value_span(value, src), "%s takes %s, not %s", attr->name,
		       type_wants[decl->type], value_kind_name(value));
		return;
	}
	if (decl->type == TM_AT_ENUM) {
		if (value->kind == TM_VAL_LIST)
			for (uint32_t i = 0; i < value->nitems; i++)
				check_enum_word(c, decl, value->items[i], src);
		else
			check_enum_word(c, decl, value, src);
	}
}

static int vocab_kind(tm_decl_kind kind)
{
	switch (kind) {
	case TM_DECL_MODEL: return TM_VK_MODEL;
	case TM_DECL_ASSET: return TM_EL_ASSET;
	case TM_DECL_ACTOR: return TM_EL_ACTOR;
	case TM_DECL_EXTERNAL: return TM_EL_EXTERNAL;
	case TM_DECL_PROCESS: return TM_EL_PROCESS;
	case TM_DECL_STORE: return TM_EL_STORE;
	case TM_DECL_BOUNDARY: return TM_EL_BOUNDARY;
	case TM_DECL_FLOW: return TM_EL_FLOW;
	case TM_DECL_THREAT: return TM_VK_THREAT;
	case TM_DECL_MITIGATION: return TM_VK_MITIGATION;
	case TM_DECL_ACCEPT: return TM_VK_ACCEPT;
	default: return -1;
	}
}

static void check_decl(checker *c, const tm_decl *decl, const subject *parent)
{
	int kind = vocab_kind(decl->kind);
	if (kind < 0 || !decl->block)
		return;
	subject self = {decl, parent, kind};
	const tm_block *block = decl->block;
	for (size_t i = 0; i < block->count; i++) {
		if (block->items[i].attr)
			check_attr(c, block->items[i].attr, &self);
		else if (block->items[i].decl)
			check_decl(c, block->items[i].decl, &self);
	}
}

size_t tm_vocab_check(const tm_vocab *vocab, const tm_model *model, tm_diags *diags, bool strict)
{
	if (!vocab || !model)
		return 0;
	checker c = {.vocab = vocab, .diags = diags, .strict = strict};
	c.names = tm_xmalloc((vocab->count + 1) * sizeof(*c.names));
	for (size_t i = 0; i < vocab->count; i++)
		c.names[i] = vocab->items[i]->name;
	for (size_t f = 0; f < model->nfiles; f++) {
		const tm_file *file = model->files[f];
		for (size_t i = 0; i < file->ndecls; i++)
			check_decl(&c, file->decls[i], NULL);
	}
	free(c.names);
	return c.problems;
}
